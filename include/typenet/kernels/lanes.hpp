// SPDX-License-Identifier: BSL-1.0
// Defines for_each_lane: one loop body written once, run over SIMD vectors and then over the
// scalar tail. Optimisers and clipping use it to update several arrays in a single pass.
#pragma once

#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/simd.hpp>

#include <cstddef>

namespace typenet::kernels {

template <class Arch>
struct simd_lane {};
struct scalar_lane {};

template <class Arch, class T>
simd::vec<T, Arch> lane_load(simd_lane<Arch>, const T* p) noexcept {
    return simd::load<Arch>(p);
}
template <class T>
T lane_load(scalar_lane, const T* p) noexcept {
    return *p;
}
template <class Arch, class T>
void lane_store(simd_lane<Arch>, T* p, const simd::vec<T, Arch>& v) noexcept {
    simd::store(p, v);
}
template <class T>
void lane_store(scalar_lane, T* p, const T& v) noexcept {
    *p = v;
}

/// body(i, lane) for i = begin, begin + w, ... with a simd_lane while a whole vector fits before
/// end, then for each remaining i with a scalar_lane; the body loads with lane_load(lane, p + i)
/// and stores with lane_store. With begin a multiple of w, every i takes the lane kind it takes
/// in one pass over [0, end): a pass cut into such parts computes the same numbers.
template <class T, class Body, class Arch = simd::default_arch>
void for_each_lane(index_range part, Body&& body) {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    std::size_t i = part.begin;
    for (const std::size_t i_end = part.end - part.size() % w; i < i_end; i += w) body(i, simd_lane<Arch>{});
    for (; i < part.end; ++i) body(i, scalar_lane{});
}
/// The same over [0, n).
template <class T, class Body, class Arch = simd::default_arch>
void for_each_lane(std::size_t n, Body&& body) {
    for_each_lane<T, Body, Arch>(index_range{0, n}, static_cast<Body&&>(body));
}

}  // namespace typenet::kernels

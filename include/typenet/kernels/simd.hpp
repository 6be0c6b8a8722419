// SPDX-License-Identifier: BSL-1.0
// Defines typenet's SIMD vocabulary over xsimd: vector and mask types, loads and stores, and
// math that works on scalars and SIMD vectors alike. The only file that includes xsimd.
#pragma once

// GCC 12 reports -W(maybe-)uninitialized inside its own AVX-512 intrinsics (the self-initialised
// `_mm512_undefined_*`), wherever xsimd inlines them; the location is the intrinsics header, so
// silencing it around this include silences exactly that and nothing of ours.
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#  pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

namespace typenet::simd {

/// The instruction set kernels use unless told otherwise: the best one the compiler targets
/// (`-march=native` on this project's own targets; SSE2 for a plain x86-64 build).
using default_arch = xsimd::default_arch;

template <class T, class Arch = default_arch>
using vec = xsimd::batch<T, Arch>;

template <class T, class Arch = default_arch>
using mask = xsimd::batch_bool<T, Arch>;

template <class T, class Arch = default_arch>
inline constexpr std::size_t width_v = vec<T, Arch>::size;

template <class Arch, class T>
vec<T, Arch> load(const T* p) noexcept {
    return vec<T, Arch>::load_unaligned(p);
}

template <class T, class Arch>
void store(T* p, const vec<T, Arch>& v) noexcept {
    v.store_unaligned(p);
}

// Math shared by the scalar tail and the SIMD body: xsimd overloads each name for scalars
// (forwarding to <cmath>) and for vectors, so one functor body serves both.
using xsimd::abs;
using xsimd::cos;
using xsimd::erf;
using xsimd::exp;
using xsimd::fma;
using xsimd::expm1;
using xsimd::log;
using xsimd::log1p;
using xsimd::max;
using xsimd::min;
using xsimd::sin;
using xsimd::sqrt;
using xsimd::tanh;

#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__) && XSIMD_WITH_AVX512BW
// Without optimisation, GCC 12 expands _mm512_mask_blend_epi8 as a macro whose cast rejects
// xsimd's integer batches, and xsimd 8.1's float and double log reach it through the avx512bw
// integer select. The same registers run xsimd's avx512dq kernels, which do not take that path.
template <class T>
    requires(std::is_floating_point_v<T>)
vec<T, xsimd::avx512bw> log(const vec<T, xsimd::avx512bw>& x) noexcept {
    using reg = typename vec<T, xsimd::avx512bw>::register_type;
    using dq = xsimd::batch<T, xsimd::avx512dq>;
    return vec<T, xsimd::avx512bw>(static_cast<reg>(xsimd::log(dq(static_cast<reg>(x)))));
}
#endif

template <class T, class Arch>
vec<T, Arch> select(const mask<T, Arch>& c, const vec<T, Arch>& a, const vec<T, Arch>& b) noexcept {
    return xsimd::select(c, a, b);
}
template <class T>
T select(bool c, const T& a, const T& b) noexcept {
    return c ? a : b;
}

/// Sum of a vector's lanes.
template <class T, class Arch>
T reduce_sum(const vec<T, Arch>& v) noexcept {
    return xsimd::hadd(v);
}

/// Largest lane (xsimd 8.1 has no horizontal max, so go through memory).
template <class T, class Arch>
T reduce_max(const vec<T, Arch>& v) noexcept {
    alignas(64) T lanes[vec<T, Arch>::size];
    v.store_aligned(lanes);
    return *std::max_element(lanes, lanes + vec<T, Arch>::size);
}
template <class T, class Arch>
T reduce_min(const vec<T, Arch>& v) noexcept {
    alignas(64) T lanes[vec<T, Arch>::size];
    v.store_aligned(lanes);
    return *std::min_element(lanes, lanes + vec<T, Arch>::size);
}

}  // namespace typenet::simd

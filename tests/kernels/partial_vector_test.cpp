// SPDX-License-Identifier: BSL-1.0
// Tests simd::load_first and simd::store_first, the partial vector at the right edge of a GEMM
// tile (gemm_microkernel.hpp): for every n from 0 to the width, load_first gives the first n
// values and zeros after them, and store_first writes the first n lanes and nothing after them.
// Neither may touch memory past p + n, so the n values end where a page the process may not
// access begins: a read or a write past them is a fault. Built once per instruction set with the
// rest of the kernels area (AVX-512 masks the access, the others go through a buffer).
#include <typenet/kernels/simd.hpp>

#include "guarded_buffer.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <tuple>

namespace simd = typenet::simd;

namespace {
using arch = simd::default_arch;
using value_types = std::tuple<float, double>;
}  // namespace

BOOST_AUTO_TEST_SUITE(partial_vector)

BOOST_AUTO_TEST_CASE_TEMPLATE(load_first_reads_n_values_and_nothing_after_them, T, value_types) {
    constexpr std::size_t w = simd::width_v<T, arch>;
    for (std::size_t n = 0; n <= w; ++n) {
        const guarded_buffer<T> buffer(n);
        T* p = buffer.data();
        for (std::size_t i = 0; i < n; ++i) p[i] = T(i + 1);
        alignas(64) T lanes[w];
        simd::load_first<arch>(static_cast<const T*>(p), n).store_aligned(lanes);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < w; ++i) wrong += lanes[i] != (i < n ? T(i + 1) : T(0));
        BOOST_TEST(wrong == 0u, "n = " << n);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_count_past_the_width_means_the_whole_vector, T, value_types) {
    // n is clamped to the width: w values before the guard, asked for w + 3, neither fault.
    constexpr std::size_t w = simd::width_v<T, arch>;
    const guarded_buffer<T> buffer(w);
    T* p = buffer.data();
    for (std::size_t i = 0; i < w; ++i) p[i] = T(i + 1);
    alignas(64) T lanes[w];
    simd::load_first<arch>(static_cast<const T*>(p), w + 3).store_aligned(lanes);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < w; ++i) wrong += lanes[i] != T(i + 1);
    const auto twice = simd::vec<T, arch>::load_aligned(lanes) + simd::vec<T, arch>::load_aligned(lanes);
    simd::store_first(p, w + 3, twice);
    for (std::size_t i = 0; i < w; ++i) wrong += p[i] != T(2 * (i + 1));
    BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(store_first_writes_n_lanes_and_nothing_after_them, T, value_types) {
    constexpr std::size_t w = simd::width_v<T, arch>;
    alignas(64) T values[w];
    for (std::size_t i = 0; i < w; ++i) values[i] = T(i + 1);
    const auto v = simd::vec<T, arch>::load_aligned(values);
    for (std::size_t n = 0; n <= w; ++n) {
        // n values before the guard, and a mark in front of them that must stay.
        const guarded_buffer<T> buffer(n + 1);
        T* p = buffer.data() + 1;
        p[-1] = T(-7);
        for (std::size_t i = 0; i < n; ++i) p[i] = T(-1);
        simd::store_first(p, n, v);
        std::size_t wrong = p[-1] != T(-7);
        for (std::size_t i = 0; i < n; ++i) wrong += p[i] != T(i + 1);
        BOOST_TEST(wrong == 0u, "n = " << n);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Tests simd::fma and simd::madd on a product whose rounding shows: (1 + e)(1 - e) - 1 with e
// the machine epsilon is -e^2 in one rounding and 0 in two. fma fuses a scalar always, and
// every lane of a vector where the instruction set has FMA; madd fuses exactly when the
// instruction set has FMA (has_fma_v, which must agree with the compiler's target), and gives
// each lane the bits of its scalar form. Built once per instruction set with the rest of the
// kernels area.
#include <typenet/kernels/simd.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <limits>
#include <tuple>

namespace simd = typenet::simd;

namespace {
using arch = simd::default_arch;

template <class T>
struct revealing_product {
    static constexpr T e = std::numeric_limits<T>::epsilon();
    static constexpr T a = T(1) + e, b = T(1) - e, c = T(-1);
    static constexpr T fused = -e * e;  // exact: a power of two
    static constexpr T unfused = T(0);  // a * b rounds to 1
};

template <class T>
void check_every_lane(const simd::vec<T, arch>& v, T expected) {
    constexpr std::size_t w = simd::width_v<T, arch>;
    alignas(64) T lanes[w];
    v.store_aligned(lanes);
    std::size_t wrong = 0;
    for (T lane : lanes) wrong += lane != expected;
    BOOST_TEST(wrong == 0u);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(madd)

using value_types = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE(the_trait_agrees_with_the_compile_target) {
#if defined(__FMA__) || defined(__AVX512F__)
    BOOST_TEST(simd::has_fma_v<arch>);
#else
    BOOST_TEST(!simd::has_fma_v<arch>);
#endif
    BOOST_TEST(simd::has_fma_v<xsimd::avx512bw>);
    BOOST_TEST(simd::has_fma_v<xsimd::fma3<xsimd::avx2>>);
    BOOST_TEST(!simd::has_fma_v<xsimd::avx2>);
    BOOST_TEST(!simd::has_fma_v<xsimd::sse2>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fma_rounds_once_in_a_scalar_and_in_every_lane_where_it_can, T, value_types) {
    using p = revealing_product<T>;
    using V = simd::vec<T, arch>;
    volatile T va = p::a, vb = p::b, vc = p::c;
    const T a = va, b = vb, c = vc;
    BOOST_TEST(simd::fma(a, b, c) == p::fused);
    // With AVX-512 through the instruction itself (xsimd 8.1 would multiply, then add); without
    // FMA instructions xsimd's vectors round twice.
    check_every_lane(simd::fma(V(a), V(b), V(c)), simd::has_fma_v<arch> ? p::fused : p::unfused);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(madd_fuses_exactly_when_the_instruction_set_has_fma, T, value_types) {
    using p = revealing_product<T>;
    using V = simd::vec<T, arch>;
    // Read at run time, so that no compiler folds the product before it could fuse it.
    volatile T va = p::a, vb = p::b, vc = p::c;
    const T a = va, b = vb, c = vc;
    const T expected = simd::has_fma_v<arch> ? p::fused : p::unfused;
    BOOST_TEST(simd::madd<arch>(a, b, c) == expected);
    check_every_lane(simd::madd(V(a), V(b), V(c)), expected);
#if defined(__clang__) || !(defined(__FMA__) || defined(__AVX512F__))
    // A scalar computed as a lane of an instruction set without FMA rounds twice (g++ on an FMA
    // target contracts it, as it does xsimd's vectors: simd.hpp).
    BOOST_TEST(simd::madd<xsimd::sse2>(a, b, c) == p::unfused);
#endif
}

// xsimd's own fma, fms, fnma and fnms, which its exp, log and erf polynomials call, round once
// in every lane where the instruction set has FMA. xsimd 8.1 has no AVX-512 kernels for them
// (it would multiply, then add: two roundings under clang); kernels/detail/xsimd_avx512_fma.hpp
// adds them. Without them this fails under clang and under g++ at -O0, not under g++ at -O2,
// which contracts xsimd's generic multiply and add itself.
BOOST_AUTO_TEST_CASE_TEMPLATE(xsimds_fused_operations_round_once_where_the_instruction_set_has_fma, T,
                              value_types) {
    using p = revealing_product<T>;
    using V = simd::vec<T, arch>;
    volatile T va = p::a, vb = p::b, vc = p::c;
    const V a(va), b(vb), c(vc);
    const bool fused = simd::has_fma_v<arch>;
    check_every_lane(xsimd::fma(a, b, c), fused ? p::fused : p::unfused);    // a b + c
    check_every_lane(xsimd::fms(a, b, -c), fused ? p::fused : p::unfused);   // a b - (-c)
    check_every_lane(xsimd::fnma(a, b, -c), fused ? -p::fused : -p::unfused); // -a b + (-c)
    check_every_lane(xsimd::fnms(a, b, c), fused ? -p::fused : -p::unfused); // -a b - c
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Tests simd::tanh: float's rational approximation against tanh in double over every float of
// a dense sweep, its properties (odd, bounded by 1, exact at the ends, NaN passes
// through), and that a SIMD lane and the scalar tail give the same bits. Built once per
// instruction set with the rest of the area, so the FMA and non-FMA forms are both checked.
#include <typenet/kernels/simd.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace simd = typenet::simd;

namespace {

// Every 97th float from 1e-6 to 12 and every 4099th below 1e-6 (zero and subnormals
// included), both signs: about 4.1 million values, so each of the approximation's regions
// (below 4e-4, the rational part, the clamp) holds thousands of them. Built once.
const std::vector<float>& sweep() {
    static const std::vector<float> xs = [] {
        std::vector<float> v;
        v.reserve(4'200'000);
        const std::uint32_t dense_from = std::bit_cast<std::uint32_t>(1e-6f);
        for (std::uint32_t bits = 0; std::bit_cast<float>(bits) <= 12.0f; bits += bits < dense_from ? 4099 : 97) {
            const float x = std::bit_cast<float>(bits);
            v.push_back(x);
            v.push_back(-x);
        }
        return v;
    }();
    return xs;
}

std::vector<float> through_vectors(const std::vector<float>& xs) {
    constexpr std::size_t w = simd::width_v<float>;
    std::vector<float> ys(xs.size());
    std::size_t i = 0;
    for (; i + w <= xs.size(); i += w) simd::store(ys.data() + i, simd::tanh(simd::load<simd::default_arch>(xs.data() + i)));
    for (; i < xs.size(); ++i) ys[i] = simd::tanh(xs[i]);
    return ys;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(float_tanh)

BOOST_AUTO_TEST_CASE(is_within_its_bound_of_tanh_over_a_dense_sweep) {
    const auto& xs = sweep();
    const auto ys = through_vectors(xs);
    double worst_abs = 0, worst_rel_small = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double exact = std::tanh(double(xs[i]));
        const double err = std::abs(double(ys[i]) - exact);
        worst_abs = std::max(worst_abs, err);
        // Near 0 the absolute bound says little: there the error must be relative, a few ulp.
        if (xs[i] != 0 && std::abs(xs[i]) < 0.5f) worst_rel_small = std::max(worst_rel_small, err / std::abs(exact));
    }
    BOOST_TEST_MESSAGE("float tanh: worst absolute error " << worst_abs << ", worst relative below 0.5 "
                                                          << worst_rel_small);
    // 5 ulp at 1; without FMA, each step of the polynomials rounds twice (simd::madd).
    BOOST_TEST(worst_abs < (simd::has_fma_v<simd::default_arch> ? 3e-7 : 4e-7));
    BOOST_TEST(worst_rel_small < 3e-7);
}

BOOST_AUTO_TEST_CASE(a_simd_lane_and_the_scalar_tail_give_the_same_bits) {
    const auto& xs = sweep();
    const auto ys = through_vectors(xs);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) differ += std::bit_cast<std::uint32_t>(ys[i]) != std::bit_cast<std::uint32_t>(simd::tanh(xs[i]));
    BOOST_TEST(differ == 0u);
}

BOOST_AUTO_TEST_CASE(is_odd_and_bounded_by_one) {
    const auto& xs = sweep();  // x, -x pairs
    const auto ys = through_vectors(xs);
    std::size_t not_odd = 0, above_one = 0;
    for (std::size_t i = 0; i + 1 < xs.size(); i += 2) {
        not_odd += ys[i + 1] != -ys[i];
        above_one += std::abs(ys[i]) > 1.0f;
    }
    BOOST_TEST(not_odd == 0u);
    BOOST_TEST(above_one == 0u);
}

BOOST_AUTO_TEST_CASE(is_exact_at_the_ends_and_passes_nan_and_signed_zero) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    for (const float x : {9.0f, 20.0f, 1e30f, inf}) {
        BOOST_TEST(simd::tanh(x) == 1.0f);
        BOOST_TEST(simd::tanh(-x) == -1.0f);
    }
    BOOST_TEST(std::isnan(simd::tanh(std::numeric_limits<float>::quiet_NaN())));
    BOOST_TEST(std::signbit(simd::tanh(-0.0f)));
    const auto v = simd::tanh(simd::vec<float>(std::numeric_limits<float>::quiet_NaN()));
    BOOST_TEST(std::isnan(simd::reduce_sum(v)));
    BOOST_TEST(simd::reduce_min(simd::tanh(simd::vec<float>(inf))) == 1.0f);
}

BOOST_AUTO_TEST_CASE(double_stays_within_an_ulp_or_two) {
    for (double x = -20; x <= 20; x += 0.001) {
        const double exact = std::tanh(x);
        alignas(64) double lanes[simd::width_v<double>];
        simd::tanh(simd::vec<double>(x)).store_aligned(lanes);
        const double got = lanes[simd::width_v<double> - 1];
        BOOST_TEST_REQUIRE(std::abs(got - exact) <= 4e-16 * std::abs(exact) + 1e-300);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Checks the init policies (typenet/nn/init/*.hpp) as a network applies them: determinism from
// the seed, statistics against each policy's formula on a 256 x 512 layer, biases at zero, and
// one random stream per state_dict index (changing one layer leaves the others' values alone).
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <tuple>
#include <vector>

namespace {

namespace tn = typenet;

constexpr std::size_t fan_in = 512, fan_out = 256;

template <class P>
using wide = tn::basic_network<double, tn::input<fan_in>, tn::dense<fan_out, P>>;

struct expectation {
    double variance;
    double bound;  // 0: unbounded (normal)
};

template <class P>
expectation expected() {
    const double in = fan_in, out = fan_out;
    if constexpr (std::is_same_v<P, tn::init::xavier_normal>) return {2.0 / (in + out), 0.0};
    if constexpr (std::is_same_v<P, tn::init::xavier_uniform>) {
        const double a = std::sqrt(6.0 / (in + out));
        return {a * a / 3.0, a};
    }
    if constexpr (std::is_same_v<P, tn::init::he_normal>) return {2.0 / in, 0.0};
    if constexpr (std::is_same_v<P, tn::init::he_uniform>) {
        const double a = std::sqrt(6.0 / in);
        return {a * a / 3.0, a};
    }
    if constexpr (std::is_same_v<P, tn::init::lecun_normal>) return {1.0 / in, 0.0};
    return {0.0, 0.0};
}

using random_policies = std::tuple<tn::init::xavier_normal, tn::init::xavier_uniform, tn::init::he_normal,
                                   tn::init::he_uniform, tn::init::lecun_normal>;

}  // namespace

BOOST_AUTO_TEST_SUITE(init)

BOOST_AUTO_TEST_CASE_TEMPLATE(weights_follow_the_policy_formula, P, random_policies) {
    wide<P> m{tn::seed{123}};
    const auto w = m.parameter("0.weight");
    const auto b = m.parameter("0.bias");
    const double n = static_cast<double>(w.size());
    double mean = 0;
    for (double v : w) mean += v;
    mean /= n;
    double var = 0, max_abs = 0;
    for (double v : w) {
        var += (v - mean) * (v - mean);
        max_abs = std::max(max_abs, std::abs(v));
    }
    var /= n;
    const expectation e = expected<P>();
    BOOST_TEST_CONTEXT(P::name << ": mean " << mean << ", variance " << var << " (expected " << e.variance << ")") {
        BOOST_TEST(std::abs(mean) < 5.0 * std::sqrt(e.variance / n));
        BOOST_TEST(var == e.variance, boost::test_tools::tolerance(0.02));
        if (e.bound > 0) {
            BOOST_TEST(max_abs <= e.bound);
            BOOST_TEST(max_abs > 0.999 * e.bound);
        } else {
            // A normal sample of 131072 reaches beyond 3 standard deviations.
            BOOST_TEST(max_abs > 3.0 * std::sqrt(e.variance));
        }
        BOOST_TEST(std::all_of(b.begin(), b.end(), [](double v) { return v == 0.0; }));
    }
}

BOOST_AUTO_TEST_CASE(zeros_policy_gives_zeros) {
    tn::basic_network<double, tn::input<9>, tn::dense<7, tn::init::zeros>> m{tn::seed{5}};
    BOOST_TEST(std::all_of(m.parameters().begin(), m.parameters().end(), [](double v) { return v == 0.0; }));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(same_seed_same_values_other_seed_other_values, P, random_policies) {
    using net = tn::basic_network<double, tn::input<17>, tn::dense<9, P>, tn::relu, tn::dense<3, P>>;
    net a{tn::seed{77}}, b{tn::seed{77}}, c{tn::seed{78}};
    BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
    const auto wa = a.parameter("0.weight");
    const auto wc = c.parameter("0.weight");
    std::size_t same = 0;
    for (std::size_t i = 0; i < wa.size(); ++i) same += wa[i] == wc[i];
    BOOST_TEST(same == 0u);
    const auto va = a.parameter("2.weight");
    const auto vc = c.parameter("2.weight");
    BOOST_TEST(!std::equal(va.begin(), va.end(), vc.begin()));
}

BOOST_AUTO_TEST_CASE(each_layer_draws_from_the_stream_of_its_index) {
    using a_net = tn::basic_network<double, tn::input<8>, tn::dense<4>, tn::relu, tn::dense<3>>;
    // Layer 0 changed (policy and activation): layer 2 keeps its values.
    using b_net = tn::basic_network<double, tn::input<8>, tn::dense<4, tn::init::he_normal>, tn::tanh, tn::dense<3>>;
    a_net a{tn::seed{9}};
    b_net b{tn::seed{9}};
    const auto wa = a.parameter("2.weight");
    const auto wb = b.parameter("2.weight");
    BOOST_TEST(std::equal(wa.begin(), wa.end(), wb.begin()));
    const auto a0 = a.parameter("0.weight");
    const auto b0 = b.parameter("0.weight");
    BOOST_TEST(!std::equal(a0.begin(), a0.end(), b0.begin()));

    // Layer i is exactly the policy filled from rng(seed, i).
    std::vector<double> expect(wa.size());
    tn::detail::rng r(9, 2);
    tn::init::xavier_uniform::fill(expect.data(), expect.size(), tn::init::fan{4, 3}, r);
    // Bit for bit: rng::uniform(lo, hi) uses an explicit fma, so no call site contracts differently.
    for (std::size_t i = 0; i < expect.size(); ++i) BOOST_TEST(wa[i] == expect[i], boost::test_tools::tolerance(0.0));
}

BOOST_AUTO_TEST_CASE(float_network_holds_the_double_values_rounded) {
    using P = tn::init::he_normal;
    tn::basic_network<double, tn::input<33>, tn::dense<7, P>> d{tn::seed{3}};
    tn::basic_network<float, tn::input<33>, tn::dense<7, P>> f{tn::seed{3}};
    for (std::size_t i = 0; i < d.parameters().size(); ++i)
        BOOST_TEST(f.parameters()[i] == static_cast<float>(d.parameters()[i]));
}

BOOST_AUTO_TEST_SUITE_END()

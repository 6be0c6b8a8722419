// SPDX-License-Identifier: BSL-1.0
// Tests tn::layer_norm and tn::dropout (typenet/nn/layers/layer_norm.hpp, dropout.hpp) as
// PyTorch's nn.LayerNorm and nn.Dropout behave. layer_norm: names, shapes and initial values,
// the output against a scalar reference in both modes, a constant row, eps, fusion. dropout:
// evaluation is the identity, training drops about p of the values (binomial bounds over 1e5
// values) and scales the kept ones by exactly 1 / (1 - p), the mask is a function of (seed,
// step, layer), p = 0 and p = 1. Masks are compared by their statistics, never with PyTorch's:
// the generators differ.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>
#include <tuple>
#include <vector>

namespace tn = typenet;

namespace {

using value_types = std::tuple<float, double>;

template <class Net>
typename Net::input_batch input(std::size_t rows, double scale = 1.0, double shift = 0.3) {
    typename Net::input_batch x(rows);
    std::size_t k = 0;
    for (auto& v : x) v = static_cast<typename Net::value_type>(scale * std::sin(0.7 * double(++k)) + shift);
    return x;
}

// One forward pass of the engine, in training mode at (seed, step) or in evaluation; returns
// the whole activation buffer (masks included) and where the output starts in it.
template <class Net>
struct pass_result {
    std::vector<typename Net::value_type> acts;
    std::size_t output = 0;
};
template <class Net>
pass_result<Net> run(const Net& m, const typename Net::input_batch& x, bool training, std::uint64_t seed = 0,
                     std::uint64_t step = 0) {
    using S = typename Net::sequence;
    using T = typename Net::value_type;
    pass_result<Net> r;
    r.acts.resize(x.rows() * S::activation_size);
    tn::detail::forward_pass<T> pass;
    pass.training = training;
    pass.buffers = m.buffers().data();
    pass.seed = seed;
    pass.step = step;
    const T* y = S::forward(m.parameters().data(), x.data(), r.acts.data(), x.rows(), pass);
    r.output = static_cast<std::size_t>(y - r.acts.data());
    return r;
}

// |count - N p| within 6 standard deviations of a binomial(N, p) count (a false failure about
// once in 5e8 runs; every seed here is fixed anyway).
bool binomial_plausible(std::size_t count, std::size_t n, double p) {
    const double mean = double(n) * p, sd = std::sqrt(double(n) * p * (1 - p));
    return std::abs(double(count) - mean) <= 6 * sd;
}

constexpr std::size_t wide = 1000, tall = 100;  // 1e5 values per pass

}  // namespace

BOOST_AUTO_TEST_SUITE(normalization)

// --- layer_norm ---

BOOST_AUTO_TEST_CASE(layer_norm_state_dict_is_pytorchs) {
    using net = tn::network<tn::input<3>, tn::dense<4>, tn::layer_norm<>, tn::relu, tn::dense<2>>;
    net m;
    std::vector<std::string> names;
    std::vector<std::vector<std::size_t>> shapes;
    m.for_each_parameter([&](const auto& p) {
        names.push_back(p.name);
        shapes.push_back(p.shape);
        BOOST_TEST(p.trainable);
    });
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}));
    BOOST_TEST(shapes[2] == (std::vector<std::size_t>{4}));
    BOOST_TEST(shapes[3] == (std::vector<std::size_t>{4}));
    static_assert(net::parameter_count == 3 * 4 + 4 + 2 * 4 + 4 * 2 + 2);
    static_assert(net::buffer_count == 0);
    for (float w : m.parameter("1.weight")) BOOST_TEST(w == 1.0f);
    for (float b : m.parameter("1.bias")) BOOST_TEST(b == 0.0f);
}

BOOST_AUTO_TEST_CASE(layer_norm_takes_rank_1_and_fuses_with_an_activation) {
    static_assert(tn::layer_accepts<tn::layer_norm<>, tn::shape<5>>);
    static_assert(!tn::layer_accepts<tn::layer_norm<>, tn::shape<2, 3>>);
    using net = tn::network<tn::input<2, 3>, tn::flatten, tn::layer_norm<>, tn::gelu, tn::dense<2>>;
    constexpr auto s = tn::summary<net>();
    static_assert(s[1].fused_with_next && !s[0].fused_with_next && !s[2].fused_with_next);
    // Activations per row: the row's mean and 1 / sqrt(var + eps), then the output.
    static_assert(net::sequence::bound<1>::activation_size == 6 + 2);
    BOOST_TEST(s[1].name() == "layer_norm");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(layer_norm_matches_a_scalar_reference_in_both_modes, T, value_types) {
    using net = tn::basic_network<T, tn::input<7>, tn::layer_norm<>>;
    net m;
    const double w[] = {1.5, -2, 0.5, 1, 0.25, 3, -0.75}, b[] = {0.1, 0.2, -0.3, 0, 1, -1, 0.05};
    for (std::size_t j = 0; j < 7; ++j) {
        m.parameter("0.weight")[j] = static_cast<T>(w[j]);
        m.parameter("0.bias")[j] = static_cast<T>(b[j]);
    }
    const auto x = input<net>(5, 3.0, 10.0);  // a large mean: the two-pass variance keeps it accurate
    const auto eval = m(x);
    const auto train = run(m, x, true);
    for (std::size_t r = 0; r < 5; ++r) {
        double mean = 0, var = 0;
        for (std::size_t j = 0; j < 7; ++j) mean += double(x(r, j)) / 7;
        for (std::size_t j = 0; j < 7; ++j) var += (double(x(r, j)) - mean) * (double(x(r, j)) - mean) / 7;
        for (std::size_t j = 0; j < 7; ++j) {
            BOOST_TEST_CONTEXT("row " << r << ", value " << j) {
                const double expected = (double(x(r, j)) - mean) / std::sqrt(var + 1e-5) * w[j] + b[j];
                BOOST_TEST(double(eval(r, j)) == expected, boost::test_tools::tolerance(2e-5));
                BOOST_TEST(train.acts[train.output + r * 7 + j] == eval(r, j));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(layer_norm_of_a_constant_row_is_the_bias_and_eps_is_a_parameter) {
    using net = tn::basic_network<double, tn::input<8>, tn::layer_norm<std::ratio<1, 10>>>;
    net m;
    for (std::size_t j = 0; j < 8; ++j) m.parameter("0.bias")[j] = 0.5 * double(j);
    net::input_batch x(2);
    for (std::size_t j = 0; j < 8; ++j) {
        x(0, j) = 2.0;                    // variance 0: (x - mean) = 0 exactly, output = bias
        x(1, j) = (j % 2) ? 1.0 : -1.0;  // variance 1: xhat = x / sqrt(1 + 0.1)
    }
    const auto y = m(x);
    for (std::size_t j = 0; j < 8; ++j) {
        BOOST_TEST(y(0, j) == 0.5 * double(j));
        BOOST_TEST(y(1, j) == x(1, j) / std::sqrt(1.1) + 0.5 * double(j), boost::test_tools::tolerance(1e-14));
    }
}

// --- dropout ---

BOOST_AUTO_TEST_CASE(dropout_takes_an_index_but_has_no_parameters) {
    using net = tn::network<tn::input<4, 3>, tn::dropout<std::ratio<1, 5>>, tn::flatten, tn::dense<2>>;
    net m;
    std::vector<std::string> names;
    m.for_each_parameter([&](const auto& p) { names.push_back(p.name); });
    BOOST_TEST(names == (std::vector<std::string>{"2.weight", "2.bias"}));
    static_assert(net::layer_count == 3);
    constexpr auto s = tn::summary<net>();
    BOOST_TEST(s[0].name() == "dropout(p=0.2)");
    BOOST_TEST(tn::dropout<>::describe() == "dropout(p=0.5)");
    static_assert(s[0].output_shape.rank == 2);
    // The mask (one scale per value) and the output; p = 0 and p = 1 keep no mask.
    static_assert(net::sequence::bound<0>::activation_size == 2 * 12);
    static_assert(tn::dropout<std::ratio<0>>::bind<tn::shape<12>>::activation_size == 12);
    static_assert(tn::dropout<std::ratio<1>>::bind<tn::shape<12>>::activation_size == 12);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dropout_in_evaluation_is_the_identity, T, value_types) {
    using with = tn::basic_network<T, tn::input<10>, tn::dense<6>, tn::tanh, tn::dropout<>, tn::dense<3>>;
    using without = tn::basic_network<T, tn::input<10>, tn::dense<6>, tn::tanh, tn::dense<3>>;
    with a{tn::seed{5}};
    without b;
    std::copy(a.parameters().begin(), a.parameters().end(), b.parameters().begin());
    const auto x = input<with>(9);
    const auto ya = a(x), yb = b(x);
    BOOST_TEST(std::equal(ya.begin(), ya.end(), yb.begin(), yb.end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dropout_in_training_drops_about_p_and_scales_the_rest_exactly, T, value_types) {
    auto check = [](auto net_tag, double p) {
        using net = typename decltype(net_tag)::type;
        BOOST_TEST_CONTEXT("p = " << p) {
            net m;
            const auto x = input<net>(tall, 1.0, 2.0);  // every value in [1, 3]: none is 0
            const auto r = run(m, x, true, 42, 3);
            const T kept_scale = static_cast<T>(1.0 / (1.0 - p));
            std::size_t dropped = 0, wrong = 0;
            for (std::size_t i = 0; i < wide * tall; ++i) {
                const T y = r.acts[r.output + i];
                if (y == T(0))
                    ++dropped;
                else if (y != x.data()[i] * kept_scale)
                    ++wrong;
            }
            BOOST_TEST(wrong == 0u);
            BOOST_TEST(binomial_plausible(dropped, wide * tall, p), dropped << " of 1e5 dropped");
        }
    };
    check(std::type_identity<tn::basic_network<T, tn::input<wide>, tn::dropout<>>>{}, 0.5);
    check(std::type_identity<tn::basic_network<T, tn::input<wide>, tn::dropout<std::ratio<1, 10>>>>{}, 0.1);
    check(std::type_identity<tn::basic_network<T, tn::input<wide>, tn::dropout<std::ratio<9, 10>>>>{}, 0.9);
    check(std::type_identity<tn::basic_network<T, tn::input<wide>, tn::dropout<std::ratio<1, 3>>>>{}, 1.0 / 3.0);
}

BOOST_AUTO_TEST_CASE(dropout_masks_depend_on_seed_step_and_layer_only) {
    // A dropout, then a repeat of two: three masks per pass (a mask does not depend on the
    // values it is applied to).
    using net = tn::basic_network<double, tn::input<wide>, tn::dropout<>, tn::repeat<2, tn::dropout<>>>;
    using S = net::sequence;
    net m;
    const auto x = input<net>(tall, 1.0, 2.0);
    const std::size_t count = wide * tall;
    auto mask = [&](const pass_result<net>& r, std::size_t layer) {
        std::vector<bool> kept(count);
        // Region of element `layer` (0: the dropout, 1: the repeat, whose two copies follow
        // each other inside it): the scales are its first `count` values.
        const double* base = layer == 0 ? r.acts.data() : S::region<1>(r.acts.data(), tall);
        const double* scale = base + (layer == 2 ? 2 * count : 0);
        for (std::size_t i = 0; i < count; ++i) kept[i] = scale[i] != 0.0;
        return kept;
    };
    auto agreement = [&](const std::vector<bool>& a, const std::vector<bool>& b) {
        std::size_t same = 0;
        for (std::size_t i = 0; i < count; ++i) same += a[i] == b[i];
        return same;
    };
    const auto a = run(m, x, true, 1, 0);
    const auto again = run(m, x, true, 1, 0);
    const auto next_step = run(m, x, true, 1, 1);
    const auto other_seed = run(m, x, true, 2, 0);
    BOOST_TEST(a.acts == again.acts);  // the same (seed, step): the same masks, bit for bit
    // Independent masks of p = 1/2 agree on about half the values.
    BOOST_TEST(binomial_plausible(agreement(mask(a, 0), mask(next_step, 0)), count, 0.5));
    BOOST_TEST(binomial_plausible(agreement(mask(a, 0), mask(other_seed, 0)), count, 0.5));
    BOOST_TEST(binomial_plausible(agreement(mask(a, 0), mask(a, 1)), count, 0.5));
    BOOST_TEST(binomial_plausible(agreement(mask(a, 1), mask(a, 2)), count, 0.5));  // the repeat's copies

    // A trainer draws the same masks: step 0 with options.seed = 1 is `a`'s first layer.
    tn::basic_network<double, tn::input<wide>, tn::dropout<>> single;
    typename decltype(single)::output_batch zero(tall);
    tn::trainer<decltype(single), tn::loss::mse> fit{single, {.seed = 1}};
    const auto r0 = run(single, x, true, 1, 0), r1 = run(single, x, true, 1, 1);
    auto loss = [&](const auto& r) {
        double s = 0;
        for (std::size_t i = 0; i < count; ++i) s += r.acts[r.output + i] * r.acts[r.output + i];
        return s / double(count);
    };
    BOOST_TEST(fit.step(x, zero) == loss(r0), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(fit.step(x, zero) == loss(r1), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dropout_with_p_0_is_the_identity_and_p_1_zeroes_everything, T, value_types) {
    using keep = tn::basic_network<T, tn::input<5>, tn::dense<4>, tn::dropout<std::ratio<0>>, tn::dense<2>>;
    using drop = tn::basic_network<T, tn::input<5>, tn::dense<4>, tn::dropout<std::ratio<1>>, tn::dense<2>>;
    const auto x = input<keep>(6);
    typename keep::output_batch target(6);
    target.fill(T(1));

    keep k{tn::seed{3}};
    const auto trained = run(k, x, true, 9, 4);
    const auto y = k(x);
    BOOST_TEST(std::equal(y.begin(), y.end(), trained.acts.begin() + static_cast<std::ptrdiff_t>(trained.output)));

    // p = 1: the layer after it sees zeros, so the network outputs its bias and the layers
    // before it get no gradient (dx = 0), with no division by zero anywhere.
    drop d{tn::seed{3}};
    tn::trainer<drop, tn::loss::mse> fit{d};
    const T loss = fit.backward(x, target);
    BOOST_TEST(std::isfinite(double(loss)));
    const auto g = fit.gradients();
    std::size_t checked = 0;
    g.for_each_parameter([&](const auto& p) {
        const bool before = p.name.front() == '0';
        for (T v : p.values) {
            BOOST_TEST(std::isfinite(double(v)));
            if (before) BOOST_TEST(v == T(0));
            if (p.name == "2.weight") BOOST_TEST(v == T(0));  // its input is all zeros
            ++checked;
        }
        if (p.name == "2.bias")
            for (T v : p.values) BOOST_TEST(v != T(0));
    });
    BOOST_TEST(checked == drop::parameter_count);
    const auto dropped = run(d, x, true);
    for (std::size_t r = 0; r < 6; ++r)
        for (std::size_t o = 0; o < 2; ++o) BOOST_TEST(dropped.acts[dropped.output + r * 2 + o] == d.parameter("2.bias")[o]);
}

BOOST_AUTO_TEST_SUITE_END()

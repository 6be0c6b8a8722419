// SPDX-License-Identifier: BSL-1.0
// Tests tn::residual and tn::residual_projection (typenet/nn/layers/residual.hpp): state_dict
// names, counts and shapes, the initialisation streams, the forward pass against the same
// computation by hand, and the summary's nested rows.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace tn = typenet;

namespace {

using value_types = std::tuple<float, double>;

template <class T>
using res_net = tn::basic_network<T, tn::input<6>, tn::dense<8>, tn::residual<tn::dense<8>, tn::relu, tn::dense<8>>,
                                  tn::tanh, tn::dense<3>>;
template <class T>
using proj_net = tn::basic_network<T, tn::input<8>, tn::residual_projection<tn::dense<5>, tn::relu>, tn::dense<2>>;
template <class T>
using nested_net = tn::basic_network<T, tn::input<4>, tn::repeat<2, tn::residual<tn::dense<4>, tn::tanh>>,
                                     tn::residual<tn::residual<tn::dense<4>>, tn::relu>>;

template <class Net>
std::vector<std::string> names_of(const Net& m) {
    std::vector<std::string> out;
    m.for_each_parameter([&](const auto& p) { out.push_back(p.name); });
    return out;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::string line;
    for (char c : s) {
        if (c == '\n') {
            out.push_back(line);
            line.clear();
        } else {
            line += c;
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(residual)

BOOST_AUTO_TEST_CASE(inner_layers_are_named_inside_the_block_index) {
    const res_net<float> m{tn::seed{1}};
    const std::vector<std::string> expected{"0.weight",   "0.bias",   "1.0.weight", "1.0.bias",
                                            "1.2.weight", "1.2.bias", "3.weight",   "3.bias"};
    BOOST_TEST(names_of(m) == expected, boost::test_tools::per_element());
    static_assert(res_net<float>::layer_count == 4);
    static_assert(res_net<float>::parameter_count == (6 * 8 + 8) + 2 * (8 * 8 + 8) + (8 * 3 + 3));
    BOOST_TEST(m.parameter("1.2.weight").size() == 64u);
    BOOST_CHECK_THROW(m.parameter("1.weight"), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(projection_names_its_shortcut) {
    const proj_net<double> m{tn::seed{1}};
    const std::vector<std::string> expected{"0.0.weight", "0.0.bias", "0.shortcut.weight", "0.shortcut.bias",
                                            "1.weight",   "1.bias"};
    BOOST_TEST(names_of(m) == expected, boost::test_tools::per_element());
    static_assert(std::is_same_v<proj_net<double>::output_shape, tn::shape<2>>);
    static_assert(proj_net<double>::parameter_count == (8 * 5 + 5) + (8 * 5 + 5) + (5 * 2 + 2));
    std::vector<std::vector<std::size_t>> shapes;
    m.for_each_parameter([&](const auto& p) { shapes.push_back(p.shape); });
    BOOST_TEST((shapes[2] == std::vector<std::size_t>{5, 8}));
    BOOST_TEST((shapes[3] == std::vector<std::size_t>{5}));
    // The shortcut starts like a dense<5>: bias 0, weights from the default policy, not zero.
    const auto b = m.parameter("0.shortcut.bias");
    BOOST_TEST(std::all_of(b.begin(), b.end(), [](double v) { return v == 0.0; }));
    const auto w = m.parameter("0.shortcut.weight");
    BOOST_TEST(std::any_of(w.begin(), w.end(), [](double v) { return v != 0.0; }));
}

BOOST_AUTO_TEST_CASE(nested_blocks_are_named_like_nested_sequentials) {
    const nested_net<float> m{tn::seed{1}};
    const std::vector<std::string> expected{"0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias", "2.0.0.weight",
                                            "2.0.0.bias"};
    BOOST_TEST(names_of(m) == expected, boost::test_tools::per_element());
    static_assert(nested_net<float>::layer_count == 3);
}

// Inner layers draw from their own streams: no two dense weights of the same shape start equal,
// not the blocks of a repeat, not an inner layer and an outer one.
BOOST_AUTO_TEST_CASE(inner_streams_differ_from_outer_and_sibling_streams) {
    using net = tn::basic_network<double, tn::input<4>, tn::dense<4>, tn::repeat<2, tn::residual<tn::dense<4>>>,
                                  tn::residual<tn::dense<4>>, tn::dense<4>>;
    const net m{tn::seed{5}};
    std::vector<std::vector<double>> weights;
    m.for_each_parameter([&](const auto& p) {
        if (p.name.ends_with("weight")) weights.emplace_back(p.values.begin(), p.values.end());
    });
    BOOST_TEST(weights.size() == 5u);
    for (std::size_t i = 0; i < weights.size(); ++i)
        for (std::size_t j = i + 1; j < weights.size(); ++j) BOOST_TEST((weights[i] != weights[j]));
    // And the outer layers keep the values they have without the blocks (stream = index).
    using plain = tn::basic_network<double, tn::input<4>, tn::dense<4>>;
    const plain q{tn::seed{5}};
    BOOST_TEST(std::equal(q.parameters().begin(), q.parameters().end(), m.parameters().begin()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_adds_the_input_to_the_block, T, value_types) {
    using net = tn::basic_network<T, tn::input<5>, tn::residual<tn::dense<5>, tn::tanh>>;
    const net m{tn::seed{2}};
    tn::batch<T, 5> x(3);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<T>(std::sin(1.0 + i));
    const auto y = m(x);
    const auto w = m.parameter("0.0.weight");
    const auto b = m.parameter("0.0.bias");
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t o = 0; o < 5; ++o) {
            T z = b[o];
            for (std::size_t i = 0; i < 5; ++i) z += w[o * 5 + i] * x(r, i);
            BOOST_TEST(y(r, o) == std::tanh(z) + x(r, o), boost::test_tools::tolerance(T(1e-5)));
        }
}

BOOST_AUTO_TEST_CASE(projection_forward_adds_the_shortcut) {
    using block = tn::basic_network<double, tn::input<8>, tn::residual_projection<tn::dense<5>, tn::relu>>;
    block only{tn::seed{4}};
    tn::batch<double, 8> x(2);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::cos(0.3 * i);
    const auto y = only(x);
    const auto w = only.parameter("0.0.weight"), b = only.parameter("0.0.bias");
    const auto ws = only.parameter("0.shortcut.weight"), bs = only.parameter("0.shortcut.bias");
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t o = 0; o < 5; ++o) {
            double z = b[o], s = bs[o];
            for (std::size_t i = 0; i < 8; ++i) z += w[o * 8 + i] * x(r, i), s += ws[o * 8 + i] * x(r, i);
            BOOST_TEST(y(r, o) == std::max(z, 0.0) + s, boost::test_tools::tolerance(1e-12));
        }
}

BOOST_AUTO_TEST_CASE(summary_shows_the_block_and_its_layers_indented) {
    constexpr auto s = tn::summary<res_net<float>>();
    static_assert(s.size() == 7);  // 0, 1, 1.0, 1.1, 1.2, 2, 3
    static_assert(s[1].residual && s[1].index == 1 && s[1].depth == 0);
    static_assert(s[1].parameter_count == 2 * (8 * 8 + 8));
    static_assert(s[2].depth == 1 && s[2].index == 1 && s[2].path[1] == 0);
    static_assert(s[4].path[1] == 2 && s[4].parameter_count == 8 * 8 + 8);
    static_assert(s[2].fused_with_next && !s[4].fused_with_next);
    static_assert(s[1].shortcut_fused);
    BOOST_TEST(s[1].name() == "residual<dense<8, xavier_uniform>, relu, dense<8, xavier_uniform>>");
    BOOST_TEST(s[2].label() == "1.0");
    BOOST_TEST(s[4].label() == "1.2");
    BOOST_TEST(s[5].label() == "2");
    const auto lines = lines_of(s.to_string());
    const auto has = [&](const std::string& text) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
    };
    BOOST_TEST(has("  1.0  ") );
    BOOST_TEST(has("    dense<8, xavier_uniform>"));
    BOOST_TEST(has("1.0+1.1  dense<8, xavier_uniform> + relu"));
    BOOST_TEST(has("1  shortcut added in the epilogue of the block's last stage"));

    constexpr auto p = tn::summary<proj_net<float>>();
    static_assert(p.size() == 5);
    static_assert(p[3].shortcut && p[3].parameter_count == 8 * 5 + 5);
    static_assert(p[0].residual && !p[0].shortcut_fused);  // a projection's W_s x + b_s is a GEMM of its own
    BOOST_TEST(p[3].label() == "0.shortcut");
    BOOST_TEST(p[3].name() == "dense<5, xavier_uniform>");
}

BOOST_AUTO_TEST_SUITE_END()

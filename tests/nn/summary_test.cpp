// SPDX-License-Identifier: BSL-1.0
// Tests tn::summary<Net>() (typenet/nn/summary.hpp): the printed table and its agreement with
// the network's own parameter walk. Counts and shapes are checked at compile time in
// tests/static/summary.cpp.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace tn = typenet;

namespace {

using value_types = std::tuple<float, double>;

struct mlp : tn::network<tn::input<28, 28>, tn::flatten, tn::dense<64, tn::init::he_normal>, tn::relu,
                         tn::repeat<2, tn::dense<64>, tn::tanh>, tn::dense<10>> {};

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream is(s);
    for (std::string line; std::getline(is, line);) out.push_back(line);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(summary)

BOOST_AUTO_TEST_CASE(row_names_are_the_layers_descriptions) {
    constexpr auto s = tn::summary<mlp>();
    BOOST_TEST(s[0].name() == "flatten");
    BOOST_TEST(s[1].name() == "dense<64, he_normal>");
    BOOST_TEST(s[2].name() == "relu");
    BOOST_TEST(s[3].name() == "dense<64, xavier_uniform>");
    BOOST_TEST(s[4].name() == "tanh");
    BOOST_TEST(s[5].name() == s[3].name());
    BOOST_TEST(s[7].name() == "dense<10, xavier_uniform>");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(rows_agree_with_the_state_dict, T, value_types) {
    using net = tn::basic_network<T, tn::input<28, 28>, tn::flatten, tn::dense<64, tn::init::he_normal>, tn::relu,
                                  tn::repeat<2, tn::dense<64>, tn::tanh>, tn::dense<10>>;
    constexpr auto s = tn::summary<net>();
    net model{tn::seed{1}};
    // Every parameter "<i>.<name>" belongs to row i, and the row's count is the sum of its tensors.
    std::vector<std::size_t> per_index(net::layer_count, 0);
    model.for_each_parameter([&](const tn::parameter_ref<T>& p) {
        const std::size_t index = std::stoul(p.name.substr(0, p.name.find('.')));
        per_index.at(index) += p.values.size();
    });
    for (std::size_t i = 0; i < s.size(); ++i) {
        BOOST_TEST_CONTEXT("row " << i << " (" << s[i].name() << ")") {
            BOOST_TEST(s[i].index == i);
            BOOST_TEST(s[i].parameter_count == per_index[i]);
            BOOST_TEST(s[i].parameter_bytes == per_index[i] * sizeof(T));
        }
    }
    BOOST_TEST(s.parameter_count == model.parameters().size());
}

BOOST_AUTO_TEST_CASE(table_has_header_rows_totals_and_fused_stages) {
    const std::string text = tn::summary<mlp>().to_string();
    BOOST_TEST_MESSAGE("\n" << text);
    const auto lines = lines_of(text);
    BOOST_TEST_REQUIRE(lines.size() >= 16u);
    BOOST_TEST(lines[0] == "Input shape: (batch, 28, 28), value type: 32-bit float");
    BOOST_TEST(lines[2].find("#  Layer") == 0u);
    BOOST_TEST(lines[2].find("Output shape") != std::string::npos);
    BOOST_TEST(lines[2].find("Params") != std::string::npos);
    BOOST_TEST(lines[2].find("Param bytes") != std::string::npos);
    BOOST_TEST(lines[2].find("Act bytes/row") != std::string::npos);
    BOOST_TEST(lines[5].find("dense<64, he_normal>") != std::string::npos);
    BOOST_TEST(lines[5].find("50,240") != std::string::npos);  // 784 * 64 + 64
    BOOST_TEST(lines[7].find("[repeat 1/2]") != std::string::npos);
    BOOST_TEST(lines[9].find("[repeat 2/2]") != std::string::npos);
    BOOST_TEST(text.find("Total params: 59,210 (231.29 KiB)") != std::string::npos);
    BOOST_TEST(text.find("Fused stages (each runs as one pass):\n  1+2  dense<64, he_normal> + relu\n"
                         "  3+4  dense<64, xavier_uniform> + tanh\n  5+6  dense<64, xavier_uniform> + tanh\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(columns_are_aligned) {
    const auto lines = lines_of(tn::summary<mlp>().to_string());
    // Header and the eight rows: "Output shape" starts in the same column; numbers end together.
    const std::size_t shape_col = lines[2].find("Output shape");
    const std::size_t width = lines[2].size();
    for (std::size_t i = 4; i < 12; ++i) {
        BOOST_TEST_CONTEXT("line " << i << ": " << lines[i]) {
            BOOST_TEST(lines[i].substr(shape_col, 7) == "(batch,");
            BOOST_TEST(lines[i].size() == width);
        }
    }
    BOOST_TEST(lines[1] == std::string(width, '='));
}

BOOST_AUTO_TEST_CASE(stream_output_equals_to_string) {
    std::ostringstream os;
    os << tn::summary<mlp>();
    BOOST_TEST(os.str() == tn::summary<mlp>().to_string());
}

BOOST_AUTO_TEST_CASE(a_network_without_activation_has_no_fused_stage) {
    const std::string text = tn::summary<tn::basic_network<double, tn::input<4>, tn::dense<3>>>().to_string();
    BOOST_TEST(text.find("Fused stages: none") != std::string::npos);
    BOOST_TEST(text.find("value type: 64-bit float") != std::string::npos);
    BOOST_TEST(text.find("Total params: 15 (120 B)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

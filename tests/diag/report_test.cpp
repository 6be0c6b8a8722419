// SPDX-License-Identifier: BSL-1.0
// Checks the text table (typenet/diag/table.hpp) and the CSV writer (typenet/diag/csv.hpp):
// fixed-width rows, a header row, one row per kept step per layer with the recorded values,
// an atomic write that leaves no temporary file.
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>
#include <typenet/io.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace tn = typenet;

using net = tn::network<tn::input<5>, tn::dense<7>, tn::tanh, tn::residual<tn::dense<7>, tn::relu>, tn::dense<2>>;

struct trained {
    net model{tn::seed{1}};
    tn::trainer<net, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm, tn::diagnostics<>> fit{
        model, {.optimiser = {.learning_rate = 0.1}, .clip = {.max_norm = 0.05}}};
    trained() {
        tn::batch<float, 5> x(8);
        for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 9) * 0.25f - 1.0f;
        std::vector<std::int32_t> y(8);
        for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<std::int32_t>(r % 2);
        for (int s = 0; s < 3; ++s) fit.step(x, y);
    }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}
std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, ',');) out.push_back(f);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(report)

BOOST_AUTO_TEST_CASE(table_has_a_fixed_width_row_per_layer) {
    trained t;
    const std::string table = tn::diag::format_table(t.fit.diagnostics());
    BOOST_TEST_MESSAGE("\n" << table);
    const auto lines = lines_of(table);
    const auto names = t.fit.diagnostics().names();
    BOOST_REQUIRE(lines.size() == 3 + names.size());
    BOOST_TEST(lines[0].find("step 2") == 0u);
    BOOST_TEST(lines[0].find("(clipping fired)") != std::string::npos);
    BOOST_TEST(lines[1].find("|dL/dW|") != std::string::npos);
    for (std::size_t i = 0; i < names.size(); ++i) {
        BOOST_TEST(lines[3 + i].size() == lines[1].size());
        BOOST_TEST(lines[3 + i].find(names[i]) == 0u);
        BOOST_TEST(lines[3 + i].find("e-") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(csv_has_a_header_and_a_row_per_step_per_layer) {
    trained t;
    const auto& d = t.fit.diagnostics();
    const auto path = std::filesystem::temp_directory_path() / ("typenet_diag_" + std::to_string(::getpid()) + ".csv");
    tn::diag::write_csv(path, d);
    BOOST_TEST(!std::filesystem::exists(path.string() + ".tmp"));
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    const auto lines = lines_of(text);
    BOOST_REQUIRE(lines.size() == 1 + 3 * d.names().size());
    BOOST_TEST(lines[0] == tn::diag::csv_header);
    const auto header = fields_of(lines[0]);
    std::size_t row = 1;
    for (const tn::diag::step_record& r : d.history())
        for (std::size_t i = 0; i < r.layers.size(); ++i, ++row) {
            BOOST_TEST_CONTEXT("row " << row) {
                const auto f = fields_of(lines[row]);
                BOOST_REQUIRE(f.size() == header.size());
                BOOST_TEST(std::stoul(f[0]) == r.step);
                BOOST_TEST(std::stoul(f[1]) == i);
                BOOST_TEST(f[2] == d.names()[i]);
                BOOST_TEST(std::stod(f[4]) == r.gradient_norm, boost::test_tools::tolerance(1e-8));
                BOOST_TEST(std::stod(f[5]) == r.clipped_gradient_norm, boost::test_tools::tolerance(1e-8));
                BOOST_TEST(f[6] == "1");
                BOOST_TEST(f[7] == "0");
                BOOST_TEST(std::stod(f[8]) == r.layers[i].weight_gradient, boost::test_tools::tolerance(1e-8));
                BOOST_TEST(std::stod(f[9]) == r.layers[i].bias_gradient, boost::test_tools::tolerance(1e-8));
                BOOST_TEST(std::stod(f[10]) == r.layers[i].input_gradient, boost::test_tools::tolerance(1e-8));
                BOOST_TEST(std::stod(f[11]) == r.layers[i].weight, boost::test_tools::tolerance(1e-8));
            }
        }
}

BOOST_AUTO_TEST_CASE(writing_into_a_missing_directory_throws_naming_the_file) {
    trained t;
    const std::filesystem::path path = "/nonexistent-typenet-dir/out.csv";
    try {
        tn::diag::write_csv(path, t.fit.diagnostics());
        BOOST_FAIL("no exception");
    } catch (const tn::io_error& e) {
        BOOST_TEST(std::string(e.what()).find("write_csv") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find(path.string()) != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

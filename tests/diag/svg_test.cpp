// SPDX-License-Identifier: BSL-1.0
// Checks the SVG chart writer (typenet/diag/svg.hpp, gradient_chart.hpp) by parsing its output
// minimally: tags balance, each line is a polyline with one point per drawable value, a gap
// breaks a line, decades are evenly spaced and a value 10^k sits on decade k's gridline.
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace tn = typenet;

struct element {
    std::string name;
    std::map<std::string, std::string> attributes;
};

// Every start or empty tag, in order; false when tags do not balance.
bool parse(const std::string& svg, std::vector<element>& out) {
    std::vector<std::string> open;
    std::size_t i = 0;
    while ((i = svg.find('<', i)) != std::string::npos) {
        const std::size_t end = svg.find('>', i);
        if (end == std::string::npos) return false;
        std::string tag = svg.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.starts_with("?") || tag.starts_with("!")) continue;
        if (tag.starts_with("/")) {
            if (open.empty() || open.back() != tag.substr(1)) return false;
            open.pop_back();
            continue;
        }
        const bool empty = tag.ends_with("/");
        if (empty) tag.pop_back();
        element e;
        std::istringstream in(tag);
        in >> e.name;
        std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (std::size_t p = 0; (p = rest.find("=\"", p)) != std::string::npos;) {
            std::size_t k = rest.rfind(' ', p);
            const std::string key = rest.substr(k + 1, p - k - 1);
            const std::size_t q = rest.find('"', p + 2);
            e.attributes[key] = rest.substr(p + 2, q - p - 2);
            p = q + 1;
        }
        out.push_back(e);
        if (!empty) open.push_back(e.name);
    }
    return open.empty();
}

std::vector<std::pair<double, double>> points_of(const element& e) {
    std::vector<std::pair<double, double>> out;
    std::istringstream in(e.attributes.at("points"));
    for (std::string p; in >> p;) {
        const std::size_t c = p.find(',');
        out.emplace_back(std::stod(p.substr(0, c)), std::stod(p.substr(c + 1)));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(svg)

BOOST_AUTO_TEST_CASE(chart_is_well_formed_with_log_scale_and_gaps) {
    tn::diag::chart c{"Depth study <test> & more", {}, 400, 300};
    tn::diag::panel p{"measured vs predicted", "layer", "|dL/dh|", {}, {"0", "1", "2", "3"}};
    p.lines.push_back({"measured", {0, 1, 2, 3}, {1e-3, 1e-2, 1e-1, 1}, false, {}});
    p.lines.push_back({"predicted", {0, 1, 2, 3}, {2e-3, 2e-2, 2e-1, 2}, true, {}});
    p.lines.push_back({"with a gap", {0, 1, 2, 3}, {1e-2, 0.0, 1e-1, 1e-1}, false, "black"});
    c.panels.push_back(p);
    c.panels.push_back({"second panel", "x", "y", {{"one", {0, 10}, {5, 50}, false, {}}}, {}});
    const std::string text = tn::diag::to_svg(c);
    std::vector<element> elements;
    BOOST_REQUIRE(parse(text, elements));
    BOOST_TEST(elements.front().name == "svg");
    BOOST_TEST(text.find("Depth study &lt;test&gt; &amp; more") != std::string::npos);

    std::vector<element> lines, decades;
    for (const element& e : elements) {
        if (e.name == "polyline") lines.push_back(e);
        if (e.name == "line" && e.attributes.count("class") && e.attributes.at("class") == "decade") decades.push_back(e);
    }
    // Panel 1: 4 + 4 + (1 + 2) points in four polylines; panel 2: one line of 2 points.
    BOOST_REQUIRE(lines.size() == 5u);
    BOOST_TEST(points_of(lines[0]).size() == 4u);
    BOOST_TEST(points_of(lines[1]).size() == 4u);
    BOOST_TEST(points_of(lines[2]).size() == 1u);
    BOOST_TEST(points_of(lines[3]).size() == 2u);
    BOOST_TEST(points_of(lines[4]).size() == 2u);
    BOOST_TEST(lines[1].attributes.count("stroke-dasharray") == 1u);
    BOOST_TEST(lines[0].attributes.count("stroke-dasharray") == 0u);
    BOOST_TEST(lines[2].attributes.at("stroke") == "black");

    // Panel 1 spans 1e-3 .. 2: decades 1e-3 .. 1e1, five gridlines evenly spaced.
    std::vector<double> y;
    for (std::size_t k = 0; k < 5; ++k) y.push_back(std::stod(decades[k].attributes.at("y1")));
    for (std::size_t k = 1; k + 1 < y.size(); ++k) BOOST_TEST(y[k + 1] - y[k] == y[k] - y[k - 1], boost::test_tools::tolerance(0.02));
    // The measured values are exact decades: each point sits on its gridline (1e-3 is the lowest, at the bottom).
    const auto measured = points_of(lines[0]);
    for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(measured[k].second == y[k], boost::test_tools::tolerance(0.02));
    // Predicted = 2 x measured: the same offset (log10 2 of a decade) above each.
    const auto predicted = points_of(lines[1]);
    const double decade = y[0] - y[1];
    for (std::size_t k = 0; k < 4; ++k)
        BOOST_TEST(measured[k].second - predicted[k].second == decade * std::log10(2.0), boost::test_tools::tolerance(0.02));
    // x: names at 0..3 spread over the panel evenly.
    BOOST_TEST(measured[1].first - measured[0].first == measured[3].first - measured[2].first, boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(gradient_chart_draws_one_line_per_kept_step_in_two_panels) {
    using net = tn::network<tn::input<4>, tn::dense<6>, tn::sigmoid, tn::repeat<3, tn::dense<6>, tn::sigmoid>, tn::dense<2>>;
    net m{tn::seed{2}};
    tn::trainer<net, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit{m};
    tn::batch<float, 4> x(6);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 5) * 0.3f - 0.6f;
    const std::vector<std::int32_t> y{0, 1, 0, 1, 0, 1};
    for (int s = 0; s < 7; ++s) fit.step(x, y);
    const tn::diag::chart c = tn::diag::gradient_chart(fit.diagnostics(), 3);
    BOOST_REQUIRE(c.panels.size() == 2u);
    BOOST_TEST(c.panels[0].lines.size() == 3u);
    BOOST_TEST(c.panels[0].lines.front().label == "step 0");
    BOOST_TEST(c.panels[0].lines.back().label == "step 6");
    std::vector<element> elements;
    BOOST_REQUIRE(parse(tn::diag::to_svg(c), elements));
    std::size_t polylines = 0;
    for (const element& e : elements)
        if (e.name == "polyline") {
            ++polylines;
            BOOST_TEST(points_of(e).size() == fit.diagnostics().layer_count());
        }
    BOOST_TEST(polylines == 6u);
    const auto path = std::filesystem::temp_directory_path() / "typenet_diag_chart_test.svg";
    tn::diag::write_svg(path, c);
    BOOST_TEST(std::filesystem::file_size(path) > 1000u);
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_SUITE_END()

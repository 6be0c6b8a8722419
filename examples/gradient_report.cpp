// SPDX-License-Identifier: BSL-1.0
// Defines the example gradient_report: train a small network with tn::diagnostics on, then look at
// how the gradient flows through it: a text table, a CSV file and an SVG chart.
//
//   gradient_report [output-directory] [--tiny]
//
// Writes gradient_report.csv and gradient_report.svg into the directory (default: the current one).
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace tn = typenet;

// A deliberately deep tanh stack with a residual block in the middle: enough depth for the
// gradient to shrink on its way down, so the chart has something to show.
// [network]
struct spiral_net : tn::network<tn::input<2>, tn::dense<32>, tn::tanh,
                                tn::repeat<4, tn::dense<32>, tn::tanh>,
                                tn::residual<tn::dense<32>, tn::relu, tn::dense<32>>,
                                tn::dense<3>> {};
// [network]

// Three interleaved spirals: the classic toy problem that needs depth.
void spirals(tn::batch<float, 2>& x, std::vector<std::int32_t>& y, std::size_t rows) {
    x.resize(rows);
    y.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        const auto k = static_cast<std::int32_t>(i % 3);
        const double t = static_cast<double>(i) / static_cast<double>(rows);
        const double angle = 4.0 * t + 2.0943951 * k + 0.2 * std::sin(12.9898 * static_cast<double>(i));
        x(i, 0) = static_cast<float>(t * std::cos(angle));
        x(i, 1) = static_cast<float>(t * std::sin(angle));
        y[i] = k;
    }
}

int main(int argc, char** argv) {
    bool tiny = false;
    std::filesystem::path dir = ".";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--tiny")
            tiny = true;
        else
            dir = a;
    }
    const std::size_t steps = tiny ? 20 : 400;
    std::filesystem::create_directories(dir);

    spiral_net model{tn::seed{7}};
    tn::batch<float, 2> x(0);
    std::vector<std::int32_t> y;
    spirals(x, y, 240);

    // [trainer]
    // Policies after the clipping policy, in any order: record gradient norms, and skip a step
    // that meets a NaN or an infinity instead of ruining the parameters.
    tn::trainer<spiral_net, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm,
                tn::diagnostics<>, tn::nan_guard::skip_step>
        fit{model, {.optimiser = {.learning_rate = 3e-3},
                    .clip = {.max_norm = 1.0},
                    .diagnostics = {.keep_last = 1000, .every = tiny ? std::size_t{1} : std::size_t{20}}}};
    // [trainer]

    for (std::size_t s = 0; s < steps; ++s) {
        const float loss = fit.step(x, y);
        if (s % (steps / 4) == 0) std::cout << "step " << s << "  loss " << loss << "\n";
    }

    // [report]
    const auto& d = fit.diagnostics();
    std::cout << "\n" << tn::diag::format_table(d) << "\n";
    for (const tn::diag::finding& f : d.report()) std::cout << f.message << "\n";
    if (d.report().empty()) std::cout << "no vanishing or exploding gradient detected\n";
    std::cout << "skipped steps: " << fit.skipped_steps() << "\n";

    tn::diag::write_csv(dir / "gradient_report.csv", d);
    tn::diag::write_svg(dir / "gradient_report.svg", tn::diag::gradient_chart(d, 5, "spiral_net: gradient norm per layer"));
    // [report]
    std::cout << "wrote " << (dir / "gradient_report.csv").string() << " and " << (dir / "gradient_report.svg").string()
              << "\n";
}

// SPDX-License-Identifier: BSL-1.0
// The classic depth experiment of Glorot & Bengio (2010) and He et al. (2015), on synthetic
// data: 30 dense layers of width 256 in the standard configurations, at initialisation. For
// each, the norm of the gradient reaching every layer's input (dL/dh) and of every layer's
// weight gradient (dL/dW), measured over a few seeds, beside the compile-time prediction
// tn::predicted_gradient_flow and the verdict of the concept tn::stable_gradients.
// Prints a table and writes depth_study.svg (and depth_study.csv) to the directory given as
// argv[1] (default: the current one).
//
//   build/gcc/examples/typenet_example_depth_study [output directory] [--tiny]
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>
#include <typenet/gradient_flow.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace tn = typenet;

namespace {

constexpr std::size_t width = 256;
constexpr std::size_t depth = 30;  // dense layers: 29 hidden blocks and the output layer

// The configurations, as types: the hidden block repeated, then the output layer.
template <class Init, class Act>
using plain = tn::network<tn::input<width>, tn::repeat<depth - 1, tn::dense<width, Init>, Act>, tn::dense<10, Init>>;
template <class Init, class Act>
using normalised = tn::network<tn::input<width>, tn::repeat<depth - 1, tn::dense<width, Init>, tn::batch_norm<>, Act>,
                               tn::dense<10, Init>>;
template <class Init, class Act>
using residual = tn::network<tn::input<width>, tn::repeat<depth - 1, tn::residual<tn::dense<width, Init>, Act>>,
                             tn::dense<10, Init>>;
template <class Init, class Act>
using residual_normalised =
    tn::network<tn::input<width>, tn::repeat<depth - 1, tn::residual<tn::dense<width, Init>, tn::batch_norm<>, Act>>,
                tn::dense<10, Init>>;

struct result {
    std::string name;
    std::vector<std::string> layers;      // state_dict prefixes of the dense layers
    std::vector<double> predicted;        // ||dL/dh|| / last layer's, at compile time
    std::vector<double> measured_input;   // the same, measured (geometric mean over seeds)
    std::vector<double> measured_weight;  // ||dL/dW|| / last layer's, measured
    bool stable = false;
};

// One configuration: the prediction, then `seeds` backward passes at initialisation on a batch
// of N(0, 1) inputs against N(0, 1) targets (MSE), recorded by the diagnostics policy.
template <class Net>
result study(const std::string& name, std::size_t seeds, std::size_t rows) {
    result r{name, {}, {}, {}, {}, tn::stable_gradients<Net>};
    constexpr auto& flow = tn::predicted_gradient_flow<Net>();
    for (const auto& l : flow) {
        r.layers.emplace_back(l.prefix());
        r.predicted.push_back(l.ratio);
    }
    // The dense layers among the parameterised ones (a batch norm's weight has rank 1): the
    // chart's x axis is the depth, one point per dense layer, in every configuration.
    std::vector<bool> dense;
    {
        Net probe;
        std::string last_prefix = "-";
        probe.for_each_parameter([&](const auto& p) {
            const std::string prefix = p.name.substr(0, p.name.rfind('.'));
            if (p.trainable && prefix != last_prefix) dense.push_back(p.shape.size() == 2);
            last_prefix = prefix;
        });
    }
    std::vector<double> log_input(flow.size(), 0.0), log_weight(flow.size(), 0.0);
    for (std::size_t s = 0; s < seeds; ++s) {
        Net model{tn::seed{100 + s}};
        tn::trainer<Net, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit{model};
        tn::detail::rng g(7 + s, 0);
        typename Net::input_batch x(rows);
        for (float& v : x) v = static_cast<float>(g.normal());
        typename Net::output_batch y(rows);
        for (float& v : y) v = static_cast<float>(g.normal());
        fit.backward(x, y);
        const auto record = fit.diagnostics().last();
        const auto& last = record.layers[record.layers.size() - 1];
        for (std::size_t l = 0; l < flow.size(); ++l) {
            log_input[l] += std::log(record.layers[l].input_gradient / last.input_gradient) / double(seeds);
            log_weight[l] += std::log(record.layers[l].weight_gradient / last.weight_gradient) / double(seeds);
        }
    }
    result dense_only{name, {}, {}, {}, {}, r.stable};
    for (std::size_t l = 0; l < flow.size(); ++l) {
        if (!dense[l]) continue;
        dense_only.layers.push_back(r.layers[l]);
        dense_only.predicted.push_back(r.predicted[l]);
        dense_only.measured_input.push_back(std::exp(log_input[l]));
        dense_only.measured_weight.push_back(std::exp(log_weight[l]));
    }
    return dense_only;
}

// A progress bar on stderr: the configurations done out of all, and the one running.
void progress(std::size_t done, std::size_t total, const std::string& what) {
    const std::size_t bar = 30, filled = total ? bar * done / total : bar;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu %-40s", std::string(filled, '#').c_str(), std::string(bar - filled, '.').c_str(),
                 done, total, what.c_str());
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
}

std::string sci(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%9.2e", v);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    bool tiny = false;
    std::filesystem::path out = ".";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--tiny") == 0)
            tiny = true;
        else
            out = argv[i];
    }
    // --tiny (what ctest runs): one seed, 32 rows; the full study: 3 seeds, batch 256.
    const std::size_t seeds = tiny ? 1 : 3, rows = tiny ? 32 : 256;

    using xavier = tn::init::xavier_normal;
    using he = tn::init::he_normal;
    using study_fn = result (*)(const std::string&, std::size_t, std::size_t);
    const std::vector<std::pair<std::string, study_fn>> configurations = {
        {"sigmoid, Xavier", &study<plain<xavier, tn::sigmoid>>},
        {"sigmoid, He", &study<plain<he, tn::sigmoid>>},
        {"tanh, Xavier", &study<plain<xavier, tn::tanh>>},
        {"tanh, He", &study<plain<he, tn::tanh>>},
        {"ReLU, Xavier", &study<plain<xavier, tn::relu>>},
        {"ReLU, He", &study<plain<he, tn::relu>>},
        {"ReLU, He, batch norm", &study<normalised<he, tn::relu>>},
        {"ReLU, He, residual", &study<residual<he, tn::relu>>},
        {"ReLU, He, residual + batch norm", &study<residual_normalised<he, tn::relu>>},
        {"tanh, Xavier, residual + batch norm", &study<residual_normalised<xavier, tn::tanh>>},
    };

    std::cout << "Gradient flow at initialisation: " << depth << " dense layers of width " << width << ", batch " << rows
              << ", " << seeds << (seeds == 1 ? " seed" : " seeds") << ".\n"
              << "Ratios are ||grad|| at the first layer over the same at the last layer (1 = no vanishing or explosion).\n\n";
    std::vector<result> results;
    for (std::size_t i = 0; i < configurations.size(); ++i) {
        progress(i, configurations.size(), configurations[i].first);
        results.push_back(configurations[i].second(configurations[i].first, seeds, rows));
    }
    progress(configurations.size(), configurations.size(), "done");

    std::cout << "\nconfiguration                          dL/dh predicted   dL/dh measured   dL/dW measured   stable_gradients\n";
    for (const result& r : results)
        std::cout << r.name << std::string(39 - std::min<std::size_t>(r.name.size(), 38), ' ') << "      "
                  << sci(r.predicted.front()) << "        " << sci(r.measured_input.front()) << "        "
                  << sci(r.measured_weight.front()) << "        " << (r.stable ? "yes" : "no") << '\n';

    // One chart, two panels: dL/dh (measured solid, predicted dashed) and dL/dW per layer.
    tn::diag::chart chart{"Gradient norm per layer at initialisation, relative to the last layer (depth " +
                              std::to_string(depth) + ", width " + std::to_string(width) + ")",
                          {}};
    tn::diag::panel input{"dL/dh: measured (solid), predicted at compile time (dashed)", "dense layer",
                          "||dL/dh|| / last layer's", {}, {}};
    tn::diag::panel weight{"dL/dW: measured", "dense layer", "||dL/dW|| / last layer's", {}, {}};
    // One colour per configuration, shared by its measured and predicted lines.
    const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    for (std::size_t i = 0; i < results.size(); ++i) {
        const result& r = results[i];
        const std::string colour = palette[i % std::size(palette)];
        std::vector<double> x(r.layers.size());
        for (std::size_t l = 0; l < x.size(); ++l) x[l] = double(l);
        input.lines.push_back({r.name, x, r.measured_input, false, colour});
        input.lines.push_back({"", x, r.predicted, true, colour});  // dashed: explained in the title
        weight.lines.push_back({r.name, x, r.measured_weight, false, colour});
    }
    chart.panels = {input, weight};
    std::filesystem::create_directories(out);
    tn::diag::write_svg(out / "depth_study.svg", chart);

    std::ofstream csv(out / "depth_study.csv");
    csv << "configuration,layer,predicted_input_ratio,measured_input_ratio,measured_weight_ratio\n";
    for (const result& r : results)
        for (std::size_t l = 0; l < r.layers.size(); ++l)
            csv << '"' << r.name << "\"," << r.layers[l] << ',' << r.predicted[l] << ',' << r.measured_input[l] << ','
                << r.measured_weight[l] << '\n';
    std::cout << "\nwrote " << (out / "depth_study.svg").string() << " and " << (out / "depth_study.csv").string() << '\n';
    return 0;
}

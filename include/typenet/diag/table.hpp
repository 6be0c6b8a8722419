// SPDX-License-Identifier: BSL-1.0
// Defines diag::format_table: one step's gradient norms as a fixed-width text table, a row per layer.
#pragma once

#include <typenet/diag/diagnostics.hpp>

#include <cstddef>
#include <cstdio>
#include <span>
#include <string>

namespace typenet::diag {

/// A text table of one record, for a terminal or a log: a header line (step, loss, global
/// norm before and after clipping), then per layer in forward order |dL/dW|, |dL/db|, |dL/dh|,
/// |W| and the ratios of |dL/dh| and |dL/dW| to the last layer's, in scientific notation
/// ("-" where dL/dh was not recorded). Example: examples/gradient_report.cpp
inline std::string format_table(const step_record& r, std::span<const std::string> names) {
    std::size_t w = 5;
    for (const std::string& n : names) w = n.size() > w ? n.size() : w;
    const int width = static_cast<int>(w);
    std::string s;
    char buf[256];
    std::snprintf(buf, sizeof buf, "step %zu  loss %.4e  |g| %.3e  clipped |g| %.3e%s%s\n", r.step, r.loss,
                  r.gradient_norm, r.clipped_gradient_norm, r.clipped ? "  (clipping fired)" : "",
                  r.skipped ? "  (skipped by the NaN guard)" : "");
    s += buf;
    std::snprintf(buf, sizeof buf, "%-*s %10s %10s %10s %10s %10s %10s\n", width, "layer", "|dL/dW|", "|dL/db|", "|dL/dh|",
                  "|W|", "dh/last", "dW/last");
    s += buf;
    s += std::string(w + 6 * 11, '-') + "\n";
    const std::size_t n = r.layers.size();
    auto cell = [&](bool known, double v) {
        char c[16];
        if (known)
            std::snprintf(c, sizeof c, " %10.3e", v);
        else
            std::snprintf(c, sizeof c, " %10s", "-");
        return std::string(c);
    };
    for (std::size_t i = 0; i < n; ++i) {
        const layer_norms& l = r.layers[i];
        const layer_norms& last = r.layers[n - 1];
        std::snprintf(buf, sizeof buf, "%-*s", width, names[i].c_str());
        s += buf;
        s += cell(true, l.weight_gradient) + cell(true, l.bias_gradient) + cell(l.has_input_gradient, l.input_gradient) +
             cell(true, l.weight) +
             cell(l.has_input_gradient && last.has_input_gradient, l.input_gradient / last.input_gradient) +
             cell(true, l.weight_gradient / last.weight_gradient) + "\n";
    }
    return s;
}

/// The table of the latest backward pass a recorder saw (trainer::diagnostics()).
template <class Recorder>
std::string format_table(const Recorder& r) {
    return format_table(r.last(), r.names());
}

}  // namespace typenet::diag

// SPDX-License-Identifier: BSL-1.0
// Defines diag::layer_series and diag::gradient_chart: recorded norms per layer turned into chart lines.
#pragma once

#include <typenet/diag/diagnostics.hpp>
#include <typenet/diag/svg.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace typenet::diag {

/// Which norm of a layer_norms.
enum class quantity { input_gradient, weight_gradient, bias_gradient, weight };

inline double value_of(const layer_norms& l, quantity q) noexcept {
    switch (q) {
        case quantity::input_gradient:
            return l.has_input_gradient ? l.input_gradient : std::numeric_limits<double>::quiet_NaN();
        case quantity::weight_gradient: return l.weight_gradient;
        case quantity::bias_gradient: return l.bias_gradient;
        case quantity::weight: return l.weight;
    }
    return 0;
}

/// One line: x = the layer's position in forward order, y = its norm (a gap where unknown).
inline series layer_series(const step_record& r, quantity q, std::string label, bool dashed = false) {
    series s{std::move(label), {}, {}, dashed, {}};
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        s.x.push_back(static_cast<double>(i));
        s.y.push_back(value_of(r.layers[i], q));
    }
    return s;
}

/// Two panels, |dL/dh| and |dL/dW| per layer (log scale), with one line for each of up to
/// `lines` kept steps spread evenly over the history (first and last included).
template <class Recorder>
chart gradient_chart(const Recorder& rec, std::size_t lines = 5, std::string title = "Gradient norm per layer") {
    chart c{std::move(title), {}, 520, 380};
    panel dh{"|dL/dh|: gradient reaching each layer's input", "layer (forward order)", "L2 norm (log scale)", {}, {}};
    panel dw{"|dL/dW|: gradient of each layer's weights", "layer (forward order)", "L2 norm (log scale)", {}, {}};
    dh.x_names.assign(rec.names().begin(), rec.names().end());
    dw.x_names = dh.x_names;
    const auto h = rec.history();
    const std::size_t n = h.size();
    const std::size_t k = n < lines ? n : lines;
    for (std::size_t j = 0; j < k; ++j) {
        const std::size_t i = k == 1 ? n - 1 : j * (n - 1) / (k - 1);
        const step_record r = h[i];
        const std::string label = "step " + std::to_string(r.step);
        dh.lines.push_back(layer_series(r, quantity::input_gradient, label));
        dw.lines.push_back(layer_series(r, quantity::weight_gradient, label));
    }
    c.panels = {std::move(dh), std::move(dw)};
    return c;
}

}  // namespace typenet::diag

// SPDX-License-Identifier: BSL-1.0
// Defines what a compile-time gradient-flow prediction holds: tn::predicted_layer, one per
// parameterised layer, and tn::gradient_flow_prediction<N>, what tn::predicted_gradient_flow
// returns (nn/gradient_flow.hpp; nn/detail/flow_walker.hpp computes it).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace typenet {

/// One parameterised layer of a gradient-flow prediction (see tn::predicted_gradient_flow).
struct predicted_layer {
    std::array<std::size_t, 8> path{};  // the state_dict prefix as numbers: {3, 0} is "3.0"
    std::size_t depth = 0;              // path[0..depth] is used (0 at the top level)
    bool shortcut = false;              // a residual_projection's shortcut: "<path[0..depth]>.shortcut"
    /// Predicted ||dL/dh|| at this layer's input over the same at the last parameterised layer's input.
    double ratio = 1.0;
    /// Predicted ||dL/dh|| at this layer's input over the same at the next parameterised
    /// layer's input: sqrt(chi) of the stretch between them (for the last: up to the network's
    /// output). The product of the factors from a layer to the last one's is its ratio.
    double factor = 1.0;
    /// Predicted squared norm of the gradient at this layer's input, relative to the gradient
    /// at the network's output (1); ratio and factor are derived from it.
    double squared_norm = 1.0;
    /// Statistics of this layer's input: E[h^2] and E[h] per unit.
    double input_second_moment = 1.0;
    double input_mean = 0.0;

    std::array<char, 48> prefix_chars{};
    std::size_t prefix_size = 0;
    /// The state_dict prefix: "3" for "3.weight", "1.0", "1.shortcut", "12.4.2".
    constexpr std::string_view prefix() const { return {prefix_chars.data(), prefix_size}; }
};

/// What tn::predicted_gradient_flow<Net>() returns: one predicted_layer per parameterised layer
/// (dense, batch norm, a projection's shortcut; inside repeat and residual blocks too), in
/// state_dict order. Every member is a constant expression.
template <std::size_t N>
struct gradient_flow_prediction {
    std::array<predicted_layer, N> layers{};
    /// The range tn::stable_gradients requires of every ratio.
    static constexpr double lower_bound = 1e-3;
    static constexpr double upper_bound = 1e3;

    static constexpr std::size_t size() { return N; }
    constexpr const predicted_layer& operator[](std::size_t i) const { return layers[i]; }
    constexpr auto begin() const { return layers.begin(); }
    constexpr auto end() const { return layers.end(); }

    /// The first layer (in state_dict order) whose ratio is outside [lower_bound, upper_bound], or N.
    constexpr std::size_t first_unstable() const {
        for (std::size_t i = 0; i < N; ++i)
            if (!(layers[i].ratio >= lower_bound && layers[i].ratio <= upper_bound)) return i;
        return N;
    }
    constexpr bool stable() const { return first_unstable() == N; }
    constexpr double min_ratio() const {
        double r = 1.0;
        for (const auto& l : layers) r = l.ratio < r ? l.ratio : r;
        return r;
    }
    constexpr double max_ratio() const {
        double r = 1.0;
        for (const auto& l : layers) r = l.ratio > r ? l.ratio : r;
        return r;
    }
};

}  // namespace typenet

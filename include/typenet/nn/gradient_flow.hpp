// SPDX-License-Identifier: BSL-1.0
// Defines the compile-time gradient-flow prediction: tn::predicted_gradient_flow<Net>(), the
// concept tn::stable_gradients<Net> and the trainer policy tn::require_stable_gradients. What a
// prediction holds: nn/gradient_flow_prediction.hpp; how it is computed (the mean-field walk
// over the bound sequence): nn/detail/flow_walker.hpp.
#pragma once

#include <typenet/nn/detail/flow_walker.hpp>
#include <typenet/nn/gradient_flow_prediction.hpp>

#include <cstddef>
#include <utility>

namespace typenet {

namespace detail {

// --- the trainer policy's report ---
template <std::size_t Position, class Prefix>
struct first_unstable_layer {};
template <std::size_t... Path>
struct state_dict_prefix {};
template <std::size_t... Path>
struct state_dict_prefix_shortcut {};
template <int Digits, int Exponent>
struct predicted_ratio {};

// r as d.dd x 10^e, digits 100..999 (0, 0 for 0).
struct decimal_form {
    int digits = 0;
    int exponent = 0;
};
constexpr decimal_form to_decimal(double r) {
    if (!(r > 0)) return {};
    if (!(r < 1e308)) return {999, 308};  // infinite: the largest form, rather than an endless loop
    int e = 0;
    while (r >= 10.0) r /= 10.0, ++e;
    while (r < 1.0) r *= 10.0, --e;
    int d = static_cast<int>(r * 100.0 + 0.5);
    if (d >= 1000) d = 100, ++e;
    return {d, e};
}

template <class Net>
concept stable_gradients_network = requires { typename Net::sequence; };

}  // namespace detail

/// The predicted gradient flow of network Net at initialisation, as a constant expression:
/// per parameterised layer (dense, batch norm, a projection's shortcut; inside repeat and
/// residual blocks too, in state_dict order) its state_dict prefix, the predicted norm of
/// dL/dh at its input relative to the last parameterised layer's input (`ratio`) and the
/// per-layer factor sqrt(chi) to the next one (`factor`). Mean-field theory (Glorot & Bengio
/// 2010; He et al. 2015; Poole et al. 2016), for inputs with unit variance; every layer must
/// state its step (tn::predictable_layer), or check_predictable names the first that does not.
/// `constexpr auto flow = tn::predicted_gradient_flow<my_net>(); flow[0].ratio ...`
/// Example: docs/gradients.md (Predicting gradient flow at compile time)
template <class Net>
    requires detail::stable_gradients_network<Net>
constexpr const auto& predicted_gradient_flow() {
    return detail::gradient_flow_of<Net>::value;
}

/// Net's predicted gradient flow stays within [1e-3, 1e3]: every parameterised layer's ratio
/// (see tn::predicted_gradient_flow) is at least 1e-3 and at most 1e3.
template <class Net>
concept stable_gradients = detail::stable_gradients_network<Net> && detail::gradient_flow_of<Net>::value.stable();

namespace detail {

template <class Net, class Layer, class Ratio>
struct check_stable_gradients {
    static_assert(stable_gradients<Net>,
                  "typenet: require_stable_gradients: the predicted norm of the gradient at every parameterised "
                  "layer's input must stay within [1e-3, 1e3] of the last parameterised layer's at initialisation; "
                  "change the init policy or the activation, or add residual blocks or normalisation (see Layer "
                  "<position, state_dict prefix> and Ratio <d.dd digits, power of ten> in check_stable_gradients)");
    static constexpr bool value = true;
};

// Instantiating the report for an unstable network instantiates its checker: one error.
template <class Net, bool Stable = gradient_flow_of<Net>::value.stable()>
struct stable_gradients_report {};
template <class Net>
struct stable_gradients_report<Net, false> {
    static constexpr const auto& flow = gradient_flow_of<Net>::value;
    static constexpr std::size_t position = flow.first_unstable();
    static constexpr const predicted_layer& layer = flow.layers[position];
    template <std::size_t... I>
    static auto prefix(std::index_sequence<I...>) {
        if constexpr (layer.shortcut)
            return state_dict_prefix_shortcut<layer.path[I]...>{};
        else
            return state_dict_prefix<layer.path[I]...>{};
    }
    static constexpr decimal_form ratio = to_decimal(layer.ratio);
    using check = check_stable_gradients<
        Net, first_unstable_layer<position, decltype(prefix(std::make_index_sequence<layer.depth + 1>{}))>,
        predicted_ratio<ratio.digits, ratio.exponent>>;
    static_assert(sizeof(check) > 0);
};

}  // namespace detail

/// A trainer policy: `tn::trainer<Net, Loss, Optimiser, Clip, tn::require_stable_gradients>`
/// compiles only when tn::stable_gradients<Net> holds. Otherwise the one error names, in
/// check_stable_gradients, the first parameterised layer out of range (its position among
/// them and its state_dict prefix) and its predicted ratio: `first_unstable_layer<0,
/// state_dict_prefix<0>>, predicted_ratio<431, -19>` is layer "0" at 4.31e-19.
/// Example: docs/gradients.md (Predicting gradient flow at compile time)
struct require_stable_gradients {
    template <class Net>
    struct admit {
        static_assert(sizeof(detail::stable_gradients_report<Net>) > 0);
    };
};

}  // namespace typenet

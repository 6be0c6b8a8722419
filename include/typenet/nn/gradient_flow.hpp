// SPDX-License-Identifier: BSL-1.0
// Defines the compile-time gradient-flow prediction: tn::predicted_gradient_flow<Net>(), the
// concept tn::stable_gradients<Net> and the trainer policy tn::require_stable_gradients.
//
// How. Each layer states its mean-field step (layer_concepts.hpp): output statistics and chi,
// the factor by which it scales the squared norm of the back-propagated gradient. A walk over
// the bound sequence (as tn::summary walks it) runs the steps forward from a standardised input
// (q = 1, m = 0: every input unit N(0, 1)), then multiplies the chis backward from the output,
// and records, for every parameterised layer in state_dict order (nested ones included), the
// squared norm of the gradient its own backward pass writes for its input. For a layer inside a
// chain that is dL/dh at its input; for the first layer of a residual block it is the part that
// flowed through the block, before the identity path is added (what the sequence's observer
// sees, pass.hpp); a projection's shortcut reports W_s^T dL/dy.
//
// Zero gains. A layer whose chi is exactly 0 (a tn::init::zeros dense) counts as 1e-100, so
// ratios stay defined: a zero-initialised output layer cancels out of every ratio, and one
// elsewhere shows as a ratio near 1e-50 (no gradient passes it at initialisation).
//
// Compile cost. The walk computes every layer's step once; an activation step integrates at 32
// to 240 points. A 30-layer prediction adds 0.1 to 0.3 s to a translation unit (g++ 12 and
// clang 14; docs/gradients.md has the measurements and clang's step limit).
#pragma once

#include <typenet/core/detail/constexpr_math.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/sequence.hpp>
#include <typenet/nn/layer_concepts.hpp>
#include <typenet/nn/layers/dense.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

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

namespace detail {

template <std::size_t Position, class Layer>
struct check_predictable {
    static_assert(predictable_layer<Layer>,
                  "typenet: gradient flow: every layer must state its mean-field step (static constexpr "
                  "mean_field_step, see nn/layer_concepts.hpp); a dense layer needs an init policy with "
                  "variance(fan), and a block needs every layer in it to state one (see Position and Layer in "
                  "check_predictable)");
    static constexpr bool value = true;
};

template <class B>
concept flow_repeat_bound = requires { typename B::block; };
template <class B>
concept flow_residual_bound = requires { requires B::is_residual; };

template <class Seq>
constexpr std::size_t reported_count();
template <class B>
constexpr std::size_t reported_count_of() {
    if constexpr (flow_repeat_bound<B>)
        return (B::index_span / B::block::index_span) * reported_count<typename B::block>();
    else if constexpr (flow_residual_bound<B>)
        return reported_count<typename B::inner>() + (B::projection ? 1 : 0);
    else
        return B::parameter_count > 0 ? 1 : 0;
}
template <class Seq>
constexpr std::size_t reported_count() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        const std::size_t counts[] = {reported_count_of<typename Seq::template bound<I>>()...};
        std::size_t n = 0;
        for (std::size_t c : counts) n += c;
        return n;
    }(std::make_index_sequence<Seq::count>{});
}

inline constexpr double smallest_gain = 1e-100;

constexpr void append_number(predicted_layer& l, std::size_t v) {
    char digits[24]{};
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && l.prefix_size < l.prefix_chars.size()) l.prefix_chars[l.prefix_size++] = digits[--n];
}
constexpr void append_text(predicted_layer& l, std::string_view s) {
    for (char c : s)
        if (l.prefix_size < l.prefix_chars.size()) l.prefix_chars[l.prefix_size++] = c;
}

// Walks a sequence in list order (as summary_walker does), computing each layer's step once:
// walk<Seq> returns Seq's own step (output statistics, product of chis) and records Seq's
// parameterised layers with squared_norm relative to the gradient at Seq's output; the
// caller, once it knows the gradient there, rescales that range (so no step is recomputed).
struct flow_walker {
    predicted_layer* out;
    std::size_t k = 0;
    std::size_t depth = 0;
    std::array<std::size_t, 8> path{};

    constexpr void record(std::size_t index, bool shortcut, mean_field in, double g) {
        predicted_layer& l = out[k++];
        l.path = path;
        l.path[depth] = index;
        l.depth = depth;
        l.shortcut = shortcut;
        l.squared_norm = g;
        l.input_second_moment = in.q;
        l.input_mean = in.m;
        for (std::size_t d = 0; d <= depth; ++d) {
            if (d) append_text(l, ".");
            if (shortcut && d == depth)
                append_text(l, "shortcut");
            else
                append_number(l, l.path[d]);
        }
    }
    constexpr void scale(std::size_t first, std::size_t last, double g) {
        for (std::size_t e = first; e < last; ++e) out[e].squared_norm *= g;
    }
    static constexpr double floored(double chi) { return chi < smallest_gain ? smallest_gain : chi; }

    template <class Seq>
    constexpr mean_field_gain walk(std::size_t base_index, mean_field in) {
        constexpr std::size_t n = Seq::count;
        std::array<mean_field, n + 1> state{};
        std::array<double, n> chi{};
        std::array<std::size_t, n + 1> first{};
        state[0] = in;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            // A brace list runs in order (each step needs the previous output); not a fold,
            // which clang 14 limits to 256 operands.
            const int order[] = {(first[I] = k,
                                  [&](mean_field_gain s) { state[I + 1] = s.out, chi[I] = floored(s.chi); }(
                                      one<Seq, I>(base_index + Seq::layout.index_offset[I], state[I])),
                                  0)...};
            (void)order;
        }(std::make_index_sequence<n>{});
        first[n] = k;
        double g = 1.0;  // gradient at layer i's output, relative to Seq's output
        for (std::size_t i = n; i-- > 0;) {
            scale(first[i], first[i + 1], g);
            g *= chi[i];
        }
        return {state[n], g};
    }

    template <class Seq, std::size_t I>
    constexpr mean_field_gain one(std::size_t index, mean_field in) {
        using B = typename Seq::template bound<I>;
        if constexpr (flow_repeat_bound<B>) {
            using block = typename B::block;
            constexpr std::size_t copies = B::index_span / block::index_span;
            std::array<double, copies> chi{};
            std::array<std::size_t, copies + 1> first{};
            mean_field state = in;
            for (std::size_t r = 0; r < copies; ++r) {
                first[r] = k;
                const mean_field_gain s = walk<block>(index + r * block::index_span, state);
                state = s.out;
                chi[r] = s.chi;
            }
            first[copies] = k;
            double g = 1.0;
            for (std::size_t r = copies; r-- > 0;) {
                scale(first[r], first[r + 1], g);
                g *= chi[r];
            }
            return {state, g};
        } else if constexpr (flow_residual_bound<B>) {
            // The block's layers report the gradient that flowed through F, relative to the
            // block's output (the identity path bypasses them).
            path[depth++] = index;
            const mean_field_gain f = walk<typename B::inner>(0, in);
            mean_field_gain result = residual_mean_field(in, f);
            if constexpr (B::projection) {
                const double v = dense<B::n_out>::init_policy::variance(init::fan{B::n_in, B::n_out});
                result = projection_mean_field(in, f, v, B::n_in);
                record(B::inner::index_span, true, in, floored(static_cast<double>(B::n_in) * v));
            }
            --depth;
            return result;
        } else {
            const mean_field_gain s = layer_of_t<typename Seq::template spec<I>>::mean_field_step(in, Seq::shapes[I]);
            if constexpr (B::parameter_count > 0) record(index, false, in, floored(s.chi));
            return s;
        }
    }
};

template <class Net>
struct gradient_flow_of {
    using seq = typename Net::sequence;
    static constexpr std::size_t first_unpredictable = []<std::size_t... I>(std::index_sequence<I...>) {
        constexpr bool ok[] = {predictable_layer<typename seq::template spec<I>>...};
        for (std::size_t i = 0; i < seq::count; ++i)
            if (!ok[i]) return i;
        return seq::count;
    }(std::make_index_sequence<seq::count>{});
    static constexpr std::size_t checked = first_unpredictable < seq::count ? first_unpredictable : 0;
    static_assert(sizeof(std::conditional_t<(first_unpredictable < seq::count),
                                            check_predictable<checked, typename seq::template spec<checked>>,
                                            std::true_type>) > 0);

    static constexpr auto value = [] {
        if constexpr (first_unpredictable < seq::count) {
            return gradient_flow_prediction<0>{};
        } else {
            constexpr std::size_t n = reported_count<seq>();
            gradient_flow_prediction<n> p{};
            if constexpr (n > 0) {
                flow_walker w{p.layers.data()};
                (void)w.template walk<seq>(0, mean_field{1.0, 0.0, 0.0});
                const double last = p.layers[n - 1].squared_norm;
                for (std::size_t i = 0; i < n; ++i) {
                    predicted_layer& l = p.layers[i];
                    l.ratio = cmath::sqrt(l.squared_norm / last);
                    l.factor = cmath::sqrt(l.squared_norm / (i + 1 < n ? p.layers[i + 1].squared_norm : 1.0));
                }
            }
            return p;
        }
    }();
};

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

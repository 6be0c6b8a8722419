// SPDX-License-Identifier: BSL-1.0
// Defines how the compile-time gradient-flow prediction is computed (detail::gradient_flow_of,
// behind tn::predicted_gradient_flow in nn/gradient_flow.hpp).
//
// How. Each layer states its mean-field step (layer_concepts.hpp): output statistics and its
// backward map, a linear map of the gradient's state (the squared norm of its incoherent part
// and its coherent components along 1, the units' means and the values; see
// nn/detail/mean_field.hpp for why the plain chi is not enough). A forward walk over the bound
// sequence (as tn::summary walks it) runs the steps from a standardised input (q = 1, m = 0:
// every input unit N(0, 1)) and keeps the maps; a backward walk carries the state from a random
// output gradient through them, and records, for every parameterised layer in state_dict order
// (nested ones included), the squared norm of the gradient its own backward pass writes for its
// input. For a layer inside a chain that is dL/dh at its input; for the first layer of a
// residual block it is the part that flowed through the block, before the identity path is
// added (what the sequence's observer sees, pass.hpp); a projection's shortcut reports W_s^T dL/dy.
//
// Zero gains. A layer whose chi is exactly 0 (a tn::init::zeros dense) counts as 1e-100, so
// ratios stay defined: a zero-initialised output layer cancels out of every ratio, and one
// elsewhere shows as a ratio near 1e-50 (no gradient passes it at initialisation).
//
// Compile cost. The walk computes every layer's step once; an activation step integrates at 32
// to 240 points; the backward walk multiplies 8-vectors by the kept maps, never maps by maps.
// About 13,500 clang constexpr steps per ReLU residual block (docs/gradients.md, "Cost").
#pragma once

#include <typenet/core/detail/constexpr_math.hpp>
#include <typenet/nn/detail/block_kind.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/sequence.hpp>
#include <typenet/nn/gradient_flow_prediction.hpp>
#include <typenet/nn/layer_concepts.hpp>
#include <typenet/nn/layers/dense.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace typenet::detail {

template <std::size_t Position, class Layer>
struct check_predictable {
    static_assert(predictable_layer<Layer>,
                  "typenet: gradient flow: every layer must state its mean-field step (static constexpr "
                  "mean_field_step, see nn/layer_concepts.hpp); a dense layer needs an init policy with "
                  "variance(fan), and a block needs every layer in it to state one (see Position and Layer in "
                  "check_predictable)");
    static constexpr bool value = true;
};

// The sum of count.template operator()<B>() over Seq's bound layers B (an array and a loop: flat
// for any number of layers).
template <class Seq, class Count>
constexpr std::size_t sum_over_layers(Count count) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        const std::size_t counts[] = {count.template operator()<typename Seq::template bound<I>>()...};
        std::size_t n = 0;
        for (std::size_t c : counts) n += c;
        return n;
    }(std::make_index_sequence<Seq::count>{});
}

template <class Seq>
constexpr std::size_t reported_count();
template <class B>
constexpr std::size_t reported_count_of() {
    if constexpr (is_repeat_layer<B>)
        return B::copies * reported_count<typename B::block>();
    else if constexpr (is_residual_layer<B>)
        return reported_count<typename B::inner>() + (B::projection ? 1 : 0);
    else
        return B::parameter_count > 0 ? 1 : 0;
}
template <class Seq>
constexpr std::size_t reported_count() {
    return sum_over_layers<Seq>([]<class B>() { return reported_count_of<B>(); });
}

template <class Seq>
constexpr std::size_t entry_count();
template <class B>
constexpr std::size_t entry_count_of() {
    if constexpr (is_repeat_layer<B>)
        return B::copies * entry_count<typename B::block>();
    else if constexpr (is_residual_layer<B>)
        return entry_count<typename B::inner>() + 1;
    else
        return 1;
}
template <class Seq>
constexpr std::size_t entry_count() {
    return sum_over_layers<Seq>([]<class B>() { return entry_count_of<B>(); });
}

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

// What the forward walk keeps for the backward one: a leaf's map and input statistics, or a
// residual block's input, its branch's output and (projection) its shortcut.
struct flow_entry {
    flow_map back{};
    mean_field in{};
    mean_field branch{};
    mean_field shortcut{};
    std::size_t n = 0;
    std::size_t n_out = 0;
    bool recorded = false;
};

// Two walks over the bound sequence, in the order tn::summary walks it. Forward, in list order,
// each layer's step is computed once (output statistics, backward map) and kept; backward, from
// the network's output with the state of a random output gradient (incoherent, H = 1), each
// kept map is applied to the state, and each parameterised layer records the squared norm of
// the gradient its own backward pass writes for its input. Only vectors are propagated (8
// numbers): no map is multiplied by another, which keeps clang's constexpr step count down.
struct flow_walker {
    predicted_layer* out;
    flow_entry* entries;
    std::size_t k = 0;
    std::size_t e = 0;
    std::size_t depth = 0;
    std::array<std::size_t, 8> path{};

    constexpr void record(std::size_t index, bool shortcut, mean_field in) {
        predicted_layer& l = out[k++];
        l.path = path;
        l.path[depth] = index;
        l.depth = depth;
        l.shortcut = shortcut;
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

    template <class Seq>
    constexpr mean_field forward(std::size_t base_index, mean_field in) {
        mean_field state = in;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            // A brace list runs in order (each step needs the previous output); not a fold,
            // which clang 14 limits to 256 operands.
            const int order[] = {(state = forward_one<Seq, I>(base_index + Seq::layout.index_offset[I], state), 0)...};
            (void)order;
        }(std::make_index_sequence<Seq::count>{});
        return state;
    }

    template <class Seq, std::size_t I>
    constexpr mean_field forward_one(std::size_t index, mean_field in) {
        using B = typename Seq::template bound<I>;
        if constexpr (is_repeat_layer<B>) {
            using block = typename B::block;
            constexpr std::size_t copies = B::copies;
            mean_field state = in;
            for (std::size_t r = 0; r < copies; ++r) state = forward<block>(index + r * block::index_span, state);
            return state;
        } else if constexpr (is_residual_layer<B>) {
            // The block's layers report the gradient that flowed through F (the identity path
            // bypasses them).
            path[depth++] = index;
            const mean_field f = forward<typename B::inner>(0, in);
            flow_entry entry{};
            entry.in = in;
            entry.branch = f;
            entry.n = B::n_in;
            entry.n_out = B::n_out;
            mean_field y = residual_output(in, f);
            if constexpr (B::projection) {
                const double v = dense<B::n_out>::init_policy::variance(init::fan{B::n_in, B::n_out});
                const mean_field_gain s = dense_mean_field(v, B::n_in, B::n_out, in);
                entry.back = s.back;
                entry.shortcut = s.out;
                y = mean_field{f.q + s.out.q, f.m, f.unit_mean_sq + s.out.unit_mean_sq};
                record(B::inner::index_span, true, in);
            }
            entries[e++] = entry;
            --depth;
            return y;
        } else {
            const mean_field_gain s = layer_of_t<typename Seq::template spec<I>>::mean_field_step(in, Seq::shapes[I]);
            entries[e++] = flow_entry{s.back, in, {}, {}, Seq::shapes[I].size(), 0, B::parameter_count > 0};
            if constexpr (B::parameter_count > 0) record(index, false, in);
            return s.out;
        }
    }

    struct back_result {
        flow_state g{};
        amplitude_map t{1, 0, 0, 0, 1, 0, 0, 0, 1};
    };

    template <class Seq>
    constexpr back_result backward(flow_state g) {
        back_result total{g};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            const int order[] = {(total = backward_one<Seq, Seq::count - 1 - I>(total), 0)...};
            (void)order;
        }(std::make_index_sequence<Seq::count>{});
        return total;
    }

    template <class Seq, std::size_t I>
    constexpr back_result backward_one(back_result above) {
        using B = typename Seq::template bound<I>;
        if constexpr (is_repeat_layer<B>) {
            using block = typename B::block;
            constexpr std::size_t copies = B::copies;
            for (std::size_t r = 0; r < copies; ++r) {
                const back_result b = backward<block>(above.g);
                above = {b.g, multiply(b.t, above.t)};
            }
            return above;
        } else if constexpr (is_residual_layer<B>) {
            const flow_entry& entry = entries[--e];
            const flow_state& g = above.g;
            if constexpr (B::projection) {
                const mean_field y{entry.branch.q + entry.shortcut.q, entry.branch.m,
                                   entry.branch.unit_mean_sq + entry.shortcut.unit_mean_sq};
                const flow_state gs = entry.back.apply(g);
                out[--k].squared_norm = dot(norm_row(entry.in, entry.n), gs);
                const back_result b = backward<typename B::inner>(projection_branch_state(entry.shortcut, y, entry.n_out, g));
                amplitude_map t{};
                for (std::size_t i = 0; i < 9; ++i) t[i] = b.t[i] + entry.back.t[i];
                return {projection_sum(g, b.g, b.t, gs, entry.back.t), multiply(t, above.t)};
            } else {
                const mean_field y = residual_output(entry.in, entry.branch);
                const back_result b = backward<typename B::inner>(residual_branch_state(entry.in, y, entry.n, g));
                const amplitude_map t_fp = multiply(b.t, {1, entry.in.m, entry.in.m, 0, 1, 0, 0, 0, 1});
                const amplitude_map t{1 + t_fp[0], entry.branch.m + t_fp[1], entry.branch.m + t_fp[2],
                                      t_fp[3],     1 + t_fp[4],              t_fp[5],
                                      t_fp[6],     t_fp[7],                  1 + t_fp[8]};
                return {residual_sum(entry.in, entry.branch, entry.n, g, b.g, b.t), multiply(t, above.t)};
            }
        } else {
            const flow_entry& entry = entries[--e];
            const flow_state g = entry.back.apply(above.g);
            if (entry.recorded) out[--k].squared_norm = dot(norm_row(entry.in, entry.n), g);
            return {g, multiply(entry.back.t, above.t)};
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
                std::array<flow_entry, entry_count<seq>()> entries{};
                flow_walker w{p.layers.data(), entries.data()};
                (void)w.template forward<seq>(0, mean_field{1.0, 0.0, 0.0});
                flow_state top{};
                top[0] = 1.0;  // a random output gradient: incoherent
                (void)w.template backward<seq>(top);
                for (std::size_t i = 0; i < n; ++i) p.layers[i].squared_norm = floored(p.layers[i].squared_norm);
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

}  // namespace typenet::detail

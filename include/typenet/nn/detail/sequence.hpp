// SPDX-License-Identifier: BSL-1.0
// Defines sequence<In, L...>, the engine under every network and every nested block: shape
// inference and junction checks, the flat layout of parameters and activations, and the
// forward and backward passes over the list, with the fusion plan applied.
//
// Layout. Parameters of layer i start at param_offset[i] of one flat buffer (so gradients are
// one contiguous buffer too, ready for a single all-reduce); its buffers (state that is not
// trained, such as batch norm's running statistics) at buffer_offset[i] of a second one. Forward keeps, for a batch of R
// rows, layer i's activations at R * act_offset[i] of one buffer; its output is the last
// R * output size values of that region. Backward walks the list in reverse, passing the
// gradient through two work buffers of R * max_width values each, max_width the widest
// junction between two layers: the gradient at the input goes to dx (or nowhere) and the one
// at the output is dy, so neither needs a buffer (a 784-input MLP: 784 -> 256 per row).
//
// Compile cost. Shapes are inferred by a constexpr loop over values (dims), and the i-th layer
// is found without recursion (type_at_t: a builtin under clang, overload resolution under g++),
// so a list of N layers costs O(N) instantiations;
// a layer is instantiated once per distinct (layer, input shape), whatever its position.
#pragma once

#include <typenet/nn/detail/block_kind.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/pass.hpp>
#include <typenet/nn/detail/type_at.hpp>
#include <typenet/nn/layer_concepts.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet::detail {

template <std::size_t Position, class Layer, class Input>
struct check_junction {
    static_assert(layer_accepts<Layer, Input>,
                  "typenet: network: a layer cannot take the shape its predecessor gives; tn::dense, tn::batch_norm and "
                  "tn::layer_norm take a rank-1 input, so put tn::flatten before them (see Position, Layer and Input in check_junction)");
    static constexpr bool value = true;
};

template <std::size_t Position, class Element>
struct check_layer {
    static_assert(layer<Element>,
                  "typenet: network: every element after tn::input must be a layer (see Position and Element in "
                  "check_layer)");
    static constexpr bool value = true;
};

// Fusion plan: a layer with an epilogue hook (dense) followed by an activation runs as one stage.
template <class B>
concept fuses_epilogue = requires { requires B::fuses_epilogue; };
template <class B>
concept is_activation_layer = requires { requires B::is_activation; };
// A layer that can take the plain SGD step on its first kernel_step_parameters parameters in its
// backward kernel (dense: in the store of the weight-gradient GEMM).
template <class B>
concept steps_in_kernel = requires { B::kernel_step_parameters; };

template <class B>
constexpr std::size_t buffer_count_of() {
    if constexpr (requires { B::buffer_count; })
        return B::buffer_count;
    else
        return 0;
}

// The per-row hooks of a dense (or norm) + activation stage, as types keyed by the activation,
// the value type and the width rather than lambdas, whose type differs at every position: the
// kernels they are passed to are then instantiated once per shape, not once per layer.
template <class A, class T, std::size_t N>
struct activation_epilogue {
    const T* z;
    T* y;
    void operator()(std::size_t r) const { A::apply_rows(z + r * N, y + r * N, 1); }
};
template <class A, class T, std::size_t N>
struct activation_prologue {
    const T* z;
    const T* y;  // null when the output is no longer the activation's own
    T* g;
    void operator()(std::size_t r) const { A::scale_by_derivative(z + r * N, y ? y + r * N : nullptr, g + r * N, g + r * N, 1); }
};

template <class In, class... L>
struct sequence {
    static constexpr std::size_t count = sizeof...(L);
    static_assert(count > 0, "typenet: network: a network needs at least one layer after tn::input");

    template <std::size_t I>
    using spec = type_at_t<I, L...>;

    static constexpr bool all_layers = [] {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            constexpr bool ok[] = {check_layer<I, L>::value...};
            for (bool b : ok)
                if (!b) return false;
            return true;
        }(std::index_sequence_for<L...>{});
    }();

    // Shapes: shapes[i] is layer i's input, shapes[count] the output. A layer that rejects its
    // input passes it on unchanged, so one mistake gives one error, not a cascade.
    static constexpr std::array<dims, count + 1> shapes = [] {
        std::array<dims, count + 1> s{};
        s[0] = dims_of<In>();
        if constexpr (all_layers) {
            constexpr std::array<bool (*)(dims), count> accepts{&layer_of_t<L>::accepts...};
            constexpr std::array<dims (*)(dims), count> output{&layer_of_t<L>::output_dims...};
            for (std::size_t i = 0; i < count; ++i) s[i + 1] = accepts[i](s[i]) ? output[i](s[i]) : s[i];
        }
        return s;
    }();

    template <std::size_t I>
    struct shape_holder {
        static constexpr dims value = shapes[I];
    };
    template <std::size_t I>
    using shape_at = dims_to_shape_t<shape_holder<I>>;

    using input_shape = In;
    using output_shape = shape_at<count>;

    // Junction checks. Only the first rejected junction is reported (a later one usually just
    // follows from it), and none when an element is not a layer (check_layer has said why).
    // sizeof in a static_assert instantiates the checker as soon as the sequence is: a static
    // data member's initializer alone would run only when something used it.
    static constexpr std::size_t first_rejected = [] {
        if constexpr (!all_layers)
            return count;
        else
            return []<std::size_t... I>(std::index_sequence<I...>) {
                constexpr bool ok[] = {layer_accepts<spec<I>, shape_at<I>>...};
                for (std::size_t i = 0; i < count; ++i)
                    if (!ok[i]) return i;
                return count;
            }(std::make_index_sequence<count>{});
    }();
    static constexpr std::size_t checked_junction = first_rejected < count ? first_rejected : 0;
    static_assert(sizeof(std::conditional_t<(first_rejected < count),
                                            check_junction<checked_junction, spec<checked_junction>, shape_at<checked_junction>>,
                                            std::true_type>) > 0);
    static constexpr bool junctions_checked = first_rejected == count;

    template <std::size_t I>
    using bound = typename layer_of_t<spec<I>>::template bind<shape_at<I>>;

    struct layout_t {
        std::array<std::size_t, count + 1> param_offset{}, buffer_offset{}, act_offset{}, index_offset{};
        std::size_t max_width = 0, max_scratch = 0;
    };
    static constexpr layout_t layout = []<std::size_t... I>(std::index_sequence<I...>) {
        layout_t l{};
        constexpr std::size_t params[] = {bound<I>::parameter_count...};
        constexpr std::size_t buffers[] = {buffer_count_of<bound<I>>()...};
        constexpr std::size_t acts[] = {bound<I>::activation_size...};
        constexpr std::size_t spans[] = {bound<I>::index_span...};
        constexpr std::size_t scratch[] = {bound<I>::scratch_size...};
        for (std::size_t i = 0; i < count; ++i) {
            l.param_offset[i + 1] = l.param_offset[i] + params[i];
            l.buffer_offset[i + 1] = l.buffer_offset[i] + buffers[i];
            l.act_offset[i + 1] = l.act_offset[i] + acts[i];
            l.index_offset[i + 1] = l.index_offset[i] + spans[i];
            if (i > 0) l.max_width = std::max(l.max_width, shapes[i].size());
            l.max_scratch = std::max(l.max_scratch, scratch[i]);
        }
        return l;
    }(std::make_index_sequence<count>{});

    static constexpr std::size_t parameter_count = layout.param_offset[count];
    static constexpr std::size_t buffer_count = layout.buffer_offset[count];
    static constexpr std::size_t activation_size = layout.act_offset[count];
    static constexpr std::size_t index_span = layout.index_offset[count];
    // Per row: two gradient buffers for this level, plus what the deepest nested block needs.
    static constexpr std::size_t scratch_size = 2 * layout.max_width + layout.max_scratch;

    template <std::size_t I>
    static constexpr bool fused_with_next = [] {
        if constexpr (I + 1 < count)
            return fuses_epilogue<bound<I>> && is_activation_layer<bound<I + 1>>;
        else
            return false;
    }();
    template <std::size_t I>
    static constexpr bool fused_with_previous = [] {
        if constexpr (I > 0)
            return fused_with_next<I - 1>;
        else
            return false;
    }();

    // --- where things are, for a batch of `rows` rows ---
    template <std::size_t I, class T>
    static T* region(T* acts, std::size_t rows) {
        return acts + rows * layout.act_offset[I];
    }
    template <std::size_t I, class T>
    static T* output_of(T* acts, std::size_t rows) {
        return region<I>(acts, rows) + rows * (bound<I>::activation_size - bound<I>::output_shape::size);
    }
    template <std::size_t I, class T>
    static const T* input_of(const T* x, const T* acts, std::size_t rows) {
        if constexpr (I == 0)
            return x;
        else
            return output_of<I - 1>(acts, rows);
    }

    // --- passes ---
    // A final epilogue is a per-row hook run on each finished row of the output (a residual
    // block adds its shortcut with one). When the last stage is a dense, or a dense fused with
    // an activation, the hook runs inside that stage's epilogue while the row is hot (on threads
    // that split a wide forward by columns, in the epilogue's pass after the GEMM); otherwise it
    // runs in one extra pass over the output after the last stage.
    struct no_final_epilogue {
        void operator()(std::size_t) const noexcept {}
    };
    static constexpr bool final_stage_fused = [] {
        if constexpr (count >= 2) {
            if (fused_with_next<count - 2>) return true;
        }
        return fuses_epilogue<bound<count - 1>>;
    }();

    template <class T, class Final, std::size_t... I>
    static void for_each_forward(std::index_sequence<I...>, const T* p, const T* x, T* acts, std::size_t rows,
                                 const forward_pass<T>& pass, Final& final) {
        // A brace list, not a fold: clang 14 limits folds to 256 operands.
        const int order[] = {(forward_one<I>(p, x, acts, rows, pass, final), 0)...};
        (void)order;
    }
    template <std::size_t I, class T, class Final>
    static void forward_one(const T* p, const T* x, T* acts, std::size_t rows, const forward_pass<T>& outer,
                            Final& final) {
        using B = bound<I>;
        const T* in = input_of<I>(x, acts, rows);
        const forward_pass<T> pass = outer.at(layout.buffer_offset[I], layout.index_offset[I]);
        if constexpr (fused_with_previous<I>) {
            // done by layer I - 1's epilogue
        } else if constexpr (fused_with_next<I>) {
            using A = bound<I + 1>;
            constexpr std::size_t n = B::output_shape::size;
            T* z = output_of<I>(acts, rows);
            T* y = region<I + 1>(acts, rows);
            if constexpr (I + 2 == count)
                B::forward_fused(p + layout.param_offset[I], in, region<I>(acts, rows), rows, pass, [&](std::size_t r) {
                    A::apply_rows(z + r * n, y + r * n, 1);
                    final(r);
                });
            else
                B::forward_fused(p + layout.param_offset[I], in, region<I>(acts, rows), rows, pass,
                                 activation_epilogue<A, T, n>{z, y});
        } else if constexpr (I + 1 == count && fuses_epilogue<B>) {
            B::forward_fused(p + layout.param_offset[I], in, region<I>(acts, rows), rows, pass, final);
        } else {
            B::forward(p + layout.param_offset[I], in, region<I>(acts, rows), rows, pass);
        }
    }

    /// Runs every layer; returns where the output is (inside acts).
    template <class T>
    static const T* forward(const T* p, const T* x, T* acts, std::size_t rows, const forward_pass<T>& pass) {
        return forward(p, x, acts, rows, pass, no_final_epilogue{});
    }
    /// The same, calling final(r) on each finished output row r (fused when final_stage_fused).
    template <class T, class Final>
    static const T* forward(const T* p, const T* x, T* acts, std::size_t rows, const forward_pass<T>& pass,
                            Final&& final) {
        for_each_forward(std::make_index_sequence<count>{}, p, x, acts, rows, pass, final);
        if constexpr (!final_stage_fused && !std::is_same_v<std::remove_cvref_t<Final>, no_final_epilogue>)
            for (std::size_t r = 0; r < rows; ++r) final(r);
        return output_of<count - 1>(acts, rows);
    }

    // Backward (of a training pass). dy: gradient at the output (R x output size, may be
    // overwritten); dx: where the gradient at the input goes, or null when nobody needs it;
    // dp: parameter gradients (each layer writes its own); work: R * scratch_size values.
    // The observer (pass.hpp) hears of each layer's parameter gradients once they are written,
    // and of the gradient reaching each parameterised layer's input.
    // OutputKept: whether the last layer's output is still as it wrote it (false inside a
    // residual, whose shortcut was added into it); an activation reads its output only then.
    template <bool OutputKept = true, class T, class Observer>
    static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows,
                         const Observer& observer) {
        T* buffers[2] = {work, work + rows * layout.max_width};
        T* inner_work = work + 2 * rows * layout.max_width;
        T* cur = dy;
        int next = 0;
        backward_from<count - 1, OutputKept>(p, x, acts, cur, next, buffers, dx, dp, inner_work, rows, observer);
    }

    template <std::size_t I, bool OutputKept, class T, class Observer>
    static void backward_from(const T* p, const T* x, const T* acts, T*& cur, int& next, T* (&buffers)[2], T* dx, T* dp,
                              T* inner_work, std::size_t rows, const Observer& observer) {
        using B = bound<I>;
        if constexpr (!fused_with_previous<I>) {
            T* target = I == 0 ? dx : buffers[next];
            const T* in = input_of<I>(x, acts, rows);
            T* gp = dp + layout.param_offset[I];
            // run(step...): the layer's backward, given where to take the plain SGD step in its
            // kernel when it can and the observer's sink asks for it.
            auto with_kernel_step = [&](auto&& run) {
                if constexpr (steps_in_kernel<B>)
                    run(observer.template kernel_step<T>(layout.param_offset[I], B::kernel_step_parameters,
                                                         B::parameter_count));
                else
                    run();
            };
            if constexpr (fused_with_next<I>) {
                using A = bound<I + 1>;
                constexpr std::size_t n = B::output_shape::size;
                const T* z = output_of<I>(acts, rows);
                const T* y = OutputKept || I + 2 < count ? output_of<I + 1>(acts, rows) : nullptr;
                T* g = cur;
                with_kernel_step([&](auto... step) {
                    B::backward_fused(p + layout.param_offset[I], in, region<I>(acts, rows), cur, target, gp,
                                      inner_work, rows, activation_prologue<A, T, n>{z, y, g}, step...);
                });
            } else if constexpr (is_block_layer<B>) {
                B::template backward<OutputKept || I + 1 < count>(p + layout.param_offset[I], in, region<I>(acts, rows),
                                                                  cur, target, gp, inner_work, rows,
                                                                  observer.shifted(layout.param_offset[I]));
            } else {
                // An activation's acts are its output: withheld (null) when no longer its own.
                const T* own = OutputKept || I + 1 < count || !is_activation_layer<B> ? region<I>(acts, rows) : nullptr;
                with_kernel_step([&](auto... step) {
                    B::backward(p + layout.param_offset[I], in, own, cur, target, gp, inner_work, rows, step...);
                });
            }
            if constexpr (B::parameter_count > 0 && !is_block_layer<B>) {
                observer.gradients(layout.param_offset[I], B::parameter_count);
                if (target) observer.input_gradient(layout.param_offset[I], static_cast<const T*>(target), rows * B::input_shape::size);
            }
            if constexpr (I > 0) {
                cur = target;
                next = 1 - next;
            }
        }
        if constexpr (I > 0) backward_from<I - 1, OutputKept>(p, x, acts, cur, next, buffers, dx, dp, inner_work, rows, observer);
    }

    // Parameters at p, buffers at b; layer i draws from stream base_index + its index.
    template <class T, std::size_t... I>
    static void initialize(T* p, T* b, std::uint64_t seed, std::size_t base_index, std::index_sequence<I...>) {
        const int order[] = {(bound<I>::initialize(p + layout.param_offset[I], b + layout.buffer_offset[I], seed,
                                                   base_index + layout.index_offset[I]),
                              0)...};
        (void)order;
    }
    template <class T>
    static void initialize(T* p, T* b, std::uint64_t seed, std::size_t base_index) {
        initialize(p, b, seed, base_index, std::make_index_sequence<count>{});
    }

    // f(name, parameter_info, offset) for every parameter and buffer, in state_dict order; the
    // offset is in the parameter buffer for a parameter (info.trainable), in the buffer block
    // for a buffer.
    template <class F, std::size_t... I>
    static void for_each_parameter(const std::string& prefix, std::size_t base_index, std::size_t offset,
                                   std::size_t buffer_offset, F& f, std::index_sequence<I...>) {
        const int order[] = {(bound<I>::for_each_parameter(prefix, base_index + layout.index_offset[I],
                                                            offset + layout.param_offset[I],
                                                            buffer_offset + layout.buffer_offset[I], f),
                              0)...};
        (void)order;
    }
    template <class F>
    static void for_each_parameter(const std::string& prefix, std::size_t base_index, std::size_t offset,
                                   std::size_t buffer_offset, F&& f) {
        for_each_parameter(prefix, base_index, offset, buffer_offset, f, std::make_index_sequence<count>{});
    }
};

}  // namespace typenet::detail

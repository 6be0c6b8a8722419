// SPDX-License-Identifier: BSL-1.0
// Defines residual<Layers...> (y = F(x) + x) and residual_projection<Layers...>
// (y = F(x) + W_s x + b_s): a nested block of layers with a shortcut around it.
//
// Layout. The block is a detail::sequence of its own, so its parameters, activations and
// scratch are the inner sequence's, laid out inside the element's regions; a projection appends
// its shortcut (weight [out, in], then bias [out]) after the block's parameters. The element's
// output is the block's output, in place: the shortcut is added into the last rows * out values
// of the region, which is possible because no layer's backward needs its own output (dense and
// the fused dense + activation read their input and z, an activation its input, a repeat or a
// residual its inner layers' inputs). An activation whose derivative has a form in its output
// (tanh: 1 - y^2) reads the output instead where it is intact: the inner pass is told it is not
// (sequence::backward<false>).
//
// Fusion. The identity's addition runs in the epilogue of the block's last stage when that
// stage is a dense or a dense fused with an activation (sequence::forward with a final
// epilogue); any other last stage (a lone activation, flatten, a repeat, a nested residual)
// gets one extra pass. A projection's W_s x + b_s is a GEMM that adds into the block's output
// (kernels::dense_forward_add): a dot product per output in the epilogue would forgo the
// register tiles.
//
// Streams. Layer i of a network initialises from stream i. Inner layer j of a residual that was
// given stream s draws from stream child_stream_base(s) + j, and a projection's shortcut from
// child_stream_base(s) + (number of inner indices); child_stream_base is a splitmix64 mix of s
// with the top bit set, so inner streams never equal an outer layer's and differ between blocks.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/kernels/dense.hpp>
#include <typenet/kernels/simd.hpp>
#include <typenet/nn/detail/block_mean_field.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/sequence.hpp>
#include <typenet/nn/layers/dense.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace typenet {

namespace detail {

template <class Block, class Input, class Output>
struct check_residual {
    static_assert(std::is_same_v<Input, Output>,
                  "typenet: residual: the block's output shape must equal its input shape; use "
                  "tn::residual_projection when they differ (see Input and Output in check_residual)");
    static constexpr bool value = true;
};

// The output of the block `Layers...` for input `in`, or rank max_rank + 1 (no shape) where a
// layer rejects its input.
template <class... Layers>
constexpr dims block_output(dims in) {
    constexpr std::array<bool (*)(dims), sizeof...(Layers)> accepts{&layer_of_t<Layers>::accepts...};
    constexpr std::array<dims (*)(dims), sizeof...(Layers)> output{&layer_of_t<Layers>::output_dims...};
    for (std::size_t i = 0; i < sizeof...(Layers); ++i) {
        if (!accepts[i](in)) return dims{max_rank + 1, {}};
        in = output[i](in);
    }
    return in;
}

template <class... Layers>
std::string describe_block(const char* name) {
    std::string s = name;
    const char* sep = "<";
    for (const std::string& layer : {layer_of_t<Layers>::describe()...}) {
        s += sep + layer;
        sep = ", ";
    }
    return s + ">";
}

// The first stream of a nested block's layers (see the file comment).
constexpr std::size_t child_stream_base(std::size_t stream) noexcept {
    std::uint64_t z = static_cast<std::uint64_t>(stream) + 0x2545f4914f6cdd1dULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<std::size_t>(z) | (std::size_t(1) << (8 * sizeof(std::size_t) - 1));
}

template <bool Projection, class Out, class In>
struct residual_shortcut {
    static constexpr std::size_t parameter_count = 0;
};
template <class Out, class In>
struct residual_shortcut<true, Out, In> : dense<Out::size>::template bind<In> {
    static std::string describe() { return dense<Out::size>::describe(); }
};

// The bound residual (Projection = false) or residual_projection at input shape In.
template <class In, bool Projection, class... Layers>
struct residual_bind {
    // Named `inner`, not `block`: is_repeat_layer (nn/detail/block_kind.hpp) recognises a repeat by
    // its `block`.
    using inner = sequence<In, Layers...>;
    using input_shape = In;
    using block_output_shape = typename inner::output_shape;
    using output_shape = std::conditional_t<Projection, block_output_shape, In>;
    using shortcut = residual_shortcut<Projection, block_output_shape, In>;
    static constexpr bool is_residual = true;
    static constexpr bool projection = Projection;
    static constexpr std::size_t n_in = In::size;
    static constexpr std::size_t n_out = block_output_shape::size;
    static constexpr std::size_t inner_parameters = inner::parameter_count;
    static constexpr std::size_t parameter_count = inner_parameters + shortcut::parameter_count;
    static constexpr std::size_t activation_size = inner::activation_size;
    static constexpr std::size_t index_span = 1;
    static constexpr std::size_t buffer_count = inner::buffer_count;
    static constexpr bool is_block = true;
    // rows * n_in: a copy of dy (residual) or the shortcut's dx (projection); then the block's.
    static constexpr std::size_t scratch_size = n_in + inner::scratch_size;

    // "<prefix><index>.<j>.<name>" for inner layer j; "<prefix><index>.shortcut.weight|bias".
    template <class F>
    static void for_each_parameter(const std::string& prefix, std::size_t index, std::size_t offset,
                                   std::size_t buffer_offset, F&& f) {
        const std::string p = prefix + std::to_string(index) + ".";
        inner::for_each_parameter(p, 0, offset, buffer_offset, f);
        if constexpr (Projection)
            for (const auto& info : shortcut::parameters)
                f(p + "shortcut." + info.name, info, offset + inner_parameters + info.offset);
    }

    template <class T>
    static void initialize(T* p, T* b, std::uint64_t seed, std::size_t stream) {
        const std::size_t base = child_stream_base(stream);
        inner::initialize(p, b, seed, base);
        if constexpr (Projection) shortcut::initialize(p + inner_parameters, b + inner::buffer_count, seed, base + inner::index_span);
    }

    template <class T>
    static void forward(const T* p, const T* x, T* acts, std::size_t rows, const forward_pass<T>& outer) {
        T* y = acts + rows * (activation_size - n_out);
        const forward_pass<T> pass = outer.nested(0, child_stream_base(outer.stream));
        if constexpr (Projection) {
            const T* w = p + inner_parameters;
            const T* b = w + n_out * n_in;
            // The shortcut is a GEMM of its own, added into the block's output.
            inner::forward(p, x, acts, rows, pass);
            kernels::dense_forward_add<T, n_out>(n_in, n_out, w, b, x, y, rows);
        } else {
            inner::forward(p, x, acts, rows, pass, [=](std::size_t r) {
                const T* xr = x + r * n_in;
                T* yr = y + r * n_out;
                for (std::size_t k = 0; k < n_out; ++k) yr[k] += xr[k];
            });
        }
    }

    // dx = dF^T dy + dy (residual) or + W_s^T dy (projection); the block's backward may
    // overwrite the dy it is given, so the residual gives it a copy when dx is wanted.
    // The block's output had the shortcut added into it: the inner pass is told so
    // (backward<false>). Whether the caller kept this block's output changes nothing here.
    template <bool = true, class T, class Observer>
    static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows,
                         const Observer& observer) {
        T* extra = work;
        T* inner_work = work + rows * n_in;
        if constexpr (Projection) {
            T* w_grad = dp + inner_parameters;
            // Like a dense layer, the projection may take plain SGD's step in its dW store.
            const auto step = observer.template kernel_step<T>(inner_parameters, n_out * n_in, shortcut::parameter_count);
            kernels::dense_backward<T, n_in, n_out>(n_in, n_out, p + inner_parameters, x, dy, w_grad, w_grad + n_out * n_in,
                                       dx ? extra : nullptr, rows, kernels::no_prologue{}, step);
            observer.gradients(inner_parameters, shortcut::parameter_count);
            inner::template backward<false>(p, x, acts, dy, dx, dp, inner_work, rows, observer);
            if (dx)
                for (std::size_t k = 0; k < rows * n_in; ++k) dx[k] += extra[k];
        } else if (dx) {
            std::copy_n(dy, rows * n_out, extra);
            inner::template backward<false>(p, x, acts, extra, dx, dp, inner_work, rows, observer);
            for (std::size_t k = 0; k < rows * n_in; ++k) dx[k] += dy[k];
        } else {
            inner::template backward<false>(p, x, acts, dy, dx, dp, inner_work, rows, observer);
        }
    }
};

}  // namespace detail

/// A residual block: y = F(x) + x, where F is the block `Layers...` (itself a network). The
/// block must map its input shape to itself; otherwise check_residual names both shapes (use
/// tn::residual_projection). The block takes one state_dict index i, like an nn.Sequential
/// submodule, and its layers are named inside it: "<i>.<j>.weight" for inner layer j. PyTorch
/// holds the same module as an nn.Sequential subclass whose forward returns
/// `super().forward(x) + x`. The addition is fused into the epilogue of the block's last
/// stage when that is a dense or a dense + activation. Example: docs/networks.md (Residual blocks)
template <class... Layers>
struct residual {
    static_assert(sizeof...(Layers) > 0, "typenet: residual: the block needs at least one layer");

    // Accepts what the block accepts; a block that changes the shape is reported by
    // check_residual (with both shapes) rather than by the network's generic junction check.
    static constexpr bool accepts(detail::dims in) { return detail::block_output<Layers...>(in).rank <= detail::max_rank; }
    static constexpr detail::dims output_dims(detail::dims in) { return in; }
    static std::string describe() { return detail::describe_block<Layers...>("residual"); }
    // Gradient-flow prediction: q_out = q_in + q_F + 2 m_in m_F (F's output is uncorrelated
    // with x at initialisation); backward, both paths' images add, with their coherent parts'
    // cross terms (detail::residual_sum, nn/detail/mean_field.hpp).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims)
        requires(predictable_layer<Layers> && ...)
    {
        const detail::mean_field_gain f = detail::block_mean_field<Layers...>(in, in_dims);
        return {detail::residual_output(in, f.out), detail::residual_map(in, f.out, in_dims.size(), f.back)};
    }

    template <class In>
    struct bind : detail::residual_bind<In, false, Layers...> {
        static_assert(sizeof(detail::check_residual<residual, In, typename detail::sequence<In, Layers...>::output_shape>) > 0);
    };
};

/// A residual block with a learned shortcut: y = F(x) + W_s x + b_s, for a rank-1 input and a
/// block whose output is rank 1 (of any width). The shortcut is a dense<out> without
/// activation (weight [out, in], bias [out], initialised like tn::dense<out>'s defaults) and is
/// always present, whatever the widths, so the parameter names never depend on them. Names:
/// inner layer j at "<i>.<j>.*", the shortcut at "<i>.shortcut.weight" and "<i>.shortcut.bias";
/// in PyTorch, a module whose submodules are "0", "1", ... (run in order) and "shortcut".
/// Example: docs/networks.md (Residual blocks)
template <class... Layers>
struct residual_projection {
    static_assert(sizeof...(Layers) > 0, "typenet: residual_projection: the block needs at least one layer");

    static constexpr bool accepts(detail::dims in) {
        return in.rank == 1 && detail::block_output<Layers...>(in).rank == 1;
    }
    static constexpr detail::dims output_dims(detail::dims in) { return detail::block_output<Layers...>(in); }
    static std::string describe() { return detail::describe_block<Layers...>("residual_projection"); }
    // Gradient-flow prediction: F's step plus the shortcut's (a dense<out> with its default
    // init): moments add, and so do both paths' images (see detail::projection_map).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims)
        requires(predictable_layer<Layers> && ...)
    {
        const std::size_t n_in = in_dims.size(), n_out = detail::block_output<Layers...>(in_dims).size();
        using shortcut_init = typename dense<1>::init_policy;
        const detail::mean_field_gain f = detail::block_mean_field<Layers...>(in, in_dims);
        const detail::mean_field_gain s =
            detail::dense_mean_field(shortcut_init::variance(init::fan{n_in, n_out}), n_in, n_out, in);
        const detail::mean_field y{f.out.q + s.out.q, f.out.m, f.out.unit_mean_sq + s.out.unit_mean_sq};
        return {y, detail::projection_map(s.out, y, n_out, f.back, s.back)};
    }

    template <class In>
    struct bind : detail::residual_bind<In, true, Layers...> {};
};

}  // namespace typenet

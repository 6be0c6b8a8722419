// SPDX-License-Identifier: BSL-1.0
// Defines dense<N, Init>, the fully connected layer y = x W^T + b (PyTorch's nn.Linear).
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/kernels/dense.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/parameter_info.hpp>
#include <typenet/nn/detail/pass.hpp>
#include <typenet/nn/init/fan.hpp>
#include <typenet/nn/init/xavier_uniform.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace typenet {

/// A fully connected layer with N outputs: y = x W^T + b, W of shape [N, in] (PyTorch's layout,
/// so "<i>.weight" moves to and from nn.Linear unchanged) and b of shape [N]. Takes a rank-1
/// input (put tn::flatten before it otherwise). Weights start from the Init policy, biases at 0.
/// Fuses with a following activation: bias and activation in the forward epilogue, the
/// activation's derivative and the bias gradient in one backward pass (on threads, each thread's
/// rows and outputs: kernels::dense_backward).
/// Example: examples/mlp_basics.cpp
template <std::size_t N, class Init = init::xavier_uniform>
struct dense {
    static_assert(N > 0, "typenet: dense: the layer needs at least one output");
    using init_policy = Init;

    static constexpr bool accepts(detail::dims in) { return in.rank == 1; }
    static constexpr detail::dims output_dims(detail::dims) { return detail::dims{1, {N}}; }
    static std::string describe() { return "dense<" + std::to_string(N) + ", " + Init::name + ">"; }
    // Gradient-flow prediction (nn/detail/mean_field.hpp): q_out = n_in Var(W) q_in, m_out = 0;
    // the incoherent gradient scales by n_in Var(W) (dL/dx = W^T dL/dy), the parts along the
    // output come back along the input by n_out Var(W); Var(W) comes from the init policy (a
    // policy without variance(fan) makes the layer unpredictable).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims)
        requires requires(init::fan f) { { Init::variance(f) } -> std::convertible_to<double>; }
    {
        const std::size_t n_in = in_dims.size();
        return detail::dense_mean_field(Init::variance(init::fan{n_in, N}), n_in, N, in);
    }

    template <class In>
    struct bind {
        static constexpr std::size_t in = In::size;
        static constexpr std::size_t out = N;
        using input_shape = In;
        using output_shape = shape<N>;
        static constexpr std::size_t parameter_count = N * in + N;
        static constexpr std::size_t activation_size = N;
        static constexpr std::size_t index_span = 1;
        static constexpr std::size_t buffer_count = 0;
        static constexpr std::size_t scratch_size = 0;
        static constexpr std::array<detail::parameter_info, 2> parameters{{
            {"weight", 0, 2, {N, in, 0, 0}},
            {"bias", N * in, 1, {N, 0, 0, 0}},
        }};
        static constexpr bool fuses_epilogue = true;

        // f(name, info, offset of the parameter from the start of this layer's parameters)
        template <class F>
        static void for_each_parameter(const std::string& prefix, std::size_t index, std::size_t offset, std::size_t,
                                       F&& f) {
            for (const auto& p : parameters) f(detail::parameter_name(prefix, index, p.name), p, offset + p.offset);
        }

        template <class T>
        static void initialize(T* p, T*, std::uint64_t seed, std::size_t stream) {
            detail::rng r(seed, stream);
            Init::fill(p, N * in, init::fan{in, N}, r);
            for (std::size_t o = 0; o < N; ++o) p[N * in + o] = T(0);
        }

        template <class T, class Epilogue>
        static void forward_fused(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>&,
                                  Epilogue&& epilogue) {
            kernels::dense_forward<T, in, N>(in, N, p, p + N * in, x, acts, rows, epilogue);
        }
        template <class T>
        static void forward(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass) {
            forward_fused(p, x, acts, rows, pass, [](std::size_t) {});
        }

        // The weights (the first N * in parameters) can take the plain SGD step in the store of
        // their gradient's GEMM: `step` says where, when the trainer takes the update that way.
        static constexpr std::size_t kernel_step_parameters = N * in;

        template <class T, class Prologue>
        static void backward_fused(const T* p, const T* x, const T*, T* dy, T* dx, T* dp, T*, std::size_t rows,
                                   Prologue&& prologue, kernels::descent<T> step = {}) {
            kernels::dense_backward<T, in, N>(in, N, p, x, dy, dp, dp + N * in, dx, rows, prologue, step);
        }
        template <class T>
        static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* scratch, std::size_t rows,
                             kernels::descent<T> step = {}) {
            backward_fused(p, x, acts, dy, dx, dp, scratch, rows, kernels::no_prologue{}, step);
        }
    };
};

}  // namespace typenet

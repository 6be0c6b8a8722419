// SPDX-License-Identifier: BSL-1.0
// Defines layer_norm<Eps>, layer normalisation of a rank-1 input (PyTorch's nn.LayerNorm(n),
// Ba, Kiros & Hinton 2016): each row is normalised by its own mean and biased variance.
//
// Layout. Parameters: weight [n] (starts at 1), bias [n] (starts at 0); no buffers, and the
// same computation in training and evaluation. Activations, for a batch of R rows: the R row
// means, the R values 1 / sqrt(var + eps), then the output (R x n). Backward recomputes xhat
// from the input and these two numbers per row rather than keeping it: n + 2 values per row
// instead of 2n + 1, for one subtraction and one product per value.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/kernels/normalization.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/parameter_info.hpp>
#include <typenet/nn/detail/pass.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>

namespace typenet {

/// Layer normalisation of a rank-1 input, PyTorch's nn.LayerNorm(n) with eps 1e-5 (give
/// another as std::ratio: `layer_norm<std::ratio<1, 1000>>`): per row,
/// y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased variance over the row's n
/// values. Names "<i>.weight" and "<i>.bias", shape [n]; weight starts at 1, bias at 0. No
/// buffers; training and evaluation compute the same. Rank 1 only, like tn::dense: for a
/// sample of shape<A, B>, put tn::flatten before it to normalise over all A * B values
/// (nn.LayerNorm([A, B])). Fuses with a following activation.
/// Example: docs/networks.md (Layer normalisation)
template <class Eps = std::ratio<1, 100000>>
struct layer_norm {
    static constexpr double eps = double(Eps::num) / double(Eps::den);
    static_assert(eps > 0, "typenet: layer_norm: eps must be positive");

    static constexpr bool accepts(detail::dims in) { return in.rank == 1; }
    static constexpr detail::dims output_dims(detail::dims in) { return in; }
    static std::string describe() { return "layer_norm"; }
    // Gradient-flow prediction (weight 1, bias 0 as at the start): each row leaves with mean 0
    // and E[y^2] = v / (v + eps), v the row's variance; the gradient scales by (n - 2) / n /
    // (v + eps), and its common mode and part along y are removed (detail::layer_norm_mean_field).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims) {
        return detail::layer_norm_mean_field(in, in_dims.size(), eps);
    }

    template <class In>
    struct bind {
        static constexpr std::size_t n = In::size;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t parameter_count = 2 * n;
        static constexpr std::size_t buffer_count = 0;
        static constexpr std::size_t activation_size = n + 2;
        static constexpr std::size_t index_span = 1;
        static constexpr std::size_t scratch_size = 0;
        static constexpr bool fuses_epilogue = true;
        static constexpr std::array<detail::parameter_info, 2> parameters{{
            {"weight", 0, 1, {n, 0, 0, 0}},
            {"bias", n, 1, {n, 0, 0, 0}},
        }};

        template <class F>
        static void for_each_parameter(const std::string& prefix, std::size_t index, std::size_t offset, std::size_t,
                                       F&& f) {
            for (const auto& p : parameters) f(detail::parameter_name(prefix, index, p.name), p, offset + p.offset);
        }

        template <class T>
        static void initialize(T* p, T*, std::uint64_t, std::size_t) {
            for (std::size_t j = 0; j < n; ++j) {
                p[j] = T(1);
                p[n + j] = T(0);
            }
        }

        template <class T, class Epilogue>
        static void forward_fused(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>&,
                                  Epilogue&& epilogue) {
            kernels::layer_norm_forward<T>(x, p, p + n, T(eps), acts, acts + rows, acts + 2 * rows, rows, n, epilogue);
        }
        template <class T>
        static void forward(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass) {
            forward_fused(p, x, acts, rows, pass, [](std::size_t) {});
        }

        template <class T, class Prologue>
        static void backward_fused(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T*, std::size_t rows,
                                   Prologue&& prologue) {
            kernels::layer_norm_backward<T>(x, acts, acts + rows, p, dy, dp, dp + n, dx, rows, n, prologue);
        }
        template <class T>
        static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows) {
            backward_fused(p, x, acts, dy, dx, dp, work, rows, [](std::size_t) {});
        }
    };
};

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines batch_norm<Momentum, Eps>, batch normalisation over the batch of a rank-1 input
// (PyTorch's nn.BatchNorm1d on (N, C) input, Ioffe & Szegedy 2015).
//
// Layout. Parameters: weight [n] (starts at 1), bias [n] (starts at 0). Buffers, after every
// parameter of the network (nn/network.hpp): running_mean [n] (0), running_var [n] (1) and
// num_batches_tracked [] (0; PyTorch keeps it as int64, typenet as the value type, exact up to
// 2^24 steps in float) — the five names and shapes of the state_dict, so files move both ways.
// Activations per row: xhat (the normalised input, for backward), then the output.
//
// Training (a trainer's pass): normalise with the batch's mean and biased variance, and move
// the running statistics towards them (the unbiased variance, as PyTorch does). Evaluation
// (model(x)): normalise with the running statistics. Backward is the training pass's.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/kernels/normalization.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/parameter_info.hpp>
#include <typenet/nn/detail/pass.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>

namespace typenet {

/// Batch normalisation of a rank-1 input, PyTorch's nn.BatchNorm1d(n) with its defaults:
/// momentum 1/10 and eps 1e-5 (give others as std::ratio, e.g.
/// `batch_norm<std::ratio<1, 100>, std::ratio<1, 1000>>`). Names: "<i>.weight", "<i>.bias",
/// "<i>.running_mean", "<i>.running_var", "<i>.num_batches_tracked". A trainer runs it in
/// training mode (batch statistics; a batch needs at least two rows, as in PyTorch), `model(x)`
/// in evaluation mode (running statistics). Fuses with a following activation.
/// Example: examples/depth_study.cpp
template <class Momentum = std::ratio<1, 10>, class Eps = std::ratio<1, 100000>>
struct batch_norm {
    static constexpr double momentum = double(Momentum::num) / double(Momentum::den);
    static constexpr double eps = double(Eps::num) / double(Eps::den);
    static_assert(momentum >= 0 && momentum <= 1, "typenet: batch_norm: the momentum must lie in [0, 1]");
    static_assert(eps > 0, "typenet: batch_norm: eps must be positive");

    static constexpr bool accepts(detail::dims in) { return in.rank == 1; }
    static constexpr detail::dims output_dims(detail::dims in) { return in; }
    static std::string describe() { return "batch_norm"; }
    // Gradient-flow prediction (training mode, weight 1 and bias 0 as at the start): every unit
    // leaves with mean 0 and E[y^2] = var / (var + eps), var its variance over the batch; the
    // gradient scales by 1 / (var + eps) (detail::batch_norm_mean_field).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims) {
        return detail::batch_norm_mean_field(in, eps);
    }

    template <class In>
    struct bind {
        static constexpr std::size_t n = In::size;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t parameter_count = 2 * n;
        static constexpr std::size_t buffer_count = 2 * n + 1;
        static constexpr std::size_t activation_size = 2 * n;
        static constexpr std::size_t index_span = 1;
        // Backward recomputes the batch's mean and variance (n values each) in its scratch.
        static constexpr std::size_t scratch_size = 2 * n;
        static constexpr bool fuses_epilogue = true;
        static constexpr std::array<detail::parameter_info, 5> entries{{
            {"weight", 0, 1, {n, 0, 0, 0}},
            {"bias", n, 1, {n, 0, 0, 0}},
            {"running_mean", 0, 1, {n, 0, 0, 0}, false},
            {"running_var", n, 1, {n, 0, 0, 0}, false},
            {"num_batches_tracked", 2 * n, 0, {0, 0, 0, 0}, false},
        }};

        template <class F>
        static void for_each_parameter(const std::string& prefix, std::size_t index, std::size_t offset,
                                       std::size_t buffer_offset, F&& f) {
            for (const auto& e : entries)
                f(detail::parameter_name(prefix, index, e.name), e, (e.trainable ? offset : buffer_offset) + e.offset);
        }

        template <class T>
        static void initialize(T* p, T* b, std::uint64_t, std::size_t) {
            for (std::size_t j = 0; j < n; ++j) {
                p[j] = T(1);
                p[n + j] = T(0);
                b[j] = T(0);
                b[n + j] = T(1);
            }
            b[2 * n] = T(0);
        }

        template <class T, class Epilogue>
        static void forward_fused(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass,
                                  Epilogue&& epilogue) {
            T* xhat = acts;
            T* y = acts + rows * n;
            if (!pass.training) {
                // Evaluation: the running statistics; the xhat rows hold 1 / sqrt(var + eps).
                const T* running_mean = pass.buffers;
                const T* running_var = pass.buffers + n;
                for (std::size_t j = 0; j < n; ++j) xhat[j] = T(1) / std::sqrt(running_var[j] + T(eps));
                kernels::normalize_rows<T>(x, running_mean, xhat, p, p + n, y, rows, n, epilogue);
                return;
            }
            if (rows < 2)
                throw shape_error("typenet: batch_norm: training needs more than one row per batch to estimate a "
                                  "variance (PyTorch: \"Expected more than 1 value per channel when training\")");
            // The statistics live in the first two output rows until the output is written.
            T* mean = y;
            T* var = y + n;
            kernels::column_moments(x, rows, n, mean, var);
            if (pass.update) {
                T* running = pass.update;
                const T m = T(momentum);
                const T unbiased = static_cast<T>(rows) / static_cast<T>(rows - 1);
                for (std::size_t j = 0; j < n; ++j) {
                    running[j] = (T(1) - m) * running[j] + m * mean[j];
                    running[n + j] = (T(1) - m) * running[n + j] + m * var[j] * unbiased;
                }
                running[2 * n] += T(1);
            }
            for (std::size_t j = 0; j < n; ++j) var[j] = T(1) / std::sqrt(var[j] + T(eps));
            kernels::standardize_rows<T>(x, mean, var, xhat, rows, n);
            kernels::affine_rows<T>(xhat, p, p + n, y, rows, n, epilogue);
        }
        template <class T>
        static void forward(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass) {
            forward_fused(p, x, acts, rows, pass, [](std::size_t) {});
        }

        template <class T, class Prologue>
        static void backward_fused(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows,
                                   Prologue&& prologue) {
            T* mean = work;
            T* invstd = work + n;
            kernels::column_moments(x, rows, n, mean, invstd);
            for (std::size_t j = 0; j < n; ++j) invstd[j] = T(1) / std::sqrt(invstd[j] + T(eps));
            kernels::batch_norm_backward<T>(acts, invstd, p, dy, dp, dp + n, dx, rows, n, prologue);
        }
        template <class T>
        static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows) {
            backward_fused(p, x, acts, dy, dx, dp, work, rows, [](std::size_t) {});
        }
    };
};

}  // namespace typenet

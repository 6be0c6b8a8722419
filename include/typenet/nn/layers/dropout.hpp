// SPDX-License-Identifier: BSL-1.0
// Defines dropout<P> (PyTorch's nn.Dropout(p), Srivastava et al. 2014): in training, each value
// is zeroed with probability p and the others are scaled by 1 / (1 - p); in evaluation, the
// identity.
//
// The mask. A training pass draws it from detail::rng (core/random.hpp) seeded with the pass's
// seed and a stream mixed from (step, stream) by dropout_stream below, one uniform per value in
// C order over the whole batch: the same (seed, step, layer, row count) gives the same mask on
// every machine, another step or another dropout layer (stream = its state_dict index, nested
// blocks' streams as in residual.hpp) an independent one. PyTorch draws from its own generator,
// so masks never match PyTorch's bit for bit; only their statistics do.
//
// Layout. Activations: for 0 < p < 1, the scale of each value (0 or 1 / (1 - p)), which is
// what backward multiplies by, then the output. p = 0 and p = 1 need no mask (the identity,
// and x * 0 as PyTorch computes it) and keep only the output.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/kernels/lanes.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/pass.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>

namespace typenet {

namespace detail {

// The rng stream of a dropout layer's mask at a step: two splitmix64 finalisers, so that
// neighbouring steps and neighbouring layers give unrelated streams.
constexpr std::uint64_t dropout_stream(std::uint64_t step, std::uint64_t stream) noexcept {
    auto mix = [](std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    return mix(mix(step + 0x6a09e667f3bcc909ULL) ^ (stream + 0x9e3779b97f4a7c15ULL));
}

}  // namespace detail

/// Dropout, PyTorch's nn.Dropout(p) with p given as std::ratio (default 1/2): in training (a
/// trainer's pass) each value is zeroed with probability p and the kept ones are multiplied by
/// 1 / (1 - p); in evaluation (`model(x)`) the identity. p = 0 is always the identity and
/// p = 1 zeroes everything, as in PyTorch. Any input shape. No parameters, but one state_dict
/// index, as nn.Dropout takes in an nn.Sequential. The mask is reproducible: it depends on the
/// trainer's seed (options::seed), the step and the layer's index only; it cannot equal
/// PyTorch's, which comes from another generator.
/// Example: docs/networks.md (Dropout)
template <class P = std::ratio<1, 2>>
struct dropout {
    static_assert(P::num >= 0 && P::num <= P::den, "typenet: dropout: the probability p must lie in [0, 1]");
    static constexpr double p = double(P::num) / double(P::den);
    static constexpr bool keeps_all = P::num == 0;
    static constexpr bool drops_all = P::num == P::den;

    static constexpr bool accepts(detail::dims) { return true; }
    static constexpr detail::dims output_dims(detail::dims in) { return in; }
    static std::string describe() {
        char buffer[32];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, p).ptr;
        return "dropout(p=" + std::string(buffer, end) + ")";
    }
    // Gradient-flow prediction, training mode: q / (1 - p), the means kept; the gradient scales
    // by 1 / (1 - p); p = 1 passes none, a zero gain (detail::dropout_mean_field).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims) {
        return detail::dropout_mean_field(in, in_dims.size(), p);
    }

    template <class In>
    struct bind : detail::parameterless_layer<In, In> {
        static constexpr std::size_t n = In::size;
        static constexpr bool masked = !keeps_all && !drops_all;
        static constexpr std::size_t activation_size = masked ? 2 * n : n;

        template <class T>
        static void forward(const T*, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass) {
            const std::size_t count = rows * n;
            T* y = acts + (activation_size - n) * rows;
            if (!pass.training || keeps_all) {
                std::copy(x, x + count, y);
            } else if constexpr (drops_all) {
                kernels::for_each_lane<T>(count, [&](std::size_t i, auto lane) {
                    kernels::lane_store(lane, y + i, kernels::lane_load(lane, x + i) * T(0));
                });
            } else if constexpr (masked) {
                T* scale = acts;
                const T kept = static_cast<T>(1.0 / (1.0 - p));
                detail::rng r(pass.seed, detail::dropout_stream(pass.step, pass.stream));
                for (std::size_t i = 0; i < count; ++i) scale[i] = r.uniform() < p ? T(0) : kept;
                kernels::for_each_lane<T>(count, [&](std::size_t i, auto lane) {
                    kernels::lane_store(lane, y + i, kernels::lane_load(lane, x + i) * kernels::lane_load(lane, scale + i));
                });
            }
        }

        // Backward of the training pass: dx = dy * scale.
        template <class T>
        static void backward(const T*, const T*, const T* acts, T* dy, T* dx, T*, T*, std::size_t rows) {
            if (!dx) return;
            const std::size_t count = rows * n;
            if constexpr (keeps_all) {
                std::copy(dy, dy + count, dx);
            } else if constexpr (drops_all) {
                std::fill(dx, dx + count, T(0));
            } else {
                kernels::for_each_lane<T>(count, [&](std::size_t i, auto lane) {
                    kernels::lane_store(lane, dx + i, kernels::lane_load(lane, dy + i) * kernels::lane_load(lane, acts + i));
                });
            }
        }
    };
};

}  // namespace typenet

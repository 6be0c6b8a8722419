// SPDX-License-Identifier: BSL-1.0
// Defines repeat<N, Layers...>: a block of layers written once and run N times.
#pragma once

#include <typenet/nn/detail/block_mean_field.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/sequence.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace typenet {

/// The block `Layers...` repeated N times, as if written out N times in the list: its
/// parameters are named exactly so ("2.weight", "4.weight", ... for `repeat<3, dense<64>, tanh>`
/// at index 2), so files move to and from PyTorch unchanged. The block must map its input shape
/// to itself. It is instantiated once and run in a loop: compile time and compiler memory do
/// not grow with N. Example: examples/mlp_basics.cpp
template <std::size_t N, class... Layers>
struct repeat {
    static_assert(N > 0, "typenet: repeat: the block must be repeated at least once");
    static_assert(sizeof...(Layers) > 0, "typenet: repeat: the block needs at least one layer");

    // The block's output for input `in`, or rank 7 (no shape) where a layer rejects its input.
    static constexpr detail::dims block_output(detail::dims in) {
        constexpr std::array<bool (*)(detail::dims), sizeof...(Layers)> accepts{&detail::layer_of_t<Layers>::accepts...};
        constexpr std::array<detail::dims (*)(detail::dims), sizeof...(Layers)> output{
            &detail::layer_of_t<Layers>::output_dims...};
        for (std::size_t i = 0; i < sizeof...(Layers); ++i) {
            if (!accepts[i](in)) return detail::dims{detail::max_rank + 1, {}};
            in = output[i](in);
        }
        return in;
    }
    static constexpr bool accepts(detail::dims in) { return block_output(in) == in; }
    static constexpr detail::dims output_dims(detail::dims in) { return in; }
    // Gradient-flow prediction: the block's step (the sequence's rule) applied N times.
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims)
        requires(predictable_layer<Layers> && ...)
    {
        detail::mean_field_gain total{in};
        for (std::size_t n = 0; n < N; ++n) {
            const detail::mean_field_gain g = detail::block_mean_field<Layers...>(total.out, in_dims);
            total.out = g.out;
            total.back = detail::then(total.back, g.back);
        }
        return total;
    }
    static std::string describe() {
        std::string s = "repeat<" + std::to_string(N);
        for (const std::string& name : {detail::layer_of_t<Layers>::describe()...}) s += ", " + name;
        return s + ">";
    }

    template <class In>
    struct bind {
        using block = detail::sequence<In, Layers...>;
        static constexpr std::size_t copies = N;
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t block_parameters = block::parameter_count;
        static constexpr std::size_t block_activations = block::activation_size;
        static constexpr std::size_t parameter_count = N * block_parameters;
        static constexpr std::size_t activation_size = N * block_activations;
        static constexpr std::size_t index_span = N * block::index_span;
        static constexpr std::size_t block_buffers = block::buffer_count;
        static constexpr std::size_t buffer_count = N * block_buffers;
        static constexpr std::size_t scratch_size = 2 * In::size + block::scratch_size;
        static constexpr bool is_block = true;

        template <class F>
        static void for_each_parameter(const std::string& prefix, std::size_t index, std::size_t offset,
                                       std::size_t buffer_offset, F&& f) {
            for (std::size_t n = 0; n < N; ++n)
                block::for_each_parameter(prefix, index + n * block::index_span, offset + n * block_parameters,
                                          buffer_offset + n * block_buffers, f);
        }
        template <class T>
        static void initialize(T* p, T* b, std::uint64_t seed, std::size_t stream) {
            for (std::size_t n = 0; n < N; ++n)
                block::initialize(p + n * block_parameters, b + n * block_buffers, seed, stream + n * block::index_span);
        }

        template <class T>
        static const T* block_output_at(const T* acts, std::size_t n, std::size_t rows) {
            return acts + rows * ((n + 1) * block_activations - In::size);
        }

        template <class T>
        static void forward(const T* p, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>& pass) {
            const T* in = x;
            for (std::size_t n = 0; n < N; ++n)
                in = block::forward(p + n * block_parameters, in, acts + rows * n * block_activations, rows,
                                    pass.at(n * block_buffers, n * block::index_span));
        }

        template <bool OutputKept = true, class T, class Observer>
        static void backward(const T* p, const T* x, const T* acts, T* dy, T* dx, T* dp, T* work, std::size_t rows,
                             const Observer& observer) {
            T* buffers[2] = {work, work + rows * In::size};
            T* inner = work + 2 * rows * In::size;
            T* cur = dy;
            int next = 0;
            for (std::size_t k = N; k-- > 0;) {
                T* target = k == 0 ? dx : buffers[next];
                const T* in = k == 0 ? x : block_output_at(acts, k - 1, rows);
                auto block_backward = [&](auto output_kept) {
                    block::template backward<decltype(output_kept)::value>(
                        p + k * block_parameters, in, acts + rows * k * block_activations, cur, target,
                        dp + k * block_parameters, inner, rows, observer.shifted(k * block_parameters));
                };
                // Only the last block's output is the repeat's, which a caller may have changed.
                if (OutputKept || k + 1 < N)
                    block_backward(std::true_type{});
                else
                    block_backward(std::false_type{});
                cur = target;
                next = 1 - next;
            }
        }
    };
};

}  // namespace typenet

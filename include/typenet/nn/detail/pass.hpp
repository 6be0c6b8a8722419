// SPDX-License-Identifier: BSL-1.0
// Defines what a pass carries besides the data: forward_pass (the mode, the buffers, the
// dropout stream) and the backward observers (who wants to see gradients as they are made,
// and whether a layer should take the plain SGD step in its kernel instead).
//
// Why one context rather than more arguments. Most layers ignore both; batch norm needs the
// mode and its running statistics, dropout the mode and a stream of random numbers, and a
// nested block passes them on shifted to its own layers. One value, shifted by the sequence
// the same way it shifts parameter offsets, serves all of them.
#pragma once

#include <typenet/kernels/descent.hpp>

#include <cstddef>
#include <cstdint>

namespace typenet::detail {

/// The context of one forward pass, as seen by one element of a sequence.
template <class T>
struct forward_pass {
    bool training = false;
    // This element's buffers (batch norm's running statistics): read in evaluation;
    // `update` is the same place, writable, when a training pass should update them.
    const T* buffers = nullptr;
    T* update = nullptr;
    // Dropout draws from stream `stream` of (seed, step): a new mask every step, the same
    // mask for the same (seed, step), whatever the thread or the machine.
    std::uint64_t seed = 0;
    std::uint64_t step = 0;
    std::size_t stream = 0;

    /// The context of an element whose buffers start `buffer_offset` values further on and
    /// whose stream is `stream_offset` further on.
    constexpr forward_pass at(std::size_t buffer_offset, std::size_t stream_offset) const noexcept {
        forward_pass p = *this;
        if (p.buffers) p.buffers += buffer_offset;
        if (p.update) p.update += buffer_offset;
        p.stream += stream_offset;
        return p;
    }
    /// The same, for a nested block whose streams start at `stream` (see residual.hpp).
    constexpr forward_pass nested(std::size_t buffer_offset, std::size_t stream) const noexcept {
        forward_pass p = at(buffer_offset, 0);
        p.stream = stream;
        return p;
    }
};

/// Observes nothing: the backward pass of a trainer without diagnostics compiles to itself.
struct no_observer {
    static constexpr bool wants_input_gradients = false;
    constexpr void gradients(std::size_t, std::size_t) const noexcept {}
    template <class T>
    constexpr void input_gradient(std::size_t, const T*, std::size_t) const noexcept {}
    template <class T>
    constexpr kernels::descent<T> kernel_step(std::size_t, std::size_t, std::size_t) const noexcept {
        return {};
    }
    constexpr no_observer shifted(std::size_t) const noexcept { return {}; }
};

/// Forwards what backward reports to a sink, with offsets made absolute (a nested block's
/// layers report offsets within the block; `shifted` adds where the block starts).
///   sink.gradients(offset, count): a layer has written its parameter gradients
///     [offset, offset + count) of the flat gradient buffer;
///   sink.input_gradient(offset, dx, count): the gradient reaching the input of the layer
///     whose parameters start at `offset` (count values, all rows);
///   sink.kernel_step(offset, count, layer_count), optional: asked by a layer with layer_count
///     parameters at `offset`, before its backward, whether it should take the plain SGD step
///     on the first `count` of them in its kernel instead of writing their gradients (where,
///     kernels::descent; null: no).
template <class Sink>
struct observer {
    static constexpr bool wants_input_gradients = Sink::wants_input_gradients;
    Sink* sink;
    std::size_t base = 0;

    void gradients(std::size_t offset, std::size_t count) const { sink->gradients(base + offset, count); }
    template <class T>
    void input_gradient(std::size_t offset, const T* dx, std::size_t count) const {
        if constexpr (wants_input_gradients) sink->input_gradient(base + offset, dx, count);
    }
    template <class T>
    kernels::descent<T> kernel_step(std::size_t offset, std::size_t count, std::size_t layer_count) const {
        if constexpr (requires { sink->kernel_step(offset, count, layer_count); })
            return sink->kernel_step(base + offset, count, layer_count);
        else
            return {};
    }
    observer shifted(std::size_t offset) const noexcept { return {sink, base + offset}; }
};

}  // namespace typenet::detail

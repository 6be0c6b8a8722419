// SPDX-License-Identifier: BSL-1.0
// Defines flatten, which folds every feature axis into one (PyTorch's nn.Flatten()).
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/mean_field.hpp>
#include <typenet/nn/detail/pass.hpp>

#include <algorithm>
#include <cstddef>
#include <string>

namespace typenet {

/// Folds the feature shape into one axis: `shape<28, 28>` becomes `shape<784>`. Data stay in
/// place (C order), so it costs one copy forward and one backward; it has no parameters but
/// takes an index, as nn.Flatten does in an nn.Sequential.
struct flatten {
    static constexpr bool accepts(detail::dims) { return true; }
    static constexpr detail::dims output_dims(detail::dims in) { return detail::dims{1, {in.size()}}; }
    static std::string describe() { return "flatten"; }
    // Gradient-flow prediction: the identity (values and gradients are only re-indexed).
    static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims) { return {in}; }

    template <class In>
    struct bind : detail::parameterless_layer<In, shape<In::size>> {
        template <class T>
        static void forward(const T*, const T* x, T* acts, std::size_t rows, const detail::forward_pass<T>&) {
            std::copy(x, x + rows * In::size, acts);
        }
        template <class T>
        static void backward(const T*, const T*, const T*, T* dy, T* dx, T*, T*, std::size_t rows) {
            if (dx) std::copy(dy, dy + rows * In::size, dx);
        }
    };
};

}  // namespace typenet

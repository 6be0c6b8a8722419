// SPDX-License-Identifier: BSL-1.0
// Defines input<Features...>, the first element of every network: the shape of one sample.
#pragma once

#include <typenet/core/shape.hpp>

#include <cstddef>

namespace typenet {

/// The shape of one input sample: `input<784>`, `input<28, 28>`. It is not a layer and takes no
/// state_dict index: the layer after it is "0", as in an nn.Sequential.
template <std::size_t... Features>
struct input {
    using shape_type = shape<Features...>;
};

namespace detail {
template <class T>
inline constexpr bool is_input_v = false;
template <std::size_t... F>
inline constexpr bool is_input_v<input<F...>> = true;
}  // namespace detail

}  // namespace typenet

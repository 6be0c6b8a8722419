// SPDX-License-Identifier: BSL-1.0
// Defines the layer concepts: layer (what may stand in a network's list) and layer_accepts.
//
// A layer L is a type with:
//   - `static constexpr bool accepts(detail::dims in)`: whether it can take input shape `in`;
//   - `static constexpr detail::dims output_dims(detail::dims in)`: its output shape (a value,
//     so a network infers every shape in one constexpr loop);
//   - `template <class In> struct bind`: the layer at input shape In, with `output_shape`,
//     `parameter_count`, `activation_size` (values per row forward keeps for backward; the
//     output is the last output_shape::size of them), `index_span` (state_dict indices it
//     occupies), `for_each_parameter`, `initialize`, `forward` and `backward`.
//   - `static std::string describe()`: its name as a person reads it in tn::summary.
// Bound layers may also offer fusion hooks (see nn/plan.hpp).
#pragma once

#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>

#include <concepts>
#include <string>

namespace typenet {

/// A type that can stand in a network's layer list (see the requirements above).
/// Activation types (tn::relu, tn::activation<F>) are layers through detail::layer_of_t.
template <class L>
concept layer = requires(detail::dims d) {
    { detail::layer_of_t<L>::accepts(d) } -> std::same_as<bool>;
    { detail::layer_of_t<L>::output_dims(d) } -> std::same_as<detail::dims>;
    { detail::layer_of_t<L>::describe() } -> std::convertible_to<std::string>;
};

/// Layer L can take an input of shape Shape.
template <class L, class Shape>
concept layer_accepts = layer<L> && detail::layer_of_t<L>::accepts(detail::dims_of<Shape>());

}  // namespace typenet

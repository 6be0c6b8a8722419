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
//
// Gradient-flow prediction (optional; nn/gradient_flow.hpp, docs/gradients.md). A layer states
// its mean-field step at initialisation with
//   `static constexpr detail::mean_field_gain mean_field_step(detail::mean_field in, detail::dims in_dims)`:
// given the statistics of its input (q = E[h^2], m = E[h] and unit_mean_sq, the mean square of
// the units' batch means; nn/detail/mean_field.hpp) and its input shape, it returns its output
// statistics and its backward map: how the state of the back-propagated gradient at its output
// (the squared norm of its incoherent part and the covariance of its components along 1, the
// units' means and the values themselves; total norms, over units and rows) maps to its input.
// dense: the incoherent part scales by n_in Var(W) (from the init policy's variance(fan));
// an activation phi: by E[phi'(z)^2] for z ~ N(m, q - m^2); flatten: identity; repeat: its
// block's maps N times; residual: both paths' images added. Build maps with the helpers of
// nn/detail/mean_field.hpp (from_amplitudes, norm_row).
// A layer without it is still a layer; only asking for a prediction is then an error.
#pragma once

#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/mean_field.hpp>

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

/// A layer that states its mean-field step (see above), so that a network of such layers has a
/// gradient-flow prediction (tn::predicted_gradient_flow). A block (repeat, residual) is
/// predictable when every layer in it is.
template <class L>
concept predictable_layer = layer<L> && requires(detail::mean_field s, detail::dims d) {
    { detail::layer_of_t<L>::mean_field_step(s, d) } -> std::same_as<detail::mean_field_gain>;
};

/// Layer L can take an input of shape Shape.
template <class L, class Shape>
concept layer_accepts = layer<L> && detail::layer_of_t<L>::accepts(detail::dims_of<Shape>());

}  // namespace typenet

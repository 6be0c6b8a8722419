// SPDX-License-Identifier: BSL-1.0
// Defines the expression concepts: expression, expression_of, leaf_expression, operand.
#pragma once

#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>

#include <type_traits>

namespace typenet {

/// Anything that can stand in an elementwise expression: tensors, batches, views, expression
/// nodes, the placeholder `_x` and constants. Requirements: a member type `expression_tag`,
/// `value_type` (void when untyped, as for `_x`), `static_shape` (the feature shape),
/// `static constexpr bool batched`, and `rows()`.
template <class E>
concept expression = detail::has_expression_tag<E>;

/// An expression whose (feature) shape is exactly Shape: `expression_of<E, shape<10>>`.
template <class E, class Shape>
concept expression_of = expression<E> && std::is_same_v<typename std::remove_cvref_t<E>::static_shape, Shape>;

/// An expression backed by memory: `data()` points at `rows() * static_shape::size` values.
template <class E>
concept leaf_expression = expression<E> && requires(const std::remove_cvref_t<E>& e) {
    { e.data() };
};

/// What an elementwise operator accepts on either side: an expression or an arithmetic scalar.
template <class T>
concept operand = expression<T> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

}  // namespace typenet

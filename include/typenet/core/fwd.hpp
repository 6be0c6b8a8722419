// SPDX-License-Identifier: BSL-1.0
// Declares every public name of typenet's core layer, with its documentation.
#pragma once

#include <typenet/core/shape.hpp>

#include <cstddef>
#include <type_traits>

namespace typenet {

/// A tensor of static shape: `tensor<float, shape<3, 4>>` owns 12 floats, aligned, in C order,
/// with value semantics (copy copies). Small tensors live inside the object, large ones on the
/// heap (TYPENET_INLINE_STORAGE_BYTES). Assigning an expression evaluates it in one SIMD loop.
/// Example: examples/01_expressions.cpp
template <class T, class Shape>
class tensor;

/// A non-owning view of `Shape::size` contiguous values; `tensor_view<const T, S>` is read-only.
/// What `batch::row(r)` returns. Assigning an expression writes through the view.
template <class T, class Shape>
class tensor_view;

/// A run-time number of rows over static feature extents: `batch<float, 784> x(64)` holds 64
/// rows of 784 floats, contiguous in C order (no padding between rows). The row count is the
/// only run-time extent in typenet; zero rows is valid and every operation on it does nothing.
/// Element access is `x(row, i...)`. Example: examples/01_expressions.cpp
template <class T, std::size_t... Features>
class batch;

/// A non-owning view of consecutive rows of a batch (`x.slice(first, count)`).
template <class T, std::size_t... Features>
class batch_view;

/// Evaluates expression `e` into `dst` (a tensor, batch or view of the same shape). Defined in
/// <typenet/expr/assign.hpp>; the containers' constructors and `operator=` call it.
template <class Dst, class E>
void assign(Dst& dst, const E& e);

namespace detail {
// Every expression type (leaf or node) carries this member type; the expression concepts in
// expr/ build on it, and core uses it to accept expressions without depending on expr/.
template <class E>
concept has_expression_tag = requires { typename std::remove_cvref_t<E>::expression_tag; };
struct expression_tag_type {};
}  // namespace detail

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines the checker templates behind every compile-time shape rule of expressions. Each one's
// template arguments are what the compiler prints above the message: the operation and shapes.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/core/shape_concepts.hpp>

#include <cstddef>
#include <type_traits>

namespace typenet::detail {

template <class Op, class Lhs, class Rhs>
struct require_broadcastable {
    static_assert(broadcastable<Lhs, Rhs>,
                  "typenet: elementwise operation: operand shapes must be equal or broadcast under NumPy's rule "
                  "(see Lhs and Rhs in require_broadcastable)");
    static constexpr bool value = true;
};

// A tensor operand meets a batch: it must broadcast to the batch's feature shape, since only
// the batch knows how many rows there are.
template <class Op, class Tensor, class Features>
struct require_broadcastable_to_rows {
    static_assert(broadcastable_to<Tensor, Features>,
                  "typenet: elementwise operation: a tensor operand must broadcast to the batch's feature shape "
                  "(see Tensor and Features in require_broadcastable_to_rows)");
    static constexpr bool value = true;
};

template <class Op, class Lhs, class Rhs>
struct require_same_value_type {
    static_assert(std::is_void_v<Lhs> || std::is_void_v<Rhs> || std::is_same_v<Lhs, Rhs>,
                  "typenet: elementwise operation: operands must have the same value type "
                  "(see Lhs and Rhs in require_same_value_type)");
    static constexpr bool value = true;
};

template <class Destination, class Source>
struct require_assignable {
    static_assert(std::is_same_v<Destination, Source>,
                  "typenet: assign: the expression's shape must equal the destination's shape "
                  "(see Destination and Source in require_assignable)");
    static constexpr bool value = true;
};

template <bool DestinationBatched, bool SourceBatched>
struct require_same_batching {
    static_assert(DestinationBatched == SourceBatched,
                  "typenet: assign: a batch expression goes into a batch, a tensor expression into a tensor "
                  "(see DestinationBatched and SourceBatched in require_same_batching)");
    static constexpr bool value = true;
};

template <class Destination, class Source>
struct require_assignable_value_type {
    static_assert(std::is_void_v<Source> || std::is_same_v<Destination, Source>,
                  "typenet: assign: the expression's value type must equal the destination's "
                  "(see Destination and Source in require_assignable_value_type)");
    static constexpr bool value = true;
};

template <bool HasPlaceholder>
struct require_no_placeholder {
    static_assert(!HasPlaceholder,
                  "typenet: evaluate: an expression over the placeholder _x has no values; apply it to an operand "
                  "first with tn::apply(f, x)");
    static constexpr bool value = true;
};

template <class Lhs, class Rhs>
struct require_matmul_compatible {
    static_assert(matmul_compatible<Lhs, Rhs>,
                  "typenet: matmul: the left operand's last extent must equal the right operand's first extent, "
                  "and the right operand must be a matrix (see Lhs and Rhs in require_matmul_compatible)");
    static constexpr bool value = true;
};

template <class Shape, bool Batched>
struct require_matrix {
    static_assert(!Batched && matrix_shape<Shape>,
                  "typenet: transpose: the operand must be a tensor of shape<M, N> (see Shape and Batched in "
                  "require_matrix)");
    static constexpr bool value = true;
};

template <std::size_t Axis, class Shape, std::size_t Rank>
struct require_axis {
    static_assert(Axis < Rank,
                  "typenet: reduction: the axis must be less than the operand's rank; a batch's axis 0 is its "
                  "rows (see Axis, Shape and Rank in require_axis)");
    static constexpr bool value = true;
};

}  // namespace typenet::detail

namespace typenet::detail {

template <class Op, bool OperandIsMask, bool OperatorTakesMask>
struct require_mask_use {
    static_assert(OperandIsMask == OperatorTakesMask,
                  "typenet: elementwise operation: a comparison gives a mask, which only tn::select, &&, || and ! "
                  "accept, and they accept nothing else (see Op in require_mask_use)");
    static constexpr bool value = true;
};

}  // namespace typenet::detail

// SPDX-License-Identifier: BSL-1.0
// Defines the concepts that relate shapes: same_shape, broadcastable, broadcastable_to,
// matmul_compatible. They name the rule a shape check enforces, so compilers echo them.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>

#include <type_traits>

namespace typenet {

/// A and B are the same shape.
template <class A, class B>
concept same_shape = shape_type<A> && shape_type<B> && std::is_same_v<A, B>;

/// A and B broadcast together under NumPy's rule (trailing axes equal or 1).
template <class A, class B>
concept broadcastable = shape_type<A> && shape_type<B> && detail::shapes_broadcast<A, B>();

/// From broadcasts to exactly To: every value of To is produced, none of From is lost.
template <class From, class To>
concept broadcastable_to = broadcastable<From, To> && std::is_same_v<broadcast_t<From, To>, To>;

/// A is `shape<M, K>` and B is `shape<K, N>`.
template <class A, class B>
concept matmul_compatible = shape_type<A> && shape_type<B> && A::rank == 2 && B::rank == 2 &&
                            (A::extents[A::rank - 1] == B::extents[0]);

/// S is a matrix shape `shape<M, N>`.
template <class S>
concept matrix_shape = shape_type<S> && S::rank == 2;

}  // namespace typenet

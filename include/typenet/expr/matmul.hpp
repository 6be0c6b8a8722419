// SPDX-License-Identifier: BSL-1.0
// Defines matmul and transpose. Unlike elementwise operations they are evaluated at once into a
// new tensor or batch: an output element reads a whole row and column, so a lazy node would
// re-read them per element and could not be aliased safely (`a = matmul(a, b)`).
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/detail/container_for.hpp>
#include <typenet/expr/detail/require.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/kernels/gemm.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>

namespace typenet {
namespace detail {

// Leaves are used where they are; any other expression is evaluated once.
template <class E>
decltype(auto) materialise(const E& e) {
    if constexpr (leaf_expression<E>)
        return (e);
    else
        return eval(e);
}


// The shape check runs only when the left operand is a matrix or a batch<K>, whose own message
// otherwise already fired.
template <class XA, class SA, class SB>
constexpr bool require_matmul_compatible_once() {
    if constexpr (!XA::batched || XA::static_shape::rank == 1)
        return require_matmul_compatible<SA, SB>::value;
    else
        return true;
}

}  // namespace detail

/// Matrix product: `shape<M, K>` x `shape<K, N>` gives `shape<M, N>`; a `batch<T, K>` on the left
/// (rows x K) gives a `batch<T, N>`. The right operand is a tensor (weights).
/// Example: examples/01_expressions.cpp
template <expression A, expression B>
auto matmul(const A& a, const B& b) {
    using XA = std::remove_cvref_t<A>;
    using XB = std::remove_cvref_t<B>;
    static_assert(detail::require_same_value_type<struct matmul_tag, typename XA::value_type, typename XB::value_type>::value);
    static_assert(XA::batched ? XA::static_shape::rank == 1 : true,
                  "typenet: matmul: a batch on the left must have one feature axis, batch<T, K>");
    // A batch<K> multiplies like a matrix (rows, K); its rows are counted at run time.
    using SA = std::conditional_t<XA::batched, shape<1, (XA::static_shape::rank == 1 ? XA::static_shape::size : 0)>,
                                  typename XA::static_shape>;
    static_assert(!XB::batched, "typenet: matmul: the right operand must be a tensor, not a batch");
    static_assert(XB::batched || detail::require_matmul_compatible_once<XA, SA, typename XB::static_shape>());
    if constexpr (XB::batched || (XA::batched && XA::static_shape::rank != 1) ||
                  !matmul_compatible<SA, typename XB::static_shape>) {
        return 0;  // reported above; stopping here keeps it to one error
    } else {
        using T = typename XA::value_type;
        using R = matmul_t<SA, typename XB::static_shape>;
        constexpr std::size_t K = SA::extents[1], N = R::extents[1];
        decltype(auto) ma = detail::materialise(a);
        decltype(auto) mb = detail::materialise(b);
        if constexpr (XA::batched) {
            auto out = detail::container_for<T, shape<N>, true>::make(a.rows());
            kernels::gemm<T>(a.rows(), N, K, ma.data(), mb.data(), out.data());
            return out;
        } else {
            detail::container_for_t<T, R, false> out;
            kernels::gemm<T>(SA::extents[0], N, K, ma.data(), mb.data(), out.data());
            return out;
        }
    }
}

/// `shape<M, N>` becomes `shape<N, M>` (tensors only: a batch's rows stay rows).
template <expression E>
auto transpose(const E& e) {
    using X = std::remove_cvref_t<E>;
    static_assert(detail::require_matrix<typename X::static_shape, X::batched>::value);
    if constexpr (X::batched || !matrix_shape<typename X::static_shape>) {
        return 0;  // reported above
    } else {
        using S = typename X::static_shape;
        using T = typename X::value_type;
        decltype(auto) m = detail::materialise(e);
        detail::container_for_t<T, transpose_t<S>, false> out;
        kernels::transpose<T>(S::extents[0], S::extents[1], m.data(), out.data());
        return out;
    }
}

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines output_derivative_t<F>: the derivative of an elementwise function F written in terms
// of its output y = F(x) where the symbolic derivative allows it (tanh: 1 - y^2, sigmoid:
// y (1 - y)), so a backward pass reads the activations it already has instead of evaluating F
// again. It is a rewrite of types: every F inside derivative_t<F> becomes the placeholder (now
// meaning y); when x also appears on its own (relu, gelu, swish) there is no such form.
#pragma once

#include <typenet/expr/derivative.hpp>
#include <typenet/expr/nodes.hpp>

#include <type_traits>

namespace typenet {
namespace detail {

// Marks where F was, while the result is checked for any x left over.
struct output_marker;

// E with each subexpression of type From replaced by To.
template <class E, class From, class To>
struct replace_expression {
    using type = std::conditional_t<std::is_same_v<E, From>, To, E>;
};
template <class Op, class A, class From, class To>
struct replace_expression<unary_node<Op, A>, From, To> {
    using type = std::conditional_t<std::is_same_v<unary_node<Op, A>, From>, To,
                                    unary_node<Op, typename replace_expression<A, From, To>::type>>;
};
template <class Op, class L, class R, class From, class To>
struct replace_expression<binary_node<Op, L, R>, From, To> {
    using type = std::conditional_t<std::is_same_v<binary_node<Op, L, R>, From>, To,
                                    binary_node<Op, typename replace_expression<L, From, To>::type,
                                                typename replace_expression<R, From, To>::type>>;
};
template <class C, class A, class B, class From, class To>
struct replace_expression<select_node<C, A, B>, From, To> {
    using type = std::conditional_t<std::is_same_v<select_node<C, A, B>, From>, To,
                                    select_node<typename replace_expression<C, From, To>::type,
                                                typename replace_expression<A, From, To>::type,
                                                typename replace_expression<B, From, To>::type>>;
};

template <class E, class X>
inline constexpr bool contains_expression_v = std::is_same_v<E, X>;
template <class Op, class A, class X>
inline constexpr bool contains_expression_v<unary_node<Op, A>, X> =
    std::is_same_v<unary_node<Op, A>, X> || contains_expression_v<A, X>;
template <class Op, class L, class R, class X>
inline constexpr bool contains_expression_v<binary_node<Op, L, R>, X> =
    std::is_same_v<binary_node<Op, L, R>, X> || contains_expression_v<L, X> || contains_expression_v<R, X>;
template <class C, class A, class B, class X>
inline constexpr bool contains_expression_v<select_node<C, A, B>, X> = std::is_same_v<select_node<C, A, B>, X> ||
                                                                       contains_expression_v<C, X> ||
                                                                       contains_expression_v<A, X> ||
                                                                       contains_expression_v<B, X>;

template <class F>
using marked_derivative_t = typename replace_expression<derivative_t<F>, F, output_marker>::type;

}  // namespace detail

/// Whether F's derivative can be written in terms of F's output alone.
template <class F>
inline constexpr bool has_output_derivative_v = !detail::contains_expression_v<detail::marked_derivative_t<F>, placeholder>;

/// F's derivative as an expression over `_x` standing for y = F(x); only where
/// has_output_derivative_v<F>. Example: for tn::tanh{}(_x) it is `rational<1> - square(_x)`.
template <class F>
    requires has_output_derivative_v<F>
using output_derivative_t = typename detail::replace_expression<detail::marked_derivative_t<F>, detail::output_marker,
                                                                placeholder>::type;

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines apply(f, x): the expression f with every placeholder `_x` replaced by x. This is how an
// elementwise function written over `_x` (an activation, its derivative) meets real data.
#pragma once

#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>

#include <type_traits>
#include <utility>

namespace typenet {
namespace detail {

// Rebuilding goes through the same factories as the operators, so every shape and value-type
// check runs again on the substituted expression.
template <class Closure, class X>
decltype(auto) substitute(const std::remove_cvref_t<Closure>& f, X&& x);
template <class Op, class A, class X>
auto substitute_node(const unary_node<Op, A>& f, X&& x);
template <class Op, class L, class R, class X>
auto substitute_node(const binary_node<Op, L, R>& f, X&& x);
template <class C, class A, class B, class X>
auto substitute_node(const select_node<C, A, B>& f, X&& x);

template <class Op, class A, class X>
auto substitute_node(const unary_node<Op, A>& f, X&& x) {
    return unary<Op>(substitute<A>(f.arg, std::forward<X>(x)));
}
template <class Op, class L, class R, class X>
auto substitute_node(const binary_node<Op, L, R>& f, X&& x) {
    return binary<Op>(substitute<L>(f.lhs, std::forward<X>(x)), substitute<R>(f.rhs, std::forward<X>(x)));
}
template <class C, class A, class B, class X>
auto substitute_node(const select_node<C, A, B>& f, X&& x) {
    return make_select(substitute<C>(f.cond, std::forward<X>(x)), substitute<A>(f.if_true, std::forward<X>(x)),
                       substitute<B>(f.if_false, std::forward<X>(x)));
}

// Closure is how the enclosing node holds f: a subtree without `_x` is kept the same way
// (referred to if it was referred to, copied if it was owned).
template <class Closure, class X>
decltype(auto) substitute(const std::remove_cvref_t<Closure>& f, X&& x) {
    using F = std::remove_cvref_t<Closure>;
    if constexpr (std::is_same_v<F, placeholder>) {
        // An lvalue operand is referred to; a temporary is copied into each place `_x` stands
        // (never moved: `_x` may stand in several places).
        if constexpr (std::is_lvalue_reference_v<X>)
            return static_cast<X>(x);
        else
            return std::remove_cvref_t<X>(x);
    } else if constexpr (!contains_placeholder_v<F>)
        if constexpr (std::is_reference_v<Closure>)
            return static_cast<const F&>(f);
        else
            return F(f);
    else
        return substitute_node(f, std::forward<X>(x));
}

}  // namespace detail

/// f with `_x` replaced by x: `tn::apply(_x * tn::sigmoid(_x), z)` is `z * tn::sigmoid(z)`.
/// x is held by reference when it is an lvalue, by value when it is a temporary.
template <expression F, expression X>
auto apply(const F& f, X&& x) {
    return detail::substitute<F>(f, std::forward<X>(x));
}

}  // namespace typenet

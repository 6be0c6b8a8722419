// SPDX-License-Identifier: BSL-1.0
// Defines the elementwise operators and functions that build expression nodes: + - * /, unary
// minus, exp log sqrt abs and friends, min max, comparisons and select. (tanh, sigmoid, relu
// and the other activations are function objects: expr/activations.hpp.)
// Every one of them runs the shape checks (nodes.hpp) and computes nothing.
#pragma once

#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/functors.hpp>
#include <typenet/expr/nodes.hpp>

#include <ratio>
#include <type_traits>
#include <utility>

namespace typenet {

namespace detail {

template <class E>
inline constexpr bool is_mask_v = false;
template <class Op, class A>
inline constexpr bool is_mask_v<unary_node<Op, A>> = Op::yields_mask;
template <class Op, class L, class R>
inline constexpr bool is_mask_v<binary_node<Op, L, R>> = Op::yields_mask;

// After a failed check the result is a harmless constant, so the one message is not followed
// by a cascade of errors from instantiating the bad node.
template <class Op, class A>
auto unary(A&& a) {
    constexpr bool ok = require_mask_use<Op, is_mask_v<expr_t<A>>, Op::takes_mask>::value &&
                        is_mask_v<expr_t<A>> == Op::takes_mask;
    if constexpr (ok)
        return make_unary<Op>(std::forward<A>(a));
    else
        return rejected_expression{};
}

template <class Op, class L, class R>
auto binary(L&& l, R&& r) {
    constexpr bool ok = require_mask_use<Op, is_mask_v<expr_t<L>>, Op::takes_mask>::value &&
                        require_mask_use<Op, is_mask_v<expr_t<R>>, Op::takes_mask>::value &&
                        is_mask_v<expr_t<L>> == Op::takes_mask && is_mask_v<expr_t<R>> == Op::takes_mask;
    if constexpr (ok)
        return make_binary<Op>(as_operand(std::forward<L>(l)), as_operand(std::forward<R>(r)));
    else
        return rejected_expression{};
}

// Operators need an expression on at least one side; `2.0f * 3.0f` stays ordinary arithmetic.
template <class L, class R>
concept operand_pair = operand<L> && operand<R> && (expression<L> || expression<R>);

}  // namespace detail

// --- arithmetic operators ---
template <class L, class R> requires detail::operand_pair<L, R>
auto operator+(L&& l, R&& r) { return detail::binary<op::add>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator-(L&& l, R&& r) { return detail::binary<op::subtract>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator*(L&& l, R&& r) { return detail::binary<op::multiply>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator/(L&& l, R&& r) { return detail::binary<op::divide>(std::forward<L>(l), std::forward<R>(r)); }
template <expression E>
auto operator-(E&& e) { return detail::unary<op::negate>(std::forward<E>(e)); }

// --- elementwise functions ---
/// e^x.
template <expression E> auto exp(E&& e) { return detail::unary<op::exp>(std::forward<E>(e)); }
/// Natural logarithm.
template <expression E> auto log(E&& e) { return detail::unary<op::log>(std::forward<E>(e)); }
/// log(1 + x), accurate for small x.
template <expression E> auto log1p(E&& e) { return detail::unary<op::log1p>(std::forward<E>(e)); }
/// e^x - 1, accurate for small x.
template <expression E> auto expm1(E&& e) { return detail::unary<op::expm1>(std::forward<E>(e)); }
template <expression E> auto sqrt(E&& e) { return detail::unary<op::sqrt>(std::forward<E>(e)); }
template <expression E> auto abs(E&& e) { return detail::unary<op::abs>(std::forward<E>(e)); }
/// x * x.
template <expression E> auto square(E&& e) { return detail::unary<op::square>(std::forward<E>(e)); }
/// The error function (GELU uses it).
template <expression E> auto erf(E&& e) { return detail::unary<op::erf>(std::forward<E>(e)); }
template <expression E> auto sin(E&& e) { return detail::unary<op::sin>(std::forward<E>(e)); }
template <expression E> auto cos(E&& e) { return detail::unary<op::cos>(std::forward<E>(e)); }

/// Elementwise minimum and maximum (with one argument, tn::min and tn::max are reductions).
template <class L, class R> requires detail::operand_pair<L, R>
auto min(L&& l, R&& r) { return detail::binary<op::minimum>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto max(L&& l, R&& r) { return detail::binary<op::maximum>(std::forward<L>(l), std::forward<R>(r)); }

// --- comparisons: they give masks, for tn::select ---
template <class L, class R> requires detail::operand_pair<L, R>
auto operator<(L&& l, R&& r) { return detail::binary<op::less>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator<=(L&& l, R&& r) { return detail::binary<op::less_equal>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator>(L&& l, R&& r) { return detail::binary<op::greater>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto operator>=(L&& l, R&& r) { return detail::binary<op::greater_equal>(std::forward<L>(l), std::forward<R>(r)); }
/// Elementwise equality as a mask. (`==` is not overloaded: it would stop meaning "equal".)
template <class L, class R> requires detail::operand_pair<L, R>
auto equal(L&& l, R&& r) { return detail::binary<op::equal>(std::forward<L>(l), std::forward<R>(r)); }
template <class L, class R> requires detail::operand_pair<L, R>
auto not_equal(L&& l, R&& r) { return detail::binary<op::not_equal>(std::forward<L>(l), std::forward<R>(r)); }
template <expression L, expression R>
auto operator&&(L&& l, R&& r) { return detail::binary<op::logical_and>(std::forward<L>(l), std::forward<R>(r)); }
template <expression L, expression R>
auto operator||(L&& l, R&& r) { return detail::binary<op::logical_or>(std::forward<L>(l), std::forward<R>(r)); }
template <expression E>
auto operator!(E&& e) { return detail::unary<op::logical_not>(std::forward<E>(e)); }

/// `cond ? a : b` elementwise: `tn::select(x > 0, x, 0.01f * x)`. cond must be a mask (a
/// comparison); all three broadcast together.
template <expression C, class A, class B> requires detail::operand_pair<A, B> || (operand<A> && operand<B>)
auto select(C&& c, A&& a, B&& b) {
    constexpr bool c_mask = detail::is_mask_v<detail::expr_t<C>>;
    constexpr bool a_mask = detail::is_mask_v<detail::expr_t<decltype(detail::as_operand(std::forward<A>(a)))>>;
    constexpr bool b_mask = detail::is_mask_v<detail::expr_t<decltype(detail::as_operand(std::forward<B>(b)))>>;
    static_assert(detail::require_mask_use<op::select, c_mask, true>::value);
    static_assert(detail::require_mask_use<op::select, a_mask, false>::value);
    static_assert(detail::require_mask_use<op::select, b_mask, false>::value);
    if constexpr (c_mask && !a_mask && !b_mask)
        return detail::make_select(std::forward<C>(c), detail::as_operand(std::forward<A>(a)),
                                   detail::as_operand(std::forward<B>(b)));
    else
        return detail::rejected_expression{};
}

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines derivative(f): the symbolic derivative, with respect to the placeholder `_x`, of an
// elementwise expression; the result is another expression type. Products with 1 and sums
// with 0 are folded away as they are built, so `derivative(tn::tanh{}(_x))` is exactly
// `rational<1> - square(tn::tanh{}(_x))`: what the backward pass of tanh costs by hand.
#pragma once

#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>

#include <ratio>
#include <type_traits>
#include <utility>

namespace typenet {
namespace detail {

using zero_t = constant<std::ratio<0>>;
using one_t = constant<std::ratio<1>>;

template <class E>
inline constexpr bool is_rational_v = false;
template <std::intmax_t N, std::intmax_t D>
inline constexpr bool is_rational_v<constant<std::ratio<N, D>>> = true;

template <class E>
inline constexpr bool is_zero_v = std::is_same_v<E, zero_t>;
template <class E>
inline constexpr bool is_one_v = std::is_same_v<E, one_t>;

template <class C>
struct ratio_of;
template <class R>
struct ratio_of<constant<R>> {
    using type = R;
};

// --- builders that fold constants as they go ---
template <class E>
inline constexpr bool is_minus_one_v = std::is_same_v<E, constant<std::ratio<-1>>>;

template <class A>
auto negation(A a) {
    if constexpr (is_rational_v<A>)
        return constant<std::ratio_subtract<std::ratio<0>, typename ratio_of<A>::type>>{};
    else
        return -std::move(a);
}

template <class A, class B>
auto product(A a, B b) {
    if constexpr (is_zero_v<A> || is_zero_v<B>)
        return zero_t{};
    else if constexpr (is_one_v<A>)
        return b;
    else if constexpr (is_one_v<B>)
        return a;
    else if constexpr (is_rational_v<A> && is_rational_v<B>)
        return constant<std::ratio_multiply<typename ratio_of<A>::type, typename ratio_of<B>::type>>{};
    else if constexpr (is_minus_one_v<A>)
        return negation(std::move(b));
    else if constexpr (is_minus_one_v<B>)
        return negation(std::move(a));
    else
        return std::move(a) * std::move(b);
}

template <class A, class B>
auto sum(A a, B b) {
    if constexpr (is_zero_v<A>)
        return b;
    else if constexpr (is_zero_v<B>)
        return a;
    else if constexpr (is_rational_v<A> && is_rational_v<B>)
        return constant<std::ratio_add<typename ratio_of<A>::type, typename ratio_of<B>::type>>{};
    else
        return std::move(a) + std::move(b);
}

template <class A, class B>
auto difference(A a, B b) {
    if constexpr (is_zero_v<B>)
        return a;
    else if constexpr (is_zero_v<A>)
        return negation(std::move(b));
    else if constexpr (is_rational_v<A> && is_rational_v<B>)
        return constant<std::ratio_subtract<typename ratio_of<A>::type, typename ratio_of<B>::type>>{};
    else
        return std::move(a) - std::move(b);
}

template <class A, class B>
auto quotient(A a, B b) {
    if constexpr (is_zero_v<A>)
        return zero_t{};
    else if constexpr (is_one_v<B>)
        return a;
    else if constexpr (is_rational_v<A> && is_rational_v<B>)
        return constant<std::ratio_divide<typename ratio_of<A>::type, typename ratio_of<B>::type>>{};
    else
        return std::move(a) / std::move(b);
}

template <class C, class A, class B>
auto choice(C c, A a, B b) {
    if constexpr (std::is_same_v<A, B> && stateless_v<A>)
        return a;  // both branches the same constant
    else
        return typenet::select(std::move(c), std::move(a), std::move(b));
}

// 2 / sqrt(pi), the derivative of erf at 0.
struct two_over_sqrt_pi {
    static constexpr double value = 1.12837916709551257390;
};

// --- the rule for each functor: d op(a) / da, given a and the node op(a) itself ---
template <class Op>
struct unary_rule {
    static_assert(!sizeof(Op), "typenet: derivative: this operation has no derivative (a comparison or a "
                               "logical operation?) (see Op in unary_rule)");
    template <class A, class N>
    static auto local(const A&, const N&) {
        return constant<std::ratio<0>>{};
    }
};

template <> struct unary_rule<op::negate> {
    template <class A, class N> static auto local(const A&, const N&) { return constant<std::ratio<-1>>{}; }
};
template <> struct unary_rule<op::exp> {
    template <class A, class N> static auto local(const A&, const N& n) { return N(n); }
};
template <> struct unary_rule<op::log> {
    template <class A, class N> static auto local(const A& a, const N&) { return rational<1> / A(a); }
};
template <> struct unary_rule<op::log1p> {
    template <class A, class N> static auto local(const A& a, const N&) { return rational<1> / (rational<1> + A(a)); }
};
template <> struct unary_rule<op::expm1> {
    template <class A, class N> static auto local(const A&, const N& n) { return N(n) + rational<1>; }
};
template <> struct unary_rule<op::sqrt> {
    template <class A, class N> static auto local(const A&, const N& n) { return rational<1, 2> / N(n); }
};
template <> struct unary_rule<op::abs> {
    template <class A, class N>
    static auto local(const A& a, const N&) {
        return typenet::select(A(a) < rational<0>, rational<-1>, rational<1>);
    }
};
template <> struct unary_rule<op::square> {
    template <class A, class N> static auto local(const A& a, const N&) { return rational<2> * A(a); }
};
template <> struct unary_rule<op::tanh> {
    template <class A, class N> static auto local(const A&, const N& n) { return rational<1> - typenet::square(N(n)); }
};
template <> struct unary_rule<op::sigmoid> {
    template <class A, class N> static auto local(const A&, const N& n) { return N(n) * (rational<1> - N(n)); }
};
template <> struct unary_rule<op::relu> {
    // PyTorch's convention: the derivative at 0 is 0.
    template <class A, class N>
    static auto local(const A& a, const N&) {
        return typenet::select(A(a) > rational<0>, rational<1>, rational<0>);
    }
};
template <> struct unary_rule<op::erf> {
    template <class A, class N>
    static auto local(const A& a, const N&) {
        return constant<two_over_sqrt_pi>{} * typenet::exp(-typenet::square(A(a)));
    }
};
template <> struct unary_rule<op::sin> {
    template <class A, class N> static auto local(const A& a, const N&) { return typenet::cos(A(a)); }
};
template <> struct unary_rule<op::cos> {
    template <class A, class N> static auto local(const A& a, const N&) { return -typenet::sin(A(a)); }
};

template <class E>
auto differentiate(const E& e);
template <class Op, class A>
auto differentiate(const unary_node<Op, A>& e);
template <class Op, class L, class R>
auto differentiate(const binary_node<Op, L, R>& e);
template <class C, class A, class B>
auto differentiate(const select_node<C, A, B>& e);

template <class E>
auto differentiate(const E&) {
    if constexpr (std::is_same_v<E, placeholder>)
        return one_t{};
    else
        return zero_t{};  // constants, scalars and containers do not depend on _x
}

template <class Op, class A>
auto differentiate(const unary_node<Op, A>& e) {
    using X = expr_t<A>;
    if constexpr (std::is_same_v<Op, op::negate>)
        return negation(differentiate(e.arg));
    else
        return product(unary_rule<Op>::local(static_cast<const X&>(e.arg), e), differentiate(e.arg));
}

template <class Op, class L, class R>
auto differentiate(const binary_node<Op, L, R>& e) {
    using XL = expr_t<L>;
    using XR = expr_t<R>;
    auto dl = differentiate(e.lhs);
    auto dr = differentiate(e.rhs);
    const XL& l = e.lhs;
    const XR& r = e.rhs;
    if constexpr (std::is_same_v<Op, op::add>)
        return sum(dl, dr);
    else if constexpr (std::is_same_v<Op, op::subtract>)
        return difference(dl, dr);
    else if constexpr (std::is_same_v<Op, op::multiply>)
        return sum(product(dl, XR(r)), product(XL(l), dr));
    else if constexpr (std::is_same_v<Op, op::divide>)
        return difference(quotient(dl, XR(r)), quotient(product(XL(l), dr), typenet::square(XR(r))));
    else if constexpr (std::is_same_v<Op, op::maximum>)
        return choice(XL(l) > XR(r), dl, dr);  // at a tie the right operand's: relu'(0) = 0
    else if constexpr (std::is_same_v<Op, op::minimum>)
        return choice(XL(l) < XR(r), dl, dr);
    else
        static_assert(!sizeof(Op), "typenet: derivative: this operation has no derivative (a comparison?)");
}

template <class C, class A, class B>
auto differentiate(const select_node<C, A, B>& e) {
    return choice(expr_t<C>(e.cond), differentiate(e.if_true), differentiate(e.if_false));
}

}  // namespace detail

/// d f / d _x as an expression over `_x`: `tn::derivative(_x * tn::sigmoid{}(_x))` is swish's
/// derivative. Rules: the usual ones (chain, product, quotient); max and min take the derivative
/// of the operand they pass on, the right one at a tie (so relu'(0) = 0, as in PyTorch).
template <expression F>
auto derivative(const F& f) {
    return detail::differentiate(f);
}

/// The type of `derivative(F{})`.
template <class F>
using derivative_t = decltype(derivative(std::declval<const F&>()));

}  // namespace typenet

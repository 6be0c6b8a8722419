// SPDX-License-Identifier: BSL-1.0
// Defines the expression nodes: leaves that are not containers (scalar, constant, placeholder)
// and the unary, binary and select nodes. Nodes hold operands and a functor type; they contain no
// loops (evaluation is in evaluator.hpp and assign.hpp).
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/expr/detail/require.hpp>
#include <typenet/expr/expression_concepts.hpp>

#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet {

template <class Op, class A>
struct unary_node;
template <class Op, class L, class R>
struct binary_node;
template <class C, class A, class B>
struct select_node;
struct placeholder;
template <class C>
struct constant;

namespace detail {
// A stateless expression holds nothing but `_x` and compile-time constants: its type says
// everything, so it can be default-constructed (activation<F> relies on this).
template <class E>
inline constexpr bool stateless_v = false;
template <>
inline constexpr bool stateless_v<placeholder> = true;
template <class C>
inline constexpr bool stateless_v<constant<C>> = true;
template <class Op, class A>
inline constexpr bool stateless_v<unary_node<Op, A>> = stateless_v<A>;
template <class Op, class L, class R>
inline constexpr bool stateless_v<binary_node<Op, L, R>> = stateless_v<L> && stateless_v<R>;
template <class C, class A, class B>
inline constexpr bool stateless_v<select_node<C, A, B>> = stateless_v<C> && stateless_v<A> && stateless_v<B>;

// How a node holds an operand: lvalues by const reference, temporaries by value (so
// `tn::exp(a + b)` owns its `a + b` node but only refers to `a` and `b`). See pitfalls.md.
// Stateless expressions are always held by value: it costs nothing and keeps the types of
// symbolic expressions free of references.
template <class E>
using closure_t = std::conditional_t<std::is_lvalue_reference_v<E> && !stateless_v<std::remove_cvref_t<E>>,
                                     const std::remove_cvref_t<E>&, std::remove_cvref_t<E>>;

template <class E>
using expr_t = std::remove_cvref_t<E>;

template <class T>
inline constexpr bool is_ratio_v = false;
template <std::intmax_t N, std::intmax_t D>
inline constexpr bool is_ratio_v<std::ratio<N, D>> = true;

template <class C>
constexpr double constant_value() {
    if constexpr (is_ratio_v<C>)
        return static_cast<double>(C::num) / static_cast<double>(C::den);
    else
        return static_cast<double>(C::value);
}
}  // namespace detail

/// A value known at compile time, usable where clang 14 forbids floating-point template
/// arguments. `C` is a `std::ratio` or a type with `static constexpr double value`.
template <class C>
struct constant {
    using expression_tag = detail::expression_tag_type;
    using value_type = void;  // takes the value type of the expression it meets
    using static_shape = shape<>;
    static constexpr bool batched = false;
    static constexpr double value = detail::constant_value<C>();
    static constexpr std::size_t rows() noexcept { return 1; }
};

/// An exact rational constant: `rational<1, 100>` is 0.01 (leaky_relu's slope).
template <std::intmax_t Num, std::intmax_t Den = 1>
inline constexpr constant<typename std::ratio<Num, Den>::type> rational{};

/// A run-time scalar operand, as in `a * 2.0f`; broadcast to every element.
template <class S>
struct scalar {
    using expression_tag = detail::expression_tag_type;
    using value_type = void;  // converted to the value type of the expression it meets
    using static_shape = shape<>;
    static constexpr bool batched = false;
    S value;
    static constexpr std::size_t rows() noexcept { return 1; }
};

/// The placeholder of an elementwise function: `_x * tn::sigmoid(_x)` is swish as a type.
/// Such expressions have no values until applied (`tn::apply(f, z)`), and can be
/// differentiated symbolically (`tn::derivative(f)`). Example: examples/01_expressions.cpp
struct placeholder {
    using expression_tag = detail::expression_tag_type;
    using value_type = void;
    using static_shape = shape<>;
    static constexpr bool batched = false;
    static constexpr std::size_t rows() noexcept { return 1; }
};

namespace detail {
// What an operator returns after one of its checks failed (the static_assert has spoken):
// assign and the reductions accept it silently, so one mistake gives one error.
struct rejected_expression {
    using expression_tag = expression_tag_type;
    using value_type = void;
    using static_shape = shape<>;
    static constexpr bool batched = false;
    static constexpr std::size_t rows() noexcept { return 1; }
};
}  // namespace detail

/// The placeholder, `tn::_x`.
inline constexpr placeholder _x{};

namespace detail {

template <class A, class B>
using common_value_t = std::conditional_t<std::is_void_v<A>, B, A>;

// The value type, feature shape and batching of a node over operands A and B, with the checks.
template <class Op, class A, class B>
struct combine {
    static_assert(require_same_value_type<Op, typename A::value_type, typename B::value_type>::value);
    static_assert(require_broadcastable<Op, typename A::static_shape, typename B::static_shape>::value);
    // Only instantiated when exactly one side is a batch and the shapes broadcast at all
    // (one mistake, one message).
    static_assert(std::conditional_t<A::batched != B::batched && broadcastable<typename A::static_shape, typename B::static_shape>,
                                     require_broadcastable_to_rows<Op,
                                         std::conditional_t<A::batched, typename B::static_shape, typename A::static_shape>,
                                         std::conditional_t<A::batched, typename A::static_shape, typename B::static_shape>>,
                                     std::true_type>::value);
    using value_type = common_value_t<typename A::value_type, typename B::value_type>;
    // With one batch, the result has the batch's feature shape (the same as the broadcast when
    // the check passes, and no second error when it does not).
    using static_shape = std::conditional_t<
        A::batched == B::batched, broadcast_t<typename A::static_shape, typename B::static_shape>,
        std::conditional_t<A::batched, typename A::static_shape, typename B::static_shape>>;
    static constexpr bool batched = A::batched || B::batched;
};

template <class E>
std::string describe(const E& e) {
    return shape_string<typename E::static_shape>(e.rows(), E::batched);
}

// Two batched operands must have the same row count; rows never broadcast.
template <class A, class B>
std::size_t joint_rows(const A& a, const B& b) {
    if constexpr (A::batched && B::batched) {
        if (a.rows() != b.rows())
            throw shape_error("typenet: elementwise operation: batches with different row counts: " + describe(a) +
                              " vs " + describe(b));
        return a.rows();
    } else if constexpr (A::batched) {
        return a.rows();
    } else {
        return b.rows();
    }
}

}  // namespace detail

/// `Op(a)` elementwise; Op is a functor from functors.hpp.
template <class Op, class A>
struct unary_node {
    using expression_tag = detail::expression_tag_type;
    using op = Op;
    using value_type = typename detail::expr_t<A>::value_type;
    using static_shape = typename detail::expr_t<A>::static_shape;
    static constexpr bool batched = detail::expr_t<A>::batched;

    A arg;
    std::size_t rows() const { return arg.rows(); }
};

/// `Op(lhs, rhs)` elementwise, broadcasting under NumPy's rule.
template <class Op, class L, class R>
struct binary_node {
    using expression_tag = detail::expression_tag_type;
    using op = Op;
    using traits = detail::combine<Op, detail::expr_t<L>, detail::expr_t<R>>;
    using value_type = typename traits::value_type;
    using static_shape = typename traits::static_shape;
    static constexpr bool batched = traits::batched;

    L lhs;
    R rhs;
    // Row counts were checked equal when the node was made; they are not stored, so a node
    // over `_x` and constants holds no state (detail::stateless_v) and is default-constructible.
    std::size_t rows() const {
        if constexpr (detail::expr_t<L>::batched) return lhs.rows();
        else return rhs.rows();
    }
};

namespace op { struct select; }

/// `cond ? a : b` elementwise; cond is a comparison (`a < b`) or a logical combination of them.
template <class C, class A, class B>
struct select_node {
    using expression_tag = detail::expression_tag_type;
    using inner = detail::combine<op::select, detail::expr_t<A>, detail::expr_t<B>>;
    using traits = detail::combine<op::select, detail::expr_t<C>, inner>;
    using value_type = typename inner::value_type;
    using static_shape = typename traits::static_shape;
    static constexpr bool batched = traits::batched;

    C cond;
    A if_true;
    B if_false;
    std::size_t rows() const {
        if constexpr (detail::expr_t<C>::batched) return cond.rows();
        else if constexpr (detail::expr_t<A>::batched) return if_true.rows();
        else return if_false.rows();
    }
};

namespace detail {

template <class Op, class A>
auto make_unary(A&& a) {
    return unary_node<Op, closure_t<A>>{std::forward<A>(a)};
}

template <class Op, class L, class R>
auto make_binary(L&& l, R&& r) {
    (void)joint_rows(l, r);  // throws on a row mismatch
    return binary_node<Op, closure_t<L>, closure_t<R>>{std::forward<L>(l), std::forward<R>(r)};
}

template <class C, class A, class B>
auto make_select(C&& c, A&& a, B&& b) {
    const std::size_t rows_ab = joint_rows(a, b);
    if constexpr (expr_t<C>::batched && (expr_t<A>::batched || expr_t<B>::batched)) {
        if (c.rows() != rows_ab)
            throw shape_error("typenet: select: condition and values have different row counts: " + describe(c) +
                              " vs " + std::to_string(rows_ab) + " rows");
    }
    return select_node<closure_t<C>, closure_t<A>, closure_t<B>>{std::forward<C>(c), std::forward<A>(a),
                                                                  std::forward<B>(b)};
}

// Wraps an arithmetic operand as a scalar leaf; passes expressions through untouched.
template <class T>
decltype(auto) as_operand(T&& t) {
    if constexpr (std::is_arithmetic_v<std::remove_cvref_t<T>>)
        return scalar<std::remove_cvref_t<T>>{t};
    else
        return std::forward<T>(t);
}

template <class E>
inline constexpr bool contains_placeholder_v = false;
template <>
inline constexpr bool contains_placeholder_v<placeholder> = true;
template <class Op, class A>
inline constexpr bool contains_placeholder_v<unary_node<Op, A>> = contains_placeholder_v<expr_t<A>>;
template <class Op, class L, class R>
inline constexpr bool contains_placeholder_v<binary_node<Op, L, R>> =
    contains_placeholder_v<expr_t<L>> || contains_placeholder_v<expr_t<R>>;
template <class C, class A, class B>
inline constexpr bool contains_placeholder_v<select_node<C, A, B>> =
    contains_placeholder_v<expr_t<C>> || contains_placeholder_v<expr_t<A>> || contains_placeholder_v<expr_t<B>>;

}  // namespace detail
}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines constexpr_evaluate<F>(x): the value at the number x of an elementwise expression F over
// `_x` (an activation's function, or its symbolic derivative), as a constant expression; and
// breakpoints_of<F>(), the points where F or its derivative may jump (relu(_x), _x > c, ...).
//
// Why a second evaluator. The SIMD functors of functors.hpp call xsimd and <cmath>, neither of
// them constexpr; the gradient-flow prediction integrates activations while compiling. This one
// reads the node types only (a stateless expression's type says everything) and maps each
// functor to core/detail/constexpr_math.hpp. `select` evaluates only the branch it takes, so
// softplus's `select(_x > 20, _x, log1p(exp(_x)))` never computes a huge exp.
#pragma once

#include <typenet/core/detail/constexpr_math.hpp>
#include <typenet/expr/functors.hpp>
#include <typenet/expr/nodes.hpp>

#include <array>
#include <cstddef>
#include <type_traits>

namespace typenet::detail {

template <class E>
struct constexpr_evaluator {
    static_assert(!sizeof(E), "typenet: gradient flow: this expression node cannot be evaluated at compile time; an "
                              "activation may hold only _x, tn::rational / tn::constant and the functions of "
                              "expr/operators.hpp (see E in constexpr_evaluator)");
    static constexpr double value(double) { return 0.0; }
};

template <>
struct constexpr_evaluator<placeholder> {
    static constexpr double value(double x) { return x; }
};
template <class C>
struct constexpr_evaluator<constant<C>> {
    static constexpr double value(double) { return constant<C>::value; }
};

template <class Op>
struct constexpr_unary {
    static_assert(!sizeof(Op), "typenet: gradient flow: this unary operation has no compile-time evaluation (see "
                               "Op in constexpr_unary)");
    static constexpr double apply(double x) { return x; }
};
template <> struct constexpr_unary<op::negate> { static constexpr double apply(double x) { return -x; } };
template <> struct constexpr_unary<op::exp> { static constexpr double apply(double x) { return cmath::exp(x); } };
template <> struct constexpr_unary<op::log> { static constexpr double apply(double x) { return cmath::log(x); } };
template <> struct constexpr_unary<op::log1p> { static constexpr double apply(double x) { return cmath::log1p(x); } };
template <> struct constexpr_unary<op::expm1> { static constexpr double apply(double x) { return cmath::expm1(x); } };
template <> struct constexpr_unary<op::sqrt> { static constexpr double apply(double x) { return cmath::sqrt(x); } };
template <> struct constexpr_unary<op::abs> { static constexpr double apply(double x) { return cmath::abs(x); } };
template <> struct constexpr_unary<op::square> { static constexpr double apply(double x) { return x * x; } };
template <> struct constexpr_unary<op::tanh> { static constexpr double apply(double x) { return cmath::tanh(x); } };
template <> struct constexpr_unary<op::erf> { static constexpr double apply(double x) { return cmath::erf(x); } };
template <> struct constexpr_unary<op::sin> { static constexpr double apply(double x) { return cmath::sin(x); } };
template <> struct constexpr_unary<op::cos> { static constexpr double apply(double x) { return cmath::cos(x); } };
template <> struct constexpr_unary<op::relu> { static constexpr double apply(double x) { return x > 0 ? x : 0.0; } };
template <> struct constexpr_unary<op::sigmoid> { static constexpr double apply(double x) { return cmath::sigmoid(x); } };

template <class Op>
struct constexpr_binary {
    static_assert(!sizeof(Op), "typenet: gradient flow: this binary operation has no compile-time evaluation (see "
                               "Op in constexpr_binary)");
    static constexpr double apply(double a, double) { return a; }
};
template <> struct constexpr_binary<op::add> { static constexpr double apply(double a, double b) { return a + b; } };
template <> struct constexpr_binary<op::subtract> { static constexpr double apply(double a, double b) { return a - b; } };
template <> struct constexpr_binary<op::multiply> { static constexpr double apply(double a, double b) { return a * b; } };
template <> struct constexpr_binary<op::divide> { static constexpr double apply(double a, double b) { return a / b; } };
template <> struct constexpr_binary<op::minimum> { static constexpr double apply(double a, double b) { return a < b ? a : b; } };
template <> struct constexpr_binary<op::maximum> { static constexpr double apply(double a, double b) { return a > b ? a : b; } };

template <class Op, class A>
struct constexpr_evaluator<unary_node<Op, A>> {
    static constexpr double value(double x) { return constexpr_unary<Op>::apply(constexpr_evaluator<expr_t<A>>::value(x)); }
};
template <class Op, class L, class R>
struct constexpr_evaluator<binary_node<Op, L, R>> {
    static constexpr double value(double x) {
        return constexpr_binary<Op>::apply(constexpr_evaluator<expr_t<L>>::value(x), constexpr_evaluator<expr_t<R>>::value(x));
    }
};

// Masks: comparisons and their logical combinations.
template <class E>
struct constexpr_mask {
    static_assert(!sizeof(E), "typenet: gradient flow: select's condition must be a comparison (see E in constexpr_mask)");
    static constexpr bool value(double) { return false; }
};
template <class Op, class L, class R>
struct constexpr_mask<binary_node<Op, L, R>> {
    static constexpr bool value(double x) {
        if constexpr (std::is_same_v<Op, op::logical_and>)
            return constexpr_mask<expr_t<L>>::value(x) && constexpr_mask<expr_t<R>>::value(x);
        else if constexpr (std::is_same_v<Op, op::logical_or>)
            return constexpr_mask<expr_t<L>>::value(x) || constexpr_mask<expr_t<R>>::value(x);
        else {
            const double a = constexpr_evaluator<expr_t<L>>::value(x);
            const double b = constexpr_evaluator<expr_t<R>>::value(x);
            if constexpr (std::is_same_v<Op, op::less>) return a < b;
            else if constexpr (std::is_same_v<Op, op::less_equal>) return a <= b;
            else if constexpr (std::is_same_v<Op, op::greater>) return a > b;
            else if constexpr (std::is_same_v<Op, op::greater_equal>) return a >= b;
            else if constexpr (std::is_same_v<Op, op::equal>) return a == b;
            else if constexpr (std::is_same_v<Op, op::not_equal>) return a != b;
            else static_assert(!sizeof(Op), "typenet: gradient flow: unknown comparison (see Op)");
        }
    }
};
template <class A>
struct constexpr_mask<unary_node<op::logical_not, A>> {
    static constexpr bool value(double x) { return !constexpr_mask<expr_t<A>>::value(x); }
};

template <class C, class A, class B>
struct constexpr_evaluator<select_node<C, A, B>> {
    static constexpr double value(double x) {
        return constexpr_mask<expr_t<C>>::value(x) ? constexpr_evaluator<expr_t<A>>::value(x)
                                                    : constexpr_evaluator<expr_t<B>>::value(x);
    }
};

/// F's value at x, as a constant expression.
template <class F>
constexpr double constexpr_evaluate(double x) {
    return constexpr_evaluator<F>::value(x);
}

// --- breakpoints: where F may have a kink or a jump, so an integrator can split there ---
// Recognised: relu(_x), abs(_x) (at 0); a comparison, min or max between _x and a constant (at
// the constant). Other non-smooth forms (relu(2 * _x - 1)) are integrated without a split,
// which costs accuracy (second order in the step) but stays correct.
inline constexpr std::size_t max_breakpoints = 8;
struct breakpoint_list {
    std::array<double, max_breakpoints> at{};
    std::size_t size = 0;
    constexpr void add(double x) {
        for (std::size_t i = 0; i < size; ++i)
            if (at[i] == x) return;
        if (size < max_breakpoints) at[size++] = x;
    }
};

template <class E>
struct breakpoints_finder {
    static constexpr void collect(breakpoint_list&) {}
};
template <class Op, class A>
struct breakpoints_finder<unary_node<Op, A>> {
    static constexpr void collect(breakpoint_list& b) {
        if constexpr ((std::is_same_v<Op, op::relu> || std::is_same_v<Op, op::abs>) && std::is_same_v<expr_t<A>, placeholder>)
            b.add(0.0);
        breakpoints_finder<expr_t<A>>::collect(b);
    }
};
template <class C>
inline constexpr bool is_constant_node_v = false;
template <class C>
inline constexpr bool is_constant_node_v<constant<C>> = true;
template <class Op, class L, class R>
struct breakpoints_finder<binary_node<Op, L, R>> {
    static constexpr void collect(breakpoint_list& b) {
        using XL = expr_t<L>;
        using XR = expr_t<R>;
        constexpr bool kinked = Op::yields_mask || std::is_same_v<Op, op::minimum> || std::is_same_v<Op, op::maximum>;
        if constexpr (kinked && std::is_same_v<XL, placeholder> && is_constant_node_v<XR>)
            b.add(XR::value);
        else if constexpr (kinked && std::is_same_v<XR, placeholder> && is_constant_node_v<XL>)
            b.add(XL::value);
        breakpoints_finder<XL>::collect(b);
        breakpoints_finder<XR>::collect(b);
    }
};
template <class C, class A, class B>
struct breakpoints_finder<select_node<C, A, B>> {
    static constexpr void collect(breakpoint_list& b) {
        breakpoints_finder<expr_t<C>>::collect(b);
        breakpoints_finder<expr_t<A>>::collect(b);
        breakpoints_finder<expr_t<B>>::collect(b);
    }
};

/// The breakpoints of F and of G together (an activation and its derivative).
template <class... F>
constexpr breakpoint_list breakpoints_of() {
    breakpoint_list b{};
    (breakpoints_finder<F>::collect(b), ...);
    return b;
}

}  // namespace typenet::detail

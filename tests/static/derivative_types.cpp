// SPDX-License-Identifier: BSL-1.0
// Checks at compile time that derivative() builds exactly the intended expression types: the
// textbook rule for each function, with products by 1 and sums with 0 folded away and rational
// constants combined (typenet/expr/derivative.hpp).
#include <typenet/typenet.hpp>

#include <ratio>
#include <type_traits>

namespace tn = typenet;

namespace {

using tn::_x;
template <class F>
using d_t = tn::derivative_t<F>;
template <std::intmax_t N, std::intmax_t D = 1>
using c_t = tn::constant<std::ratio<N, D>>;

// A user tag type with `static constexpr double value`, as GELU needs 1/sqrt(2).
struct inv_sqrt2 {
    static constexpr double value = 0.70710678118654752440;
};

// --- leaves: _x is one, everything without _x is zero ---
static_assert(std::is_same_v<d_t<tn::placeholder>, c_t<1>>);
static_assert(std::is_same_v<d_t<c_t<7>>, c_t<0>>);
static_assert(std::is_same_v<d_t<tn::constant<inv_sqrt2>>, c_t<0>>);
static_assert(std::is_same_v<d_t<tn::scalar<double>>, c_t<0>>);
static_assert(std::is_same_v<d_t<tn::tensor<double, tn::shape<4>>>, c_t<0>>);
static_assert(std::is_same_v<d_t<decltype(tn::exp(std::declval<const tn::tensor<float, tn::shape<3>>&>()))>, c_t<0>>);
static_assert(std::is_same_v<d_t<tn::batch<float, 5>>, c_t<0>>);
// rational<N, D> is reduced, so rational<2, 4> is the same constant as rational<1, 2>.
static_assert(std::is_same_v<std::remove_cv_t<decltype(tn::rational<2, 4>)>, c_t<1, 2>>);
// tn::sigmoid, tn::tanh, tn::relu are function objects; called on _x they give the plain node.
static_assert(std::is_same_v<decltype(tn::tanh{}(_x)), tn::unary_node<tn::op::tanh, tn::placeholder>>);

// --- each unary rule, times d_x/d_x = 1 folded away ---
static_assert(std::is_same_v<d_t<decltype(-_x)>, c_t<-1>>);
static_assert(std::is_same_v<d_t<decltype(tn::exp(_x))>, decltype(tn::exp(_x))>);
static_assert(std::is_same_v<d_t<decltype(tn::log(_x))>, decltype(tn::rational<1> / _x)>);
static_assert(std::is_same_v<d_t<decltype(tn::log1p(_x))>, decltype(tn::rational<1> / (tn::rational<1> + _x))>);
static_assert(std::is_same_v<d_t<decltype(tn::expm1(_x))>, decltype(tn::expm1(_x) + tn::rational<1>)>);
static_assert(std::is_same_v<d_t<decltype(tn::sqrt(_x))>, decltype(tn::rational<1, 2> / tn::sqrt(_x))>);
static_assert(std::is_same_v<d_t<decltype(tn::abs(_x))>,
                             decltype(tn::select(_x < tn::rational<0>, tn::rational<-1>, tn::rational<1>))>);
static_assert(std::is_same_v<d_t<decltype(tn::square(_x))>, decltype(tn::rational<2> * _x)>);
static_assert(std::is_same_v<d_t<decltype(tn::tanh{}(_x))>, decltype(tn::rational<1> - tn::square(tn::tanh{}(_x)))>);
static_assert(std::is_same_v<d_t<decltype(tn::sigmoid{}(_x))>,
                             decltype(tn::sigmoid{}(_x) * (tn::rational<1> - tn::sigmoid{}(_x)))>);
static_assert(std::is_same_v<d_t<decltype(tn::relu{}(_x))>,
                             decltype(tn::select(_x > tn::rational<0>, tn::rational<1>, tn::rational<0>))>);
static_assert(std::is_same_v<d_t<decltype(tn::erf(_x))>,
                             decltype(tn::constant<tn::detail::two_over_sqrt_pi>{} * tn::exp(-tn::square(_x)))>);
static_assert(std::is_same_v<d_t<decltype(tn::sin(_x))>, decltype(tn::cos(_x))>);
static_assert(std::is_same_v<d_t<decltype(tn::cos(_x))>, decltype(-tn::sin(_x))>);

// --- sums, differences, products with constants: everything folds to a constant ---
static_assert(std::is_same_v<d_t<decltype(_x + tn::rational<3>)>, tn::constant<std::ratio<1>>>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<3> + _x)>, c_t<1>>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<3> - _x)>, c_t<-1>>);
static_assert(std::is_same_v<d_t<decltype(_x - tn::rational<3>)>, c_t<1>>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<2> * _x)>, tn::constant<std::ratio<2>>>);
static_assert(std::is_same_v<d_t<decltype(_x * tn::rational<2>)>, c_t<2>>);
static_assert(std::is_same_v<d_t<decltype(_x + _x)>, c_t<2>>);
static_assert(std::is_same_v<d_t<decltype(_x - _x)>, c_t<0>>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<2> * _x + tn::rational<3> * _x)>, c_t<5>>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<1, 2> * (tn::rational<3> * _x))>, c_t<3, 2>>);
static_assert(std::is_same_v<d_t<decltype(-(-_x))>, c_t<1>>);
static_assert(std::is_same_v<d_t<decltype(-(tn::rational<2> * _x))>, c_t<-2>>);
// Run-time scalars are not folded: the derivative of `_x * 2.5` is the scalar itself.
static_assert(std::is_same_v<d_t<decltype(_x * 2.5)>, tn::scalar<double>>);
static_assert(std::is_same_v<d_t<decltype(2.5 + _x)>, c_t<1>>);

// --- product, quotient and chain rules ---
static_assert(std::is_same_v<d_t<decltype(_x * _x)>, decltype(_x + _x)>);
static_assert(std::is_same_v<d_t<decltype(tn::rational<3> / _x)>, decltype(-(tn::rational<3> / tn::square(_x)))>);
static_assert(std::is_same_v<d_t<decltype(tn::tanh{}(tn::rational<2> * _x))>,
                             decltype((tn::rational<1> - tn::square(tn::tanh{}(tn::rational<2> * _x))) * tn::rational<2>)>);
static_assert(std::is_same_v<d_t<decltype(tn::exp(_x + tn::rational<1>))>, decltype(tn::exp(_x + tn::rational<1>))>);
static_assert(std::is_same_v<d_t<decltype(_x * tn::sigmoid{}(_x))>,
                             decltype(tn::sigmoid{}(_x) + _x * (tn::sigmoid{}(_x) * (tn::rational<1> - tn::sigmoid{}(_x))))>);
static_assert(std::is_same_v<d_t<decltype(tn::log1p(tn::exp(_x)))>,
                             decltype((tn::rational<1> / (tn::rational<1> + tn::exp(_x))) * tn::exp(_x))>);

// --- max, min, select: the derivative of the operand passed on ---
static_assert(std::is_same_v<d_t<decltype(tn::max(_x, tn::rational<0>))>, d_t<decltype(tn::relu{}(_x))>>);
static_assert(std::is_same_v<d_t<decltype(tn::min(_x, tn::rational<1>))>,
                             decltype(tn::select(_x < tn::rational<1>, tn::rational<1>, tn::rational<0>))>);
static_assert(std::is_same_v<d_t<decltype(tn::max(tn::rational<0>, _x))>,
                             decltype(tn::select(tn::rational<0> > _x, tn::rational<0>, tn::rational<1>))>);
// leaky relu: select(_x > 0, 1, 1/100)
static_assert(std::is_same_v<d_t<decltype(tn::select(_x > tn::rational<0>, _x, tn::rational<1, 100> * _x))>,
                             decltype(tn::select(_x > tn::rational<0>, tn::rational<1>, tn::rational<1, 100>))>);
// Both branches the same constant: the select disappears.
static_assert(std::is_same_v<d_t<decltype(tn::select(_x > tn::rational<0>, _x + tn::rational<1>, _x))>, c_t<1>>);
static_assert(std::is_same_v<d_t<decltype(tn::max(_x, tn::rational<0>) - tn::relu{}(_x))>,
                             decltype(d_t<decltype(tn::relu{}(_x))>{} - d_t<decltype(tn::relu{}(_x))>{})>);
// ELU: select(_x > 0, 1, expm1(_x) + 1)
static_assert(std::is_same_v<d_t<decltype(tn::select(_x > tn::rational<0>, _x, tn::expm1(_x)))>,
                             decltype(tn::select(_x > tn::rational<0>, tn::rational<1>, tn::expm1(_x) + tn::rational<1>))>);

// --- second derivatives ---
static_assert(std::is_same_v<d_t<d_t<decltype(tn::exp(_x))>>, decltype(tn::exp(_x))>);
static_assert(std::is_same_v<d_t<d_t<decltype(tn::square(_x))>>, c_t<2>>);
static_assert(std::is_same_v<d_t<d_t<decltype(tn::sin(_x))>>, decltype(-tn::sin(_x))>);
static_assert(std::is_same_v<d_t<d_t<decltype(tn::tanh{}(_x))>>,
                             decltype(-((tn::rational<2> * tn::tanh{}(_x)) * (tn::rational<1> - tn::square(tn::tanh{}(_x)))))>);
static_assert(std::is_same_v<d_t<d_t<d_t<decltype(tn::square(_x))>>>, c_t<0>>);

// --- GELU with a user constant: builds and has the expected outer shape ---
using gelu_t = decltype(_x * (tn::rational<1> + tn::erf(_x * tn::constant<inv_sqrt2>{})) * tn::rational<1, 2>);
static_assert(tn::expression<d_t<gelu_t>>);
static_assert(tn::constant<inv_sqrt2>::value == inv_sqrt2::value);

// --- symbolic expressions are values, never references ---
// Leaves over nothing are empty types, and nodes over _x and constants hold them by value.
static_assert(std::is_empty_v<tn::placeholder>);
static_assert(std::is_empty_v<c_t<1, 100>>);
static_assert(std::is_empty_v<tn::constant<inv_sqrt2>>);
static_assert(std::is_empty_v<std::remove_cv_t<decltype(tn::rational<3>)>>);
static_assert(std::is_empty_v<d_t<decltype(_x + tn::rational<3>)>>);
static_assert(std::is_empty_v<d_t<decltype(tn::rational<2> * _x)>>);
static_assert(std::is_trivially_copyable_v<d_t<decltype(tn::tanh{}(_x))>>);
static_assert(std::is_trivially_copyable_v<d_t<gelu_t>>);
static_assert(std::is_same_v<decltype(std::declval<d_t<decltype(tn::tanh{}(_x))>&>().lhs), c_t<1>>);
static_assert(std::is_same_v<decltype(std::declval<d_t<decltype(tn::sigmoid{}(_x))>&>().lhs), decltype(tn::sigmoid{}(_x))>);
// A unary node over _x alone has one empty member, so it is one byte, not empty.
static_assert(sizeof(decltype(tn::tanh{}(_x))) == 1);

// Nodes over _x and constants are stateless (default-constructible, type says everything), and
// the derivative keeps them so; this is what tn::activation<F> requires.
static_assert(tn::detail::stateless_v<d_t<decltype(tn::tanh{}(_x))>>);
static_assert(tn::detail::stateless_v<d_t<decltype(tn::sigmoid{}(_x))>>);
static_assert(tn::detail::stateless_v<d_t<decltype(tn::relu{}(_x))>>);
static_assert(tn::detail::stateless_v<d_t<gelu_t>>);
static_assert(tn::detail::stateless_v<d_t<d_t<decltype(tn::tanh{}(_x))>>>);
static_assert(!tn::detail::stateless_v<d_t<decltype(_x * 2.5)>>);  // a run-time scalar is state
// tn::activation<F> accepts the derivative of a stateless function as a function in turn.
static_assert(std::is_same_v<tn::activation<d_t<tn::swish::function_type>>::function_type, d_t<tn::swish::function_type>>);

// quotient() folds a rational over a rational, and product() turns a factor of -1 into a negation.
static_assert(std::is_same_v<d_t<decltype(_x / tn::rational<4>)>, c_t<1, 4>>);
static_assert(std::is_same_v<d_t<decltype(tn::exp(-_x))>, decltype(-tn::exp(-_x))>);

// The derivative in terms of the output, where one exists (expr/derivative_of_output.hpp): the
// backward pass of tanh and sigmoid reads their activations instead of evaluating them again.
static_assert(tn::has_output_derivative_v<tn::tanh::function_type>);
static_assert(std::is_same_v<tn::output_derivative_t<tn::tanh::function_type>, decltype(tn::rational<1> - tn::square(_x))>);
static_assert(std::is_same_v<tn::output_derivative_t<tn::sigmoid::function_type>, decltype(_x * (tn::rational<1> - _x))>);
static_assert(!tn::has_output_derivative_v<tn::relu::function_type>);  // select(x > 0, ...): x itself
static_assert(!tn::has_output_derivative_v<gelu_t>);
static_assert(!tn::has_output_derivative_v<tn::swish::function_type>);
static_assert(std::is_same_v<tn::output_derivative_t<decltype(_x)>, c_t<1, 1>>);  // the identity: 1

}  // namespace

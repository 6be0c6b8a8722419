// SPDX-License-Identifier: BSL-1.0
// Defines activation<F>, an elementwise function given as an expression over `_x`, and the
// standard ones: sigmoid tanh relu leaky_relu elu gelu softplus swish.
//
// Each is a type, because a network lists it as a layer (`tn::network<..., tn::relu, ...>`),
// and an object you can call on an expression: `tn::relu{}(x)` (as PyTorch's `nn.ReLU()(x)`).
// Its backward pass is its symbolic derivative (expr/derivative.hpp); nothing is hand-written.
#pragma once

#include <typenet/expr/apply.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/functors.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>

#include <ratio>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet {

/// An activation defined by an elementwise expression F over `_x`, in one line:
/// `using my_swish = tn::activation<decltype(tn::_x * tn::sigmoid{}(tn::_x))>;`
/// F may hold only `_x` and compile-time constants (tn::rational, tn::constant), so that the
/// type alone says everything. Calling it on an expression substitutes that expression for `_x`.
/// Example: examples/mlp_basics.cpp
template <class F>
struct activation {
    static_assert(detail::stateless_v<F>,
                  "typenet: activation: the function must be an expression over tn::_x and compile-time constants "
                  "only (write tn::rational<1, 10> rather than 0.1f)");
    using function_type = F;

    template <expression E>
    auto operator()(E&& e) const {
        return typenet::apply(F{}, std::forward<E>(e));
    }
    static std::string describe() { return "activation"; }
};

namespace detail {
template <class Op>
using of_x = unary_node<Op, placeholder>;
// 1 / sqrt(2), for GELU.
struct inv_sqrt2 {
    static constexpr double value = 0.70710678118654752440;
};
}  // namespace detail

/// 1 / (1 + e^-x). Saturates at both ends: its derivative is at most 1/4, the classic cause
/// of vanishing gradients in deep sigmoid networks. PyTorch: nn.Sigmoid.
struct sigmoid : activation<detail::of_x<op::sigmoid>> {
    static std::string describe() { return "sigmoid"; }
};
/// tanh x. Zero-centred, derivative at most 1. PyTorch: nn.Tanh.
struct tanh : activation<detail::of_x<op::tanh>> {
    static std::string describe() { return "tanh"; }
};
/// max(x, 0). Does not saturate for x > 0; its derivative at 0 is 0, as in PyTorch's nn.ReLU.
struct relu : activation<detail::of_x<op::relu>> {
    static std::string describe() { return "relu"; }
};

/// x for x > 0, Slope * x otherwise; Slope is a std::ratio. PyTorch: nn.LeakyReLU(Slope).
template <class Slope>
struct leaky_relu_slope
    : activation<decltype(select(_x > rational<0>, _x, constant<Slope>{} * _x))> {
    static std::string describe() {
        return "leaky_relu(" + std::to_string(static_cast<double>(Slope::num) / static_cast<double>(Slope::den)) + ")";
    }
};
/// leaky_relu_slope with PyTorch's default slope, 0.01.
struct leaky_relu : leaky_relu_slope<std::ratio<1, 100>> {
    static std::string describe() { return "leaky_relu"; }
};

/// x for x > 0, e^x - 1 otherwise. PyTorch: nn.ELU() (alpha 1).
struct elu : activation<decltype(select(_x > rational<0>, _x, expm1(_x)))> {
    static std::string describe() { return "elu"; }
};

/// x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2, the exact form. PyTorch: nn.GELU() (approximate='none').
struct gelu : activation<decltype(rational<1, 2> * _x * (rational<1> + erf(_x * constant<detail::inv_sqrt2>{})))> {
    static std::string describe() { return "gelu"; }
};

/// log(1 + e^x), and x itself above 20 where the two agree in float. PyTorch: nn.Softplus()
/// (beta 1, threshold 20).
struct softplus : activation<decltype(select(_x > rational<20>, _x, log1p(exp(_x))))> {
    static std::string describe() { return "softplus"; }
};

/// x * sigmoid(x), also called SiLU. PyTorch: nn.SiLU.
struct swish : activation<decltype(_x * detail::of_x<op::sigmoid>{})> {
    static std::string describe() { return "swish"; }
};

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Checks tn::derivative (typenet/expr/derivative.hpp) and tn::apply (typenet/expr/apply.hpp)
// against float64 central finite differences: for each elementwise function f over `_x`,
// apply(derivative(f), z) must match (f(z + h) - f(z - h)) / 2h, element by element, on a
// one-value tensor, on a shape<33> tensor (a SIMD body and a scalar tail) and on a 3 x 17 batch.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace tn = typenet;


namespace {

using tn::_x;

// A user constant given by a tag type, as GELU needs 1/sqrt(2).
struct inv_sqrt2 {
    static constexpr double value = 0.70710678118654752440;
};

// The inputs every check runs on.
using inputs = std::tuple<tn::tensor<double, tn::shape<>>, tn::tensor<double, tn::shape<33>>, tn::batch<double, 17>>;

constexpr double relative_step = 1e-6;
constexpr double tolerance = 1e-6;

// Where to sample a function: [lo, hi], keeping a distance from the points where it has a kink.
struct domain {
    double lo;
    double hi;
    std::vector<double> kinks{};
};

template <class Z>
Z make_input() {
    if constexpr (Z::batched)
        return Z(3);
    else
        return Z();
}

// Deterministic points spread over the domain (a golden-ratio sequence), moved off the kinks.
template <class Z>
Z sample(const domain& d) {
    Z z = make_input<Z>();
    const double gap = 0.05 * (d.hi - d.lo);
    for (std::size_t i = 0; i < z.size(); ++i) {
        double v = d.lo + (d.hi - d.lo) * std::fmod(0.5 + 0.6180339887498949 * static_cast<double>(i), 1.0);
        for (double k : d.kinks)
            if (std::abs(v - k) < gap) v = k + (v < k ? -gap : gap);
        z.data()[i] = v;
    }
    return z;
}

// apply(f, z) evaluated into a container like z. An f without `_x` (a constant derivative) has
// no shape of its own, so it is spread over z's shape with `+ 0 * z`.
template <class F, class Z>
Z values(const F& f, const Z& z) {
    auto r = tn::apply(f, z);
    using R = decltype(r);
    if constexpr (R::batched == Z::batched && std::is_same_v<typename R::static_shape, typename Z::static_shape> &&
                  !std::is_void_v<typename R::value_type>) {
        Z out = r;
        return out;
    } else {
        Z out = r + tn::rational<0> * z;
        return out;
    }
}

// Central differences of f at z, each element perturbed by its own step (f is elementwise, so
// all elements can move at once).
template <class F, class Z>
Z finite_difference(const F& f, const Z& z) {
    Z up = z;
    Z down = z;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const double h = relative_step * std::max(1.0, std::abs(z.data()[i]));
        up.data()[i] = z.data()[i] + h;
        down.data()[i] = z.data()[i] - h;
    }
    const Z f_up = values(f, up);
    const Z f_down = values(f, down);
    Z out = z;
    for (std::size_t i = 0; i < z.size(); ++i)
        out.data()[i] = (f_up.data()[i] - f_down.data()[i]) / (up.data()[i] - down.data()[i]);
    return out;
}

// Relative error, measured against max(1, |want|) so that derivatives near 0 are compared
// absolutely (the tolerance() decorator's strong relative check fails on a true 0).
template <class Z>
void check_close(const Z& got, const Z& want, const Z& at, double tol) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double g = got.data()[i];
        const double w = want.data()[i];
        const double err = std::abs(g - w) / std::max(1.0, std::abs(w));
        BOOST_TEST_CONTEXT("element " << i << " at z = " << at.data()[i] << ": " << g << " vs " << w)
        BOOST_TEST(err <= tol);
    }
}

template <class Z, class F>
void check_derivative(const std::string& name, const F& f, const domain& d) {
    BOOST_TEST_CONTEXT(name << " on " << Z::static_shape::size << " features, batched " << Z::batched) {
        const Z z = sample<Z>(d);
        check_close(values(tn::derivative(f), z), finite_difference(f, z), z, tolerance);
    }
}

template <class Z, class F>
void check_second_derivative(const std::string& name, const F& f, const domain& d) {
    BOOST_TEST_CONTEXT(name << "'' on " << Z::static_shape::size << " features, batched " << Z::batched) {
        const Z z = sample<Z>(d);
        const auto df = tn::derivative(f);
        check_close(values(tn::derivative(df), z), finite_difference(df, z), z, tolerance);
    }
}

const domain wide{-3.0, 3.0};
const domain positive{0.1, 4.0};
const domain around_zero_kink{-3.0, 3.0, {0.0}};

}  // namespace

BOOST_AUTO_TEST_SUITE(derivative)

BOOST_AUTO_TEST_CASE_TEMPLATE(each_unary_derivative_matches_finite_differences, Z, inputs)
{
    check_derivative<Z>("-x", -_x, wide);
    check_derivative<Z>("exp", tn::exp(_x), wide);
    check_derivative<Z>("log", tn::log(_x), positive);
    check_derivative<Z>("log1p", tn::log1p(_x), domain{-0.5, 3.0});
    check_derivative<Z>("expm1", tn::expm1(_x), wide);
    check_derivative<Z>("sqrt", tn::sqrt(_x), positive);
    check_derivative<Z>("abs", tn::abs(_x), around_zero_kink);
    check_derivative<Z>("square", tn::square(_x), wide);
    check_derivative<Z>("tanh", tn::tanh{}(_x), wide);
    check_derivative<Z>("erf", tn::erf(_x), wide);
    check_derivative<Z>("sin", tn::sin(_x), domain{-4.0, 4.0});
    check_derivative<Z>("cos", tn::cos(_x), domain{-4.0, 4.0});
    check_derivative<Z>("sigmoid", tn::sigmoid{}(_x), domain{-6.0, 6.0});
    check_derivative<Z>("relu", tn::relu{}(_x), around_zero_kink);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(chain_rule_through_an_inner_function_matches_finite_differences, Z, inputs)
{
    check_derivative<Z>("exp(-x)", tn::exp(-_x), wide);
    check_derivative<Z>("tanh(2x)", tn::tanh{}(tn::rational<2> * _x), wide);
    check_derivative<Z>("log(1 + x^2)", tn::log(tn::rational<1> + tn::square(_x)), wide);
    check_derivative<Z>("sqrt(x^2 + 1)", tn::sqrt(tn::square(_x) + tn::rational<1>), wide);
    check_derivative<Z>("sin(cos(x))", tn::sin(tn::cos(_x)), wide);
    check_derivative<Z>("abs(sin(x))", tn::abs(tn::sin(_x)), domain{-3.0, 3.0, {0.0}});
    check_derivative<Z>("relu(x - 1/2)", tn::relu{}(_x - tn::rational<1, 2>), domain{-3.0, 3.0, {0.5}});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sums_and_products_with_constants_and_scalars_match_finite_differences, Z, inputs)
{
    check_derivative<Z>("x + 3", _x + tn::rational<3>, wide);
    check_derivative<Z>("3 - x", tn::rational<3> - _x, wide);
    check_derivative<Z>("x + 1.5", _x + 1.5, wide);
    check_derivative<Z>("1.5 - x", 1.5 - _x, wide);
    check_derivative<Z>("1 + x (int)", 1 + _x, wide);
    check_derivative<Z>("2x", tn::rational<2> * _x, wide);
    check_derivative<Z>("x * 2.5", _x * 2.5, wide);
    check_derivative<Z>("x / 4", _x / tn::rational<4>, wide);
    check_derivative<Z>("x / 4.0", _x / 4.0, wide);
    check_derivative<Z>("3 / x", tn::rational<3> / _x, positive);
    check_derivative<Z>("2.0 / x", 2.0 / _x, positive);
    check_derivative<Z>("-(x / 3) + 7/2", -(_x / tn::rational<3>) + tn::rational<7, 2>, wide);
    check_derivative<Z>("x * c (tag constant)", _x * tn::constant<inv_sqrt2>{}, wide);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(products_and_quotients_of_x_match_finite_differences, Z, inputs)
{
    check_derivative<Z>("x * x", _x * _x, wide);
    check_derivative<Z>("x * x * x", _x * _x * _x, wide);
    check_derivative<Z>("x + x", _x + _x, wide);
    check_derivative<Z>("x - x", _x - _x, wide);
    check_derivative<Z>("x / (1 + x*x)", _x / (tn::rational<1> + _x * _x), wide);
    check_derivative<Z>("x / (1.0 + x*x)", _x / (1.0 + _x * _x), wide);
    check_derivative<Z>("exp(x) * sin(x)", tn::exp(_x) * tn::sin(_x), wide);
    check_derivative<Z>("sin(x) / exp(x)", tn::sin(_x) / tn::exp(_x), wide);
    check_derivative<Z>("x - tanh(x)", _x - tn::tanh{}(_x), wide);
    check_derivative<Z>("(x + 2) / (x + 5)", (_x + 2.0) / (_x + tn::rational<5>), wide);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(min_and_max_with_constants_match_finite_differences, Z, inputs)
{
    check_derivative<Z>("max(x, 0)", tn::max(_x, tn::rational<0>), around_zero_kink);
    check_derivative<Z>("max(0, x)", tn::max(tn::rational<0>, _x), around_zero_kink);
    check_derivative<Z>("min(x, 0.5)", tn::min(_x, 0.5), domain{-3.0, 3.0, {0.5}});
    check_derivative<Z>("min(1/2, x)", tn::min(tn::rational<1, 2>, _x), domain{-3.0, 3.0, {0.5}});
    check_derivative<Z>("max(-1, x) * x", tn::max(tn::rational<-1>, _x) * _x, domain{-3.0, 3.0, {-1.0}});
    check_derivative<Z>("min(exp(x), 2)", tn::min(tn::exp(_x), tn::rational<2>), domain{-3.0, 3.0, {std::log(2.0)}});
    check_derivative<Z>("max(x, sin(x))", tn::max(_x, tn::sin(_x)), around_zero_kink);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(activation_functions_match_finite_differences, Z, inputs)
{
    check_derivative<Z>("leaky relu", tn::select(_x > 0, _x, tn::rational<1, 100> * _x), around_zero_kink);
    check_derivative<Z>("leaky relu (rational condition)",
                        tn::select(_x > tn::rational<0>, _x, tn::rational<1, 100> * _x), around_zero_kink);
    check_derivative<Z>("swish", _x * tn::sigmoid{}(_x), domain{-6.0, 6.0});
    check_derivative<Z>("softplus", tn::log1p(tn::exp(_x)), domain{-6.0, 6.0});
    check_derivative<Z>("gelu",
                        _x * (tn::rational<1> + tn::erf(_x * tn::constant<inv_sqrt2>{})) * tn::rational<1, 2>,
                        domain{-4.0, 4.0});
    check_derivative<Z>("elu", tn::select(_x > tn::rational<0>, _x, tn::expm1(_x)), around_zero_kink);
    check_derivative<Z>("elu (alpha 3/2)", tn::select(_x > tn::rational<0>, _x, tn::rational<3, 2> * tn::expm1(_x)),
                        around_zero_kink);
    check_derivative<Z>("hard tanh", tn::max(tn::rational<-1>, tn::min(_x, tn::rational<1>)),
                        domain{-3.0, 3.0, {-1.0, 1.0}});
    check_derivative<Z>("tn::leaky_relu", tn::leaky_relu::function_type{}, around_zero_kink);
    check_derivative<Z>("tn::elu", tn::elu::function_type{}, around_zero_kink);
    check_derivative<Z>("tn::gelu", tn::gelu::function_type{}, domain{-4.0, 4.0});
    check_derivative<Z>("tn::softplus", tn::softplus::function_type{}, domain{-6.0, 6.0});
    check_derivative<Z>("tn::swish", tn::swish::function_type{}, domain{-6.0, 6.0});
    check_derivative<Z>("mish", _x * tn::tanh{}(tn::log1p(tn::exp(_x))), domain{-5.0, 5.0});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(gelu_derivative_is_cdf_plus_x_times_pdf, Z, inputs)
{
    const auto gelu = _x * (tn::rational<1> + tn::erf(_x * tn::constant<inv_sqrt2>{})) * tn::rational<1, 2>;
    const Z z = sample<Z>(domain{-4.0, 4.0});
    const Z got = values(tn::derivative(gelu), z);
    Z want = z;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const double x = z.data()[i];
        want.data()[i] = 0.5 * (1.0 + std::erf(x * inv_sqrt2::value)) +
                         x * std::exp(-0.5 * x * x) * 0.39894228040143267794;  // 1 / sqrt(2 pi)
    }
    check_close(got, want, z, 1e-12);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(deep_composition_matches_finite_differences, Z, inputs)
{
    const auto f =
        tn::tanh{}(tn::sigmoid{}(tn::rational<3> * tn::square(tn::sin(_x))) +
                 tn::log1p(tn::exp(-_x)) / (tn::rational<2> + tn::cos(_x))) *
            tn::erf(_x * tn::rational<1, 2>) -
        tn::sqrt(tn::rational<1> + tn::square(_x)) +
        tn::select(_x > tn::rational<1>, tn::expm1(_x - tn::rational<1>), 0.25 * (_x - tn::rational<1>)) * _x;
    check_derivative<Z>("deep", f, domain{-2.5, 2.5, {1.0}});
    check_derivative<Z>("tanh(tanh(tanh(x)))", tn::tanh{}(tn::tanh{}(tn::tanh{}(_x))), wide);
    check_derivative<Z>("sigmoid(sin(x)) * exp(cos(x) / 2)",
                        tn::sigmoid{}(tn::sin(_x)) * tn::exp(tn::cos(_x) * tn::rational<1, 2>), wide);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(second_derivatives_match_finite_differences_of_the_first, Z, inputs)
{
    check_second_derivative<Z>("tanh", tn::tanh{}(_x), wide);
    check_second_derivative<Z>("sigmoid", tn::sigmoid{}(_x), domain{-6.0, 6.0});
    check_second_derivative<Z>("exp", tn::exp(_x), wide);
    check_second_derivative<Z>("square", tn::square(_x), wide);
    check_second_derivative<Z>("swish", _x * tn::sigmoid{}(_x), domain{-6.0, 6.0});
    check_second_derivative<Z>("sin", tn::sin(_x), wide);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(second_derivatives_have_closed_forms, Z, inputs)
{
    const Z z = sample<Z>(wide);
    Z tanh2 = z, sigmoid2 = z, exp2 = z, square2 = z;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const double x = z.data()[i];
        const double t = std::tanh(x);
        const double s = 1.0 / (1.0 + std::exp(-x));
        tanh2.data()[i] = -2.0 * t * (1.0 - t * t);
        sigmoid2.data()[i] = s * (1.0 - s) * (1.0 - 2.0 * s);
        exp2.data()[i] = std::exp(x);
        square2.data()[i] = 2.0;
    }
    check_close(values(tn::derivative(tn::derivative(tn::tanh{}(_x))), z), tanh2, z, 1e-12);
    check_close(values(tn::derivative(tn::derivative(tn::sigmoid{}(_x))), z), sigmoid2, z, 1e-12);
    check_close(values(tn::derivative(tn::derivative(tn::exp(_x))), z), exp2, z, 1e-12);
    check_close(values(tn::derivative(tn::derivative(tn::square(_x))), z), square2, z, 0.0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(derivative_without_x_is_zero_and_of_x_is_one, Z, inputs)
{
    const Z z = sample<Z>(wide);
    const tn::tensor<double, tn::shape<>> c{0.75};
    Z zeros = z, ones = z;
    zeros.fill(0.0);
    ones.fill(1.0);
    check_close(values(tn::derivative(tn::rational<3>), z), zeros, z, 0.0);
    check_close(values(tn::derivative(tn::constant<inv_sqrt2>{}), z), zeros, z, 0.0);
    check_close(values(tn::derivative(tn::exp(c) * tn::rational<2> + c), z), zeros, z, 0.0);
    check_close(values(tn::derivative(tn::sin(z) + tn::square(z)), z), zeros, z, 0.0);
    check_close(values(tn::derivative(_x), z), ones, z, 0.0);
    check_close(values(tn::derivative(_x + c), z), ones, z, 0.0);
    check_close(values(tn::derivative(_x * c), z), values(c + tn::rational<0> * _x, z), z, 0.0);
    check_close(values(tn::derivative(_x * z), z), z, z, 0.0);
}

BOOST_AUTO_TEST_CASE(apply_on_an_rvalue_operand_equals_apply_on_its_value)
{
    using T = tn::tensor<double, tn::shape<33>>;
    const T a = sample<T>(domain{-2.0, 1.0});
    const T b = sample<T>(domain{-1.0, 2.0});
    const T ab = a + b;
    const auto swish = _x * tn::sigmoid{}(_x);
    const auto d = tn::derivative(swish);

    const T from_rvalue_node = tn::apply(d, a + b);
    const T from_lvalue = tn::apply(d, ab);
    check_close(from_rvalue_node, from_lvalue, ab, 0.0);
    const T f_from_rvalue_node = tn::apply(swish, a + b);
    const T f_from_lvalue = tn::apply(swish, ab);
    check_close(f_from_rvalue_node, f_from_lvalue, ab, 0.0);

    // A temporary tensor is copied into the expression, so the expression outlives it.
    const auto held = tn::apply(d, T(a + b));
    const T from_temporary = held;
    check_close(from_temporary, from_lvalue, ab, 0.0);

    // An lvalue is referred to: the lazy expression sees later writes to it.
    T z = ab;
    const auto refers = tn::apply(tn::square(_x), z);
    z.fill(3.0);
    const T nine = refers;
    for (double v : nine) BOOST_TEST(v == 9.0);
}

BOOST_AUTO_TEST_CASE(apply_on_batch_rvalue_and_lvalue_operands_agree)
{
    using B = tn::batch<double, 17>;
    const B a = sample<B>(domain{-2.0, 1.0});
    const tn::tensor<double, tn::shape<17>> bias = sample<tn::tensor<double, tn::shape<17>>>(domain{-1.0, 1.0});
    const B ab = a + bias;
    const auto d = tn::derivative(tn::log1p(tn::exp(_x)) * tn::tanh{}(_x));
    const B from_rvalue_node = tn::apply(d, a + bias);
    const B from_lvalue = tn::apply(d, ab);
    BOOST_TEST(from_rvalue_node.rows() == 3u);
    // `a + bias` is evaluated row by row (17 = SIMD body + tail per row) and `ab` in one run of
    // 51, so an element can come from the SIMD body in one and the scalar tail in the other.
    check_close(from_rvalue_node, from_lvalue, ab, 1e-14);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(apply_on_float_operands_gives_float_results, Z, inputs)
{
    using F = std::conditional_t<Z::batched, tn::batch<float, 17>, tn::tensor<float, typename Z::static_shape>>;
    const Z z = sample<Z>(wide);
    F zf = make_input<F>();
    for (std::size_t i = 0; i < z.size(); ++i) zf.data()[i] = static_cast<float>(z.data()[i]);
    Z z_rounded = z;
    for (std::size_t i = 0; i < z.size(); ++i) z_rounded.data()[i] = static_cast<double>(zf.data()[i]);

    const auto gelu = _x * (tn::rational<1> + tn::erf(_x * tn::constant<inv_sqrt2>{})) * tn::rational<1, 2>;
    const auto d = tn::derivative(gelu);
    using applied = decltype(tn::apply(d, zf));
    static_assert(std::is_same_v<typename applied::value_type, float>);
    static_assert(std::is_same_v<decltype(tn::eval(tn::apply(d, zf))), F>);
    static_assert(std::is_same_v<decltype(tn::eval(tn::apply(tn::derivative(tn::tanh{}(_x)), zf))), F>);

    const F got = tn::eval(tn::apply(d, zf));
    const Z want = values(d, z_rounded);
    Z got_wide = z;
    for (std::size_t i = 0; i < z.size(); ++i) got_wide.data()[i] = static_cast<double>(got.data()[i]);
    check_close(got_wide, want, z_rounded, 1e-5);

    const F tanh_got = tn::eval(tn::apply(tn::derivative(tn::tanh{}(_x)), zf));
    const Z tanh_want = values(tn::derivative(tn::tanh{}(_x)), z_rounded);
    for (std::size_t i = 0; i < z.size(); ++i) got_wide.data()[i] = static_cast<double>(tanh_got.data()[i]);
    check_close(got_wide, tanh_want, z_rounded, 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()

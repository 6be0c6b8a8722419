// SPDX-License-Identifier: BSL-1.0
// Defines the tests of broadcasting (expr/nodes.hpp shape rules, expr/evaluator.hpp traversal):
// NumPy's trailing-axis rule between tensors, a tensor over a batch's rows, scalars, and the
// run-time row check between batches.
#include <typenet/core/batch.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/operators.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;

// Distinct, exactly representable values: 0.25 * k - 3, for element k.
template <class X>
void fill_pattern(X& x, int offset = 0) {
    for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = typename X::value_type(0.25 * double(k + offset) - 3.0);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_SUITE(broadcast)

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_broadcasts_over_matrix_rows, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3>> a;
    tn::tensor<T, tn::shape<3>> b;
    fill_pattern(a);
    fill_pattern(b, 50);
    static_assert(std::is_same_v<typename decltype(a + b)::static_shape, tn::shape<2, 3>>);
    tn::tensor<T, tn::shape<2, 3>> sum = a + b, rsum = b + a, diff = b - a;
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(sum(i, j) == a(i, j) + b(j));
            BOOST_TEST(rsum(i, j) == b(j) + a(i, j));
            BOOST_TEST(diff(i, j) == b(j) - a(i, j));
        }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(column_times_row_is_the_outer_product, T, value_types)
{
    tn::tensor<T, tn::shape<4, 1>> col;
    tn::tensor<T, tn::shape<1, 3>> row;
    fill_pattern(col);
    fill_pattern(row, 20);
    static_assert(std::is_same_v<typename decltype(col * row)::static_shape, tn::shape<4, 3>>);
    tn::tensor<T, tn::shape<4, 3>> outer = col * row, outer_swapped = row * col;
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(outer(i, j) == col(i, 0) * row(0, j));
            BOOST_TEST(outer_swapped(i, j) == col(i, 0) * row(0, j));
        }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(rank_three_broadcasts_against_rank_two, T, value_types)
{
    tn::tensor<T, tn::shape<4, 1, 5>> a;
    tn::tensor<T, tn::shape<3, 1>> b;
    fill_pattern(a);
    fill_pattern(b, 40);
    static_assert(std::is_same_v<typename decltype(a - b)::static_shape, tn::shape<4, 3, 5>>);
    tn::tensor<T, tn::shape<4, 3, 5>> d = a - b, e = b * a + T(1), m = tn::max(a, b);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 5; ++k)
                BOOST_TEST_CONTEXT("(" << i << ", " << j << ", " << k << ")") {
                    BOOST_TEST(d(i, j, k) == a(i, 0, k) - b(j, 0));
                    BOOST_TEST(e(i, j, k) == b(j, 0) * a(i, 0, k) + T(1));
                    BOOST_TEST(m(i, j, k) == std::max(a(i, 0, k), b(j, 0)));
                }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(broadcast_inside_a_fused_chain_and_select, T, value_types)
{
    tn::tensor<T, tn::shape<3, 17>> a;
    tn::tensor<T, tn::shape<17>> b;
    tn::tensor<T, tn::shape<3, 1>> c;
    fill_pattern(a);
    fill_pattern(b, 7);
    fill_pattern(c, 3);
    tn::tensor<T, tn::shape<3, 17>> r = tn::select(a > b, a * c, tn::abs(b) - c) + T(2);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 17; ++j) {
            const T expected = (a(i, j) > b(j) ? a(i, j) * c(i, 0) : std::abs(b(j)) - c(i, 0)) + T(2);
            BOOST_TEST(r(i, j) == expected);
        }
}

namespace {
template <class T, std::size_t F>
void check_bias_over_rows(std::size_t rows) {
    tn::batch<T, F> x(rows);
    tn::tensor<T, tn::shape<F>> bias;
    fill_pattern(x);
    fill_pattern(bias, 11);
    static_assert(decltype(x + bias)::batched);
    tn::batch<T, F> y = x + bias;
    tn::batch<T, F> z(rows);
    z = bias * x - bias;
    tn::batch<T, F> s(rows);
    s = tn::select(x > bias, x, bias);
    BOOST_TEST_CONTEXT("F = " << F << ", rows = " << rows << ", " << (std::is_same_v<T, float> ? "float" : "double")) {
        BOOST_TEST(y.rows() == rows);
        BOOST_TEST(z.rows() == rows);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t f = 0; f < F; ++f) {
                BOOST_TEST(y(r, f) == x(r, f) + bias(f));
                BOOST_TEST(z(r, f) == bias(f) * x(r, f) - bias(f));
                BOOST_TEST(s(r, f) == (x(r, f) > bias(f) ? x(r, f) : bias(f)));
            }
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(bias_tensor_broadcasts_over_batch_rows, T, value_types)
{
    for (std::size_t rows : {0u, 1u, 5u}) {
        check_bias_over_rows<T, 1>(rows);
        check_bias_over_rows<T, 7>(rows);
        check_bias_over_rows<T, 17>(rows);
        check_bias_over_rows<T, 100>(rows);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(tensor_broadcasts_to_a_multi_axis_feature_shape, T, value_types)
{
    tn::batch<T, 2, 3> x(4);
    tn::tensor<T, tn::shape<3>> v;
    tn::tensor<T, tn::shape<2, 1>> w;
    fill_pattern(x);
    fill_pattern(v, 9);
    fill_pattern(w, 5);
    tn::batch<T, 2, 3> y = x * v + w;
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(y(r, i, j) == x(r, i, j) * v(j) + w(i, 0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scalars_and_single_value_tensors_broadcast_everywhere, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3>> a;
    tn::tensor<T, tn::shape<>> s0;
    tn::tensor<T, tn::shape<1>> s1;
    tn::batch<T, 3> x(2);
    fill_pattern(a);
    fill_pattern(x, 4);
    s0() = T(1.5);
    s1(0) = T(-2);
    tn::tensor<T, tn::shape<2, 3>> r = T(2) * a - T(1) + s0 * s1 + a / 4.0;  // 4.0 adapts to T
    tn::batch<T, 3> y = x * s1 + s0 - 0.5f;
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(r(i, j) == T(2) * a(i, j) - T(1) + T(1.5) * T(-2) + a(i, j) / T(4));
            BOOST_TEST(y(i, j) == x(i, j) * T(-2) + T(1.5) - T(0.5));
        }
}

BOOST_AUTO_TEST_CASE(batches_with_different_rows_throw_shape_error_naming_both_shapes)
{
    tn::batch<float, 4> a(3), b(5);
    BOOST_CHECK_THROW((void)(a + b), tn::shape_error);
    BOOST_CHECK_THROW((void)tn::max(a, b), tn::shape_error);
    BOOST_CHECK_THROW((void)tn::select(a > 0.0f, a, b), tn::shape_error);
    BOOST_CHECK_THROW((void)tn::select(b > 0.0f, a, a), tn::shape_error);
    try {
        tn::batch<float, 4> c = a + b;
        BOOST_ERROR("no exception");
    } catch (const tn::shape_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "(3, 4)"));
            BOOST_TEST(contains(what, "(5, 4)"));
        }
    }
    tn::batch<double, 2, 2> p(1), q(2);
    try {
        tn::batch<double, 2, 2> c = tn::exp(p) * q;
        BOOST_ERROR("no exception");
    } catch (const tn::shape_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "(1, 2, 2)"));
            BOOST_TEST(contains(what, "(2, 2, 2)"));
        }
    }
    // equal row counts, zero rows included, are fine
    tn::batch<float, 4> e0, f0;
    BOOST_CHECK_NO_THROW((void)(e0 + f0));
}

BOOST_AUTO_TEST_SUITE_END()

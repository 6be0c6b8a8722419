// SPDX-License-Identifier: BSL-1.0
// Defines the tests of the aliasing rule of expr/assign.hpp: a destination read elementwise in
// place is fine, and any other overlap (a broadcast row of the destination, a shifted view)
// gives the result NumPy gives, as if the right-hand side were evaluated first.
#include <typenet/core/batch.hpp>
#include <typenet/core/batch_view.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/core/tensor_view.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/operators.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <vector>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;

// Distinct, exactly representable values.
template <class X>
void fill_pattern(X& x, int offset = 0) {
    for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = typename X::value_type(0.5 * double(k + offset) - 7.0);
}

template <class X>
std::vector<typename X::value_type> snapshot(const X& x) {
    return std::vector<typename X::value_type>(x.data(), x.data() + x.size());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(aliasing)

BOOST_AUTO_TEST_CASE_TEMPLATE(destination_read_in_place_gives_the_elementwise_result, T, value_types)
{
    tn::tensor<T, tn::shape<5, 17>> a, b;
    fill_pattern(a);
    fill_pattern(b, 3);
    const auto a0 = snapshot(a);
    a = a * b + a;
    for (std::size_t k = 0; k < a.size(); ++k) BOOST_TEST(a.data()[k] == a0[k] * b.data()[k] + a0[k]);

    tn::batch<T, 33> x(4), y(4);
    fill_pattern(x);
    fill_pattern(y, 1);
    const auto x0 = snapshot(x);
    x = x * y + x;
    for (std::size_t k = 0; k < x.size(); ++k) BOOST_TEST(x.data()[k] == x0[k] * y.data()[k] + x0[k]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(in_place_function_application_is_elementwise, T, value_types)
{
    tn::batch<T, 100> x(3);
    for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = T(k % 13) / T(4);
    const auto x0 = snapshot(x);
    x = tn::exp(x);
    for (std::size_t k = 0; k < x.size(); ++k)
        BOOST_TEST(x.data()[k] == std::exp(x0[k]), boost::test_tools::tolerance(T(1e-5)));
    tn::tensor<T, tn::shape<7>> t{1, 4, 9, 16, 25, 36, 49};
    t = tn::sqrt(t);
    for (std::size_t k = 0; k < 7; ++k) BOOST_TEST(t(k) == T(k + 1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_plus_its_own_row_broadcast_gives_numpy_result, T, value_types)
{
    for (std::size_t rows : {1u, 2u, 5u}) {
        BOOST_TEST_CONTEXT("rows = " << rows) {
            tn::batch<T, 7> b(rows);
            fill_pattern(b);
            const auto b0 = snapshot(b);
            b = b + b.row(0);  // NumPy: b = b + b[0] reads the old row 0 for every row
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t f = 0; f < 7; ++f) BOOST_TEST(b(r, f) == b0[r * 7 + f] + b0[f]);

            fill_pattern(b);
            b = b.row(rows - 1) * b;  // the last row, read after the others were written
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t f = 0; f < 7; ++f) BOOST_TEST(b(r, f) == b0[(rows - 1) * 7 + f] * b0[r * 7 + f]);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(large_batch_plus_its_own_last_row_gives_numpy_result, T, value_types)
{
    tn::batch<T, 784> x(64);
    fill_pattern(x);
    const auto x0 = snapshot(x);
    x = tn::max(x, x.row(63)) - x.row(0);
    for (std::size_t r = 0; r < 64; r += 9)
        for (std::size_t f = 0; f < 784; f += 13)
            BOOST_TEST(x(r, f) == std::max(x0[r * 784 + f], x0[63 * 784 + f]) - x0[f]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(tensor_plus_its_own_row_broadcast_gives_numpy_result, T, value_types)
{
    tn::tensor<T, tn::shape<4, 3>> m;
    fill_pattern(m);
    const auto m0 = snapshot(m);
    tn::tensor_view<T, tn::shape<3>> row0(m.data());
    m = m - row0;
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(m(i, j) == m0[i * 3 + j] - m0[j]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(shifted_overlapping_views_have_copy_semantics, T, value_types)
{
    const std::size_t n = 6;
    tn::batch<T, 5> x(n);
    fill_pattern(x);
    const auto x0 = snapshot(x);
    x.slice(1, n - 1) = x.slice(0, n - 1);  // rows move down by one, like x[1:] = x[:-1]
    for (std::size_t f = 0; f < 5; ++f) BOOST_TEST(x(0, f) == x0[f]);
    for (std::size_t r = 1; r < n; ++r)
        for (std::size_t f = 0; f < 5; ++f) BOOST_TEST(x(r, f) == x0[(r - 1) * 5 + f]);

    fill_pattern(x);
    x.slice(0, n - 1) = x.slice(1, n - 1) * T(2);  // rows move up by one, doubled
    for (std::size_t r = 0; r + 1 < n; ++r)
        for (std::size_t f = 0; f < 5; ++f) BOOST_TEST(x(r, f) == x0[(r + 1) * 5 + f] * T(2));
    for (std::size_t f = 0; f < 5; ++f) BOOST_TEST(x(n - 1, f) == x0[(n - 1) * 5 + f]);

    // a row view assigned from the row above it (tensor views)
    fill_pattern(x);
    x.row(2) = x.row(1) + x.row(2);
    for (std::size_t f = 0; f < 5; ++f) BOOST_TEST(x(2, f) == x0[5 + f] + x0[10 + f]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_shrunk_to_a_slice_of_itself_keeps_the_slice_values, T, value_types)
{
    tn::batch<T, 9> b(5);
    fill_pattern(b);
    const auto b0 = snapshot(b);
    b = b.slice(2, 2) * T(3);
    BOOST_TEST(b.rows() == 2u);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t f = 0; f < 9; ++f) BOOST_TEST(b(r, f) == b0[(r + 2) * 9 + f] * T(3));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_grown_by_an_expression_reading_its_own_row_gives_numpy_result, T, value_types)
{
    // b has 2 rows; the expression has 40, so assigning it must grow b (a reallocation) while
    // the expression still reads b's row 0: b = x + b[0] in NumPy.
    tn::batch<T, 16> b(2), x(40);
    fill_pattern(b);
    fill_pattern(x, 100);
    const auto b0 = snapshot(b);
    b = x + b.row(0);
    BOOST_TEST_REQUIRE(b.rows() == 40u);
    for (std::size_t r = 0; r < 40; ++r)
        for (std::size_t f = 0; f < 16; ++f) BOOST_TEST(b(r, f) == x(r, f) + b0[f]);
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Defines the tests of core/batch.hpp and core/batch_view.hpp: rows, element access, row() and
// slice() views, resize, copy and move, zero-row batches and run-time shape and index errors.
#define TYPENET_CHECK_BOUNDS 1  // before any include: bounds are checked in release builds too

#include <typenet/core/batch.hpp>
#include <typenet/core/batch_view.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/core/tensor_view.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/operators.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class X>
void iota(X& x) {
    std::iota(x.data(), x.data() + x.size(), typename X::value_type(0));
}

template <class X>
std::size_t distance(const X& x) {
    return static_cast<std::size_t>(std::distance(x.begin(), x.end()));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(batch)

BOOST_AUTO_TEST_CASE_TEMPLATE(constructed_batch_has_its_rows_all_zero, T, value_types)
{
    tn::batch<T, 3, 4> none;
    BOOST_TEST(none.rows() == 0u);
    BOOST_TEST(none.size() == 0u);
    tn::batch<T, 3, 4> x(5);
    BOOST_TEST(x.rows() == 5u);
    BOOST_TEST(x.size() == 60u);
    BOOST_TEST(std::all_of(x.begin(), x.end(), [](T v) { return v == T(0); }));
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(x.data()) % TYPENET_ALIGNMENT == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(element_access_puts_the_row_first_in_c_order, T, value_types)
{
    tn::batch<T, 3, 4> x(2);
    iota(x);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(x(r, i, j) == T((r * 3 + i) * 4 + j));
    x(1, 2, 3) = T(-1);
    BOOST_TEST(x.data()[23] == T(-1));

    tn::batch<T> scalars(3);  // no feature extents: one value per row
    scalars(2) = T(9);
    BOOST_TEST(scalars.size() == 3u);
    BOOST_TEST(scalars.data()[2] == T(9));
}

namespace {
template <class T, std::size_t F>
void check_iteration(std::size_t rows) {
    tn::batch<T, F> x(rows);
    iota(x);
    BOOST_TEST_CONTEXT("F = " << F << ", rows = " << rows) {
        BOOST_TEST(distance(x) == rows * F);
        std::size_t k = 0;
        for (T v : x) BOOST_TEST(v == T(k++));
        BOOST_TEST(k == rows * F);
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(iteration_covers_exactly_the_values, T, value_types)
{
    for (std::size_t rows : {0u, 1u, 3u}) {
        check_iteration<T, 1>(rows);
        check_iteration<T, 7>(rows);
        check_iteration<T, 17>(rows);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(row_is_a_view_of_one_row, T, value_types)
{
    tn::batch<T, 2, 3> x(3);
    iota(x);
    auto r1 = x.row(1);
    static_assert(std::is_same_v<decltype(r1), tn::tensor_view<T, tn::shape<2, 3>>>);
    BOOST_TEST(r1.data() == x.data() + 6);
    BOOST_TEST(r1(1, 2) == T(11));
    r1(0, 0) = T(-5);
    BOOST_TEST(x(1, 0, 0) == T(-5));
    r1 = r1 * T(0) + T(1);
    BOOST_TEST(std::count(x.begin(), x.end(), T(1)) == 6 + 1);  // row 1 all ones, plus x(0,0,1)

    const auto& c = x;
    auto cr = c.row(2);
    static_assert(std::is_same_v<decltype(cr), tn::tensor_view<const T, tn::shape<2, 3>>>);
    BOOST_TEST(cr(0, 0) == T(12));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(slice_is_a_view_of_consecutive_rows, T, value_types)
{
    tn::batch<T, 4> x(5);
    iota(x);
    auto s = x.slice(1, 3);
    static_assert(std::is_same_v<decltype(s), tn::batch_view<T, 4>>);
    BOOST_TEST(s.rows() == 3u);
    BOOST_TEST(s.size() == 12u);
    BOOST_TEST(s.data() == x.data() + 4);
    BOOST_TEST(s(0, 0) == T(4));
    BOOST_TEST(s(2, 3) == T(15));
    BOOST_TEST(s.row(2)(3) == T(15));
    s.fill(T(-1));
    BOOST_TEST(x(0, 3) == T(3));
    BOOST_TEST(x(1, 0) == T(-1));
    BOOST_TEST(x(3, 3) == T(-1));
    BOOST_TEST(x(4, 0) == T(16));

    auto empty = x.slice(5, 0);
    BOOST_TEST(empty.rows() == 0u);
    BOOST_TEST(distance(empty) == 0u);

    const auto& c = x;
    auto cs = c.slice(0, 5);
    static_assert(std::is_same_v<decltype(cs), tn::batch_view<const T, 4>>);
    BOOST_TEST(cs.rows() == 5u);

    tn::batch_view<T, 4> whole(x);
    BOOST_TEST(whole.rows() == 5u);
    BOOST_TEST(whole.data() == x.data());
}

BOOST_AUTO_TEST_CASE(slice_outside_the_batch_throws_index_error_naming_the_shape)
{
    tn::batch<float, 4> x(5);
    BOOST_CHECK_THROW(x.slice(3, 3), tn::index_error);
    BOOST_CHECK_THROW(x.slice(6, 0), tn::index_error);
    BOOST_CHECK_NO_THROW(x.slice(3, 2));
    try {
        (void)x.slice(4, 2);
        BOOST_ERROR("no exception");
    } catch (const tn::index_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "(5, 4)"));
            BOOST_TEST(contains(what, "[4, 6)"));
        }
    }
}

BOOST_AUTO_TEST_CASE(out_of_range_access_throws_index_error_naming_index_and_shape)
{
    tn::batch<float, 3, 4> x(3);
    BOOST_CHECK_THROW(x(3, 0, 0), tn::index_error);
    BOOST_CHECK_THROW(x(0, 3, 0), tn::index_error);
    BOOST_CHECK_THROW(x(0, 0, 4), tn::index_error);
    BOOST_CHECK_THROW(x.row(3), tn::index_error);
    BOOST_CHECK_NO_THROW(x(2, 2, 3));
    try {
        (void)x(3, 0, 0);
        BOOST_ERROR("no exception");
    } catch (const tn::index_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "index 3"));
            BOOST_TEST(contains(what, "axis 0"));
            BOOST_TEST(contains(what, "(3, 3, 4)"));
        }
    }
    try {
        (void)x.row(7);
        BOOST_ERROR("no exception");
    } catch (const tn::index_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "index 7"));
            BOOST_TEST(contains(what, "(3, 3, 4)"));
        }
    }
    tn::batch<float, 3, 4> empty;
    BOOST_CHECK_THROW(empty(0, 0, 0), tn::index_error);
    BOOST_CHECK_THROW(empty.row(0), tn::index_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(resize_keeps_leading_rows_and_zero_fills_new_ones, T, value_types)
{
    tn::batch<T, 3> x(4);
    iota(x);
    x.resize(2);
    BOOST_TEST(x.rows() == 2u);
    BOOST_TEST(x.size() == 6u);
    BOOST_TEST(x(1, 2) == T(5));
    x.resize(4);  // within capacity: the rows that come back are zero, not stale
    BOOST_TEST(x(1, 2) == T(5));
    BOOST_TEST(x(2, 0) == T(0));
    BOOST_TEST(x(3, 2) == T(0));
    x.resize(100);  // reallocates
    BOOST_TEST(x.rows() == 100u);
    BOOST_TEST(x(99, 2) == T(0));
    BOOST_TEST(x(50, 1) == T(0));
    x.resize(0);
    BOOST_TEST(x.rows() == 0u);
    BOOST_TEST(distance(x) == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(copy_is_deep_and_move_steals, T, value_types)
{
    tn::batch<T, 2, 2> a(3);
    iota(a);
    tn::batch<T, 2, 2> b = a;
    BOOST_TEST(b.rows() == 3u);
    BOOST_TEST(b.data() != a.data());
    BOOST_TEST(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    b(0, 0, 0) = T(-1);
    BOOST_TEST(a(0, 0, 0) == T(0));

    tn::batch<T, 2, 2> c(7);
    c = a;  // copy assignment takes the source's row count
    BOOST_TEST(c.rows() == 3u);
    BOOST_TEST(std::equal(a.begin(), a.end(), c.begin(), c.end()));
    auto& self = c;
    c = self;
    BOOST_TEST(c(2, 1, 1) == T(11));

    const T* buffer = a.data();
    tn::batch<T, 2, 2> d = std::move(a);
    BOOST_TEST(d.data() == buffer);
    BOOST_TEST(d.rows() == 3u);
    BOOST_TEST(a.rows() == 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    tn::batch<T, 2, 2> e;
    e = std::move(d);
    BOOST_TEST(e.data() == buffer);
    BOOST_TEST(e(2, 1, 1) == T(11));
    BOOST_TEST(d.rows() == 0u);  // NOLINT(bugprone-use-after-move)
    a = e;  // a moved-from batch can be assigned again
    BOOST_TEST(a(2, 1, 1) == T(11));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_row_batch_is_valid_and_operations_on_it_do_nothing, T, value_types)
{
    tn::batch<T, 5> x(0), y;
    BOOST_TEST(x.rows() == 0u);
    BOOST_TEST(distance(x) == 0u);
    x.fill(T(1));
    x = x + y * T(2);
    BOOST_TEST(x.rows() == 0u);
    tn::batch<T, 5> z = tn::exp(x) + T(1);
    BOOST_TEST(z.rows() == 0u);
    tn::batch<T, 5> copy = x;
    BOOST_TEST(copy.rows() == 0u);
    tn::batch_view<T, 5> v = x.slice(0, 0);
    v = y + T(1);
    BOOST_TEST(v.rows() == 0u);
    x.resize(0);
    BOOST_TEST(x.size() == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(assigning_an_expression_with_other_rows_resizes_a_batch, T, value_types)
{
    tn::batch<T, 3> a(4), b(2);
    a.fill(T(1));
    b = a + T(1);
    BOOST_TEST(b.rows() == 4u);
    BOOST_TEST(std::all_of(b.begin(), b.end(), [](T v) { return v == T(2); }));
    tn::batch<T, 3> small(1);
    b = small * T(3);
    BOOST_TEST(b.rows() == 1u);
}

BOOST_AUTO_TEST_CASE(assigning_other_rows_into_a_batch_view_throws_shape_error_naming_both_shapes)
{
    tn::batch<float, 4> dst(5), src(3);
    auto v = dst.slice(0, 5);
    BOOST_CHECK_THROW(v = src + 1.0f, tn::shape_error);
    try {
        v = src;
        BOOST_ERROR("no exception");
    } catch (const tn::shape_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "(5, 4)"));
            BOOST_TEST(contains(what, "(3, 4)"));
        }
    }
    BOOST_TEST(std::all_of(dst.begin(), dst.end(), [](float x) { return x == 0.0f; }));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_view_writes_through_to_the_batch, T, value_types)
{
    tn::batch<T, 3> x(4), y(2);
    y.fill(T(2));
    auto s = x.slice(2, 2);
    s = y * y;
    BOOST_TEST(x(1, 2) == T(0));
    BOOST_TEST(x(2, 0) == T(4));
    BOOST_TEST(x(3, 2) == T(4));
    s(0, 1) = T(7);
    BOOST_TEST(x(2, 1) == T(7));
}

BOOST_AUTO_TEST_SUITE_END()

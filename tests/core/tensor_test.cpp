// SPDX-License-Identifier: BSL-1.0
// Defines the tests of core/tensor.hpp and core/tensor_view.hpp: construction, element access,
// iteration, copy and move (inline and heap storage), views and bounds errors.
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
#include <type_traits>
#include <utility>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class T>
bool aligned(const T* p) {
    return reinterpret_cast<std::uintptr_t>(p) % TYPENET_ALIGNMENT == 0;
}

// Fills t with 0, 1, 2, ... in C order through data().
template <class X>
void iota(X& x) {
    std::iota(x.data(), x.data() + x.size(), typename X::value_type(0));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tensor)

BOOST_AUTO_TEST_CASE_TEMPLATE(default_constructed_tensor_is_zero, T, value_types)
{
    tn::tensor<T, tn::shape<3, 5>> small;
    tn::tensor<T, tn::shape<300, 300>> large;
    BOOST_TEST(small.size() == 15u);
    BOOST_TEST(large.size() == 90000u);
    BOOST_TEST(std::all_of(small.begin(), small.end(), [](T v) { return v == T(0); }));
    BOOST_TEST(std::all_of(large.begin(), large.end(), [](T v) { return v == T(0); }));
    BOOST_TEST(small.rows() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(initializer_list_fills_in_c_order, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3>> t{1, 2, 3, 4, 5, 6};
    BOOST_TEST(t(0, 0) == T(1));
    BOOST_TEST(t(0, 2) == T(3));
    BOOST_TEST(t(1, 0) == T(4));
    BOOST_TEST(t(1, 2) == T(6));
    const T expected[] = {1, 2, 3, 4, 5, 6};
    BOOST_TEST(std::equal(t.begin(), t.end(), std::begin(expected), std::end(expected)));
}

BOOST_AUTO_TEST_CASE(initializer_list_with_wrong_count_throws_shape_error_naming_the_shape)
{
    using t23 = tn::tensor<float, tn::shape<2, 3>>;
    BOOST_CHECK_THROW((t23{1, 2, 3, 4, 5}), tn::shape_error);
    BOOST_CHECK_THROW((t23{1, 2, 3, 4, 5, 6, 7}), tn::shape_error);
    try {
        t23 t{1, 2};
        BOOST_ERROR("no exception");
    } catch (const tn::shape_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "(2, 3)"));
            BOOST_TEST(contains(what, "2 initial values"));
            BOOST_TEST(contains(what, "6"));
        }
    }
    // shape_error is an std::invalid_argument
    BOOST_CHECK_THROW((t23{1}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(element_access_matches_c_order_offsets, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3, 4>> t;
    iota(t);
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(t(i, j, k) == T((i * 3 + j) * 4 + k));
    t(1, 2, 3) = T(-1);
    BOOST_TEST(t.data()[23] == T(-1));
    const auto& c = t;
    BOOST_TEST(c(1, 2, 3) == T(-1));
    tn::tensor<T, tn::shape<>> s;
    s() = T(5);
    BOOST_TEST(s() == T(5));
    BOOST_TEST(s.size() == 1u);
}

namespace {
template <class T, std::size_t N>
void check_iteration_covers_exactly_the_values() {
    tn::tensor<T, tn::shape<N>> t;
    iota(t);
    BOOST_TEST_CONTEXT("N = " << N) {
        BOOST_TEST(static_cast<std::size_t>(std::distance(t.begin(), t.end())) == N);
        BOOST_TEST(t.begin() == t.data());
        std::size_t k = 0;
        for (T v : t) BOOST_TEST(v == T(k++));
        BOOST_TEST(k == N);
        BOOST_TEST(aligned(t.data()));
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(iteration_covers_exactly_the_values, T, value_types)
{
    check_iteration_covers_exactly_the_values<T, 1>();
    check_iteration_covers_exactly_the_values<T, 7>();
    check_iteration_covers_exactly_the_values<T, 17>();
    check_iteration_covers_exactly_the_values<T, 100>();
    check_iteration_covers_exactly_the_values<T, 5000>();  // heap storage (20/40 KB)
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fill_sets_every_value, T, value_types)
{
    tn::tensor<T, tn::shape<3, 7>> t;
    t.fill(2.5);
    BOOST_TEST(std::all_of(t.begin(), t.end(), [](T v) { return v == T(2.5); }));
}

BOOST_AUTO_TEST_CASE(small_tensors_are_inline_and_large_ones_on_the_heap)
{
    static_assert(sizeof(tn::tensor<float, tn::shape<4, 4>>) >= 16 * sizeof(float));
    static_assert(sizeof(tn::tensor<float, tn::shape<300, 300>>) <= 64);
    static_assert(sizeof(tn::tensor<double, tn::shape<2049>>) <= 64);  // 16 KiB + 1 element
    static_assert(sizeof(tn::tensor<double, tn::shape<2048>>) >= 16384);  // exactly 16 KiB: inline
    tn::tensor<float, tn::shape<300, 300>> big;
    tn::tensor<double, tn::shape<3>> small;
    BOOST_TEST(aligned(big.data()));
    BOOST_TEST(aligned(small.data()));
}

namespace {
template <class T, class S>
void check_copy_is_deep() {
    tn::tensor<T, S> a;
    iota(a);
    tn::tensor<T, S> b = a;
    BOOST_TEST(b.data() != a.data());
    BOOST_TEST(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    b.data()[0] = T(-7);
    BOOST_TEST(a.data()[0] == T(0));
    tn::tensor<T, S> c;
    c = a;
    BOOST_TEST(std::equal(a.begin(), a.end(), c.begin(), c.end()));
    c.data()[S::size - 1] = T(-1);
    BOOST_TEST(a.data()[S::size - 1] == T(S::size - 1));
    auto& self = c;
    c = self;  // self-assignment keeps the values
    BOOST_TEST(c.data()[S::size - 1] == T(-1));
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(copy_is_deep_for_inline_and_heap_tensors, T, value_types)
{
    check_copy_is_deep<T, tn::shape<3, 5>>();
    check_copy_is_deep<T, tn::shape<300, 300>>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(move_of_a_heap_tensor_steals_its_buffer, T, value_types)
{
    using big = tn::tensor<T, tn::shape<300, 300>>;
    static_assert(std::is_nothrow_move_constructible_v<big> && std::is_nothrow_move_assignable_v<big>);
    big a;
    iota(a);
    const T* buffer = a.data();
    big b = std::move(a);
    BOOST_TEST(b.data() == buffer);
    BOOST_TEST(b(299, 299) == T(89999));
    big c;
    c = std::move(b);
    BOOST_TEST(c.data() == buffer);
    BOOST_TEST(c(1, 2) == T(302));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(moved_from_heap_tensor_can_be_assigned_again, T, value_types)
{
    using big = tn::tensor<T, tn::shape<300, 300>>;
    big a, src;
    iota(src);
    big b = std::move(a);
    a = src;  // copy assignment into the moved-from tensor
    BOOST_TEST(a(299, 299) == T(89999));
    big d;
    big e = std::move(d);
    d = src * T(2);  // expression assignment into the moved-from tensor
    BOOST_TEST(d(299, 299) == T(2 * 89999));
    (void)b;
    (void)e;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(move_of_an_inline_tensor_copies_the_values, T, value_types)
{
    tn::tensor<T, tn::shape<2, 2>> a{1, 2, 3, 4};
    tn::tensor<T, tn::shape<2, 2>> b = std::move(a);
    BOOST_TEST(b(1, 1) == T(4));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(expression_construction_and_assignment_evaluate, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3>> a{1, 2, 3, 4, 5, 6};
    tn::tensor<T, tn::shape<2, 3>> b = a + a;
    BOOST_TEST(b(1, 2) == T(12));
    b = a * T(3);
    BOOST_TEST(b(0, 1) == T(6));
}

BOOST_AUTO_TEST_CASE(out_of_range_access_throws_index_error_naming_index_and_shape)
{
    tn::tensor<float, tn::shape<2, 3>> t;
    BOOST_CHECK_THROW(t(2, 0), tn::index_error);
    BOOST_CHECK_THROW(t(0, 3), tn::index_error);
    BOOST_CHECK_THROW(t(0, -1), std::out_of_range);
    BOOST_CHECK_NO_THROW(t(1, 2));
    try {
        (void)t(0, 3);
        BOOST_ERROR("no exception");
    } catch (const tn::index_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "index 3"));
            BOOST_TEST(contains(what, "axis 1"));
            BOOST_TEST(contains(what, "(2, 3)"));
        }
    }
    const auto& c = t;
    BOOST_CHECK_THROW(c(5, 0), tn::index_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(view_reads_and_writes_through, T, value_types)
{
    tn::tensor<T, tn::shape<2, 3>> t{1, 2, 3, 4, 5, 6};
    tn::tensor_view<T, tn::shape<2, 3>> v(t);
    BOOST_TEST(v.data() == t.data());
    BOOST_TEST(v.size() == 6u);
    BOOST_TEST(v(1, 1) == T(5));
    v(1, 1) = T(50);
    BOOST_TEST(t(1, 1) == T(50));
    v.fill(T(7));
    BOOST_TEST(std::all_of(t.begin(), t.end(), [](T x) { return x == T(7); }));

    const auto& ct = t;
    tn::tensor_view<const T, tn::shape<2, 3>> cv(ct);
    BOOST_TEST(cv(0, 2) == T(7));
    BOOST_TEST(static_cast<std::size_t>(std::distance(cv.begin(), cv.end())) == 6u);

    T raw[4] = {1, 2, 3, 4};
    tn::tensor_view<T, tn::shape<4>> rv(raw);
    BOOST_TEST(rv(3) == T(4));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(view_assignment_writes_values_not_the_binding, T, value_types)
{
    tn::tensor<T, tn::shape<3>> a{1, 2, 3}, b{4, 5, 6};
    tn::tensor_view<T, tn::shape<3>> va(a), vb(b);
    va = vb;
    BOOST_TEST(va.data() == a.data());
    BOOST_TEST(a(2) == T(6));
    va = vb * T(2) + T(1);
    BOOST_TEST(a(0) == T(9));
    BOOST_TEST(b(0) == T(4));
}

BOOST_AUTO_TEST_CASE(view_out_of_range_access_throws_index_error)
{
    tn::tensor<double, tn::shape<4, 5>> t;
    tn::tensor_view<double, tn::shape<4, 5>> v(t);
    try {
        (void)v(4, 0);
        BOOST_ERROR("no exception");
    } catch (const tn::index_error& e) {
        const std::string what = e.what();
        BOOST_TEST_CONTEXT("what() = " << what) {
            BOOST_TEST(contains(what, "index 4"));
            BOOST_TEST(contains(what, "(4, 5)"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

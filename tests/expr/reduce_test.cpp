// SPDX-License-Identifier: BSL-1.0
// Defines the tests of expr/reduce.hpp: sum, mean, max, min and squared_norm over all elements
// and per axis, for tensors of rank 1 to 3 and for batches, against plain reference loops.
#include <typenet/core/batch.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/operators.hpp>
#include <typenet/expr/reduce.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;
using tail_sizes = std::index_sequence<1, 7, 15, 16, 17, 33, 100, 784>;

// Summation order differs from the reference loop (SIMD lanes, two accumulators).
template <class T>
constexpr T sum_tolerance_v = std::is_same_v<T, float> ? T(1e-5) : T(1e-12);

template <class F, std::size_t... N>
void for_each_size(F f, std::index_sequence<N...>) {
    (f.template operator()<N>(), ...);
}

// Deterministic values in [-2, 2], plus the extremes at known positions so that max and min
// are not always in the first SIMD vector.
template <class X>
void fill_values(X& x, std::uint32_t seed) {
    std::uint32_t s = seed * 2654435761u + 1u;
    for (std::size_t k = 0; k < x.size(); ++k) {
        s = s * 1664525u + 1013904223u;
        x.data()[k] = typename X::value_type(4.0 * ((s >> 8) / double(1u << 24)) - 2.0);
    }
    if (x.size() > 2) {
        x.data()[x.size() - 1] = typename X::value_type(3);   // max in the tail
        x.data()[x.size() / 2] = typename X::value_type(-3);  // min in the middle
    }
}

enum class kind { sum, mean, max, min };

template <class T>
T reference(kind k, const T* p, std::size_t n, std::size_t stride) {
    if (k == kind::max || k == kind::min) {
        T r = p[0];
        for (std::size_t i = 1; i < n; ++i) r = k == kind::max ? std::max(r, p[i * stride]) : std::min(r, p[i * stride]);
        return r;
    }
    long double acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc += p[i * stride];
    if (k == kind::mean) acc /= static_cast<long double>(n);
    return static_cast<T>(acc);
}

// Whole-array reductions of x (whatever its type) against the reference, T only.
template <class T>
void compare_whole(const char* what, std::size_t n, const T* data, T sum, T mean, T max, T min, T squared_norm) {
    BOOST_TEST_CONTEXT(what << " of " << n << " values, " << (std::is_same_v<T, float> ? "float" : "double")) {
        const auto tol = boost::test_tools::tolerance(sum_tolerance_v<T>);
        BOOST_TEST(sum == reference(kind::sum, data, n, 1), tol);
        BOOST_TEST(mean == reference(kind::mean, data, n, 1), tol);
        BOOST_TEST(max == reference(kind::max, data, n, 1));
        BOOST_TEST(min == reference(kind::min, data, n, 1));
        long double sq = 0;
        for (std::size_t i = 0; i < n; ++i) sq += static_cast<long double>(data[i]) * data[i];
        BOOST_TEST(squared_norm == static_cast<T>(sq), tol);
    }
}

template <class X>
void check_whole(const char* what, X& x, std::uint32_t seed) {
    using T = typename X::value_type;
    fill_values(x, seed);
    compare_whole<T>(what, x.size(), x.data(), tn::sum(x), tn::mean(x), tn::max(x), tn::min(x), tn::squared_norm(x));
}

// Reference for an axis reduction over logical extents (rows first for a batch), in C order.
template <class T>
std::vector<T> reference_axis(kind k, const T* data, const std::vector<std::size_t>& extents, std::size_t axis) {
    std::size_t pre = 1, post = 1;
    for (std::size_t a = 0; a < axis; ++a) pre *= extents[a];
    for (std::size_t a = axis + 1; a < extents.size(); ++a) post *= extents[a];
    const std::size_t n = extents[axis];
    std::vector<T> out(pre * post);
    for (std::size_t p = 0; p < pre; ++p)
        for (std::size_t q = 0; q < post; ++q) out[p * post + q] = reference(k, data + p * n * post + q, n, post);
    return out;
}

template <class T>
void compare_axis(const char* what, kind k, const T* data, const std::vector<std::size_t>& extents,
                  std::size_t axis, const T* out, std::size_t out_size) {
    static const char* names[] = {"sum", "mean", "max", "min"};
    BOOST_TEST_CONTEXT(names[static_cast<int>(k)] << "<" << axis << "> of " << what << ", "
                                                  << (std::is_same_v<T, float> ? "float" : "double")) {
        const std::vector<T> expected = reference_axis(k, data, extents, axis);
        BOOST_TEST_REQUIRE(out_size == expected.size());
        for (std::size_t i = 0; i < out_size; ++i)
            BOOST_TEST(out[i] == expected[i], boost::test_tools::tolerance(sum_tolerance_v<T>));
    }
}

template <std::size_t Axis, class X>
void check_axis(const char* what, const X& x, const std::vector<std::size_t>& extents) {
    const auto s = tn::sum<Axis>(x);
    const auto m = tn::mean<Axis>(x);
    const auto hi = tn::max<Axis>(x);
    const auto lo = tn::min<Axis>(x);
    compare_axis(what, kind::sum, x.data(), extents, Axis, s.data(), s.size());
    compare_axis(what, kind::mean, x.data(), extents, Axis, m.data(), m.size());
    compare_axis(what, kind::max, x.data(), extents, Axis, hi.data(), hi.size());
    compare_axis(what, kind::min, x.data(), extents, Axis, lo.data(), lo.size());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(reduce)

BOOST_AUTO_TEST_CASE_TEMPLATE(whole_reductions_match_reference_at_every_simd_tail, T, value_types)
{
    for_each_size(
        []<std::size_t N>() {
            tn::tensor<T, tn::shape<N>> t;
            check_whole("tensor", t, N);
            tn::batch<T, N> b(3);
            check_whole("batch with 3 rows", b, N + 100);
        },
        tail_sizes{});
    tn::tensor<T, tn::shape<3, 17>> m;
    check_whole("tensor<3, 17>", m, 5);
    tn::tensor<T, tn::shape<2, 3, 5>> c;
    check_whole("tensor<2, 3, 5>", c, 6);
    tn::batch<T, 2, 3> b(4);
    check_whole("batch<2, 3> with 4 rows", b, 7);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(whole_reductions_read_expressions_without_evaluating_them_first, T, value_types)
{
    tn::tensor<T, tn::shape<3, 33>> a, b;
    fill_values(a, 1);
    fill_values(b, 2);
    tn::tensor<T, tn::shape<3, 33>> prod = a * b, diff = a - b;
    tn::tensor<T, tn::shape<33>> v;
    fill_values(v, 3);
    tn::tensor<T, tn::shape<3, 33>> bc = a + v;
    const auto tol = boost::test_tools::tolerance(sum_tolerance_v<T>);
    BOOST_TEST(tn::sum(a * b) == tn::sum(prod), tol);
    BOOST_TEST(tn::max(a - b) == tn::max(diff));
    BOOST_TEST(tn::min(a - b) == tn::min(diff));
    BOOST_TEST(tn::sum(a + v) == tn::sum(bc), tol);  // a broadcast operand
    BOOST_TEST(tn::squared_norm(a - b) == tn::sum(diff * diff), tol);
    static_assert(std::is_same_v<decltype(tn::sum(a * b)), T>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(axis_reductions_of_tensors_match_reference, T, value_types)
{
    tn::tensor<T, tn::shape<17>> r1;
    fill_values(r1, 11);
    check_axis<0>("tensor<17>", r1, {17});
    static_assert(std::is_same_v<decltype(tn::sum<0>(r1)), tn::tensor<T, tn::shape<>>>);

    tn::tensor<T, tn::shape<5, 33>> r2;
    fill_values(r2, 12);
    check_axis<0>("tensor<5, 33>", r2, {5, 33});
    check_axis<1>("tensor<5, 33>", r2, {5, 33});
    static_assert(std::is_same_v<decltype(tn::sum<1>(r2)), tn::tensor<T, tn::shape<5>>>);

    tn::tensor<T, tn::shape<3, 7, 16>> r3;
    fill_values(r3, 13);
    check_axis<0>("tensor<3, 7, 16>", r3, {3, 7, 16});
    check_axis<1>("tensor<3, 7, 16>", r3, {3, 7, 16});
    check_axis<2>("tensor<3, 7, 16>", r3, {3, 7, 16});
    static_assert(std::is_same_v<decltype(tn::max<1>(r3)), tn::tensor<T, tn::shape<3, 16>>>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(axis_reductions_of_batches_take_axis_zero_as_rows, T, value_types)
{
    for (std::size_t rows : {1u, 3u, 100u}) {
        tn::batch<T, 17> b(rows);
        fill_values(b, static_cast<std::uint32_t>(rows));
        check_axis<0>("batch<17>", b, {rows, 17});
        check_axis<1>("batch<17>", b, {rows, 17});
        tn::batch<T, 2, 3> c(rows);
        fill_values(c, static_cast<std::uint32_t>(rows + 1));
        check_axis<0>("batch<2, 3>", c, {rows, 2, 3});
        check_axis<1>("batch<2, 3>", c, {rows, 2, 3});
        check_axis<2>("batch<2, 3>", c, {rows, 2, 3});
    }
    tn::batch<T, 17> b(2);
    static_assert(std::is_same_v<decltype(tn::sum<0>(b)), tn::tensor<T, tn::shape<17>>>);
    static_assert(std::is_same_v<decltype(tn::sum<1>(b)), tn::batch<T>>);
    BOOST_TEST(tn::sum<1>(b).rows() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(axis_reductions_of_expressions_equal_those_of_their_values, T, value_types)
{
    tn::batch<T, 7> a(4), b(4);
    fill_values(a, 21);
    fill_values(b, 22);
    tn::batch<T, 7> prod = a * b;
    const auto e = tn::sum<0>(a * b);
    const auto v = tn::sum<0>(prod);
    BOOST_TEST(std::equal(e.begin(), e.end(), v.begin(), v.end()));
    const auto me = tn::max<1>(a - b);
    tn::batch<T, 7> diff = a - b;
    const auto mv = tn::max<1>(diff);
    BOOST_TEST(std::equal(me.begin(), me.end(), mv.begin(), mv.end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(empty_batch_sums_to_zero_has_nan_mean_and_no_max, T, value_types)
{
    tn::batch<T, 5> x;
    BOOST_TEST(tn::sum(x) == T(0));
    BOOST_TEST(tn::squared_norm(x) == T(0));
    BOOST_TEST(std::isnan(tn::mean(x)));
    BOOST_CHECK_THROW((void)tn::max(x), tn::shape_error);
    BOOST_CHECK_THROW((void)tn::min(x), tn::shape_error);
    try {
        (void)tn::max(x);
    } catch (const tn::shape_error& e) {
        BOOST_TEST_CONTEXT("what() = " << e.what()) { BOOST_TEST(std::string(e.what()).find("(0, 5)") != std::string::npos); }
    }
    // along the rows: a tensor of zeros, of NaNs, and no max
    const auto s0 = tn::sum<0>(x);
    BOOST_TEST(std::all_of(s0.begin(), s0.end(), [](T v) { return v == T(0); }));
    const auto m0 = tn::mean<0>(x);
    BOOST_TEST(std::all_of(m0.begin(), m0.end(), [](T v) { return std::isnan(v); }));
    BOOST_CHECK_THROW((void)tn::max<0>(x), tn::shape_error);
    BOOST_CHECK_THROW((void)tn::min<0>(x), tn::shape_error);
    // along the features: a batch of zero rows
    BOOST_TEST(tn::sum<1>(x).rows() == 0u);
    BOOST_TEST(tn::max<1>(x).rows() == 0u);
    // an expression over empty batches is empty too
    BOOST_TEST(tn::sum(x * x + T(1)) == T(0));
}

BOOST_AUTO_TEST_SUITE_END()

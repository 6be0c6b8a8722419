// SPDX-License-Identifier: BSL-1.0
// Defines the tests of expr/matmul.hpp: matmul against a triple-loop reference for several
// (M, K, N), tensor x tensor and batch x tensor (zero rows included), matmul of expressions,
// and transpose.
#include <typenet/core/batch.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/matmul.hpp>
#include <typenet/expr/operators.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <vector>

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;

template <class T>
constexpr T tolerance_v = std::is_same_v<T, float> ? T(1e-5) : T(1e-12);

template <class X>
void fill_values(X& x, std::uint32_t seed) {
    std::uint32_t s = seed * 2654435761u + 1u;
    for (std::size_t k = 0; k < x.size(); ++k) {
        s = s * 1664525u + 1013904223u;
        x.data()[k] = typename X::value_type(2.0 * ((s >> 8) / double(1u << 24)) - 1.0);
    }
}

// C[m x n] = A[m x k] * B[k x n], accumulated in long double.
template <class T>
std::vector<T> reference_matmul(const T* a, const T* b, std::size_t m, std::size_t k, std::size_t n) {
    std::vector<T> c(m * n);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            long double acc = 0;
            for (std::size_t p = 0; p < k; ++p) acc += static_cast<long double>(a[i * k + p]) * b[p * n + j];
            c[i * n + j] = static_cast<T>(acc);
        }
    return c;
}

// An absolute tolerance scaled by the row length: the values are in [-1, 1], so a dot product
// of length k may cancel to near zero, where a relative tolerance means nothing.
template <class T>
void compare_matrix(const T* actual, const std::vector<T>& expected, std::size_t k) {
    const T tol = tolerance_v<T> * T(k > 0 ? k : 1);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < expected.size() && bad < 3; ++i) {
        const T diff = actual[i] > expected[i] ? actual[i] - expected[i] : expected[i] - actual[i];
        if (diff <= tol) continue;
        ++bad;
        BOOST_TEST_CONTEXT("element " << i << ": " << actual[i] << " vs " << expected[i]) { BOOST_TEST(diff <= tol); }
    }
    BOOST_TEST(bad == 0u);
}

template <class T, std::size_t M, std::size_t K, std::size_t N>
void check_tensor_matmul() {
    tn::tensor<T, tn::shape<M, K>> a;
    tn::tensor<T, tn::shape<K, N>> b;
    fill_values(a, M * 100 + K);
    fill_values(b, K * 100 + N);
    auto c = tn::matmul(a, b);
    static_assert(std::is_same_v<decltype(c), tn::tensor<T, tn::shape<M, N>>>);
    BOOST_TEST_CONTEXT("tensor (" << M << ", " << K << ") x (" << K << ", " << N << ")") {
        compare_matrix(c.data(), reference_matmul(a.data(), b.data(), M, K, N), K);
    }
}

template <class T, std::size_t K, std::size_t N>
void check_batch_matmul(std::size_t rows) {
    tn::batch<T, K> x(rows);
    tn::tensor<T, tn::shape<K, N>> w;
    fill_values(x, static_cast<std::uint32_t>(rows + K));
    fill_values(w, K * 100 + N);
    auto y = tn::matmul(x, w);
    static_assert(std::is_same_v<decltype(y), tn::batch<T, N>>);
    BOOST_TEST_CONTEXT("batch (" << rows << ", " << K << ") x (" << K << ", " << N << ")") {
        BOOST_TEST(y.rows() == rows);
        compare_matrix(y.data(), reference_matmul(x.data(), w.data(), rows, K, N), K);
    }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(matmul)

BOOST_AUTO_TEST_CASE_TEMPLATE(tensor_matmul_matches_triple_loop, T, value_types)
{
    check_tensor_matmul<T, 1, 1, 1>();
    check_tensor_matmul<T, 3, 5, 7>();
    check_tensor_matmul<T, 17, 33, 15>();
    check_tensor_matmul<T, 64, 100, 10>();
    check_tensor_matmul<T, 2, 1, 33>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_matmul_matches_triple_loop_for_any_row_count, T, value_types)
{
    for (std::size_t rows : {0u, 1u, 3u, 17u, 64u}) {
        check_batch_matmul<T, 1, 1>(rows);
        check_batch_matmul<T, 5, 7>(rows);
        check_batch_matmul<T, 33, 15>(rows);
        check_batch_matmul<T, 100, 10>(rows);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_by_identity_is_identity, T, value_types)
{
    tn::tensor<T, tn::shape<7, 7>> eye;
    for (std::size_t i = 0; i < 7; ++i) eye(i, i) = T(1);
    tn::tensor<T, tn::shape<3, 7>> a;
    fill_values(a, 9);
    auto r = tn::matmul(a, eye);
    BOOST_TEST(std::equal(a.begin(), a.end(), r.begin(), r.end()));
    tn::batch<T, 7> x(5);
    fill_values(x, 10);
    auto y = tn::matmul(x, eye);
    BOOST_TEST(std::equal(x.begin(), x.end(), y.begin(), y.end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_of_expressions_equals_matmul_of_their_values, T, value_types)
{
    tn::tensor<T, tn::shape<4, 6>> a;
    tn::tensor<T, tn::shape<6, 3>> b;
    fill_values(a, 1);
    fill_values(b, 2);
    tn::tensor<T, tn::shape<4, 6>> a2 = a * T(2);
    tn::tensor<T, tn::shape<6, 3>> bb = b - T(0.5);
    auto lhs = tn::matmul(a * T(2), b - T(0.5));
    auto rhs = tn::matmul(a2, bb);
    BOOST_TEST(std::equal(lhs.begin(), lhs.end(), rhs.begin(), rhs.end()));
    compare_matrix(lhs.data(), reference_matmul(a2.data(), bb.data(), 4, 6, 3), 6);

    tn::batch<T, 6> x(3);
    fill_values(x, 3);
    tn::batch<T, 6> ex = tn::exp(x);
    auto bx = tn::matmul(tn::exp(x), b);
    auto bv = tn::matmul(ex, b);
    BOOST_TEST(std::equal(bx.begin(), bx.end(), bv.begin(), bv.end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_result_can_be_assigned_back_to_an_operand, T, value_types)
{
    tn::tensor<T, tn::shape<3, 3>> a{1, 2, 3, 4, 5, 6, 7, 8, 9}, b{1, 0, 0, 0, 2, 0, 0, 0, 3};
    const auto expected = reference_matmul(a.data(), b.data(), 3, 3, 3);
    a = tn::matmul(a, b);
    compare_matrix(a.data(), expected, 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose_swaps_the_axes, T, value_types)
{
    tn::tensor<T, tn::shape<3, 17>> a;
    fill_values(a, 4);
    auto t = tn::transpose(a);
    static_assert(std::is_same_v<decltype(t), tn::tensor<T, tn::shape<17, 3>>>);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 17; ++j) BOOST_TEST(t(j, i) == a(i, j));
    auto tt = tn::transpose(t);
    BOOST_TEST(std::equal(a.begin(), a.end(), tt.begin(), tt.end()));
    auto te = tn::transpose(a * T(3));
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 17; ++j) BOOST_TEST(te(j, i) == a(i, j) * T(3));
    tn::tensor<T, tn::shape<1, 1>> one{5};
    BOOST_TEST(tn::transpose(one)(0, 0) == T(5));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_with_transpose_gives_the_gram_matrix, T, value_types)
{
    tn::tensor<T, tn::shape<4, 9>> a;
    fill_values(a, 8);
    auto g = tn::matmul(a, tn::transpose(a));
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(g(i, j) == g(j, i), boost::test_tools::tolerance(tolerance_v<T>));
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Defines the tests of expr/operators.hpp: every elementwise operation against a plain scalar
// loop over std:: functions, at sizes that hit every SIMD tail, for tensors and batches; long
// fused chains; and a count of heap allocations showing that a chain makes no temporaries.
//
// This file replaces the global operator new/delete (the only expr test file that does) to count
// allocations in `allocations`.
#include <typenet/core/batch.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/expr/activations.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/operators.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {
std::atomic<std::size_t> allocations{0};

void* counted_allocate(std::size_t n, std::size_t align) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    void* p = align <= alignof(std::max_align_t) ? std::malloc(n) : std::aligned_alloc(align, (n + align - 1) / align * align);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_allocate(n, alignof(std::max_align_t)); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_allocate(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace tn = typenet;

namespace {
using value_types = std::tuple<float, double>;
using tail_sizes = std::index_sequence<1, 7, 15, 16, 17, 33, 100, 784>;
constexpr std::size_t row_counts[] = {0, 1, 3};

// SIMD math may differ from <cmath> by a few ulps.
template <class T>
constexpr T tolerance_v = std::is_same_v<T, float> ? T(1e-5) : T(1e-12);

template <class F, std::size_t... N>
void for_each_size(F f, std::index_sequence<N...>) {
    (f.template operator()<N>(), ...);
}

template <class T>
const char* type_name() {
    return std::is_same_v<T, float> ? "float" : "double";
}

// Where an operation's inputs are drawn from: magnitudes in [lo, hi], of either sign or positive.
struct domain {
    double lo, hi;
    bool either_sign;
};

// A scalar operand; some inputs equal it exactly so that equal/not_equal see both outcomes.
constexpr double scalar_value = 1.75;

// Deterministic inputs: a small LCG; every third b equals a, every fifth a equals scalar_value.
template <class T>
void fill_inputs(T* a, T* b, T* c, std::size_t n, domain d, std::uint32_t seed) {
    std::uint32_t s = seed * 2654435761u + 12345u;
    auto next = [&] {
        s = s * 1664525u + 1013904223u;
        const double u = (s >> 8) / double(1u << 24);
        double v = d.lo + (d.hi - d.lo) * u;
        if (d.either_sign && (s & 1u)) v = -v;
        return static_cast<T>(v);
    };
    for (std::size_t i = 0; i < n; ++i) {
        a[i] = next();
        b[i] = next();
        c[i] = next();
        if (i % 3 == 0) b[i] = a[i];
        if (i % 5 == 1 && scalar_value >= d.lo && scalar_value <= d.hi) a[i] = T(scalar_value);
    }
}

// Relative, with a floor: a chain like a*b - c*d can cancel to a value far smaller than its
// terms, where the rounding of the terms (SIMD and scalar round differently) dominates.
template <class T>
bool close_enough(T actual, T expected, T tol) {
    if (actual == expected) return true;
    const T diff = std::abs(actual - expected);
    return diff <= tol * std::max(std::abs(expected), T(1e-2));
}

template <class T>
using reference_fn = T (*)(T, T, T);

// Compares n values with the reference over the same inputs; reports at most three failing
// elements. Templated on T only, so the Boost.Test machinery is compiled once per type and not
// once per operation and size.
template <class T>
void compare_with_reference(const char* op, std::size_t size, std::size_t rows, bool batched, const T* out,
                            const T* a, const T* b, const T* c, std::size_t n, reference_fn<T> ref) {
    BOOST_TEST_CONTEXT("op " << op << ", size " << size << ", type " << type_name<T>() << ", "
                             << (batched ? "batch" : "tensor") << " with " << rows << " rows") {
        std::size_t reported = 0;
        for (std::size_t i = 0; i < n && reported < 3; ++i) {
            const T expected = ref(a[i], b[i], c[i]);
            if (close_enough(out[i], expected, tolerance_v<T>)) continue;
            ++reported;
            BOOST_TEST_CONTEXT("element " << i << " (a = " << a[i] << ", b = " << b[i] << ", c = " << c[i] << ")") {
                BOOST_TEST(out[i] == expected, boost::test_tools::tolerance(tolerance_v<T>));
            }
        }
        BOOST_TEST(reported == 0u);
    }
}

// Evaluates Case::make(a, b, c) into an existing container of type X (not resized: it already
// has the rows) and compares each value with Case::ref.
template <class Case, class X>
void check_case_on(X& a, X& b, X& c, X& out) {
    using T = typename X::value_type;
    fill_inputs(a.data(), b.data(), c.data(), a.size(), Case::dom, static_cast<std::uint32_t>(a.size() + 7));
    out.fill(T(-999));
    out = Case::make(a, b, c);
    compare_with_reference<T>(Case::name, X::static_shape::size, a.rows(), X::batched, out.data(), a.data(), b.data(),
                              c.data(), a.size(), &Case::template ref<T>);
}

// Runs every case on tensor<T, shape<N>>, and on batch<T, N> with 0, 1 and 3 rows.
template <class T, std::size_t N, class... Cases>
void check_tensor_cases(std::tuple<Cases...>*) {
    tn::tensor<T, tn::shape<N>> a, b, c, out;
    (check_case_on<Cases>(a, b, c, out), ...);
}
template <class T, std::size_t N, class... Cases>
void check_batch_cases(std::tuple<Cases...>*) {
    for (std::size_t rows : row_counts) {
        tn::batch<T, N> a(rows), b(rows), c(rows), out(rows);
        (check_case_on<Cases>(a, b, c, out), ...);
    }
}

// Every case on tensors of every tail size, and on batches of 7 and 17 features with 0, 1 and 3
// rows (0, 7, 21, 17 and 51 values). Batches and tensors share the traversal (one flat run of
// rows * N values), and each (case, container type) pair costs about 80 ms of g++ -O3 time, so
// sweeping batches over all eight sizes too would add about a minute for no new code path.
template <class T, class CaseList, class BatchSizes = std::index_sequence<7, 17>>
void check_at_every_tail_size() {
    for_each_size([]<std::size_t N>() { check_tensor_cases<T, N>(static_cast<CaseList*>(nullptr)); }, tail_sizes{});
    for_each_size([]<std::size_t N>() { check_batch_cases<T, N>(static_cast<CaseList*>(nullptr)); }, BatchSizes{});
}
template <class X>
using value_t = typename X::value_type;

// tanh, sigmoid and relu are activation types, called as function objects.
template <class E>
auto tanh_of(E&& e) {
    return tn::tanh{}(std::forward<E>(e));
}
template <class E>
auto sigmoid_of(E&& e) {
    return tn::sigmoid{}(std::forward<E>(e));
}
template <class E>
auto relu_of(E&& e) {
    return tn::relu{}(std::forward<E>(e));
}

template <class X>
value_t<X> scalar_of() {
    return static_cast<value_t<X>>(scalar_value);
}

// --- unary operations ---
#define TYPENET_TEST_UNARY(NAME, EXPR, REF, LO, HI, SIGNED)                                         \
    struct NAME {                                                                                  \
        static constexpr const char* name = #NAME;                                                 \
        static constexpr domain dom{LO, HI, SIGNED};                                               \
        template <class X>                                                                         \
        static auto make(const X& a, const X&, const X&) {                                         \
            return EXPR;                                                                           \
        }                                                                                          \
        template <class T>                                                                         \
        static T ref(T a, T, T) {                                                                  \
            return REF;                                                                            \
        }                                                                                          \
    };
TYPENET_TEST_UNARY(negate, -a, -a, 0.1, 10.0, true)
TYPENET_TEST_UNARY(exp, tn::exp(a), std::exp(a), 0.0, 5.0, true)
TYPENET_TEST_UNARY(log, tn::log(a), std::log(a), 1.5, 8.0, false)
TYPENET_TEST_UNARY(log_small, tn::log(a), std::log(a), 0.01, 0.7, false)
TYPENET_TEST_UNARY(log1p, tn::log1p(a), std::log1p(a), 0.001, 5.0, false)
TYPENET_TEST_UNARY(expm1, tn::expm1(a), std::expm1(a), 0.001, 3.0, true)
TYPENET_TEST_UNARY(sqrt, tn::sqrt(a), std::sqrt(a), 0.01, 100.0, false)
TYPENET_TEST_UNARY(abs, tn::abs(a), std::abs(a), 0.1, 10.0, true)
TYPENET_TEST_UNARY(square, tn::square(a), a * a, 0.1, 10.0, true)
TYPENET_TEST_UNARY(tanh, tanh_of(a), std::tanh(a), 0.01, 4.0, true)
TYPENET_TEST_UNARY(erf, tn::erf(a), std::erf(a), 0.01, 3.0, true)
TYPENET_TEST_UNARY(sin, tn::sin(a), std::sin(a), 0.1, 3.0, true)
TYPENET_TEST_UNARY(cos, tn::cos(a), std::cos(a), 0.0, 1.4, true)
TYPENET_TEST_UNARY(sigmoid, sigmoid_of(a), T(1) / (T(1) + std::exp(-a)), 0.0, 8.0, true)
TYPENET_TEST_UNARY(relu, relu_of(a), std::max(a, T(0)), 0.1, 5.0, true)
#undef TYPENET_TEST_UNARY
using cheap_unary_cases = std::tuple<negate, sqrt, abs, square, relu>;
using transcendental_cases = std::tuple<exp, log, log_small, log1p, expm1, tanh, erf, sin, cos, sigmoid>;

// --- binary operations, each with an expression, a scalar on the right and one on the left ---
#define TYPENET_TEST_BINARY(NAME, EXPR, REF)                                                        \
    struct NAME {                                                                                  \
        static constexpr const char* name = #NAME;                                                 \
        static constexpr domain dom{0.5, 4.0, true};                                               \
        template <class X>                                                                         \
        static auto make([[maybe_unused]] const X& a, [[maybe_unused]] const X& b, [[maybe_unused]] const X& c) {                                     \
            [[maybe_unused]] const auto s = scalar_of<X>();                                        \
            return EXPR;                                                                           \
        }                                                                                          \
        template <class T>                                                                         \
        static T ref([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T c) {                                                              \
            [[maybe_unused]] const T s = T(scalar_value);                                          \
            return REF;                                                                            \
        }                                                                                          \
    };
TYPENET_TEST_BINARY(add, a + b, a + b)
TYPENET_TEST_BINARY(add_scalar_right, a + s, a + s)
TYPENET_TEST_BINARY(add_scalar_left, s + a, s + a)
TYPENET_TEST_BINARY(subtract, a - b, a - b)
TYPENET_TEST_BINARY(subtract_scalar_right, a - s, a - s)
TYPENET_TEST_BINARY(subtract_scalar_left, s - a, s - a)
TYPENET_TEST_BINARY(multiply, a * b, a * b)
TYPENET_TEST_BINARY(multiply_scalar_right, a * s, a * s)
TYPENET_TEST_BINARY(multiply_scalar_left, s * a, s * a)
TYPENET_TEST_BINARY(divide, a / b, a / b)
TYPENET_TEST_BINARY(divide_scalar_right, a / s, a / s)
TYPENET_TEST_BINARY(divide_scalar_left, s / a, s / a)
TYPENET_TEST_BINARY(min, tn::min(a, b), std::min(a, b))
TYPENET_TEST_BINARY(min_scalar_right, tn::min(a, s), std::min(a, s))
TYPENET_TEST_BINARY(min_scalar_left, tn::min(s, a), std::min(s, a))
TYPENET_TEST_BINARY(max, tn::max(a, b), std::max(a, b))
TYPENET_TEST_BINARY(max_scalar_right, tn::max(a, s), std::max(a, s))
TYPENET_TEST_BINARY(max_scalar_left, tn::max(s, a), std::max(s, a))
using arithmetic_cases = std::tuple<add, add_scalar_right, add_scalar_left, subtract, subtract_scalar_right,
                                    subtract_scalar_left, multiply, multiply_scalar_right, multiply_scalar_left, divide,
                                    divide_scalar_right, divide_scalar_left, min, min_scalar_right, min_scalar_left, max,
                                    max_scalar_right, max_scalar_left>;

// --- comparisons give masks; select turns them into values ---
TYPENET_TEST_BINARY(less, tn::select(a < b, a, c), a < b ? a : c)
TYPENET_TEST_BINARY(less_scalar_right, tn::select(a < s, a, c), a < s ? a : c)
TYPENET_TEST_BINARY(less_scalar_left, tn::select(s < a, a, c), s < a ? a : c)
TYPENET_TEST_BINARY(less_equal, tn::select(a <= b, a, c), a <= b ? a : c)
TYPENET_TEST_BINARY(less_equal_scalar_right, tn::select(a <= s, a, c), a <= s ? a : c)
TYPENET_TEST_BINARY(less_equal_scalar_left, tn::select(s <= a, a, c), s <= a ? a : c)
TYPENET_TEST_BINARY(greater, tn::select(a > b, a, c), a > b ? a : c)
TYPENET_TEST_BINARY(greater_scalar_right, tn::select(a > s, a, c), a > s ? a : c)
TYPENET_TEST_BINARY(greater_scalar_left, tn::select(s > a, a, c), s > a ? a : c)
TYPENET_TEST_BINARY(greater_equal, tn::select(a >= b, a, c), a >= b ? a : c)
TYPENET_TEST_BINARY(greater_equal_scalar_right, tn::select(a >= s, a, c), a >= s ? a : c)
TYPENET_TEST_BINARY(greater_equal_scalar_left, tn::select(s >= a, a, c), s >= a ? a : c)
TYPENET_TEST_BINARY(equal, tn::select(tn::equal(a, b), a, c), a == b ? a : c)
TYPENET_TEST_BINARY(equal_scalar_right, tn::select(tn::equal(a, s), b, c), a == s ? b : c)
TYPENET_TEST_BINARY(equal_scalar_left, tn::select(tn::equal(s, a), b, c), s == a ? b : c)
TYPENET_TEST_BINARY(not_equal, tn::select(tn::not_equal(a, b), a, c), a != b ? a : c)
TYPENET_TEST_BINARY(not_equal_scalar_right, tn::select(tn::not_equal(a, s), b, c), a != s ? b : c)
TYPENET_TEST_BINARY(not_equal_scalar_left, tn::select(tn::not_equal(s, a), b, c), s != a ? b : c)
TYPENET_TEST_BINARY(select_scalar_values, tn::select(a < b, s, -s), a < b ? s : -s)
TYPENET_TEST_BINARY(select_scalar_if_true, tn::select(a < b, s, c), a < b ? s : c)
TYPENET_TEST_BINARY(select_scalar_if_false, tn::select(a < b, c, s), a < b ? c : s)
using comparison_cases = std::tuple<less, less_scalar_right, less_scalar_left, less_equal, less_equal_scalar_right,
                                    less_equal_scalar_left, greater, greater_scalar_right, greater_scalar_left,
                                    greater_equal, greater_equal_scalar_right, greater_equal_scalar_left, equal,
                                    equal_scalar_right, equal_scalar_left, not_equal, not_equal_scalar_right,
                                    not_equal_scalar_left, select_scalar_values, select_scalar_if_true,
                                    select_scalar_if_false>;

// --- masks combine with && || ! ---
TYPENET_TEST_BINARY(logical_and, tn::select(a < b && b < c, a, c), (a < b && b < c) ? a : c)
TYPENET_TEST_BINARY(logical_or, tn::select(a < b || c < s, a, c), (a < b || c < s) ? a : c)
TYPENET_TEST_BINARY(logical_not, tn::select(!(a < b), a, c), !(a < b) ? a : c)
TYPENET_TEST_BINARY(logical_mixed, tn::select(!(a >= s) && (tn::equal(a, b) || c > b), b, s),
                    (!(a >= s) && (a == b || c > b)) ? b : s)
using logical_cases = std::tuple<logical_and, logical_or, logical_not, logical_mixed>;

// --- fused chains ---
TYPENET_TEST_BINARY(tanh_fma_chain, tanh_of(a * b + c) * (a - s), std::tanh(a * b + c) * (a - s))
TYPENET_TEST_BINARY(select_chain, tn::select(a > b, tn::exp(-a), tn::sqrt(tn::abs(b)) + 1),
                    a > b ? std::exp(-a) : std::sqrt(std::abs(b)) + 1)
TYPENET_TEST_BINARY(six_op_chain, sigmoid_of(a) * tn::square(b) - relu_of(c) / (tn::abs(a) + s),
                    T(1) / (T(1) + std::exp(-a)) * (b * b) - std::max(c, T(0)) / (std::abs(a) + s))
#undef TYPENET_TEST_BINARY
using chain_cases = std::tuple<tanh_fma_chain, select_chain, six_op_chain>;

}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE_TEMPLATE(unary_minus_sqrt_abs_square_relu_match_std_at_every_simd_tail, T, value_types)
{
    check_at_every_tail_size<T, cheap_unary_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transcendental_functions_match_std_at_every_simd_tail, T, value_types)
{
    check_at_every_tail_size<T, transcendental_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(arithmetic_and_min_max_match_scalar_loop_with_scalar_on_either_side, T, value_types)
{
    check_at_every_tail_size<T, arithmetic_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(comparisons_through_select_match_scalar_loop, T, value_types)
{
    check_at_every_tail_size<T, comparison_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(logical_mask_combinations_through_select_match_scalar_loop, T, value_types)
{
    check_at_every_tail_size<T, logical_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(long_fused_chains_match_scalar_loop, T, value_types)
{
    check_at_every_tail_size<T, chain_cases>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(construction_from_expression_equals_assignment, T, value_types)
{
    tn::batch<T, 17> a(3), b(3);
    for (std::size_t i = 0; i < a.size(); ++i) {
        a.data()[i] = T(i) / T(7);
        b.data()[i] = T(1) + T(i % 5);
    }
    tn::batch<T, 17> assigned(3);
    assigned = a / b - T(2);
    tn::batch<T, 17> constructed = a / b - T(2);
    auto evaluated = tn::eval(a / b - T(2));
    static_assert(std::is_same_v<decltype(evaluated), tn::batch<T, 17>>);
    BOOST_TEST(std::equal(assigned.begin(), assigned.end(), constructed.begin(), constructed.end()));
    BOOST_TEST(std::equal(assigned.begin(), assigned.end(), evaluated.begin(), evaluated.end()));
    tn::tensor<T, tn::shape<5>> t{1, 2, 3, 4, 5};
    auto te = tn::eval(t * t);
    static_assert(std::is_same_v<decltype(te), tn::tensor<T, tn::shape<5>>>);
    BOOST_TEST(te(4) == T(25));
}

BOOST_AUTO_TEST_CASE(assigning_a_long_chain_into_an_existing_container_allocates_nothing)
{
    tn::batch<float, 100> a(7), b(7), c(7), out(7);
    a.fill(0.5f);
    b.fill(-1.5f);
    c.fill(2.0f);
    tn::tensor<double, tn::shape<33, 3>> x, y, z;
    x.fill(0.25);
    y.fill(3.0);

    const std::size_t before = allocations.load();
    // 8 operations: * + tanh, unary -, exp, *, abs, sqrt, -, select, >, and the scalars.
    out = tanh_of(a * b + c) * tn::exp(-a) - tn::sqrt(tn::abs(b));
    out = tn::select(a > b, sigmoid_of(c) * a, tn::log1p(tn::square(b))) / (c + 1.0f);
    z = tn::max(x * y - 1.0, tn::sin(x) + tn::cos(y)) * 2.0 + x;
    const std::size_t during = allocations.load() - before;
    BOOST_TEST(during == 0u);
    // the counter works: a new batch allocates
    const std::size_t before_new = allocations.load();
    tn::batch<float, 100> fresh = a + b;
    BOOST_TEST(allocations.load() - before_new >= 1u);
    BOOST_TEST(fresh(6, 99) == -1.0f);
    BOOST_TEST(std::isfinite(out(0, 0)));
    BOOST_TEST(z(0, 0) == 2.0 * std::max(0.25 * 3.0 - 1.0, std::sin(0.25) + std::cos(3.0)) + 0.25,
               boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_SUITE_END()

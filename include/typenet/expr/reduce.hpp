// SPDX-License-Identifier: BSL-1.0
// Defines the reductions: sum, mean, max, min over all elements or along one axis, and
// squared_norm. Whole reductions read the expression through the same cursors as assign
// (no temporary); axis reductions evaluate a non-leaf operand once, then reduce it.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/detail/container_for.hpp>
#include <typenet/expr/detail/require.hpp>
#include <typenet/expr/evaluator.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/operators.hpp>
#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>

namespace typenet {
namespace detail {

struct sum_reducer {
    template <class T> static constexpr T identity() { return T(0); }
    template <class V> static V combine(const V& a, const V& b) { return a + b; }
    template <class T, class Arch> static T horizontal(const simd::vec<T, Arch>& v) { return simd::reduce_sum(v); }
};
struct max_reducer {
    template <class T> static constexpr T identity() { return -std::numeric_limits<T>::infinity(); }
    template <class V> static V combine(const V& a, const V& b) { return simd::max(a, b); }
    template <class T, class Arch> static T horizontal(const simd::vec<T, Arch>& v) { return simd::reduce_max(v); }
};
struct min_reducer {
    template <class T> static constexpr T identity() { return std::numeric_limits<T>::infinity(); }
    template <class V> static V combine(const V& a, const V& b) { return simd::min(a, b); }
    template <class T, class Arch> static T horizontal(const simd::vec<T, Arch>& v) { return simd::reduce_min(v); }
};

template <class E>
using reduce_value_t = std::conditional_t<std::is_void_v<typename E::value_type>, float, typename E::value_type>;

// Folds n values of a cursor into acc (vector accumulators) and tail (scalar).
template <class R, class Arch, class T, class Cursor>
void reduce_run(const Cursor& c, std::size_t n, simd::vec<T, Arch> (&acc)[2], T& tail) {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    std::size_t j = 0;
    // Two accumulators hide the latency of the add.
    for (const std::size_t j_end = n - n % (2 * w); j < j_end; j += 2 * w) {
        acc[0] = R::combine(acc[0], c.template load<Arch>(j));
        acc[1] = R::combine(acc[1], c.template load<Arch>(j + w));
    }
    for (const std::size_t j_end = n - n % w; j < j_end; j += w) acc[0] = R::combine(acc[0], c.template load<Arch>(j));
    for (; j < n; ++j) tail = R::combine(tail, c.get(j));
}

template <class R, class E>
auto reduce_all(const E& e) {
    using X = std::remove_cvref_t<E>;
    using T = reduce_value_t<X>;
    using S = typename X::static_shape;
    using G = geometry_for<X, S, X::batched>;
    using arch = simd::default_arch;
    static_assert(require_no_placeholder<contains_placeholder_v<X>>::value);
    static_assert(require_mask_use<R, is_mask_v<X>, false>::value);

    simd::vec<T, arch> acc[2] = {simd::vec<T, arch>(R::template identity<T>()),
                                 simd::vec<T, arch>(R::template identity<T>())};
    T tail = R::template identity<T>();
    const std::size_t rows = e.rows();
    if constexpr (G::linear) {
        reduce_run<R>(make_cursor<T, G>(e, 0), rows * S::size, acc, tail);
    } else {
        for (std::size_t o = 0, outer = rows * G::outer_per_row; o < outer; ++o)
            reduce_run<R>(make_cursor<T, G>(e, o), G::inner, acc, tail);
    }
    return R::combine(R::template horizontal<T>(R::combine(acc[0], acc[1])), tail);
}

template <class E>
std::size_t element_count(const E& e) {
    return e.rows() * std::remove_cvref_t<E>::static_shape::size;
}

template <class E>
void require_elements(const E& e, const char* what) {
    if (element_count(e) == 0)
        throw shape_error(std::string("typenet: ") + what + ": the operand " + describe(e) + " has no elements");
}

// The logical shape of a reduction's operand: (rows, F...) for a batch, S for a tensor.
template <class X>
struct logical_shape {
    static constexpr std::size_t rank = X::static_shape::rank + (X::batched ? 1 : 0);
    static std::size_t extent(const X& e, std::size_t axis) {
        if constexpr (X::batched) {
            if (axis == 0) return e.rows();
            return X::static_shape::extents[axis - 1];
        } else {
            return X::static_shape::extents[axis];
        }
    }
};

// The container an axis reduction yields: reducing a batch's rows leaves a tensor.
template <class X, std::size_t Axis>
struct axis_result {
    using T = reduce_value_t<X>;
    static constexpr bool batched = X::batched && Axis != 0;
    using static_shape = remove_axis_t<typename X::static_shape, (X::batched ? (Axis == 0 ? 0 : Axis - 1) : Axis)>;
    using features = std::conditional_t<X::batched && Axis == 0, typename X::static_shape, static_shape>;
    using type = container_for_t<T, features, batched>;
};

template <class R, std::size_t Axis, class E>
auto reduce_axis(const E& e) {
    using X = std::remove_cvref_t<E>;
    using T = reduce_value_t<X>;
    using L = logical_shape<X>;
    static_assert(require_axis<Axis, typename X::static_shape, L::rank>::value);
    static_assert(require_no_placeholder<contains_placeholder_v<X>>::value);
    if constexpr (Axis >= L::rank || contains_placeholder_v<X>) {
        return T(0);  // the check above has reported it
    } else if constexpr (!leaf_expression<X>) {
        return reduce_axis<R, Axis>(eval(e));
    } else {
        using result = axis_result<X, Axis>;
        std::size_t pre = 1, post = 1;
        for (std::size_t a = 0; a < Axis; ++a) pre *= L::extent(e, a);
        for (std::size_t a = Axis + 1; a < L::rank; ++a) post *= L::extent(e, a);
        const std::size_t n = L::extent(e, Axis);
        auto out = container_for<T, typename result::features, result::batched>::make(X::batched && Axis != 0 ? e.rows() : 1);
        T* o = out.data();
        const T* in = e.data();
        using arch = simd::default_arch;
        constexpr std::size_t w = simd::width_v<T, arch>;
        for (std::size_t p = 0; p < pre; ++p) {
            T* orow = o + p * post;
            const T* base = in + p * n * post;
            if (post == 1) {
                simd::vec<T, arch> acc[2] = {simd::vec<T, arch>(R::template identity<T>()),
                                             simd::vec<T, arch>(R::template identity<T>())};
                T tail = R::template identity<T>();
                reduce_run<R>(leaf_cursor<T, 1>{base}, n, acc, tail);
                orow[0] = R::combine(R::template horizontal<T>(R::combine(acc[0], acc[1])), tail);
                continue;
            }
            std::fill(orow, orow + post, R::template identity<T>());
            for (std::size_t k = 0; k < n; ++k) {
                const T* src = base + k * post;
                std::size_t q = 0;
                for (const std::size_t q_end = post - post % w; q < q_end; q += w)
                    simd::store(orow + q, R::combine(simd::load<arch>(orow + q), simd::load<arch>(src + q)));
                for (; q < post; ++q) orow[q] = R::combine(orow[q], src[q]);
            }
        }
        return out;
    }
}

}  // namespace detail

/// Sum of all elements (0 for an empty batch).
template <expression E> auto sum(const E& e) { return detail::reduce_all<detail::sum_reducer>(e); }

/// Sum along one axis; a batch's axis 0 is its rows: `sum<0>(dz)` is a bias gradient.
template <std::size_t Axis, expression E> auto sum(const E& e) { return detail::reduce_axis<detail::sum_reducer, Axis>(e); }

/// Mean of all elements; NaN for an empty batch, as in PyTorch.
template <expression E>
auto mean(const E& e) {
    using T = detail::reduce_value_t<std::remove_cvref_t<E>>;
    return sum(e) / static_cast<T>(detail::element_count(e));
}

/// Mean along one axis.
template <std::size_t Axis, expression E>
auto mean(const E& e) {
    using X = std::remove_cvref_t<E>;
    using T = detail::reduce_value_t<X>;
    auto s = sum<Axis>(e);
    const auto n = static_cast<T>(detail::logical_shape<X>::extent(e, Axis));
    for (T& v : s) v /= n;
    return s;
}

/// Largest element; throws tn::shape_error for an empty batch (there is none).
template <expression E>
auto max(const E& e) {
    detail::require_elements(e, "max");
    return detail::reduce_all<detail::max_reducer>(e);
}
template <std::size_t Axis, expression E>
auto max(const E& e) {
    if (detail::logical_shape<std::remove_cvref_t<E>>::extent(e, Axis) == 0) detail::require_elements(e, "max");
    return detail::reduce_axis<detail::max_reducer, Axis>(e);
}

/// Smallest element; throws tn::shape_error for an empty batch.
template <expression E>
auto min(const E& e) {
    detail::require_elements(e, "min");
    return detail::reduce_all<detail::min_reducer>(e);
}
template <std::size_t Axis, expression E>
auto min(const E& e) {
    if (detail::logical_shape<std::remove_cvref_t<E>>::extent(e, Axis) == 0) detail::require_elements(e, "min");
    return detail::reduce_axis<detail::min_reducer, Axis>(e);
}

/// Sum of squares, the squared L2 norm (what gradient clipping needs), in one pass.
template <expression E>
auto squared_norm(const E& e) {
    return sum(square(e));
}

}  // namespace typenet

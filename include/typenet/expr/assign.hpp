// SPDX-License-Identifier: BSL-1.0
// Defines assign(dst, e): THE evaluation loop. It walks the destination once, in SIMD vectors of
// the default architecture with a scalar tail, and reads each leaf through its cursor; an
// elementwise chain of any length makes no temporaries. Aliasing rule: a leaf that is the
// destination itself (same memory, same shape) is safe to read while writing; any other overlap
// is detected at run time and evaluated through a temporary.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/expr/detail/container_for.hpp>
#include <typenet/expr/detail/require.hpp>
#include <typenet/expr/evaluator.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>
#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>

namespace typenet {
namespace detail {

// One output run of n contiguous values: SIMD body, scalar tail.
template <class Arch, class T, class Cursor>
inline void evaluate_run(T* out, const Cursor& c, std::size_t n) noexcept {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    // Bound the body by n - n % w, not by j + w <= n: with a constant n that is a multiple of w,
    // g++ 12 -O3 reports -Waggressive-loop-optimizations on the (empty) tail of the latter.
    const std::size_t body = n - n % w;
    std::size_t j = 0;
    for (; j < body; j += w) simd::store(out + j, c.template load<Arch>(j));
    for (; j < n; ++j) out[j] = c.get(j);
}

// Evaluates e (static checks already done) into `out`, laid out as rows x Shape.
template <class T, class Shape, bool Batched, class E>
void evaluate_into(T* out, const E& e, std::size_t rows) noexcept {
    using G = geometry_for<E, Shape, Batched>;
    using arch = simd::default_arch;
    if constexpr (G::linear) {
        evaluate_run<arch>(out, make_cursor<T, G>(e, 0), rows * Shape::size);
    } else {
        const std::size_t outer = rows * G::outer_per_row;
        for (std::size_t o = 0; o < outer; ++o) evaluate_run<arch>(out + o * G::inner, make_cursor<T, G>(e, o), G::inner);
    }
}

// The run-time part of assign, once every static check has passed.
template <class Dst, class E>
void assign_checked(Dst& dst, const E& e) {
    using X = std::remove_cvref_t<E>;
    using T = typename Dst::value_type;
    using D = typename Dst::static_shape;
    const std::size_t rows = dst.rows();
    if constexpr (Dst::batched) {
        if (e.rows() != rows)
            throw shape_error("typenet: assign: the destination has shape " + describe(dst) +
                              " but the expression has shape " + describe(e));
    }
    using G = geometry_for<X, D, Dst::batched>;
    if (unsafe_alias<G>(e, static_cast<const T*>(dst.data()), rows * D::size)) {
        auto tmp = container_for<T, D, Dst::batched>::make(rows);
        evaluate_into<T, D, Dst::batched>(tmp.data(), e, rows);
        std::copy(tmp.begin(), tmp.end(), dst.data());
        return;
    }
    evaluate_into<T, D, Dst::batched>(dst.data(), e, rows);
}

}  // namespace detail

template <class Dst, class E>
void assign(Dst& dst, const E& e) {
    using X = std::remove_cvref_t<E>;
    using T = typename Dst::value_type;
    using D = typename Dst::static_shape;
    if constexpr (!std::is_same_v<X, detail::rejected_expression>) {  // else its error was reported
        static_assert(detail::require_no_placeholder<detail::contains_placeholder_v<X>>::value);
        static_assert(detail::require_mask_use<void, detail::is_mask_v<X>, false>::value);
        static_assert(detail::require_same_batching<Dst::batched, X::batched>::value);
        static_assert(detail::require_assignable<D, typename X::static_shape>::value);
        static_assert(detail::require_assignable_value_type<T, typename X::value_type>::value);
        // Evaluate only what passed every check: a failed one has spoken, and instantiating the
        // loop would add errors that say nothing new.
        constexpr bool ok = !detail::contains_placeholder_v<X> && !detail::is_mask_v<X> &&
                            Dst::batched == X::batched && std::is_same_v<D, typename X::static_shape> &&
                            (std::is_void_v<typename X::value_type> || std::is_same_v<T, typename X::value_type>);
        if constexpr (ok) assign_checked(dst, e);
    }
}

/// Materialises an expression into a new tensor (or batch, for batch expressions); use it to
/// keep a result beyond the lifetime of the operands an `auto` expression refers to.
template <expression E>
auto eval(const E& e) {
    using X = std::remove_cvref_t<E>;
    static_assert(detail::require_no_placeholder<detail::contains_placeholder_v<X>>::value);
    static_assert(detail::require_mask_use<void, detail::is_mask_v<X>, false>::value);
    using T = std::conditional_t<std::is_void_v<typename X::value_type>, float, typename X::value_type>;
    auto out = detail::container_for<T, typename X::static_shape, X::batched>::make(e.rows());
    assign(out, e);
    return out;
}

}  // namespace typenet

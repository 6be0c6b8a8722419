// SPDX-License-Identifier: BSL-1.0
// Defines how an expression is read during evaluation: the traversal geometry, and cursors
// that give an element (`get(j)`) or a SIMD vector (`load<Arch>(j)`) of one output row.
//
// Two traversals exist. Linear: no leaf broadcasts, so the output and every leaf are walked as
// one flat array (one cursor, built once). Rows: some leaf broadcasts; the output is walked as
// `outer` rows of its last extent, and each leaf's cursor is placed at the row's offset, with an
// inner stride of 1 (it varies along the last axis) or 0 (it is constant along it).
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/kernels/simd.hpp>

#include <array>
#include <cstddef>
#include <type_traits>

namespace typenet::detail {

template <class Shape, bool Batched, bool Linear>
struct geometry {
    using static_shape = Shape;
    static constexpr bool batched = Batched;
    static constexpr bool linear = Linear;
    static constexpr std::size_t inner = Shape::rank ? Shape::extents[Shape::rank - 1] : 1;
    static constexpr std::size_t outer_per_row = Shape::size / (inner ? inner : 1);
};

// How a leaf with feature shape L (batched or not) maps onto the output geometry G.
template <class L, bool LeafBatched, class G>
struct leaf_map {
    using D = typename G::static_shape;
    static constexpr bool identity = std::is_same_v<L, D> && LeafBatched == G::batched;
    static constexpr bool single_value = L::size == 1 && !LeafBatched;

    static constexpr std::size_t inner_stride = G::linear
        ? (identity ? 1 : 0)
        : ((L::rank > 0 && L::extents[L::rank - 1] == G::inner && G::inner != 1) ? 1 : 0);

    // Stride of the leaf along each output axis except the last (0 where it broadcasts).
    static constexpr auto outer_strides = [] {
        std::array<std::size_t, (D::rank > 0 ? D::rank - 1 : 0) + 1> s{};
        for (std::size_t a = 0; a + 1 < D::rank; ++a) {
            const std::size_t shift = D::rank - L::rank;
            if (a < shift) continue;
            const std::size_t la = a - shift;
            if (L::extents[la] != D::extents[a] || D::extents[a] == 1) continue;
            std::size_t stride = 1;
            for (std::size_t k = la + 1; k < L::rank; ++k) stride *= L::extents[k];
            s[a] = stride;
        }
        return s;
    }();

    // Offset of outer row o (over rows x all output axes but the last).
    static std::size_t offset(std::size_t o) noexcept {
        if constexpr (G::linear) {
            return 0;
        } else {
            std::size_t off = 0;
            if constexpr (D::rank > 1) {
                for (std::size_t a = D::rank - 1; a-- > 0;) {
                    off += (o % D::extents[a]) * outer_strides[a];
                    o /= D::extents[a];
                }
            }
            if constexpr (LeafBatched) off += o * L::size;
            return off;
        }
    }
};

// Linear traversal is possible when every leaf is the output's own shape or a single value.
template <class E, class D, bool Batched>
inline constexpr bool linear_leaves_v = [] {
    using X = expr_t<E>;
    if constexpr (leaf_expression<X>) {
        return (std::is_same_v<typename X::static_shape, D> && X::batched == Batched) ||
               (X::static_shape::size == 1 && !X::batched);
    } else {
        return true;  // scalars, constants: a single value
    }
}();
template <class Op, class A, class D, bool Batched>
inline constexpr bool linear_leaves_v<unary_node<Op, A>, D, Batched> = linear_leaves_v<A, D, Batched>;
template <class Op, class L, class R, class D, bool Batched>
inline constexpr bool linear_leaves_v<binary_node<Op, L, R>, D, Batched> =
    linear_leaves_v<L, D, Batched> && linear_leaves_v<R, D, Batched>;
template <class C, class A, class B, class D, bool Batched>
inline constexpr bool linear_leaves_v<select_node<C, A, B>, D, Batched> =
    linear_leaves_v<C, D, Batched> && linear_leaves_v<A, D, Batched> && linear_leaves_v<B, D, Batched>;

template <class E, class D, bool Batched>
using geometry_for = geometry<D, Batched, linear_leaves_v<expr_t<E>, D, Batched>>;

// --- cursors ---
template <class T, std::size_t Stride>
struct leaf_cursor {
    const T* p;
    T get(std::size_t j) const noexcept { return p[j * Stride]; }
    template <class Arch>
    simd::vec<T, Arch> load(std::size_t j) const noexcept {
        if constexpr (Stride == 1)
            return simd::load<Arch>(p + j);
        else
            return simd::vec<T, Arch>(*p);
    }
};

template <class T>
struct value_cursor {
    T v;
    T get(std::size_t) const noexcept { return v; }
    template <class Arch>
    simd::vec<T, Arch> load(std::size_t) const noexcept {
        return simd::vec<T, Arch>(v);
    }
};

template <class Op, class C>
struct unary_cursor {
    C c;
    auto get(std::size_t j) const noexcept { return Op::apply(c.get(j)); }
    template <class Arch>
    auto load(std::size_t j) const noexcept {
        return Op::apply(c.template load<Arch>(j));
    }
};

template <class Op, class L, class R>
struct binary_cursor {
    L l;
    R r;
    auto get(std::size_t j) const noexcept { return Op::apply(l.get(j), r.get(j)); }
    template <class Arch>
    auto load(std::size_t j) const noexcept {
        return Op::apply(l.template load<Arch>(j), r.template load<Arch>(j));
    }
};

template <class C, class A, class B>
struct select_cursor {
    C c;
    A a;
    B b;
    auto get(std::size_t j) const noexcept { return simd::select(c.get(j), a.get(j), b.get(j)); }
    template <class Arch>
    auto load(std::size_t j) const noexcept {
        return simd::select(c.template load<Arch>(j), a.template load<Arch>(j), b.template load<Arch>(j));
    }
};

// Builds the cursor of expression e for outer row o of geometry G, reading values as T.
// (Declared first: the overloads call each other, and ADL does not look into detail.)
template <class T, class G, class Op, class A>
auto make_cursor(const unary_node<Op, A>& e, std::size_t o) noexcept;
template <class T, class G, class Op, class L, class R>
auto make_cursor(const binary_node<Op, L, R>& e, std::size_t o) noexcept;
template <class T, class G, class C, class A, class B>
auto make_cursor(const select_node<C, A, B>& e, std::size_t o) noexcept;

template <class T, class G, class E>
auto make_cursor(const E& e, std::size_t o) noexcept {
    if constexpr (leaf_expression<E>) {
        using map = leaf_map<typename E::static_shape, E::batched, G>;
        return leaf_cursor<T, map::inner_stride>{e.data() + map::offset(o)};
    } else {
        static_assert(!std::is_same_v<E, placeholder>, "typenet: internal: placeholder reached a cursor");
        return value_cursor<T>{static_cast<T>(e.value)};
    }
}
template <class T, class G, class Op, class A>
auto make_cursor(const unary_node<Op, A>& e, std::size_t o) noexcept {
    auto c = make_cursor<T, G>(e.arg, o);
    return unary_cursor<Op, decltype(c)>{c};
}
template <class T, class G, class Op, class L, class R>
auto make_cursor(const binary_node<Op, L, R>& e, std::size_t o) noexcept {
    auto l = make_cursor<T, G>(e.lhs, o);
    auto r = make_cursor<T, G>(e.rhs, o);
    return binary_cursor<Op, decltype(l), decltype(r)>{l, r};
}
template <class T, class G, class C, class A, class B>
auto make_cursor(const select_node<C, A, B>& e, std::size_t o) noexcept {
    auto c = make_cursor<T, G>(e.cond, o);
    auto a = make_cursor<T, G>(e.if_true, o);
    auto b = make_cursor<T, G>(e.if_false, o);
    return select_cursor<decltype(c), decltype(a), decltype(b)>{c, a, b};
}

// --- aliasing ---
// True when a leaf of e shares memory with [p, p + n) other than as the very same elements in
// the very same order; evaluating in place would then read values already overwritten.
template <class G, class T, class Op, class A>
bool unsafe_alias(const unary_node<Op, A>& e, const T* p, std::size_t n) noexcept;
template <class G, class T, class Op, class L, class R>
bool unsafe_alias(const binary_node<Op, L, R>& e, const T* p, std::size_t n) noexcept;
template <class G, class T, class C, class A, class B>
bool unsafe_alias(const select_node<C, A, B>& e, const T* p, std::size_t n) noexcept;

template <class G, class T, class E>
bool unsafe_alias(const E& e, const T* p, std::size_t n) noexcept {
    if constexpr (leaf_expression<E>) {
        using X = std::remove_cvref_t<E>;
        const T* q = e.data();
        const std::size_t m = e.rows() * X::static_shape::size;
        const bool overlap = m > 0 && n > 0 && q < p + n && p < q + m;
        const bool same = q == p && leaf_map<typename X::static_shape, X::batched, G>::identity;
        return overlap && !same;
    } else {
        return false;
    }
}
template <class G, class T, class Op, class A>
bool unsafe_alias(const unary_node<Op, A>& e, const T* p, std::size_t n) noexcept {
    return unsafe_alias<G>(e.arg, p, n);
}
template <class G, class T, class Op, class L, class R>
bool unsafe_alias(const binary_node<Op, L, R>& e, const T* p, std::size_t n) noexcept {
    return unsafe_alias<G>(e.lhs, p, n) || unsafe_alias<G>(e.rhs, p, n);
}
template <class G, class T, class C, class A, class B>
bool unsafe_alias(const select_node<C, A, B>& e, const T* p, std::size_t n) noexcept {
    return unsafe_alias<G>(e.cond, p, n) || unsafe_alias<G>(e.if_true, p, n) || unsafe_alias<G>(e.if_false, p, n);
}

}  // namespace typenet::detail

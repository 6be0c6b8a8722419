// SPDX-License-Identifier: BSL-1.0
// Defines the shape algebra: broadcast_t, matmul_t, transpose_t, remove_axis_t, flatten_t.
// Each rule is a constexpr function over extents; the _t aliases turn its result back into a shape.
#pragma once

#include <typenet/core/shape.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace typenet {
namespace detail {

// Turns `Holder::value`, a constexpr std::array of extents, into the shape type it spells.
template <class Holder, std::size_t... I>
shape<Holder::value[I]...> array_to_shape(std::index_sequence<I...>);
template <class Holder>
using array_to_shape_t =
    decltype(detail::array_to_shape<Holder>(std::make_index_sequence<Holder::value.size()>{}));

// NumPy rule: align the trailing axes; each pair of extents is equal or one of them is 1.
template <class A, class B>
constexpr bool shapes_broadcast() {
    constexpr std::size_t r = std::min(A::rank, B::rank);
    for (std::size_t i = 0; i < r; ++i) {
        std::size_t a = A::extents[A::rank - 1 - i], b = B::extents[B::rank - 1 - i];
        if (a != b && a != 1 && b != 1) return false;
    }
    return true;
}

template <class A, class B>
struct broadcast_holder {
    static constexpr auto value = [] {
        constexpr std::size_t r = std::max(A::rank, B::rank);
        std::array<std::size_t, r> out{};
        for (std::size_t i = 0; i < r; ++i) {
            std::size_t a = i < A::rank ? A::extents[A::rank - 1 - i] : 1;
            std::size_t b = i < B::rank ? B::extents[B::rank - 1 - i] : 1;
            out[r - 1 - i] = a == 1 ? b : a;
        }
        return out;
    }();
};

template <class S, std::size_t Axis>
struct remove_axis_holder {
    static constexpr auto value = [] {
        std::array<std::size_t, S::rank - 1> out{};
        for (std::size_t i = 0, j = 0; i < S::rank; ++i)
            if (i != Axis) out[j++] = S::extents[i];
        return out;
    }();
};

template <class S>
struct transpose_holder;
template <std::size_t M, std::size_t N>
struct transpose_holder<shape<M, N>> {
    using type = shape<N, M>;
};

template <class A, class B>
struct matmul_holder;
template <std::size_t M, std::size_t K, std::size_t N>
struct matmul_holder<shape<M, K>, shape<K, N>> {
    using type = shape<M, N>;
};

}  // namespace detail

/// The shape of an elementwise result: NumPy broadcasting of A and B (trailing axes aligned).
template <class A, class B>
using broadcast_t = detail::array_to_shape_t<detail::broadcast_holder<A, B>>;

/// `shape<M, K>` times `shape<K, N>` is `shape<M, N>`.
template <class A, class B>
using matmul_t = typename detail::matmul_holder<A, B>::type;

/// `shape<M, N>` becomes `shape<N, M>`.
template <class S>
using transpose_t = typename detail::transpose_holder<S>::type;

/// The shape with axis `Axis` removed (what a reduction along that axis leaves).
template <class S, std::size_t Axis>
using remove_axis_t = detail::array_to_shape_t<detail::remove_axis_holder<S, Axis>>;

/// All extents folded into one: `shape<2, 3, 4>` becomes `shape<24>`.
template <class S>
using flatten_t = shape<S::size>;

}  // namespace typenet

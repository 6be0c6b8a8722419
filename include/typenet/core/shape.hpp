// SPDX-License-Identifier: BSL-1.0
// Defines shape<Dims...>, the compile-time extents of a tensor, and its traits.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace typenet {

/// A shape is a type: `shape<28, 28>` is a 28 x 28 matrix, `shape<>` a scalar.
/// Extents are compile-time constants; a batch's row count is the only run-time extent.
template <std::size_t... Dims>
struct shape {
    static constexpr std::size_t rank = sizeof...(Dims);
    static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
    static constexpr std::array<std::size_t, rank> extents{Dims...};
};

template <class Shape>
inline constexpr std::size_t rank_v = Shape::rank;

template <class Shape>
inline constexpr std::size_t size_v = Shape::size;

template <class Shape, std::size_t Axis>
inline constexpr std::size_t extent_v = [] {
    static_assert(Axis < Shape::rank, "typenet: extent_v: the axis must be less than the shape's rank");
    if constexpr (Axis < Shape::rank)
        return Shape::extents[Axis];
    else
        return std::size_t{0};
}();

namespace detail {
template <class T>
inline constexpr bool is_shape_v = false;
template <std::size_t... Dims>
inline constexpr bool is_shape_v<shape<Dims...>> = true;

// "(3, 4)"; with a run-time row count in front for batches: "(64, 3, 4)".
template <class Shape>
std::string shape_string(std::size_t rows, bool batched) {
    std::string s = "(";
    bool first = true;
    auto put = [&](std::size_t v) {
        if (!first) s += ", ";
        s += std::to_string(v);
        first = false;
    };
    if (batched) put(rows);
    for (std::size_t d : Shape::extents) put(d);
    return s + ")";
}
}  // namespace detail

/// Any instantiation of `shape<...>`.
template <class T>
concept shape_type = detail::is_shape_v<T>;

}  // namespace typenet

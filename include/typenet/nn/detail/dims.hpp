// SPDX-License-Identifier: BSL-1.0
// Defines dims, a shape as a constexpr value, so that shape inference over a network is a loop
// (one pass, no recursive template instantiation per layer), and its conversions to shape types.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>

#include <array>
#include <cstddef>

namespace typenet::detail {

inline constexpr std::size_t max_rank = 6;

struct dims {
    std::size_t rank = 0;
    std::array<std::size_t, max_rank> extent{};
    constexpr std::size_t size() const {
        std::size_t s = 1;
        for (std::size_t i = 0; i < rank; ++i) s *= extent[i];
        return s;
    }
    constexpr bool operator==(const dims&) const = default;
};

template <class S>
constexpr dims dims_of() {
    static_assert(S::rank <= max_rank, "typenet: network: shapes of rank above 6 are not supported");
    dims d{S::rank, {}};
    for (std::size_t i = 0; i < S::rank; ++i) d.extent[i] = S::extents[i];
    return d;
}

// The shape type of `Holder::value`, a dims.
template <class Holder>
struct dims_array {
    static constexpr auto value = [] {
        std::array<std::size_t, Holder::value.rank> a{};
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = Holder::value.extent[i];
        return a;
    }();
};
template <class Holder>
using dims_to_shape_t = array_to_shape_t<dims_array<Holder>>;

}  // namespace typenet::detail

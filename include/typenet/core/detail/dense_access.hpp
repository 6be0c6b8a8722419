// SPDX-License-Identifier: BSL-1.0
// Defines dense_access, the element access and iteration shared by tensors, batches and views.
#pragma once

#include <typenet/config.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/shape.hpp>

#include <algorithm>
#include <cstddef>
#include <string>

namespace typenet::detail {

[[noreturn]] inline void throw_index_error(std::size_t index, std::size_t extent, std::size_t axis,
                                           const std::string& shape) {
    throw index_error("typenet: element access: index " + std::to_string(index) + " is out of range for axis " +
                      std::to_string(axis) + " (extent " + std::to_string(extent) + ") of shape " + shape);
}

// CRTP base: Derived provides data() and rows(); Batched says whether axis 0 is the row count.
// Iteration covers exactly the values (never padding), in C order.
template <class Derived, class T, class Shape, bool Batched>
class dense_access {
public:
    static constexpr std::size_t row_size = Shape::size;

    std::size_t size() const noexcept { return self().rows() * row_size; }
    T* begin() noexcept { return self().data(); }
    T* end() noexcept { return self().data() + size(); }
    const T* begin() const noexcept { return self().data(); }
    const T* end() const noexcept { return self().data() + size(); }

    template <class... I>
    T& operator()(I... index) noexcept(!TYPENET_CHECK_BOUNDS) {
        return self().data()[offset(static_cast<std::size_t>(index)...)];
    }
    template <class... I>
    const T& operator()(I... index) const noexcept(!TYPENET_CHECK_BOUNDS) {
        return self().data()[offset(static_cast<std::size_t>(index)...)];
    }

    template <class V>
    void fill(const V& value) noexcept {
        std::fill(begin(), end(), static_cast<T>(value));
    }

private:
    const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
    Derived& self() noexcept { return static_cast<Derived&>(*this); }

    template <class... I>
    std::size_t offset(I... index) const {
        constexpr std::size_t expected = Shape::rank + (Batched ? 1 : 0);
        static_assert(sizeof...(I) == expected,
                      "typenet: element access: give one index per axis (a batch's first index is the row)");
        const std::size_t idx[] = {index..., 0};
        std::size_t extents[expected + 1]{};
        std::size_t a = 0;
        if constexpr (Batched) extents[a++] = self().rows();
        for (std::size_t d : Shape::extents) extents[a++] = d;
        std::size_t off = 0;
        for (std::size_t k = 0; k < expected; ++k) {
            if constexpr (TYPENET_CHECK_BOUNDS) {
                if (idx[k] >= extents[k])
                    throw_index_error(idx[k], extents[k], k, shape_string<Shape>(self().rows(), Batched));
            }
            off = off * extents[k] + idx[k];
        }
        return off;
    }
};

}  // namespace typenet::detail

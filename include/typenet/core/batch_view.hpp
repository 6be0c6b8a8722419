// SPDX-License-Identifier: BSL-1.0
// Defines batch_view<T, Features...>, a non-owning view of consecutive rows.
#pragma once

#include <typenet/core/detail/dense_access.hpp>
#include <typenet/core/detail/value_type_check.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/tensor_view.hpp>

#include <cstddef>
#include <type_traits>

namespace typenet {

template <class T, std::size_t... Features>
class batch_view : public detail::dense_access<batch_view<T, Features...>, T, shape<Features...>, true> {
    static_assert(detail::require_value_type<batch_view, T>::value);

public:
    using value_type = std::remove_const_t<T>;
    using static_shape = shape<Features...>;
    using expression_tag = detail::expression_tag_type;
    static constexpr bool batched = true;
    static constexpr std::size_t row_size = static_shape::size;

    batch_view(T* data, std::size_t rows) noexcept : data_(data), rows_(rows) {}
    /// A view of a whole batch.
    template <class U>
        requires std::is_convertible_v<U*, T*>
    batch_view(batch<U, Features...>& b) noexcept : data_(b.data()), rows_(b.rows()) {}
    template <class U>
        requires std::is_convertible_v<const U*, T*>
    batch_view(const batch<U, Features...>& b) noexcept : data_(b.data()), rows_(b.rows()) {}

    batch_view(const batch_view&) = default;
    /// Writes through the view; the row counts must match (tn::shape_error otherwise).
    batch_view& operator=(const batch_view& other) {
        assign(*this, other);
        return *this;
    }
    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, batch_view>)
    batch_view& operator=(const E& e) {
        assign(*this, e);
        return *this;
    }

    T* data() const noexcept { return data_; }
    std::size_t rows() const noexcept { return rows_; }
    tensor_view<T, static_shape> row(std::size_t r) const {
        if constexpr (TYPENET_CHECK_BOUNDS)
            if (r >= rows_) detail::throw_index_error(r, rows_, 0, detail::shape_string<static_shape>(rows_, true));
        return tensor_view<T, static_shape>(data_ + r * row_size);
    }

private:
    T* data_;
    std::size_t rows_;
};

}  // namespace typenet

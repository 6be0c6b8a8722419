// SPDX-License-Identifier: BSL-1.0
// Defines batch<T, Features...>: a run-time number of rows over static feature extents.
#pragma once

#include <typenet/core/batch_view.hpp>
#include <typenet/core/detail/dense_access.hpp>
#include <typenet/core/detail/value_type_check.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/storage.hpp>
#include <typenet/core/tensor_view.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet {

template <class T, std::size_t... Features>
class batch : public detail::dense_access<batch<T, Features...>, T, shape<Features...>, true> {
    static_assert(detail::require_value_type<batch, T>::value);
    using access = detail::dense_access<batch, T, shape<Features...>, true>;

public:
    using value_type = T;
    using static_shape = shape<Features...>;
    using expression_tag = detail::expression_tag_type;
    static constexpr bool batched = true;
    static constexpr std::size_t row_size = static_shape::size;

    /// No rows.
    batch() = default;
    /// `rows` rows, every value zero.
    explicit batch(std::size_t rows) : storage_(rows * row_size), rows_(rows) {}

    batch(const batch& other) : batch(other.rows_) { std::copy(other.begin(), other.end(), data()); }
    batch(batch&& other) noexcept : storage_(std::move(other.storage_)), rows_(std::exchange(other.rows_, 0)) {}
    batch& operator=(const batch& other) {
        if (this != &other) {
            resize(other.rows_);
            std::copy(other.begin(), other.end(), data());
        }
        return *this;
    }
    batch& operator=(batch&& other) noexcept {
        storage_ = std::move(other.storage_);
        rows_ = std::exchange(other.rows_, 0);
        return *this;
    }

    /// Evaluates an expression; the batch takes the expression's row count.
    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, batch>)
    batch(const E& e) : batch(e.rows()) {  // NOLINT: implicit on purpose, like tensor's
        assign(*this, e);
    }
    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, batch>)
    batch& operator=(const E& e) {
        if (e.rows() != rows_) {
            // The expression may still read this batch (e.g. `b = big + b.row(0)`), so the
            // result is built aside and moved in; resizing first would free what it reads.
            batch fresh(e.rows());
            assign(fresh, e);
            *this = std::move(fresh);
            return *this;
        }
        assign(*this, e);
        return *this;
    }

    /// Changes the row count. Values are kept only when no reallocation was needed
    /// (shrinking, or growing within capacity); new rows are zero.
    void resize(std::size_t rows) {
        const std::size_t old = rows_ * row_size, want = rows * row_size;
        if (want > storage_.capacity()) {
            detail::dynamic_storage<T> fresh(want);
            std::copy_n(storage_.data(), old, fresh.data());
            storage_ = std::move(fresh);
        } else if (want > old) {
            std::fill(storage_.data() + old, storage_.data() + want, T{});
        }
        rows_ = rows;
    }

    std::size_t rows() const noexcept { return rows_; }
    T* data() noexcept { return storage_.data(); }
    const T* data() const noexcept { return storage_.data(); }

    /// Row r as a tensor view of the feature shape.
    tensor_view<T, static_shape> row(std::size_t r) { return tensor_view<T, static_shape>(data() + checked_row(r) * row_size); }
    tensor_view<const T, static_shape> row(std::size_t r) const {
        return tensor_view<const T, static_shape>(data() + checked_row(r) * row_size);
    }

    /// Rows [first, first + count) as a view, e.g. one mini-batch of a data set.
    batch_view<T, Features...> slice(std::size_t first, std::size_t count) {
        check_slice(first, count);
        return batch_view<T, Features...>(data() + first * row_size, count);
    }
    batch_view<const T, Features...> slice(std::size_t first, std::size_t count) const {
        check_slice(first, count);
        return batch_view<const T, Features...>(data() + first * row_size, count);
    }

private:
    std::size_t checked_row(std::size_t r) const {
        if constexpr (TYPENET_CHECK_BOUNDS)
            if (r >= rows_) detail::throw_index_error(r, rows_, 0, detail::shape_string<static_shape>(rows_, true));
        return r;
    }
    void check_slice(std::size_t first, std::size_t count) const {
        if (first > rows_ || count > rows_ - first)
            throw index_error("typenet: batch::slice: rows [" + std::to_string(first) + ", " +
                              std::to_string(first + count) + ") are not inside a batch of shape " +
                              detail::shape_string<static_shape>(rows_, true));
    }

    detail::dynamic_storage<T> storage_;
    std::size_t rows_ = 0;
};

}  // namespace typenet

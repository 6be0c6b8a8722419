// SPDX-License-Identifier: BSL-1.0
// Defines tensor<T, shape<Dims...>>, a value of static shape held in aligned storage.
#pragma once

#include <typenet/core/detail/dense_access.hpp>
#include <typenet/core/detail/value_type_check.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/storage.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>

namespace typenet {

template <class T, std::size_t... Dims>
class tensor<T, shape<Dims...>> : public detail::dense_access<tensor<T, shape<Dims...>>, T, shape<Dims...>, false> {
    static_assert(detail::require_value_type<tensor, T>::value);

public:
    using value_type = T;
    using static_shape = shape<Dims...>;
    using expression_tag = detail::expression_tag_type;
    static constexpr bool batched = false;
    static constexpr std::size_t rank = static_shape::rank;

    /// Every value zero.
    tensor() = default;

    /// The values in C order; their number must be the shape's size.
    tensor(std::initializer_list<T> values) {
        if (values.size() != static_shape::size)
            throw shape_error("typenet: tensor: " + std::to_string(values.size()) + " initial values given for shape " +
                              detail::shape_string<static_shape>(0, false) + ", which holds " +
                              std::to_string(static_shape::size));
        std::copy(values.begin(), values.end(), data());
    }

    /// Evaluates an expression of the same shape (one SIMD loop, no temporaries).
    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, tensor>)
    tensor(const E& e) {  // NOLINT: implicit on purpose, as `tensor t = a + b;` reads naturally
        assign(*this, e);
    }

    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, tensor>)
    tensor& operator=(const E& e) {
        storage_.ensure_allocated();
        assign(*this, e);
        return *this;
    }

    T* data() noexcept { return storage_.data(); }
    const T* data() const noexcept { return storage_.data(); }
    static constexpr std::size_t rows() noexcept { return 1; }

private:
    detail::fixed_storage<T, static_shape::size> storage_;
};

}  // namespace typenet

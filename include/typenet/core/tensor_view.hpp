// SPDX-License-Identifier: BSL-1.0
// Defines tensor_view<T, shape<Dims...>>, a non-owning view of contiguous values of static shape.
#pragma once

#include <typenet/core/detail/dense_access.hpp>
#include <typenet/core/detail/value_type_check.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>

#include <cstddef>
#include <type_traits>

namespace typenet {

template <class T, std::size_t... Dims>
class tensor_view<T, shape<Dims...>>
    : public detail::dense_access<tensor_view<T, shape<Dims...>>, T, shape<Dims...>, false> {
    static_assert(detail::require_value_type<tensor_view, T>::value);

public:
    using value_type = std::remove_const_t<T>;
    using static_shape = shape<Dims...>;
    using expression_tag = detail::expression_tag_type;
    static constexpr bool batched = false;
    static constexpr std::size_t rank = static_shape::rank;

    explicit tensor_view(T* data) noexcept : data_(data) {}
    /// A view of a tensor of the same shape.
    template <class U>
        requires std::is_convertible_v<U*, T*>
    tensor_view(tensor<U, static_shape>& t) noexcept : data_(t.data()) {}
    template <class U>
        requires std::is_convertible_v<const U*, T*>
    tensor_view(const tensor<U, static_shape>& t) noexcept : data_(t.data()) {}

    tensor_view(const tensor_view&) = default;
    /// Assigning a view writes its values through this view (it does not rebind).
    tensor_view& operator=(const tensor_view& other) {
        assign(*this, other);
        return *this;
    }
    template <class E>
        requires(detail::has_expression_tag<E> && !std::is_same_v<std::remove_cvref_t<E>, tensor_view>)
    tensor_view& operator=(const E& e) {
        assign(*this, e);
        return *this;
    }

    T* data() const noexcept { return data_; }
    static constexpr std::size_t rows() noexcept { return 1; }

private:
    T* data_;
};

}  // namespace typenet

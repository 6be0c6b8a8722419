// SPDX-License-Identifier: BSL-1.0
// Defines type_at_t<I, Ts...>: the I-th type of a pack, found by overload resolution over an
// indexed base list (one instantiation for the whole pack, instead of I recursive ones).
#pragma once

#include <cstddef>
#include <utility>

namespace typenet::detail {

template <std::size_t I, class T>
struct indexed_type {
    using type = T;
};

template <class Seq, class... Ts>
struct indexed_pack;
template <std::size_t... Is, class... Ts>
struct indexed_pack<std::index_sequence<Is...>, Ts...> : indexed_type<Is, Ts>... {};

template <std::size_t I, class T>
indexed_type<I, T> pick(const indexed_type<I, T>&);

template <std::size_t I, class... Ts>
using type_at_t = typename decltype(detail::pick<I>(
    std::declval<const indexed_pack<std::index_sequence_for<Ts...>, Ts...>&>()))::type;

}  // namespace typenet::detail

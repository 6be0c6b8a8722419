// SPDX-License-Identifier: BSL-1.0
// Defines type_at_t<I, Ts...>: the I-th type of a pack, found by clang's builtin
// __type_pack_element, or elsewhere by overload resolution over an indexed base list (one
// instantiation for the whole pack, instead of I recursive ones).
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

// Why the builtin. Overload resolution tries every base, and clang 14 keeps what each attempt
// builds, so the N lookups of a sequence of N layers cost O(N^2) compiler memory: for 400
// written-out layers that made clang's peak grow 2.6x per doubling of depth (docs/performance.md,
// "Compile cost"). The builtin costs O(1) per lookup. g++ 12 has none (g++ 14 has) and does not
// show the growth.
#if defined(__clang__)
template <std::size_t I, class... Ts>
using type_at_t = __type_pack_element<I, Ts...>;
#else
template <std::size_t I, class... Ts>
using type_at_t = typename decltype(detail::pick<I>(
    std::declval<const indexed_pack<std::index_sequence_for<Ts...>, Ts...>&>()))::type;
#endif

}  // namespace typenet::detail

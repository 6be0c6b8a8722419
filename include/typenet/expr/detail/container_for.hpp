// SPDX-License-Identifier: BSL-1.0
// Defines container_for_t: the owning container (tensor or batch) for a shape and batching.
#pragma once

#include <typenet/core/batch.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/tensor.hpp>

#include <cstddef>

namespace typenet::detail {

template <class T, class Shape, bool Batched>
struct container_for;
template <class T, std::size_t... D>
struct container_for<T, shape<D...>, false> {
    using type = tensor<T, shape<D...>>;
    static type make(std::size_t) { return type{}; }
};
template <class T, std::size_t... D>
struct container_for<T, shape<D...>, true> {
    using type = batch<T, D...>;
    static type make(std::size_t rows) { return type(rows); }
};

template <class T, class Shape, bool Batched>
using container_for_t = typename container_for<T, Shape, Batched>::type;

}  // namespace typenet::detail

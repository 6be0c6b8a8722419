// SPDX-License-Identifier: BSL-1.0
// Defines layer_of_t<L>: the type that carries L's layer protocol. Activation types come from
// expr/ and know nothing of layers, so they are adapted here; every other layer is itself.
#pragma once

#include <typenet/nn/layers/activation.hpp>

#include <type_traits>

namespace typenet::detail {

template <class L>
struct layer_of {
    using type = L;
};
template <activation_type L>
struct layer_of<L> {
    using type = activation_layer<L>;
};
template <class L>
using layer_of_t = typename layer_of<L>::type;

}  // namespace typenet::detail

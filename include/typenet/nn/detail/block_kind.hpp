// SPDX-License-Identifier: BSL-1.0
// Defines how the walks over a network (the engine, gradient-flow prediction, tn::summary) tell
// a block from a leaf layer, and which kind of block it is: one definition for all of them.
#pragma once

#include <concepts>
#include <cstddef>

namespace typenet::detail {

/// A block (repeat, residual): it walks its own layers and reports their gradients itself.
template <class B>
concept is_block_layer = requires { requires B::is_block; };
/// tn::repeat's layer: B::block is the sequence it repeats, B::copies times.
template <class B>
concept is_repeat_layer = is_block_layer<B> && requires {
    typename B::block;
    { B::copies } -> std::convertible_to<std::size_t>;
};
/// tn::residual's layer: B::inner is its sequence, added to the shortcut.
template <class B>
concept is_residual_layer = is_block_layer<B> && requires { requires B::is_residual; };

}  // namespace typenet::detail

// SPDX-License-Identifier: BSL-1.0
// Defines init::zeros.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cstddef>

namespace typenet::init {

/// Every weight 0. A network of zero weights gets identical gradients in every unit of a layer,
/// so it never breaks symmetry: meant for tests and for output layers that should start silent.
struct zeros {
    static constexpr const char* name = "zeros";
    /// Var(W) = 0 (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan) { return 0.0; }
    template <class T>
    static void fill(T* w, std::size_t n, fan, detail::rng&) {
        for (std::size_t i = 0; i < n; ++i) w[i] = T(0);
    }
};

}  // namespace typenet::init

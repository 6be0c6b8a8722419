// SPDX-License-Identifier: BSL-1.0
// Defines init::xavier_normal.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::init {

/// Glorot & Bengio (2010): N(0, 2 / (fan_in + fan_out)); keeps activation and gradient variance for tanh-like units. PyTorch: nn.init.xavier_normal_.
struct xavier_normal {
    static constexpr const char* name = "xavier_normal";
    /// Var(W) = 2 / (fan_in + fan_out) (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan f) { return 2.0 / double(f.in + f.out); }
    template <class T>
    static void fill(T* w, std::size_t n, fan f, detail::rng& r) {
        const double s = std::sqrt(2.0 / double(f.in + f.out));
        for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(s * r.normal());
    }
};

}  // namespace typenet::init

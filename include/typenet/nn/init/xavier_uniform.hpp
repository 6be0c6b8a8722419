// SPDX-License-Identifier: BSL-1.0
// Defines init::xavier_uniform.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::init {

/// Glorot & Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)), the same variance as xavier_normal. PyTorch: nn.init.xavier_uniform_.
struct xavier_uniform {
    static constexpr const char* name = "xavier_uniform";
    /// Var(W) = a^2 / 3 = 2 / (fan_in + fan_out) (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan f) { return 2.0 / double(f.in + f.out); }
    template <class T>
    static void fill(T* w, std::size_t n, fan f, detail::rng& r) {
        const double a = std::sqrt(6.0 / double(f.in + f.out));
        for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(r.uniform(-a, a));
    }
};

}  // namespace typenet::init

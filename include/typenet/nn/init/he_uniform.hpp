// SPDX-License-Identifier: BSL-1.0
// Defines init::he_uniform.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::init {

/// He et al. (2015): U(-a, a), a = sqrt(6 / fan_in). PyTorch: nn.init.kaiming_uniform_(w, nonlinearity='relu').
struct he_uniform {
    static constexpr const char* name = "he_uniform";
    /// Var(W) = a^2 / 3 = 2 / fan_in (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan f) { return 2.0 / double(f.in); }
    template <class T>
    static void fill(T* w, std::size_t n, fan f, detail::rng& r) {
        const double a = std::sqrt(6.0 / double(f.in));
        for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(r.uniform(-a, a));
    }
};

}  // namespace typenet::init

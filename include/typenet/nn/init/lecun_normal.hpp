// SPDX-License-Identifier: BSL-1.0
// Defines init::lecun_normal.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::init {

/// LeCun et al. (1998): N(0, 1 / fan_in); the variance SELU-style networks expect. PyTorch: nn.init.kaiming_normal_(w, nonlinearity='linear').
struct lecun_normal {
    static constexpr const char* name = "lecun_normal";
    /// Var(W) = 1 / fan_in (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan f) { return 1.0 / double(f.in); }
    template <class T>
    static void fill(T* w, std::size_t n, fan f, detail::rng& r) {
        const double s = std::sqrt(1.0 / double(f.in));
        for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(s * r.normal());
    }
};

}  // namespace typenet::init

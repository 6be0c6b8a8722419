// SPDX-License-Identifier: BSL-1.0
// Defines init::he_normal.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/init/fan.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::init {

/// He et al. (2015): N(0, 2 / fan_in); doubles the variance to make up for ReLU zeroing half its inputs. PyTorch: nn.init.kaiming_normal_(w, nonlinearity='relu').
struct he_normal {
    static constexpr const char* name = "he_normal";
    /// Var(W) = 2 / fan_in (for the compile-time gradient-flow prediction).
    static constexpr double variance(fan f) { return 2.0 / double(f.in); }
    template <class T>
    static void fill(T* w, std::size_t n, fan f, detail::rng& r) {
        const double s = std::sqrt(2.0 / double(f.in));
        for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(s * r.normal());
    }
};

}  // namespace typenet::init

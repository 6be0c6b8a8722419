// SPDX-License-Identifier: BSL-1.0
// Defines fan, the sizes an initialisation policy scales by, and the policy concept.
#pragma once

#include <typenet/core/random.hpp>

#include <concepts>
#include <cstddef>

namespace typenet::init {

/// What a weight matrix connects: `in` inputs to `out` outputs (PyTorch's fan_in, fan_out).
struct fan {
    std::size_t in;
    std::size_t out;
};

/// An initialisation policy: `fill(w, n, fan, rng)` writes n weights. Biases start at zero.
/// A policy may also state `static constexpr double variance(fan)`, the variance of the weights
/// it draws; dense layers need it for the gradient-flow prediction (nn/gradient_flow.hpp).
template <class P>
concept policy = requires(float* w, double* wd, std::size_t n, fan f, detail::rng& r) {
    P::fill(w, n, f, r);
    P::fill(wd, n, f, r);
};

}  // namespace typenet::init

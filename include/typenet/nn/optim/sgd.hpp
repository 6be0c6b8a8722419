// SPDX-License-Identifier: BSL-1.0
// Defines optim::sgd.
#pragma once

#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/lanes.hpp>

#include <cstddef>
#include <optional>

namespace typenet::optim {

/// Stochastic gradient descent with PyTorch's torch.optim.SGD semantics and defaults:
/// d = g + weight_decay * p; with momentum, b = momentum * b + (1 - dampening) * d (b = d on the
/// first step) and d = nesterov ? d + momentum * b : b; then p -= learning_rate * d (in one
/// rounding where the target has FMA: kernels::descent).
/// "The first step" is the trainer's first update: momentum switched on later starts from a
/// zero buffer, b = (1 - dampening) * d (the same as b = d unless dampening is set).
/// One pass over parameters, gradients and the momentum buffer.
struct sgd {
    static constexpr const char* name = "sgd";
    struct options {
        double learning_rate = 1e-3;
        double momentum = 0.0;
        double dampening = 0.0;
        double weight_decay = 0.0;
        bool nesterov = false;
    };
    static constexpr std::size_t state_slots = 1;
    // Only momentum keeps state: without it the trainer allocates none (the parameters' size
    // again, for nothing).
    static constexpr bool needs_state(const options& o) noexcept { return o.momentum != 0.0; }
    // Without momentum and weight decay the update is the plain step p -= learning_rate * g
    // (descent.hpp), which a kernel can take as it forms g (the trainer's kernel steps): its
    // rate then, else nothing.
    static constexpr std::optional<double> plain_step_rate(const options& o) noexcept {
        if (o.momentum != 0.0 || o.weight_decay != 0.0) return std::nullopt;
        return o.learning_rate;
    }

    // Updates the values in `part` of the n parameters; step counts from 1; g is transformed
    // (clipped) as read. Any part is correct; parts that start at multiples of the SIMD width
    // give the bits of one whole pass (for_each_lane).
    template <class T, class Transform>
    static void update(const options& o, T* p, const T* g, T* state, std::size_t /*n*/, kernels::index_range part,
                       std::size_t step, const Transform& clip) {
        const T lr = static_cast<T>(o.learning_rate), mu = static_cast<T>(o.momentum),
                damp = static_cast<T>(1.0 - o.dampening), wd = static_cast<T>(o.weight_decay);
        const bool first = step == 1, momentum = o.momentum != 0.0, nesterov = o.nesterov;
        kernels::for_each_lane<T>(part, [&](std::size_t i, auto lane) {
            using kernels::lane_load, kernels::lane_store;
            auto pv = lane_load(lane, p + i);
            using V = decltype(pv);
            auto d = clip(lane_load(lane, g + i));
            if (wd != T(0)) d = d + V(wd) * pv;
            if (momentum) {
                auto b = first ? d : V(mu) * lane_load(lane, state + i) + V(damp) * d;
                lane_store(lane, state + i, b);
                d = nesterov ? d + V(mu) * b : b;
            }
            lane_store(lane, p + i, kernels::descent<T>::template step<simd::default_arch>(pv, d, V(lr)));
        });
    }
};

}  // namespace typenet::optim

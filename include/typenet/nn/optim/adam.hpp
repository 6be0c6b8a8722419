// SPDX-License-Identifier: BSL-1.0
// Defines optim::adam and the update it shares with optim::adamw.
#pragma once

#include <typenet/kernels/lanes.hpp>
#include <typenet/kernels/simd.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::optim {

namespace detail {
// PyTorch's single-tensor Adam, step by step (torch/optim/adam.py), so results match to rounding.
template <class T, class Transform>
void adam_update(double lr_d, double b1_d, double b2_d, double eps_d, double l2_d, double decoupled_d, T* p,
                 const T* g, T* state, std::size_t n, kernels::index_range part, std::size_t step,
                 const Transform& clip) {
    T* m = state;
    T* v = state + n;
    const double bc1 = 1.0 - std::pow(b1_d, static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(b2_d, static_cast<double>(step));
    const T step_size = static_cast<T>(lr_d / bc1), bc2_sqrt = static_cast<T>(std::sqrt(bc2));
    const T w1 = static_cast<T>(1.0 - b1_d), b2 = static_cast<T>(b2_d), w2 = static_cast<T>(1.0 - b2_d),
            eps = static_cast<T>(eps_d), l2 = static_cast<T>(l2_d), keep = static_cast<T>(1.0 - lr_d * decoupled_d);
    kernels::for_each_lane<T>(part, [&](std::size_t i, auto lane) {
        using kernels::lane_load, kernels::lane_store;
        auto pv = lane_load(lane, p + i);
        using V = decltype(pv);
        auto gv = clip(lane_load(lane, g + i));
        if (decoupled_d != 0.0) pv = pv * V(keep);
        if (l2 != T(0)) gv = gv + V(l2) * pv;
        auto mv = lane_load(lane, m + i);
        mv = mv + V(w1) * (gv - mv);  // torch's lerp_(grad, 1 - beta1)
        auto vv = lane_load(lane, v + i) * V(b2) + V(w2) * gv * gv;
        lane_store(lane, m + i, mv);
        lane_store(lane, v + i, vv);
        const auto denom = simd::sqrt(vv) / V(bc2_sqrt) + V(eps);
        lane_store(lane, p + i, pv - V(step_size) * mv / denom);
    });
}
}  // namespace detail

/// Adam (Kingma and Ba, 2015) with torch.optim.Adam's semantics and defaults: betas (0.9, 0.999),
/// eps 1e-8, weight_decay as an L2 term added to the gradient. State: two moments.
struct adam {
    static constexpr const char* name = "adam";
    struct options {
        double learning_rate = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
    };
    static constexpr std::size_t state_slots = 2;
    // As sgd::update: the values in `part` of n, moments n apart.
    template <class T, class Transform>
    static void update(const options& o, T* p, const T* g, T* state, std::size_t n, kernels::index_range part,
                       std::size_t step, const Transform& clip) {
        detail::adam_update(o.learning_rate, o.beta1, o.beta2, o.eps, o.weight_decay, 0.0, p, g, state, n, part, step,
                            clip);
    }
};

}  // namespace typenet::optim

// SPDX-License-Identifier: BSL-1.0
// Defines optim::adamw.
#pragma once

#include <typenet/nn/optim/adam.hpp>

#include <cstddef>

namespace typenet::optim {

/// AdamW (Loshchilov and Hutter, 2019) with torch.optim.AdamW's semantics and defaults: the
/// weight decay (default 0.01) shrinks the parameters directly, p *= 1 - lr * weight_decay.
struct adamw {
    static constexpr const char* name = "adamw";
    struct options {
        double learning_rate = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 1e-2;
    };
    static constexpr std::size_t state_slots = 2;
    // As sgd::update: the values in `part` of n, moments n apart.
    template <class T, class Transform>
    static void update(const options& o, T* p, const T* g, T* state, std::size_t n, kernels::index_range part,
                       std::size_t step, const Transform& clip) {
        detail::adam_update(o.learning_rate, o.beta1, o.beta2, o.eps, 0.0, o.weight_decay, p, g, state, n, part, step,
                            clip);
    }
};

}  // namespace typenet::optim

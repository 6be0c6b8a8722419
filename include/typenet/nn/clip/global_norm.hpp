// SPDX-License-Identifier: BSL-1.0
// Defines clip::global_norm.
#pragma once

#include <typenet/kernels/simd.hpp>

namespace typenet::clip {

/// Rescales all gradients together when their global L2 norm exceeds max_norm: the factor is
/// max_norm / (norm + 1e-6), applied only when below 1. PyTorch: clip_grad_norm_(max_norm).
/// The norm is accumulated during the backward pass, layer by layer, while each layer's
/// gradients are still in cache; the rescaling happens inside the optimiser's single pass.
struct global_norm {
    static constexpr const char* name = "global_norm";
    struct options {
        double max_norm = 1.0;
    };
    static constexpr bool needs_norm = true;
    template <class T>
    struct transform {
        T scale;
        template <class V>
        V operator()(const V& g) const {
            return g * V(scale);
        }
    };
    template <class T>
    static transform<T> make(const options& o, T norm) {
        const double coef = o.max_norm / (static_cast<double>(norm) + 1e-6);
        return {static_cast<T>(coef < 1.0 ? coef : 1.0)};
    }
};

}  // namespace typenet::clip

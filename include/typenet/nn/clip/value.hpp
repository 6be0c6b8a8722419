// SPDX-License-Identifier: BSL-1.0
// Defines clip::value.
#pragma once

#include <typenet/kernels/simd.hpp>

namespace typenet::clip {

/// Clamps every gradient value into [-clip_value, clip_value]. PyTorch: clip_grad_value_.
/// Applied inside the optimiser's single pass.
struct value {
    static constexpr const char* name = "value";
    struct options {
        double clip_value = 1.0;
    };
    static constexpr bool needs_norm = false;
    template <class T>
    struct transform {
        T limit;
        template <class V>
        V operator()(const V& g) const {
            return simd::min(simd::max(g, V(-limit)), V(limit));
        }
    };
    template <class T>
    static transform<T> make(const options& o, T) {
        return {static_cast<T>(o.clip_value)};
    }
};

}  // namespace typenet::clip

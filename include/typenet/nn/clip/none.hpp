// SPDX-License-Identifier: BSL-1.0
// Defines clip::none.
#pragma once

namespace typenet::clip {

/// No clipping: compiles to nothing. The gradient norm is then computed only when asked for.
struct none {
    static constexpr const char* name = "none";
    struct options {};
    static constexpr bool needs_norm = false;
    // The transform the optimiser applies to each gradient value (or SIMD vector of them).
    struct transform {
        template <class V>
        V operator()(const V& g) const {
            return g;
        }
    };
    template <class T>
    static transform make(const options&, T) {
        return {};
    }
};

}  // namespace typenet::clip

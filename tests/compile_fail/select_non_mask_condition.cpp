// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::select with a condition that is not a mask.
// The condition must be a comparison (or masks combined with &&, || and !), not values.
// expect: typenet: elementwise operation: a comparison gives a mask, which only tn::select, &&, \|\| and ! accept
// expect: require_mask_use<typenet::op::select, false, true ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> pick(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = tn::select(a, a, b);
    return c;
}
#else
tn::tensor<float, tn::shape<3>> pick(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = tn::select(a > 0.0f, a, b);
    return c;
}
#endif

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for arithmetic on a mask.
// A comparison gives a mask, not numbers: (a < b) + a is rejected; tn::select turns a mask into values.
// expect: typenet: elementwise operation: a comparison gives a mask, which only tn::select, &&, \|\| and ! accept
// expect: require_mask_use<typenet::op::add, true, false ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> bump(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = (a < b) + a;
    return c;
}
#else
tn::tensor<float, tn::shape<3>> bump(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = tn::select(a < b, 1.0f, 0.0f) + a;
    return c;
}
#endif

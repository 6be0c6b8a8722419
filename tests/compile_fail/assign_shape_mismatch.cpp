// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for assigning an expression of another shape to a tensor.
// shape<2, 3> + shape<3> broadcasts to shape<2, 3>, which a tensor of shape<3> cannot hold.
// expect: typenet: assign: the expression's shape must equal the destination's shape
// expect: require_assignable<typenet::shape<3>, typenet::shape<2, 3> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> add(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = a + b;
    return c;
}
#else
tn::tensor<float, tn::shape<2, 3>> add(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<2, 3>> c = a + b;
    return c;
}
#endif

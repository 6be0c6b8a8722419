// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for elementwise operations on tensors whose shapes do not broadcast.
// shape<3> + shape<4>: trailing extents 3 and 4 differ and neither is 1.
// expect: typenet: elementwise operation: operand shapes must be equal or broadcast under NumPy's rule
// expect: require_broadcastable<typenet::op::add, typenet::shape<3>, typenet::shape<4> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> add(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<4>>& b) {
    tn::tensor<float, tn::shape<3>> c = a + b;
    return c;
}
#else
tn::tensor<float, tn::shape<3>> add(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = a + b;
    return c;
}
#endif

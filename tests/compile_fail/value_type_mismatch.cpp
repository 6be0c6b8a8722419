// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for an elementwise operation on operands of different value types.
// float + double is not promoted: the operands must share one value type (scalars adapt).
// expect: typenet: elementwise operation: operands must have the same value type
// expect: require_same_value_type<typenet::op::add, float, double ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> add(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<double, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = a + b;
    return c;
}
#else
tn::tensor<float, tn::shape<3>> add(const tn::tensor<float, tn::shape<3>>& a, const tn::tensor<float, tn::shape<3>>& b) {
    tn::tensor<float, tn::shape<3>> c = a + 2.0 * b;  // a double scalar adapts to float
    return c;
}
#endif

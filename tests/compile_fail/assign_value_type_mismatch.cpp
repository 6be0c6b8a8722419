// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for assigning an expression of another value type.
// A float expression does not convert to a double tensor on assignment.
// expect: typenet: assign: the expression's value type must equal the destination's
// expect: require_assignable_value_type<double, float ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<double, tn::shape<3>> twice(const tn::tensor<float, tn::shape<3>>& a) {
    tn::tensor<double, tn::shape<3>> c = a + a;
    return c;
}
#else
tn::tensor<float, tn::shape<3>> twice(const tn::tensor<float, tn::shape<3>>& a) {
    tn::tensor<float, tn::shape<3>> c = a + a;
    return c;
}
#endif

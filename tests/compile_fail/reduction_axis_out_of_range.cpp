// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a per-axis reduction over an axis the operand does not have.
// A shape<2, 3> tensor has axes 0 and 1, so tn::sum<2> is out of range.
// expect: typenet: reduction: the axis must be less than the operand's rank
// expect: require_axis<2, typenet::shape<2, 3>, 2 ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto column_sums(const tn::tensor<float, tn::shape<2, 3>>& a) {
    return tn::sum<2>(a);
}
#else
auto column_sums(const tn::tensor<float, tn::shape<2, 3>>& a) {
    return tn::sum<0>(a);
}
#endif

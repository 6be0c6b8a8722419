// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a matrix product whose inner extents differ.
// shape<2, 3> x shape<4, 5>: the left operand's last extent (3) must equal the right's first (4).
// expect: typenet: matmul: the left operand's last extent must equal the right operand's first extent
// expect: require_matmul_compatible<typenet::shape<2, 3>, typenet::shape<4, 5> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto product(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::tensor<float, tn::shape<4, 5>>& b) {
    return tn::matmul(a, b);
}
#else
auto product(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::tensor<float, tn::shape<3, 5>>& b) {
    return tn::matmul(a, b);
}
#endif

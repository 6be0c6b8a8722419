// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for transposing an operand that is not a matrix.
// tn::transpose takes a tensor of shape<M, N>; a rank-3 tensor (or any batch) is rejected.
// expect: typenet: transpose: the operand must be a tensor of shape<M, N>
// expect: require_matrix<typenet::shape<2, 3, 4>, false ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto flip(const tn::tensor<float, tn::shape<2, 3, 4>>& a) {
    return tn::transpose(a);
}
#else
auto flip(const tn::tensor<float, tn::shape<2, 3>>& a) {
    return tn::transpose(a);
}
#endif

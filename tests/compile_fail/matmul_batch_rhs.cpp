// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::matmul with a batch as the right operand.
// The right operand holds weights: a tensor of shape<K, N>. Rows never meet rows in a product.
// expect: typenet: matmul: the right operand must be a tensor, not a batch
// expect: typenet::matmul[^']*batch<float, 3, 4>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto project(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::batch<float, 3, 4>& b) {
    return tn::matmul(a, b);
}
#else
auto project(const tn::tensor<float, tn::shape<2, 3>>& a, const tn::tensor<float, tn::shape<3, 4>>& b) {
    return tn::matmul(a, b);
}
#endif

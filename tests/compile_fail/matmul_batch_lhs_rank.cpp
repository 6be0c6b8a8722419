// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::matmul with a batch of rank-2 features on the left.
// A batch multiplies as a (rows x K) matrix, so it must be batch<T, K>, one feature axis.
// expect: typenet: matmul: a batch on the left must have one feature axis, batch<T, K>
// expect: typenet::matmul[^']*batch<float, 2, 3>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto project(const tn::batch<float, 2, 3>& x, const tn::tensor<float, tn::shape<3, 4>>& w) {
    return tn::matmul(x, w);
}
#else
auto project(const tn::batch<float, 3>& x, const tn::tensor<float, tn::shape<3, 4>>& w) {
    return tn::matmul(x, w);
}
#endif

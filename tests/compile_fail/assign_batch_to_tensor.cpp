// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for assigning a batch expression to a tensor.
// A batch expression has a row count known only at run time; it goes into a batch (or is
// reduced over its rows first, e.g. tn::sum<0>).
// expect: typenet: assign: a batch expression goes into a batch, a tensor expression into a tensor
// expect: require_same_batching<false, true ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<float, tn::shape<3>> shift(const tn::batch<float, 3>& x) {
    tn::tensor<float, tn::shape<3>> y = x + 1.0f;
    return y;
}
#else
tn::batch<float, 3> shift(const tn::batch<float, 3>& x) {
    tn::batch<float, 3> y = x + 1.0f;
    return y;
}
#endif

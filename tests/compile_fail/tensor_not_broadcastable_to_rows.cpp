// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a tensor operand that does not broadcast to a batch's feature shape.
// shape<2, 3> broadcasts with shape<3> under NumPy's rule, but a tensor meeting a batch<float, 3>
// must fit one row (shape<3>): only the batch knows how many rows there are.
// expect: typenet: elementwise operation: a tensor operand must broadcast to the batch's feature shape
// expect: require_broadcastable_to_rows<typenet::op::add, typenet::shape<2, 3>, typenet::shape<3> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::batch<float, 3> add_bias(const tn::batch<float, 3>& x, const tn::tensor<float, tn::shape<2, 3>>& bias) {
    tn::batch<float, 3> y = x + bias;
    return y;
}
#else
tn::batch<float, 3> add_bias(const tn::batch<float, 3>& x, const tn::tensor<float, tn::shape<3>>& bias) {
    tn::batch<float, 3> y = x + bias;
    return y;
}
#endif

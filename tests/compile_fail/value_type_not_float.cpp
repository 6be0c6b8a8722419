// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a tensor whose value type is neither float nor double.
// typenet's kernels are written for float and double only; tensor<int, ...> is rejected.
// expect: typenet: tensor, batch: the value type must be float or double
// expect: require_value_type<typenet::tensor<int, typenet::shape<3> ?>, int>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
tn::tensor<int, tn::shape<3>> counts() {
    return {};
}
#else
tn::tensor<float, tn::shape<3>> counts() {
    return {};
}
#endif

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for element access with the wrong number of indices.
// A shape<2, 3> tensor takes t(i, j); a batch takes the row first, x(row, i).
// expect: typenet: element access: give one index per axis
// expect: dense_access<[^']*typenet::tensor<float, typenet::shape<2, 3> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
float first(const tn::tensor<float, tn::shape<2, 3>>& a) {
    return a(0);
}
#else
float first(const tn::tensor<float, tn::shape<2, 3>>& a) {
    return a(0, 0);
}
#endif

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::activation<F> with a run-time constant in F.
// An activation is a type: F may hold only _x and compile-time constants, so 0.1f must be
// written tn::rational<1, 10>.
// expect: typenet: activation: the function must be an expression over tn::_x and compile-time constants only
// expect: typenet::activation<typenet::binary_node<typenet::op::multiply, typenet::placeholder
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using scaled = tn::activation<decltype(tn::_x * 0.1f)>;
#else
using scaled = tn::activation<decltype(tn::_x * tn::rational<1, 10>)>;
#endif

tn::tensor<float, tn::shape<3>> scale(const tn::tensor<float, tn::shape<3>>& a) {
    tn::tensor<float, tn::shape<3>> b = scaled{}(a);
    return b;
}

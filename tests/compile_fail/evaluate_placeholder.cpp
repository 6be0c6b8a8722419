// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for evaluating an expression over the placeholder _x.
// tn::derivative gives a function of _x; it has values only after tn::apply substitutes an operand.
// expect: typenet: evaluate: an expression over the placeholder _x has no values
// expect: tn::apply\(f, x\)
// expect: require_no_placeholder<true>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto tanh_slope(const tn::tensor<float, tn::shape<3>>&) {
    return tn::eval(tn::derivative(tn::square(tn::_x)));
}
#else
auto tanh_slope(const tn::tensor<float, tn::shape<3>>& a) {
    return tn::eval(tn::apply(tn::derivative(tn::square(tn::_x)), a));
}
#endif

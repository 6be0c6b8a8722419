// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::derivative of a comparison.
// A comparison is a step, with no derivative; differentiate the tn::select built from it instead.
// expect: typenet: derivative: this operation has no derivative
// expect: typenet::op::less
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
auto slope() { return tn::derivative(tn::_x < tn::rational<1>); }
#else
auto slope() { return tn::derivative(tn::select(tn::_x < tn::rational<1>, tn::_x, tn::rational<1>)); }
#endif

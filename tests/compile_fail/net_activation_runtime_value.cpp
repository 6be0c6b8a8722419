// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for an activation holding a run-time value (0.5f): its type does
// not say everything, so it cannot be a layer. tn::rational<1, 2> is the compile-time form.
// expect: typenet: activation: the function must be an expression over tn::_x and compile-time constants only
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using half = tn::activation<decltype(tn::_x * 0.5f)>;
#else
using half = tn::activation<decltype(tn::_x * tn::rational<1, 2>)>;
#endif
struct net : tn::network<tn::input<4>, tn::dense<3>, half> {};
net model;

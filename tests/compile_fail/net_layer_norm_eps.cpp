// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a layer norm eps that is not positive (a zero variance
// would divide by zero).
// expect: typenet: layer_norm: eps must be positive
#include <typenet/typenet.hpp>

#include <ratio>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using eps = std::ratio<0, 1>;
#else
using eps = std::ratio<1, 1000>;
#endif
struct net : tn::network<tn::input<8>, tn::dense<8>, tn::layer_norm<eps>, tn::tanh, tn::dense<2>> {};
net model;

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a network whose first element is not tn::input<...>.
// expect: typenet: network: the first element must be tn::input<...>, the shape of one sample
// expect: require_network_input<float, typenet::dense<4
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::dense<4>, tn::relu> {};
#else
struct net : tn::network<tn::input<8>, tn::dense<4>, tn::relu> {};
#endif
net model;

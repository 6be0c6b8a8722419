// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for an element of a network's list that is not a layer (int).
// The checker names its position (1) and the element.
// expect: typenet: network: every element after tn::input must be a layer
// expect: check_layer<1, int ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<4>, tn::dense<8>, int, tn::dense<2>> {};
#else
struct net : tn::network<tn::input<4>, tn::dense<8>, tn::relu, tn::dense<2>> {};
#endif
net model;

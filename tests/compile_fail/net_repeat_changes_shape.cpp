// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a repeat block that does not map its input shape to itself
// (dense<32> inside a block fed shape<16>): the junction check names the repeat and the shape.
// expect: typenet: network: a layer cannot take the shape its predecessor gives
// expect: check_junction<0, typenet::repeat<3, typenet::dense<32[^>]*>, typenet::relu>, typenet::shape<16> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<16>, tn::repeat<3, tn::dense<32>, tn::relu>, tn::dense<2>> {};
#else
struct net : tn::network<tn::input<16>, tn::dense<32>, tn::repeat<3, tn::dense<32>, tn::relu>, tn::dense<2>> {};
#endif
net model;

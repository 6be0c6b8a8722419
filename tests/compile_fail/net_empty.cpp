// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a network with no layer after its input.
// expect: typenet: network: a network needs at least one layer after tn::input
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<4>> {};
#else
struct net : tn::network<tn::input<4>, tn::dense<2>> {};
#endif
net model;

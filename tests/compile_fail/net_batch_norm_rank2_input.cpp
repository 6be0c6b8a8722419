// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for batch norm on a rank-2 sample (BatchNorm1d takes (N, C)):
// the junction check names the position, tn::batch_norm and the shape it was given.
// expect: typenet: network: a layer cannot take the shape its predecessor gives
// expect: check_junction<0, typenet::batch_norm<.*typenet::shape<4, 5> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<4, 5>, tn::batch_norm<>, tn::flatten, tn::dense<2>> {};
#else
struct net : tn::network<tn::input<4, 5>, tn::flatten, tn::batch_norm<>, tn::dense<2>> {};
#endif
net model;

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a dense layer fed a rank-2 sample without tn::flatten.
// input<28, 28> then dense<128>: dense takes a rank-1 input. The checker names position 0, the
// layer and the shape it was given.
// expect: typenet: network: a layer cannot take the shape its predecessor gives
// expect: check_junction<0, typenet::dense<128[^>]*>, typenet::shape<28, 28> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<28, 28>, tn::dense<128>, tn::relu, tn::dense<10>> {};
#else
struct net : tn::network<tn::input<28, 28>, tn::flatten, tn::dense<128>, tn::relu, tn::dense<10>> {};
#endif
net model{tn::seed{1}};

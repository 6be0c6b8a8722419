// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a dropout probability outside [0, 1].
// expect: typenet: dropout: the probability p must lie in \[0, 1\]
#include <typenet/typenet.hpp>

#include <ratio>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using p = std::ratio<5, 4>;
#else
using p = std::ratio<1, 4>;
#endif
struct net : tn::network<tn::input<8>, tn::dense<8>, tn::relu, tn::dropout<p>, tn::dense<2>> {};
net model;

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a batch norm momentum outside [0, 1].
// expect: typenet: batch_norm: the momentum must lie in \[0, 1\]
#include <typenet/typenet.hpp>

#include <ratio>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using momentum = std::ratio<3, 2>;
#else
using momentum = std::ratio<1, 100>;
#endif
struct net : tn::network<tn::input<8>, tn::dense<8>, tn::batch_norm<momentum>, tn::relu, tn::dense<2>> {};
net model;

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a residual block that changes the shape (dense<5> inside a
// block fed shape<8>): check_residual names the block, its input and its output shape.
// expect: typenet: residual: the block's output shape must equal its input shape. use tn::residual_projection when they differ
// expect: check_residual<typenet::residual<typenet::dense<5[^>]*>, typenet::relu>, typenet::shape<8>, typenet::shape<5> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct net : tn::network<tn::input<8>, tn::residual<tn::dense<5>, tn::relu>, tn::dense<2>> {};
#else
struct net : tn::network<tn::input<8>, tn::residual_projection<tn::dense<5>, tn::relu>, tn::dense<2>> {};
#endif
net model;

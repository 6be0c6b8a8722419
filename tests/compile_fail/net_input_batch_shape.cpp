// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for feeding a network a batch of the wrong feature shape
// (batch<float, 5> into a network whose input is input<4>).
// expect: typenet: network: the input must be a batch whose feature shape is the network's input shape
// expect: require_input_batch<typenet::batch<float, 5>, typenet::shape<4>, float ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

struct net : tn::network<tn::input<4>, tn::dense<3>> {};

#ifdef TYPENET_SHOULD_FAIL
using features = tn::batch<float, 5>;
#else
using features = tn::batch<float, 4>;
#endif
tn::batch<float, 3> predict(const net& model, const features& x) { return model(x); }

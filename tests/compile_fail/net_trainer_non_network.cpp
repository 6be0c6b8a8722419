// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a trainer whose first argument is not a network type.
// expect: typenet: trainer: the first argument must be a tn::network type
#include <typenet/typenet.hpp>

namespace tn = typenet;

struct net : tn::network<tn::input<4>, tn::dense<3>> {};

#ifdef TYPENET_SHOULD_FAIL
using model_type = tn::batch<float, 4>;
#else
using model_type = net;
#endif
std::size_t trainer_size() { return sizeof(tn::trainer<model_type, tn::loss::mse>); }

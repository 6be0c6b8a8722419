// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the opt-in umbrella over the compile-time gradient-flow prediction,
// tn::predicted_gradient_flow<Net>(), tn::stable_gradients<Net> and the trainer policy
// tn::require_stable_gradients. Not part of <typenet/typenet.hpp>: prediction, like measurement
// (<typenet/diag.hpp>), is analysis of a network rather than its definition or training.
#pragma once

#include <typenet/nn/gradient_flow.hpp>

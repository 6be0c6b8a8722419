// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the umbrella header over what defines, trains and runs networks.
//
// Why not every header. Reading and writing files (<typenet/io.hpp>), measuring gradients while
// training (<typenet/diag.hpp>) and predicting them at compile time (<typenet/gradient_flow.hpp>)
// are opt-in umbrellas of their own: io and diag pull in <filesystem>, <fstream>, <ranges> and
// zlib, which took the include-only cost of this header from 1.8 s to 2.8 s (g++ 12, -O2
// -march=native; docs/performance.md, "Compile cost"). A header joins this one only if a program
// that defines and trains a network needs it, and not if it pulls in a heavy standard header.
#pragma once

#include <typenet/config.hpp>

#include <typenet/core/batch.hpp>
#include <typenet/core/batch_view.hpp>
#include <typenet/core/random.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/core/shape_concepts.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/core/tensor_view.hpp>

#include <typenet/expr/activations.hpp>
#include <typenet/expr/apply.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/derivative.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/matmul.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>
#include <typenet/expr/reduce.hpp>

#include <typenet/nn/clip/global_norm.hpp>
#include <typenet/nn/clip/none.hpp>
#include <typenet/nn/clip/value.hpp>
#include <typenet/nn/init/he_normal.hpp>
#include <typenet/nn/init/he_uniform.hpp>
#include <typenet/nn/init/lecun_normal.hpp>
#include <typenet/nn/init/xavier_normal.hpp>
#include <typenet/nn/init/xavier_uniform.hpp>
#include <typenet/nn/init/zeros.hpp>
#include <typenet/nn/input.hpp>
#include <typenet/nn/layer_concepts.hpp>
#include <typenet/nn/layers/activation.hpp>
#include <typenet/nn/layers/batch_norm.hpp>
#include <typenet/nn/layers/dense.hpp>
#include <typenet/nn/layers/dropout.hpp>
#include <typenet/nn/layers/flatten.hpp>
#include <typenet/nn/layers/layer_norm.hpp>
#include <typenet/nn/layers/repeat.hpp>
#include <typenet/nn/layers/residual.hpp>
#include <typenet/nn/loss/binary_cross_entropy_with_logits.hpp>
#include <typenet/nn/loss/mse.hpp>
#include <typenet/nn/loss/softmax_cross_entropy.hpp>
#include <typenet/nn/network.hpp>
#include <typenet/nn/optim/adam.hpp>
#include <typenet/nn/optim/adamw.hpp>
#include <typenet/nn/optim/sgd.hpp>
#include <typenet/nn/summary.hpp>

#include <typenet/train/nan_guard.hpp>
#include <typenet/train/trainer.hpp>

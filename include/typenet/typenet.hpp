// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the umbrella header over every public typenet header.
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
#include <typenet/expr/matmul.hpp>
#include <typenet/expr/reduce.hpp>

#include <typenet/io/fwd.hpp>
#include <typenet/io/idx.hpp>
#include <typenet/io/npy.hpp>
#include <typenet/io/npz.hpp>
#include <typenet/io/zip.hpp>

#include <typenet/nn/clip/global_norm.hpp>
#include <typenet/nn/clip/none.hpp>
#include <typenet/nn/clip/value.hpp>
#include <typenet/nn/gradient_flow.hpp>
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

#include <typenet/diag/csv.hpp>
#include <typenet/diag/diagnostics.hpp>
#include <typenet/diag/fwd.hpp>
#include <typenet/diag/gradient_chart.hpp>
#include <typenet/diag/level.hpp>
#include <typenet/diag/svg.hpp>
#include <typenet/diag/table.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>

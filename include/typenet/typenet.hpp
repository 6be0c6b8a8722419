// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the umbrella header over every public typenet header.
#pragma once

#include <typenet/config.hpp>

#include <typenet/core/batch.hpp>
#include <typenet/core/batch_view.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/fwd.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/shape_algebra.hpp>
#include <typenet/core/shape_concepts.hpp>
#include <typenet/core/tensor.hpp>
#include <typenet/core/tensor_view.hpp>

#include <typenet/expr/apply.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/derivative.hpp>
#include <typenet/expr/matmul.hpp>
#include <typenet/expr/reduce.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/nodes.hpp>
#include <typenet/expr/operators.hpp>

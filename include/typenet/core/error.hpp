// SPDX-License-Identifier: BSL-1.0
// Defines the exceptions typenet throws at run time: shape_error and index_error.
#pragma once

#include <stdexcept>
#include <string>

namespace typenet {

/// A run-time shape mismatch: two batches with different row counts, or a view assigned an
/// expression of another row count. `what()` names both shapes, e.g. `(32, 784) vs (64, 784)`.
struct shape_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

/// An element index outside its extent (checked when TYPENET_CHECK_BOUNDS is 1).
struct index_error : std::out_of_range {
    using std::out_of_range::out_of_range;
};

}  // namespace typenet

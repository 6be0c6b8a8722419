// SPDX-License-Identifier: BSL-1.0
// Defines diag::level, what tn::diagnostics records.
#pragma once

namespace typenet::diag {

/// What tn::diagnostics records: `parameters` (dL/dW, dL/db, W: no extra computation but the
/// norms) or `all`, which adds dL/dh, the gradient reaching each layer's input; for the first
/// layer that means computing its input gradient, which training alone never needs.
enum class level { parameters, all };

}  // namespace typenet::diag

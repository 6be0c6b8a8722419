// SPDX-License-Identifier: BSL-1.0
// Defines the NaN/Inf guard policies of tn::trainer (nan_guard::throw_error, nan_guard::skip_step)
// and non_finite_error, what throw_error throws.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace typenet {

/// Where a guarded step first met a non-finite value, in the order the step computes things.
enum class non_finite_source {
    input,             // the batch given to step()
    activation,        // the output of a layer in the forward pass
    loss,              // the loss, although every output was finite (e.g. a label out of range)
    gradient,          // a parameter gradient in the backward pass
    parameter,         // a parameter after the update
    optimiser_state    // the optimiser's state after the update (e.g. Adam's second moment)
};

/// Thrown by a trainer with tn::nan_guard::throw_error when a step meets a NaN or an infinity.
/// what() names the step and the first layer where the value appeared, e.g.
/// `typenet: trainer: step 7: a non-finite value (nan) appeared in the gradient of layer "2"
/// (2.weight); the step was not applied: the parameters are those before step 7`.
/// The parameters, the buffers and the optimiser's state are those before that step.
class non_finite_error : public std::runtime_error {
public:
    non_finite_error(const std::string& what, std::size_t step, std::string layer, non_finite_source source)
        : std::runtime_error(what), step_(step), layer_(std::move(layer)), source_(source) {}
    /// The step, counted from 0 over every call of step() with rows (skipped ones included).
    std::size_t step() const noexcept { return step_; }
    /// The layer's state_dict prefix ("2", "3.0", "4.shortcut"); empty for the input or the loss.
    const std::string& layer() const noexcept { return layer_; }
    non_finite_source source() const noexcept { return source_; }

private:
    std::size_t step_;
    std::string layer_;
    non_finite_source source_;
};

/// NaN/Inf guard policies, given after the clipping policy:
/// `tn::trainer<Net, Loss, Optim, Clip, tn::nan_guard::skip_step>`. Without one, nothing is checked.
///
/// Each guarded step tests the loss and the global gradient norm (which backward accumulates
/// anyway when clipping or diagnostics need it; otherwise one pass over the gradients while
/// they are in cache). Only when one of them is not finite does it look for where: first in the
/// input, then in each element's output (forward order), then in the gradients (backward
/// order: last layer first, where back-propagation made them). The update is then not applied.
/// With `check_update` (the default) the trainer also keeps a copy of the parameters and the
/// optimiser's state from before the update, tests them after it, and puts the copy back when
/// the update made a value non-finite (a learning rate far too large): one more copy of
/// (1 + Optimiser::state_slots) * parameter_count values per step. Batch norm's running
/// statistics are restored as well.
/// Example: examples/gradient_report.cpp
namespace nan_guard {

struct options {
    bool check_update = true;  // also test (and undo) an update that makes a parameter non-finite; read once, at construction
};

/// Throws tn::non_finite_error naming the step and the layer.
struct throw_error {
    static constexpr bool is_nan_guard = true;
    static constexpr bool skips = false;
    using options = nan_guard::options;
};

/// Leaves the parameters, the buffers and the optimiser's state as they were and counts the
/// step (trainer::skipped_steps()); trainer::steps() counts only the steps applied.
struct skip_step {
    static constexpr bool is_nan_guard = true;
    static constexpr bool skips = true;
    using options = nan_guard::options;
};

}  // namespace nan_guard
}  // namespace typenet

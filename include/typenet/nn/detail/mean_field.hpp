// SPDX-License-Identifier: BSL-1.0
// Defines mean_field (the forward state a gradient-flow prediction carries from layer to layer)
// and mean_field_gain (a layer's output state and its backward factor chi), with the steps of
// the layers whose rule is a formula: dense, a residual's sum, a projection, batch norm.
// Activations integrate their function: nn/detail/activation_mean_field.hpp.
//
// The theory is mean-field theory at initialisation (Glorot & Bengio 2010; He et al. 2015;
// Poole et al. 2016; Schoenholz et al. 2017): weights are independent, zero-mean, and the
// backward pass is treated as independent of the forward one (the "gradient independence"
// assumption), which is exact to first order in 1/width. chi is always a ratio of TOTAL squared
// norms, ||dL/d input||^2 / ||dL/d output||^2, summed over units and batch rows, because what
// is measured (and reported) is the norm of the whole gradient tensor at a layer's input.
#pragma once

#include <cstddef>

namespace typenet::detail {

/// The statistics of a layer's input (or output) at initialisation, over units and samples.
struct mean_field {
    double q = 1.0;             // E[h^2], the second moment of one unit
    double m = 0.0;             // E[h], the mean over units and samples
    double unit_mean_sq = 0.0;  // E_units[(E_batch h_i)^2]: how far each unit's own batch mean
                                // sits from 0; q - unit_mean_sq is a unit's variance over the
                                // batch, what batch norm divides by (always m^2 <= it <= q)
    constexpr bool operator==(const mean_field&) const = default;
};

/// One layer's step: its output statistics, and chi = ||dL/dx||^2 / ||dL/dy||^2 for its input
/// x and output y (the factor by which it scales the squared norm of the gradient).
struct mean_field_gain {
    mean_field out{};
    double chi = 1.0;
};

// y = W x + b, W of shape [n_out, n_in] with i.i.d. zero-mean entries of variance v, b = 0.
// Forward: E[y_i^2] = sum_j v E[x_j^2] = n_in v q; E[y] = 0 (W is zero-mean), but unit i's batch
// mean is sum_j W_ij E_batch[x_j], whose square averages to n_in v unit_mean_sq.
// Backward: dL/dx = W^T dL/dy, so E[(dL/dx_j)^2] = sum_i v (dL/dy_i)^2 = v ||dL/dy||^2 for each
// of the n_in inputs: ||dL/dx||^2 / ||dL/dy||^2 = n_in v. (Per unit, the mean square grows by
// n_out v, Glorot's backward condition; the two agree for a square layer.)
constexpr mean_field_gain dense_mean_field(double variance, std::size_t n_in, mean_field in) {
    const double s = static_cast<double>(n_in) * variance;
    return {{s * in.q, 0.0, s * in.unit_mean_sq}, s};
}

// y = F(x) + x. At initialisation F's output is uncorrelated with x beyond their means (F's
// weights are zero-mean and independent of x), so E[y^2] = q_F + q_x + 2 m_F m_x, and unit
// means add the same way. Backward, dL/dx = J_F^T dL/dy + dL/dy; the cross term has zero mean
// for the same reason, so chi = chi_F + 1 (the identity path adds its 1).
constexpr mean_field_gain residual_mean_field(mean_field in, mean_field_gain block) {
    const mean_field f = block.out;
    return {{in.q + f.q + 2.0 * in.m * f.m, in.m + f.m, in.unit_mean_sq + f.unit_mean_sq + 2.0 * in.m * f.m},
            1.0 + block.chi};
}

// y = F(x) + W_s x + b_s with the shortcut a dense (variance v, n_in inputs): the shortcut's
// output is zero-mean and uncorrelated with F's, so moments and chi add.
constexpr mean_field_gain projection_mean_field(mean_field in, mean_field_gain block, double variance,
                                                std::size_t n_in) {
    const mean_field_gain s = dense_mean_field(variance, n_in, in);
    return {{block.out.q + s.out.q, block.out.m, block.out.unit_mean_sq + s.out.unit_mean_sq}, block.chi + s.chi};
}

// Batch norm in training mode, weight 1 and bias 0 (PyTorch's start): each unit is centred on
// its batch mean and divided by sqrt(var + eps), var = q - unit_mean_sq, its variance over the
// batch. Output: mean 0 in every unit, E[y^2] = var / (var + eps). Backward: dL/dx =
// (dL/dy - mean(dL/dy) - y mean(dL/dy y)) / sqrt(var + eps); the two projections remove 2 of
// the batch's B directions, so chi = 1 / (var + eps) up to a factor (B - 2) / B, left out since
// the batch size is a run-time value (0.992 at B = 256).
constexpr mean_field_gain batch_norm_mean_field(mean_field in, double eps) {
    double var = in.q - in.unit_mean_sq;
    if (var < 0) var = 0;
    return {{var / (var + eps), 0.0, 0.0}, 1.0 / (var + eps)};
}

}  // namespace typenet::detail

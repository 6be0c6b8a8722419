// SPDX-License-Identifier: BSL-1.0
// Defines mean_field (the forward statistics a gradient-flow prediction carries from layer to
// layer), flow_state and flow_map (the backward state and a layer's linear map of it) and
// mean_field_gain (a layer's step: output statistics and backward map), with the steps of the
// layers whose rule is a formula: dense, batch norm, layer norm, dropout, a residual's sum.
// Activations integrate their function: nn/detail/activation_mean_field.hpp.
//
// The theory is mean-field theory at initialisation (Glorot & Bengio 2010; He et al. 2015;
// Poole et al. 2016; Schoenholz et al. 2017): weights are independent and zero-mean. Norms are
// TOTAL squared norms, summed over units and batch rows, as a diagnostic measures them.
//
// Beyond gradient independence. The usual theory treats the backward pass as independent of
// the forward one, which holds for every direction of the gradient but a few: a gradient
// component along a vector the forward pass built from the same weights is mapped coherently.
// By Stein's lemma, for z = W x, E_W[W^T f(z)] = n_out Var(W) E[f'(z)] x: a dense layer maps a
// gradient along (a function of) its own output back along its input, not at random. So the
// backward state keeps, besides the squared norm H of the incoherent part, the gradient's
// components along three vectors of the tensor h it stands at, per row: a along 1 (the common
// mode), b along u (the units' batch means, a pattern shared by the rows) and c along h itself;
// g = r + a 1 + b u + c h. a, b, c are random per row (they come from the output gradient), so
// the state holds their covariance K (6 numbers). A layer's backward map is linear in
// (H, K): an 8 x 8 matrix, with its 3 x 3 map of the amplitudes (for a residual's cross terms).
//
// Why it matters. An activation turns a common mode a 1 into a phi'(z), whose part along z is a
// E[phi''(z)] (Stein); the dense before it maps that along its input x, whose mean m_x is not
// 0 after ReLUs. A ReLU residual stream (mean growing with depth) so grows a common mode faster
// than the rest of the gradient (per block 1 + n Var(W) m_x E[phi''] ~ 1.45 with He init), and
// the measured per-block factor climbs from sqrt 2 to 1.65 over 50 blocks. Odd-symmetric
// derivatives (tanh, sigmoid) have E[phi''] = 0 at mean 0 and keep the plain theory; batch and
// layer norm stop it (they remove the unit means and the row mean that carry it).
//
// Seeds. The output gradient is random: no coherent part at the top. Where the incoherent part
// stays orthogonal to the tensor it stands at (in a chain), its image stays so: for ReLU,
// x . W^T D r = z . D r = phi(z) . r = 0 exactly, and measurement shows no growth. Inside a
// residual branch the gradient is orthogonal to the block's output x + F, not to F's: there the
// branch's first dense seeds the common mode with its random image's projection on 1,
// Var(1 . W^T r) = n_in Var(W) ||r||^2. The state carries that "unpinned" norm as its 8th entry
// (U), which residual blocks set and the dense consumes.
#pragma once

#include <typenet/core/detail/constexpr_math.hpp>

#include <array>
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

// The backward state: [0] H = ||r||^2, [1..6] the covariance of the amplitudes (a, b, c) as aa,
// ab, ac, bb, bc, cc, [7] U, the unpinned norm (see Seeds above). Totals over rows.
inline constexpr std::size_t flow_dim = 8;
// Plain arrays, indexed directly in the loops: clang counts each std::array::operator[] call
// as evaluation steps, which tripled the cost of these maps.
struct flow_state {
    double v[flow_dim]{};
    constexpr double& operator[](std::size_t i) { return v[i]; }
    constexpr const double& operator[](std::size_t i) const { return v[i]; }
};
struct amplitude_map {  // row-major 3 x 3: amplitudes_in = t * amplitudes_out
    double a[9]{};
    constexpr double& operator[](std::size_t i) { return a[i]; }
    constexpr const double& operator[](std::size_t i) const { return a[i]; }
};

/// A layer's backward map: state at its input = m * state at its output; t maps the amplitudes.
struct flow_map {
    double m[flow_dim * flow_dim]{};
    amplitude_map t{};
    static constexpr flow_map identity() {
        flow_map f{};
        for (std::size_t i = 0; i < flow_dim; ++i) f.m[i * flow_dim + i] = 1.0;
        f.t = {{1, 0, 0, 0, 1, 0, 0, 0, 1}};
        return f;
    }
    constexpr flow_state apply(const flow_state& s) const {
        flow_state r{};
        for (std::size_t i = 0; i < flow_dim; ++i) {
            const double* a = m + i * flow_dim;
            r.v[i] = a[0] * s.v[0] + a[1] * s.v[1] + a[2] * s.v[2] + a[3] * s.v[3] + a[4] * s.v[4] + a[5] * s.v[5] +
                     a[6] * s.v[6] + a[7] * s.v[7];
        }
        return r;
    }
};

constexpr amplitude_map multiply(const amplitude_map& a, const amplitude_map& b) {
    amplitude_map r{};
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 3; ++k) r.a[i * 3 + j] += a.a[i * 3 + k] * b.a[k * 3 + j];
    return r;
}

/// The map of a layer followed by another (first nearer the input): first * second.
constexpr flow_map then(const flow_map& first, const flow_map& second) {
    flow_map r{};
    for (std::size_t i = 0; i < flow_dim; ++i)
        for (std::size_t k = 0; k < flow_dim; ++k) {
            const double a = first.m[i * flow_dim + k];
            if (a != 0)
                for (std::size_t j = 0; j < flow_dim; ++j) r.m[i * flow_dim + j] += a * second.m[k * flow_dim + j];
        }
    r.t = multiply(first.t, second.t);
    return r;
}

// The symmetric pairs (i, j), i <= j, in state order [1..6]. Loops below run over pairs, not
// over (i, j, k, l), and index these tables: clang counts every statement it evaluates.
inline constexpr std::size_t pair_i[6] = {0, 0, 0, 1, 1, 2};
inline constexpr std::size_t pair_j[6] = {0, 1, 2, 1, 2, 2};

// The coefficient of K_out(pair q) in K_in(pair p) for K_in = t K_out t^T.
constexpr double congruence_coefficient(const amplitude_map& t, std::size_t p, std::size_t q) {
    const std::size_t i = pair_i[p], j = pair_j[p], k = pair_i[q], l = pair_j[q];
    const double* a = t.a;
    return k == l ? a[i * 3 + k] * a[j * 3 + l] : a[i * 3 + k] * a[j * 3 + l] + a[i * 3 + l] * a[j * 3 + k];
}

// K_in = t K_out t^T on the symmetric entries: entries [1..6] of the map.
constexpr flow_map from_amplitudes(const amplitude_map& t) {
    flow_map f{};
    f.t = t;
    for (std::size_t p = 0; p < 6; ++p)
        for (std::size_t q = 0; q < 6; ++q) f.m[(1 + p) * flow_dim + 1 + q] = congruence_coefficient(t, p, q);
    return f;
}

// The same applied to a state's K directly (the other entries are left 0).
constexpr flow_state congruence(const amplitude_map& t, const flow_state& g) {
    flow_state r{};
    for (std::size_t p = 0; p < 6; ++p) {
        double v = 0;
        for (std::size_t q = 0; q < 6; ++q) v += congruence_coefficient(t, p, q) * g.v[1 + q];
        r.v[1 + p] = v;
    }
    return r;
}

// K's entry (i, j) for i <= j.
constexpr double amplitude_cov(const flow_state& s, std::size_t i, std::size_t j) {
    return s[i == 0 ? 1 + j : (i == 1 ? 3 + j : 6)];
}

/// The squared norm of the whole gradient at a tensor of n units with statistics f:
/// ||r||^2 + n E[(a + b u + c h)^2] (u . h = n unit_mean_sq, as the batch means are h's).
constexpr flow_state norm_row(mean_field f, std::size_t n) {
    const double d = static_cast<double>(n);
    return {{1.0, d, 2 * d * f.m, 2 * d * f.m, d * f.unit_mean_sq, 2 * d * f.unit_mean_sq, d * f.q, 0.0}};
}
constexpr double dot(const flow_state& a, const flow_state& b) {
    double s = 0;
    for (std::size_t i = 0; i < flow_dim; ++i) s += a.v[i] * b.v[i];
    return s;
}

inline constexpr double smallest_gain = 1e-100;
constexpr double floored(double chi) { return chi < smallest_gain ? smallest_gain : chi; }

/// One layer's step: its output statistics and its backward map.
struct mean_field_gain {
    mean_field out{};
    flow_map back = flow_map::identity();
};

// y = W x + b, W of shape [n_out, n_in] with i.i.d. zero-mean entries of variance v, b = 0.
// Forward: E[y_i^2] = n_in v q; E[y] = 0, but unit i's batch mean is sum_j W_ij E_batch[x_j],
// whose square averages to n_in v unit_mean_sq.
// Backward: dL/dx = W^T dL/dy. Its incoherent part has E[(dL/dx_j)^2] = v ||dL/dy||^2 for each
// of the n_in inputs (the chi = n_in v of the plain theory; per unit, Glorot's n_out v). The
// amplitudes along u_y = W u_x and y = W x come back along u_x and x scaled by n_out v
// (E[W^T W] = n_out v I); the one along 1 does not (W^T 1 is random). An unpinned norm U seeds
// the common mode with Var(1 . W^T r) / n_in^2 = v U / n_in.
constexpr mean_field_gain dense_mean_field(double variance, std::size_t n_in, std::size_t n_out, mean_field in) {
    const double s = static_cast<double>(n_in) * variance, back = static_cast<double>(n_out) * variance;
    const mean_field out{s * in.q, 0.0, s * in.unit_mean_sq};
    flow_map f = from_amplitudes({0, 0, 0, 0, back, 0, 0, 0, back});
    const flow_state h = norm_row(out, n_out);
    for (std::size_t j = 0; j < flow_dim; ++j) f.m[j] = floored(s) * h[j];
    f.m[1 * flow_dim + 7] = variance / static_cast<double>(n_in);
    return {out, f};
}

// Batch norm in training mode, weight 1 and bias 0 (PyTorch's start): each unit is centred on
// its batch mean and divided by sqrt(var + eps), var = q - unit_mean_sq, its variance over the
// batch. Output: mean 0 in every unit, E[y^2] = var / (var + eps). Backward: dL/dx =
// (dL/dy - mean(dL/dy) - y mean(dL/dy y)) / sqrt(var + eps); the two projections remove 2 of
// the batch's B directions, a factor (B - 2) / B left out since B is a run-time value (0.992 at
// B = 256). They act over the batch, per unit: the amplitudes, random per row with mean 0, pass;
// c along y = (x - u_x) / sigma comes back as c / sigma^2 along x and -c / sigma^2 along u_x.
constexpr mean_field_gain batch_norm_mean_field(mean_field in, double eps) {
    double var = in.q - in.unit_mean_sq;
    if (var < 0) var = 0;
    const double s2 = var + eps, s = cmath::sqrt(s2);
    flow_map f = from_amplitudes({1 / s, 0, 0, 0, 0, -1 / s2, 0, 0, 1 / s2});
    f.m[0] = 1 / s2;
    f.m[7 * flow_dim + 7] = 1 / s2;
    return {{var / s2, 0.0, 0.0}, f};
}

// Layer norm, weight 1 and bias 0: each row is centred on its mean over the n units and
// divided by sqrt(v + eps), v the row's variance (q - m^2 when the units share the mean m).
// Output: mean 0, E[y^2] = v / (v + eps); the units' pattern of batch means survives, centred
// and scaled. Backward: dL/dx = (dL/dy - mean_units(dL/dy) - y mean_units(dL/dy y)) / sigma
// per row, which removes 2 of the n directions of each row, (n - 2) / n, and exactly the
// common mode (a) and the part along y (c, up to eps / (v + eps)): layer norm resets the
// coherent state. b along u_y = (u_x - m) / sigma comes back as b / sigma^2 along u_x, less its
// row mean and its part along y.
constexpr mean_field_gain layer_norm_mean_field(mean_field in, std::size_t n, double eps) {
    double v = in.q - in.m * in.m;
    if (v < 0) v = 0;
    double spread = in.unit_mean_sq - in.m * in.m;
    if (spread < 0) spread = 0;
    const double s2 = v + eps, c = eps / (s2 * s2), u = spread / s2;
    const mean_field out{v / s2, 0.0, u};
    flow_map f = from_amplitudes({0, -in.m * (1 - u) / s2, -in.m * c, 0, 1 / s2, 0, 0, -u / s2, c});
    const double keep = n > 2 ? static_cast<double>(n - 2) / static_cast<double>(n) : 0.0;
    f.m[0] = floored(keep / s2);
    f.m[7 * flow_dim + 7] = keep / s2;
    return {out, f};
}

// Dropout in training mode: y = x M, M = mask / (1 - p), E[M] = 1, E[M^2] = k = 1 / (1 - p).
// Forward: q' = k q, the means stay. Backward: dL/dx = dL/dy M; the coherent part a 1 + b u +
// c y comes back as (a 1 + b u + k c x) M: its mean is coherent, the rest, (k - 1) times its
// squared norm, joins the incoherent part; that part itself is scaled by k. p = 1 passes
// nothing: a zero gain (counted as 1e-100, as a zero-initialised dense is).
constexpr mean_field_gain dropout_mean_field(mean_field in, std::size_t n, double p) {
    if (!(p < 1)) {
        flow_map f = from_amplitudes({0, 0, 0, 0, 0, 0, 0, 0, 0});
        const flow_state h = norm_row({0.0, 0.0, 0.0}, n);
        for (std::size_t j = 0; j < flow_dim; ++j) f.m[j] = smallest_gain * h[j];
        return {{0.0, 0.0, 0.0}, f};
    }
    const double k = 1 / (1 - p);
    flow_map f = from_amplitudes({1, 0, 0, 0, 1, 0, 0, 0, k});
    // H_in = k H + (k - 1) ||coherent part at x||^2, with the coherent amplitudes already mapped.
    const flow_state h = norm_row(in, n);
    for (std::size_t j = 0; j < flow_dim; ++j) {
        double v = 0;
        for (std::size_t i = 1; i < 7; ++i) v += h[i] * f.m[i * flow_dim + j];
        f.m[j] = (k - 1) * v;
    }
    f.m[0] += k;
    f.m[7 * flow_dim + 7] = k;
    return {{k * in.q, in.m, in.unit_mean_sq}, f};
}

// --- residual blocks ---
// y = F(x) + x with F's output f. At initialisation f is uncorrelated with x beyond the means
// (F's weights are zero-mean and independent of x): E[y^2] = q_F + q_x + 2 m_F m_x, and unit
// means add the same way.
constexpr mean_field residual_output(mean_field in, mean_field f) {
    return {in.q + f.q + 2.0 * in.m * f.m, in.m + f.m, in.unit_mean_sq + f.unit_mean_sq + 2.0 * in.m * f.m};
}

// Backward, the gradient g = r + a 1 + b u_y + c y at the block's output y = x + f reaches both
// paths. F sees its output f: c y = c f + c x, and c x = c m_x 1 + (incoherent for F, whose
// weights x does not involve), likewise b u_x; r is orthogonal to y but not to f: unpinned.
constexpr flow_state residual_branch_state(mean_field in, mean_field y, std::size_t n, const flow_state& g) {
    const double d = static_cast<double>(n);
    const double var = in.q - in.m * in.m > 0 ? in.q - in.m * in.m : 0.0;
    const double spread = in.unit_mean_sq - in.m * in.m > 0 ? in.unit_mean_sq - in.m * in.m : 0.0;
    flow_state s = congruence({1, in.m, in.m, 0, 1, 0, 0, 0, 1}, g);
    s[0] = g[0] + d * (amplitude_cov(g, 2, 2) * var + (2 * amplitude_cov(g, 1, 2) + amplitude_cov(g, 1, 1)) * spread);
    s[7] = dot(norm_row(y, n), g);
    return s;
}

// Two paths whose amplitude maps are u and w, both fed the amplitudes of g (covariance K):
// their cross term X = u K w^T, added to s's amplitude covariance as X + X^T.
constexpr void add_cross_covariance(flow_state& s, const flow_state& g, const amplitude_map& u_map,
                                    const amplitude_map& w_map) {
    const double* u = u_map.a;
    const double* w = w_map.a;
    for (std::size_t p = 0; p < 6; ++p) {
        const std::size_t i = pair_i[p], j = pair_j[p];
        double x = 0;
        for (std::size_t q = 0; q < 6; ++q) {
            const std::size_t k = pair_i[q], l = pair_j[q];
            const double a = u[i * 3 + k] * w[j * 3 + l] + u[j * 3 + k] * w[i * 3 + l];
            x += g.v[1 + q] * (k == l ? a : a + u[i * 3 + l] * w[j * 3 + k] + u[j * 3 + l] * w[i * 3 + k]);
        }
        s[1 + p] += x;
    }
}

// The sum at x: the identity path passes g (c f and b u_f contribute their means along 1 and
// the rest incoherently) and F's path its image u (state branch, amplitude map t_f applied to
// the branch's amplitudes); the amplitudes add, so K gains the cross terms of both paths.
constexpr flow_state residual_sum(mean_field in, mean_field f, std::size_t n, const flow_state& g,
                                  const flow_state& branch, const amplitude_map& t_f) {
    const double d = static_cast<double>(n);
    const double var = f.q - f.m * f.m > 0 ? f.q - f.m * f.m : 0.0;
    const double spread = f.unit_mean_sq - f.m * f.m > 0 ? f.unit_mean_sq - f.m * f.m : 0.0;
    const amplitude_map t_id{1, f.m, f.m, 0, 1, 0, 0, 0, 1};
    const amplitude_map t_fp = multiply(t_f, {1, in.m, in.m, 0, 1, 0, 0, 0, 1});
    flow_state s = congruence(t_id, g);
    s[0] = g[0] + d * (amplitude_cov(g, 2, 2) * var + (2 * amplitude_cov(g, 1, 2) + amplitude_cov(g, 1, 1)) * spread) +
           branch[0];
    for (std::size_t i = 1; i < 7; ++i) s[i] += branch[i];
    add_cross_covariance(s, g, t_id, t_fp);
    s[7] = branch[7];
    return s;
}

// y = F(x) + W_s x with a dense shortcut (variance v): F sees c y = c f + c W_s x, the second
// incoherent for F; the shortcut is a dense reading the whole gradient at y. Paths add.
constexpr flow_state projection_branch_state(mean_field s, mean_field y, std::size_t n_out, const flow_state& g) {
    flow_state b = g;
    b[0] = g[0] + static_cast<double>(n_out) * (amplitude_cov(g, 2, 2) * s.q + amplitude_cov(g, 1, 1) * s.unit_mean_sq);
    b[7] = dot(norm_row(y, n_out), g);
    return b;
}
constexpr flow_state projection_sum(const flow_state& g, const flow_state& branch, const amplitude_map& t_f,
                                    const flow_state& shortcut, const amplitude_map& t_s) {
    flow_state s{};
    for (std::size_t i = 0; i < flow_dim; ++i) s[i] = branch[i] + shortcut[i];
    add_cross_covariance(s, g, t_f, t_s);
    return s;
}

// The map of a whole residual block (for its mean_field_step), column by column from F's map.
constexpr flow_map residual_map(mean_field in, mean_field f, std::size_t n, const flow_map& inner) {
    const mean_field y = residual_output(in, f);
    flow_map r{};
    for (std::size_t col = 0; col < flow_dim; ++col) {
        flow_state e{};
        e[col] = 1.0;
        const flow_state s = residual_sum(in, f, n, e, inner.apply(residual_branch_state(in, y, n, e)), inner.t);
        for (std::size_t i = 0; i < flow_dim; ++i) r.m[i * flow_dim + col] = s[i];
    }
    const amplitude_map t_fp = multiply(inner.t, {1, in.m, in.m, 0, 1, 0, 0, 0, 1});
    r.t = {1 + t_fp[0], f.m + t_fp[1], f.m + t_fp[2], t_fp[3], 1 + t_fp[4], t_fp[5], t_fp[6], t_fp[7], 1 + t_fp[8]};
    return r;
}
constexpr flow_map projection_map(mean_field s, mean_field y, std::size_t n_out, const flow_map& inner,
                                  const flow_map& shortcut) {
    flow_map r{};
    for (std::size_t col = 0; col < flow_dim; ++col) {
        flow_state e{};
        e[col] = 1.0;
        const flow_state v =
            projection_sum(e, inner.apply(projection_branch_state(s, y, n_out, e)), inner.t, shortcut.apply(e), shortcut.t);
        for (std::size_t i = 0; i < flow_dim; ++i) r.m[i * flow_dim + col] = v[i];
    }
    for (std::size_t i = 0; i < 9; ++i) r.t[i] = inner.t[i] + shortcut.t[i];
    return r;
}

}  // namespace typenet::detail

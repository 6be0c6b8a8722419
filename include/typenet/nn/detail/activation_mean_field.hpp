// SPDX-License-Identifier: BSL-1.0
// Defines gaussian_moments<F, D>(m, var) (E[F(z)], E[F(z)^2], E[D(z)], E[D(z)^2] for
// z ~ N(m, var), as constant expressions) and activation_mean_field<F>(in), an activation's
// mean-field step: out q = E[phi^2], m = E[phi], chi = E[phi'^2] (Poole et al. 2016).
//
// Integration. For sigma <= 0.4 and no breakpoint in reach, 32-point Gauss-Hermite. Otherwise
// composite 8-point Gauss-Legendre over [m - 10 sigma, m + 10 sigma] (the tail
// beyond holds 2e-23 of the mass), split at the breakpoints of F and of its derivative (relu's
// 0, softplus's 20, ...) so that every panel is smooth, and at +-8: inside [-8, 8], where the
// standard activations bend, a panel is at most 1 wide in z (tanh's nearest complex pole is
// pi/2 from the axis; 2 wide panels leave errors of 3e-7) and at most 1.5 sigma; outside, 1.5
// sigma. That is 14 to 30 panels (112 to 240 points) per activation step, accurate to 1e-9 or
// better for tanh, sigmoid, gelu, relu and the others (tests/nn/gradient_flow_test.cpp).
// Compile cost is in the points: each costs about 100 steps of clang's constant evaluator. A kink the breakpoint finder does not recognise (relu(2 * _x - 1))
// costs accuracy, not correctness.
#pragma once

#include <typenet/core/detail/constexpr_math.hpp>
#include <typenet/expr/derivative.hpp>
#include <typenet/expr/detail/constexpr_evaluate.hpp>
#include <typenet/nn/detail/mean_field.hpp>

#include <array>
#include <cstddef>

namespace typenet::detail {

struct gaussian_moments_t {
    double mean = 0;    // E[F(z)]
    double second = 0;  // E[F(z)^2]
    double slope = 0;   // E[D(z)]
    double gain = 0;    // E[D(z)^2]
    // For the coherent part of the backward state (nn/detail/mean_field.hpp):
    double slope_z = 0;   // E[(z - m) D(z)]
    double df = 0;        // E[D(z) F(z)]
    double df_z = 0;      // E[(z - m) D(z) F(z)]
    double d2f = 0;       // E[D(z)^2 F(z)]
    double d2f2 = 0;      // E[D(z)^2 F(z)^2]
};

template <class F, class D>
constexpr gaussian_moments_t gaussian_moments(double m, double var) {
    if (!(var > 1e-300)) {  // a point mass
        const double f = constexpr_evaluate<F>(m);
        const double d = constexpr_evaluate<D>(m);
        return {f, f * f, d, d * d, 0, d * f, 0, d * d * f, d * d * f * f};
    }
    constexpr std::array<double, 4> node{0.18343464249564980494, 0.52553240991632898582, 0.79666647741362673959,
                                         0.96028985649753623168};
    constexpr std::array<double, 4> weight{0.36268378337836198297, 0.31370664587788728734, 0.22238103445337447054,
                                           0.10122853629037625915};
    constexpr double core = 8.0;  // where activations bend: finer panels inside [-core, core]
    const double sigma = cmath::sqrt(var);
    const double lo = m - 10.0 * sigma, hi = m + 10.0 * sigma;

    const breakpoint_list b = breakpoints_of<F, D>();
    bool smooth = sigma <= 0.4;
    for (std::size_t i = 0; i < b.size; ++i) smooth = smooth && !(b.at[i] > lo && b.at[i] < hi);
    if (smooth) {
        // 32-point Gauss-Hermite (probabilists' form, E[f(m + sigma t)] for t ~ N(0, 1)): for
        // sigma <= 0.4 the nearest complex singularity of tanh(m + sigma t) is at least 3.9
        // from the real axis in t, where 32 points reach 1e-12 (E[tanh'^2]: 3e-14 at sigma
        // 0.25, 3e-10 at 0.5, 1e-4 at 1, hence the bound); sigmoid and gelu do better.
        constexpr double t[16] = {
            0x1.1a28d72c7eea2p-2, 0x1.a791e30c6acd6p-1, 0x1.6187eb184c23ep+0, 0x1.f02116ea70426p+0,
            0x1.3ffac54e39766p+1, 0x1.88b8a7394f347p+1, 0x1.d2883126a7f59p+1, 0x1.0ed96f11da5cap+2,
            0x1.354964dc18905p+2, 0x1.5ccd585c14c3bp+2, 0x1.85b1975b7fcd2p+2, 0x1.b0612bb4cd77fp+2,
            0x1.dd7d05b3d953dp+2, 0x1.0708049ea9d49p+3, 0x1.220f8eeefb5c9p+3, 0x1.427a3f1db919fp+3};
        constexpr double w[16] = {
            0x1.b192b09824409p-3, 0x1.40978415e6ac6p-3, 0x1.5d92848697755p-4, 0x1.176d890e90391p-5,
            0x1.4484421077c7fp-7, 0x1.0e46f3a7f6242p-9, 0x1.3d41087f380c5p-12, 0x1.005aad676c8bfp-15,
            0x1.1470139df1c0ep-19, 0x1.7d72d2f760c75p-24, 0x1.3dd4821e28ca8p-29, 0x1.267306d49024fp-35,
            0x1.0bbf0d839b2c4p-42, 0x1.856a7ce84edddp-51, 0x1.3373dd69fd885p-61, 0x1.8ee855cbb980bp-75};
        gaussian_moments_t g{};
        for (std::size_t i = 0; i < 32; ++i) {
            const double z = m + sigma * (i < 16 ? -t[i] : t[i - 16]);
            const double wi = w[i % 16];
            const double f = constexpr_evaluate<F>(z);
            const double d = constexpr_evaluate<D>(z);
            const double dz = z - m, df = d * f;
            g.mean += wi * f;
            g.second += wi * f * f;
            g.slope += wi * d;
            g.gain += wi * d * d;
            g.slope_z += wi * dz * d;
            g.df += wi * df;
            g.df_z += wi * dz * df;
            g.d2f += wi * d * df;
            g.d2f2 += wi * df * df;
        }
        return g;
    }

    // Otherwise composite Gauss-Legendre over pieces. The cut points, sorted: the ends, the
    // breakpoints and +-core that fall inside.
    std::array<double, max_breakpoints + 4> cut{};
    std::size_t n = 0;
    cut[n++] = lo;
    for (std::size_t i = 0; i < b.size; ++i)
        if (b.at[i] > lo && b.at[i] < hi) cut[n++] = b.at[i];
    if (-core > lo && -core < hi) cut[n++] = -core;
    if (core > lo && core < hi) cut[n++] = core;
    cut[n++] = hi;
    for (std::size_t i = 1; i < n; ++i)  // insertion sort, n <= 12
        for (std::size_t j = i; j > 0 && cut[j] < cut[j - 1]; --j) {
            const double t = cut[j];
            cut[j] = cut[j - 1];
            cut[j - 1] = t;
        }

    // The Gaussian weight of node k in panel p, exp(-t^2 / 2) at t = (z - m) / sigma, follows a
    // recurrence along p (equal steps delta): e_{p+1} = e_p r_p, r_{p+1} = r_p exp(-delta^2);
    // two exps per node index and piece instead of one per point (compile time is in exps).
    double w_sum = 0, f_sum = 0, f2_sum = 0, d_sum = 0, d2_sum = 0, dz_sum = 0, df_sum = 0, dfz_sum = 0, d2f_sum = 0,
           d2f2_sum = 0;
    for (std::size_t piece = 0; piece + 1 < n; ++piece) {
        const double a = cut[piece], c = cut[piece + 1];
        if (!(c > a)) continue;
        const double mid = 0.5 * (a + c);
        const double width = (mid > -core && mid < core && sigma > 2.0 / 3) ? 1.0 : 1.5 * sigma;
        std::size_t panels = static_cast<std::size_t>((c - a) / width - 1e-9) + 1;
        if (panels > 64) panels = 64;
        const double h = (c - a) / static_cast<double>(panels);
        const double delta = h / sigma;
        const double step_ratio = cmath::exp(-delta * delta);
        for (std::size_t k = 0; k < 8; ++k) {
            const double offset = (k < 4 ? -node[k] : node[k - 4]) * 0.5 * h;
            const double t0 = (a + 0.5 * h + offset - m) / sigma;
            double e = cmath::exp(-0.5 * t0 * t0);
            double r = cmath::exp(-(t0 * delta + 0.5 * delta * delta));
            const double scale = weight[k % 4] * 0.5 * h;
            for (std::size_t p = 0; p < panels; ++p) {
                const double z = a + (static_cast<double>(p) + 0.5) * h + offset;
                const double w = scale * e;
                const double f = constexpr_evaluate<F>(z);
                const double d = constexpr_evaluate<D>(z);
                const double wdf = w * d * f;
                // One statement: clang's constexpr step count is per statement, and this loop
                // body runs at every point.
                w_sum += w, f_sum += w * f, f2_sum += w * f * f, d_sum += w * d, d2_sum += w * d * d,
                    dz_sum += w * d * (z - m), df_sum += wdf, dfz_sum += wdf * (z - m), d2f_sum += wdf * d,
                    d2f2_sum += wdf * d * f, e *= r, r *= step_ratio;
            }
        }
    }
    // Dividing by the summed weights (instead of sigma sqrt(2 pi)) cancels the quadrature's error
    // on the Gaussian itself.
    return {f_sum / w_sum,   f2_sum / w_sum,  d_sum / w_sum,   d2_sum / w_sum,  dz_sum / w_sum,
            df_sum / w_sum,  dfz_sum / w_sum, d2f_sum / w_sum, d2f2_sum / w_sum};
}

// phi applied unitwise to z ~ N(m, q - m^2). Each unit's batch mean mu_i passes through
// g(mu) = E[phi(mu + noise)]; its spread over units is carried to first order (delta method,
// exact for a linear phi): Var(g(mu)) = E[phi']^2 Var(mu).
// Backward: dL/dz = phi'(z) dL/dy. The incoherent part r is scaled by E[phi'^2] (chi of the
// plain theory). The coherent part a 1 + b u_y + c y (u_y ~ its mean m_y, the spread
// incoherent) becomes a phi'(z) + c phi'(z) phi(z): each function f(z) is split, by regression
// over z's distribution, into alpha + gamma z (gamma = E[(z - m) f] / var = E[f'] by Stein's
// lemma, what a dense before it maps coherently) and a remainder that joins r.
template <class F>
constexpr mean_field_gain activation_mean_field(mean_field in) {
    using D = derivative_t<F>;
    double var = in.q - in.m * in.m;
    if (!(var > 0)) var = 0;
    const gaussian_moments_t g = gaussian_moments<F, D>(in.m, var);
    const double spread = in.unit_mean_sq - in.m * in.m;
    double unit_mean_sq = g.mean * g.mean + g.slope * g.slope * (spread > 0 ? spread : 0.0);
    if (unit_mean_sq > g.second) unit_mean_sq = g.second;
    const mean_field out{g.second, g.mean, unit_mean_sq};

    const double b1 = var > 1e-300 ? g.slope_z / var : 0.0, b2 = var > 1e-300 ? g.df_z / var : 0.0;
    const double a1 = g.slope - b1 * in.m, a2 = g.df - b2 * in.m;
    double r11 = g.gain - g.slope * g.slope - b1 * b1 * var;
    double r22 = g.d2f2 - g.df * g.df - b2 * b2 * var;
    const double r12 = g.d2f - g.slope * g.df - b1 * b2 * var;
    r11 = r11 > 0 ? r11 : 0.0;
    r22 = r22 > 0 ? r22 : 0.0;
    // b u_y first becomes b m_y along 1 (t = [[a1, 0, a2], 0, [b1, 0, b2]] * [[1, m_y, 0], 0, [0, 0, 1]]).
    const double my = out.m, uy = out.unit_mean_sq - my * my > 0 ? out.unit_mean_sq - my * my : 0.0;
    flow_map f = from_amplitudes({a1, a1 * my, a2, 0, 0, 0, b1, b1 * my, b2});
    const double n = 1.0;  // per unit; scaled by the width in scale_rows below
    f.m[0] = g.gain;
    f.m[1] = n * r11;
    f.m[2] = n * 2 * r11 * my;
    f.m[3] = n * 2 * r12;
    f.m[4] = n * (r11 * my * my) + g.gain * n * uy;
    f.m[5] = n * 2 * r12 * my;
    f.m[6] = n * r22;
    f.m[7 * flow_dim + 7] = g.gain;
    return {out, f};
}

// The coherent-to-incoherent terms of a map count per unit; a layer of width n scales them.
constexpr mean_field_gain with_width(mean_field_gain s, std::size_t n) {
    for (std::size_t j = 1; j < 7; ++j) s.back.m[j] *= static_cast<double>(n);
    return s;
}

}  // namespace typenet::detail

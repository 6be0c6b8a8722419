// SPDX-License-Identifier: BSL-1.0
// Defines the loops of normalisation layers over a batch (rows x n, C order): column moments,
// the normalising pass with a per-row epilogue hook, and the backward pass with a per-row
// prologue hook (the fusion points with a following activation, as for dense). Batch norm's
// statistics are per column (over the rows), layer norm's per row (over the n values).
#pragma once

#include <typenet/kernels/lanes.hpp>
#include <typenet/kernels/simd.hpp>

#include <cmath>
#include <cstddef>

namespace typenet::kernels {

/// mean[j] and the biased variance var[j] of column j of x, in two passes (the second over
/// x - mean, which keeps the variance accurate when the mean is large).
template <class T>
void column_moments(const T* x, std::size_t rows, std::size_t n, T* mean, T* var) {
    for (std::size_t j = 0; j < n; ++j) mean[j] = var[j] = T(0);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            lane_store(lane, mean + j, lane_load(lane, mean + j) + lane_load(lane, xr + j));
        });
    }
    const T inv_rows = T(1) / static_cast<T>(rows);
    for (std::size_t j = 0; j < n; ++j) mean[j] *= inv_rows;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto d = lane_load(lane, xr + j) - lane_load(lane, mean + j);
            lane_store(lane, var + j, lane_load(lane, var + j) + d * d);
        });
    }
    for (std::size_t j = 0; j < n; ++j) var[j] *= inv_rows;
}

/// For each row r: y_r = (x_r - shift) * scale * w + b, then epilogue(r) on the finished row.
/// shift, scale, w, b have n values each.
template <class T, class Epilogue>
void normalize_rows(const T* x, const T* shift, const T* scale, const T* w, const T* b, T* y, std::size_t rows,
                    std::size_t n, Epilogue&& epilogue) {
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto h = (lane_load(lane, xr + j) - lane_load(lane, shift + j)) * lane_load(lane, scale + j);
            lane_store(lane, yr + j, h * lane_load(lane, w + j) + lane_load(lane, b + j));
        });
        epilogue(r);
    }
}

/// xhat_r = (x_r - shift) * scale for each row r.
template <class T>
void standardize_rows(const T* x, const T* shift, const T* scale, T* xhat, std::size_t rows, std::size_t n) {
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        T* hr = xhat + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            lane_store(lane, hr + j, (lane_load(lane, xr + j) - lane_load(lane, shift + j)) * lane_load(lane, scale + j));
        });
    }
}

/// y_r = h_r * w + b, then epilogue(r), for each row r.
template <class T, class Epilogue>
void affine_rows(const T* h, const T* w, const T* b, T* y, std::size_t rows, std::size_t n, Epilogue&& epilogue) {
    for (std::size_t r = 0; r < rows; ++r) {
        const T* hr = h + r * n;
        T* yr = y + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            lane_store(lane, yr + j, lane_load(lane, hr + j) * lane_load(lane, w + j) + lane_load(lane, b + j));
        });
        epilogue(r);
    }
}

/// Backward of y = xhat * w + b with xhat = (x - mean) * invstd and mean, invstd the batch's own
/// statistics. prologue(r) first turns row r of dy into dL/dy in place (a following activation's
/// derivative); then dw = sum_r dy_r * xhat_r, db = sum_r dy_r, and, unless dx is null,
///   dx_r = w * invstd / R * (R dy_r - db - xhat_r * dw),
/// the gradient through the batch statistics included.
template <class T, class Prologue>
void batch_norm_backward(const T* xhat, const T* invstd, const T* w, T* dy, T* dw, T* db, T* dx, std::size_t rows,
                         std::size_t n, Prologue&& prologue) {
    for (std::size_t j = 0; j < n; ++j) dw[j] = db[j] = T(0);
    for (std::size_t r = 0; r < rows; ++r) {
        prologue(r);
        const T* gr = dy + r * n;
        const T* hr = xhat + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto g = lane_load(lane, gr + j);
            lane_store(lane, db + j, lane_load(lane, db + j) + g);
            lane_store(lane, dw + j, lane_load(lane, dw + j) + g * lane_load(lane, hr + j));
        });
    }
    if (!dx) return;
    const T count = static_cast<T>(rows);
    const T inv_count = T(1) / count;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* gr = dy + r * n;
        const T* hr = xhat + r * n;
        T* xr = dx + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto k = lane_load(lane, w + j) * lane_load(lane, invstd + j) * inv_count;
            lane_store(lane, xr + j,
                       k * (lane_load(lane, gr + j) * count - lane_load(lane, db + j) -
                            lane_load(lane, hr + j) * lane_load(lane, dw + j)));
        });
    }
}

// --- Layer normalisation: statistics per row ---

namespace detail {

// A sum over the lanes of for_each_lane: a SIMD accumulator for the body, a scalar one for the
// tail, added once at the end.
template <class T, class Arch = simd::default_arch>
struct lane_sum {
    // Parentheses: braces would pick xsimd's per-lane initializer-list constructor.
    simd::vec<T, Arch> body = simd::vec<T, Arch>(T(0));
    T tail = T(0);
    void add(simd_lane<Arch>, const simd::vec<T, Arch>& v) noexcept { body += v; }
    void add(scalar_lane, T v) noexcept { tail += v; }
    T total() const noexcept { return simd::reduce_sum(body) + tail; }
};

}  // namespace detail

/// mean and invstd = 1 / sqrt(var + eps) of one row of n values, var the biased variance (two
/// passes, as column_moments).
template <class T>
void row_moments(const T* xr, std::size_t n, T eps, T& mean, T& invstd) {
    detail::lane_sum<T> sum, squares;
    for_each_lane<T>(n, [&](std::size_t j, auto lane) { sum.add(lane, lane_load(lane, xr + j)); });
    const T m = sum.total() / static_cast<T>(n);
    for_each_lane<T>(n, [&](std::size_t j, auto lane) {
        const auto d = lane_load(lane, xr + j) - m;
        squares.add(lane, d * d);
    });
    mean = m;
    invstd = T(1) / std::sqrt(squares.total() / static_cast<T>(n) + eps);
}

/// Layer normalisation, row by row: mean[r] and invstd[r] of row r (row_moments), then
/// y_r = (x_r - mean[r]) * invstd[r] * w + b and epilogue(r), while the row is still in cache.
template <class T, class Epilogue>
void layer_norm_forward(const T* x, const T* w, const T* b, T eps, T* mean, T* invstd, T* y, std::size_t rows,
                        std::size_t n, Epilogue&& epilogue) {
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        row_moments(xr, n, eps, mean[r], invstd[r]);
        const T m = mean[r], s = invstd[r];
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto h = (lane_load(lane, xr + j) - m) * s;
            lane_store(lane, yr + j, h * lane_load(lane, w + j) + lane_load(lane, b + j));
        });
        epilogue(r);
    }
}

/// Backward of layer_norm_forward. Per row r, prologue(r) first turns dy_r into dL/dy in place
/// (a following activation's derivative); with xhat = (x_r - mean[r]) * invstd[r] recomputed
/// from x and g = dy_r * w, it adds dy_r * xhat to dw and dy_r to db and, unless dx is null,
///   dx_r = invstd[r] * (g - mean(g) - xhat * mean(g * xhat)),
/// the means over the row's n values (the gradient through the row's statistics).
template <class T, class Prologue>
void layer_norm_backward(const T* x, const T* mean, const T* invstd, const T* w, T* dy, T* dw, T* db, T* dx,
                         std::size_t rows, std::size_t n, Prologue&& prologue) {
    for (std::size_t j = 0; j < n; ++j) dw[j] = db[j] = T(0);
    const T inv_n = T(1) / static_cast<T>(n);
    for (std::size_t r = 0; r < rows; ++r) {
        prologue(r);
        const T* xr = x + r * n;
        const T* gr = dy + r * n;
        const T m = mean[r], s = invstd[r];
        detail::lane_sum<T> sum_g, sum_gh;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto d = lane_load(lane, gr + j);
            const auto h = (lane_load(lane, xr + j) - m) * s;
            const auto g = d * lane_load(lane, w + j);
            lane_store(lane, db + j, lane_load(lane, db + j) + d);
            lane_store(lane, dw + j, lane_load(lane, dw + j) + d * h);
            sum_g.add(lane, g);
            sum_gh.add(lane, g * h);
        });
        if (!dx) continue;
        const T mean_g = sum_g.total() * inv_n, mean_gh = sum_gh.total() * inv_n;
        T* xr_out = dx + r * n;
        for_each_lane<T>(n, [&](std::size_t j, auto lane) {
            const auto h = (lane_load(lane, xr + j) - m) * s;
            const auto g = lane_load(lane, gr + j) * lane_load(lane, w + j);
            lane_store(lane, xr_out + j, (g - mean_g - h * mean_gh) * s);
        });
    }
}

}  // namespace typenet::kernels

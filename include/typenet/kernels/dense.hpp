// SPDX-License-Identifier: BSL-1.0
// Defines the kernels of a dense layer, y = x W^T + b with W stored [out, in] as in PyTorch:
// the forward pass with a per-row epilogue hook, and the backward pass with a per-row prologue
// hook (the fusion points: an activation is applied while a row is hot in cache; in a pass
// right after the GEMM when the forward runs as z^T = W x^T or threads split it by columns, and
// after all rows below four rows, which fit in L1).
// Both run on the blocked GEMM of gemm.hpp; a forward over a few rows streams W once instead
// of packing it (threads each stream their own outputs' rows), and one over a batch small
// against the layer packs x^T instead of W^T.
#pragma once

#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace typenet::kernels {

namespace detail {
template <class T, class Arch>
inline T dot(const T* a, const T* b, std::size_t n) noexcept {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    simd::vec<T, Arch> acc(T(0));
    std::size_t k = 0;
    for (const std::size_t k_end = n - n % w; k < k_end; k += w) acc = simd::fma(simd::load<Arch>(a + k), simd::load<Arch>(b + k), acc);
    T s = simd::reduce_sum(acc);
    for (; k < n; ++k) s += a[k] * b[k];
    return s;
}

// y[0..n) += s * x[0..n)
template <class T, class Arch>
inline void axpy(T s, const T* x, T* y, std::size_t n) noexcept {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    const simd::vec<T, Arch> sv(s);
    std::size_t j = 0;
    for (const std::size_t j_end = n - n % w; j < j_end; j += w) simd::store(y + j, simd::fma(sv, simd::load<Arch>(x + j), simd::load<Arch>(y + j)));
    for (; j < n; ++j) y[j] += s * x[j];
}

// z = b + W x (or z += b + W x) for one row x, four outputs at a time sharing each load of x.
template <class T, class Arch>
inline void dense_row(std::size_t in, std::size_t out, const T* w, const T* b, const T* xr, T* zr,
                      bool accumulate = false) noexcept {
    auto put = [&](std::size_t o, T v) { zr[o] = accumulate ? zr[o] + v : v; };
    constexpr std::size_t vw = simd::width_v<T, Arch>;
    std::size_t o = 0;
    for (const std::size_t o_end = out - out % 4; o < o_end; o += 4) {
        const T* w0 = w + o * in;
        simd::vec<T, Arch> a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
        std::size_t k = 0;
        for (const std::size_t k_end = in - in % vw; k < k_end; k += vw) {
            const auto xv = simd::load<Arch>(xr + k);
            a0 = simd::fma(xv, simd::load<Arch>(w0 + k), a0);
            a1 = simd::fma(xv, simd::load<Arch>(w0 + in + k), a1);
            a2 = simd::fma(xv, simd::load<Arch>(w0 + 2 * in + k), a2);
            a3 = simd::fma(xv, simd::load<Arch>(w0 + 3 * in + k), a3);
        }
        T s0 = simd::reduce_sum(a0), s1 = simd::reduce_sum(a1), s2 = simd::reduce_sum(a2), s3 = simd::reduce_sum(a3);
        for (; k < in; ++k) {
            s0 += xr[k] * w0[k];
            s1 += xr[k] * w0[in + k];
            s2 += xr[k] * w0[2 * in + k];
            s3 += xr[k] * w0[3 * in + k];
        }
        put(o, s0 + b[o]);
        put(o + 1, s1 + b[o + 1]);
        put(o + 2, s2 + b[o + 2]);
        put(o + 3, s3 + b[o + 3]);
    }
    for (; o < out; ++o) put(o, dot<T, Arch>(xr, w + o * in, in) + b[o]);
}

// A split of a few rows' forward pays only when each thread streams about this many weights
// (whole blocks of outputs, so a thread's share may fall short by less than a block): below
// it the fork (0.4-0.9 us on the Intel Xeon, typenet_bench_thread_pool) costs more than reading
// them saves. Batch 1 there, 1 -> 2 threads: 256 x 256 (32768 each) 2.1-3.0 -> 1.7-2.1 us,
// 256 x 128 (16384 each) 1.1 -> 1.2-1.6 us (docs/performance.md, "Inference on threads").
inline constexpr std::size_t streamed_weights_per_thread = 32768;

// dense_row over a few rows (z = or z += x W^T + b). Threads take blocks of 16 outputs (whole
// groups of dense_row's four, and a 64-byte line of float z: in an aligned z with out a
// multiple of 16, no line is written by two threads), each streaming only its own rows of W:
// at batch 1 the forward is bound by reading W, and two cores read it from two caches. Each
// output's sum is the same whatever the split.
template <class T, class Arch, bool Accumulate>
void dense_rows(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* z, std::size_t rows) {
    if (rows == 0) return;
    constexpr std::size_t grain = 16;
    const std::size_t per_grain = grain * std::max<std::size_t>(in, 1);
    const std::size_t min_grains = (streamed_weights_per_thread + per_grain - 1) / per_grain;
    for_each_part(out, grain, min_grains, [&](index_range part) {
        for (std::size_t r = 0; r < rows; ++r)
            dense_row<T, Arch>(in, part.size(), w + part.begin * in, b + part.begin, x + r * in,
                               z + r * out + part.begin, Accumulate);
    });
}

// The caller's scratch holding z^T while dense_gemm_weights_first runs.
struct transposed_output;

// Whether the forward runs as z^T = W x^T: that packs x^T (rows x in values) instead of W^T
// (out x in), and writes z twice more (z^T's starting values, then z from z^T). It pays for a
// batch of at least one vector that is small against the layer: W1's first layer at batch 64
// (784 -> 256) runs 15 % faster on the Intel Xeon (docs/performance.md, "Weights first").
template <class T, class Arch>
constexpr bool weights_first(std::size_t in, std::size_t out, std::size_t rows) noexcept {
    return rows >= simd::width_v<T, Arch> && rows < out && (out - rows) * in > 2 * rows * out;
}

// z = or z += x W^T + b as z^T = W x^T, then z^T transposed into z: W is the GEMM's A, read in
// place, and x stands where gemm_transposed expects W. z^T starts from b (z + b with
// accumulate) and each element then takes the same products in the same order as in
// gemm_transposed's own layout, so the result has the same bits either way. Threads take rows
// of W, cut where dense_backward cuts dW (InHint's tile), so each takes the rows it stepped in
// the last backward; then rows of z. z^T is in the calling thread's scratch, which the pool's
// threads share until this returns.
template <class T, std::size_t InHint, class Arch>
void dense_gemm_weights_first(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* z,
                              std::size_t rows, rows_callback rows_done, bool accumulate) {
    constexpr std::size_t vw = simd::width_v<T, Arch>;
    using batch_tile = gemm_tile<T, Arch, 4 * vw>;  // the tile gemm_tile picks for a batch of whole panels
    using general = gemm_tile<T, Arch>;
    T* zt = scratch<T, transposed_output>(out * rows);
    for_each_part(out, gemm_tile<T, Arch, InHint>::mr, 2, [&](index_range part) {
        T* const zt_part = zt + part.begin * rows;
        if (accumulate) transpose<T, Arch>(rows, part.size(), z + part.begin, out, zt_part, rows);
        for (std::size_t o = part.begin; o < part.end; ++o) {
            T* const row = zt + o * rows;
            for (std::size_t r = 0; r < rows; ++r) row[r] = accumulate ? row[r] + b[o] : b[o];
        }
        const strided_operand<T> a{w, in, 1};
        if constexpr (batch_tile::four_wide) {  // AVX-512: 6 x 4 vectors for whole panels, else 8 x 3
            if (rows % batch_tile::panel == 0) {
                gemm_transposed<T, batch_tile, Arch>(rows, in, a, x, nullptr, zt, rows, part.begin, part.end, {}, true);
                return;
            }
        }
        gemm_transposed<T, general, Arch>(rows, in, a, x, nullptr, zt, rows, part.begin, part.end, {}, true);
    });
    // A vector of rows at a time, so the epilogue finds them in L1.
    for_each_part(rows, vw, 1, [&](index_range part) {
        for (std::size_t r0 = part.begin; r0 < part.end; r0 += vw) {
            const std::size_t r1 = std::min(r0 + vw, part.end);
            transpose<T, Arch>(out, r1 - r0, zt + r0, rows, z + r0 * out, out);
            rows_done(r0, r1);
        }
    });
}

// The GEMM of dense_forward (z = or z += x W^T + b), split over the threads.
template <class T, std::size_t InHint, std::size_t OutHint, class Arch>
void dense_gemm(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* z, std::size_t rows,
                rows_callback rows_done, bool accumulate) {
    if (weights_first<T, Arch>(in, out, rows))
        return dense_gemm_weights_first<T, InHint, Arch>(in, out, w, b, x, z, rows, rows_done, accumulate);
    using tile = gemm_tile<T, Arch, OutHint>;
    // With at least two column panels per thread (and rows enough to fork at all), threads take
    // panels, all rows each: a thread packs only its own panels of W^T, which at W1's shapes are
    // the rows of W it stepped in the last backward (dense_backward splits dW by outputs), still
    // in its core's cache. The epilogue then runs as a pass of its own, rows split over the
    // threads. W1 on two threads: 2-15 % faster at batch 256 (docs/performance.md, "Threads").
    const std::size_t panels = (out + tile::panel - 1) / tile::panel;
    if (panels >= 2 * current_parts() && splits(rows, tile::mr, 2)) {
        for_each_part(panels, 1, 1, [&](index_range part) {
            gemm_transposed<T, tile, Arch>(out, in, strided_operand<T>{x, in, 1}, w, b, z, out, 0, rows, {},
                                           accumulate, part.begin * tile::panel, part.end * tile::panel);
        });
        for_each_part(rows, tile::mr, 2, [&](index_range part) { rows_done(part.begin, part.end); });
        return;
    }
    // Otherwise threads take blocks of rows; each packs every block of W^T it passes (into its
    // own cache: sharing one packing between threads measured slower, docs/performance.md).
    for_each_part(rows, tile::mr, 2, [&](index_range part) {
        gemm_transposed<T, tile, Arch>(out, in, strided_operand<T>{x, in, 1}, w, b, z, out, part.begin, part.end,
                                       rows_done, accumulate);
    });
}
}  // namespace detail


/// Below this many rows the forward reads W in place, a dot product per output: packing W^T
/// costs about as much as one pass over W, which a few rows cannot repay.
inline constexpr std::size_t dense_packing_min_rows = 4;

/// z[r, o] = b[o] + sum_i x[r, i] w[o, i] for each row r, then epilogue(r) on each finished row.
/// Under a parallel_scope the epilogue runs on the pool's threads, each on its own rows (below
/// dense_packing_min_rows: on the calling thread, once every row is whole), so it must only
/// touch row r; and it must not call a GEMM kernel itself (the packed operand it runs
/// beside, or the z^T of a forward run weights first, is in scratch that such a call reuses).
/// InHint and OutHint are in and out when known at compile time (0 otherwise): they choose the
/// register tiles (gemm_tile), never the result.
template <class T, std::size_t InHint = 0, std::size_t OutHint = 0, class Arch = simd::default_arch, class Epilogue>
void dense_forward(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* z, std::size_t rows,
                   Epilogue&& epilogue) {
    if (rows < dense_packing_min_rows) {
        detail::dense_rows<T, Arch, false>(in, out, w, b, x, z, rows);
        for (std::size_t r = 0; r < rows; ++r) epilogue(r);
        return;
    }
    auto rows_done = [&](std::size_t r0, std::size_t r1) {
        for (std::size_t r = r0; r < r1; ++r) epilogue(r);
    };
    detail::dense_gemm<T, InHint, OutHint, Arch>(in, out, w, b, x, z, rows, rows_done, false);
}

/// y[r, o] += b[o] + sum_i x[r, i] w[o, i]: a dense layer added into y (a residual block's
/// projection shortcut), at the speed of the forward GEMM. OutHint as for dense_forward.
template <class T, std::size_t OutHint = 0, class Arch = simd::default_arch>
void dense_forward_add(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* y, std::size_t rows) {
    if (rows < dense_packing_min_rows) return detail::dense_rows<T, Arch, true>(in, out, w, b, x, y, rows);
    detail::dense_gemm<T, 0, OutHint, Arch>(in, out, w, b, x, y, rows, {}, true);
}

/// The prologue of a dense_backward given dz itself (no activation to take the derivative of):
/// a type of its own, so that threads skip the pass over the rows altogether.
struct no_prologue {
    constexpr void operator()(std::size_t) const noexcept {}
};

/// Given dy (rows x out), which prologue(r) may first turn into dz in place (the activation's
/// derivative), writes dw = dz^T x, db = sum over rows of dz, and, unless dx is null,
/// dx = dz w. With step.p (w's place, writable), dw is not kept: the weights take the plain SGD
/// step by it in the store of its GEMM (descent.hpp), after dx has read them; dw then holds
/// partial sums, or nothing. On one thread the bias gradient is reduced in the same pass that
/// forms dz. Under a parallel_scope threads form dz on their own rows, so prologue(r) must touch
/// only row r; each thread then reduces db over its own outputs beside their dw: the same sums
/// in the same order as on one thread.
template <class T, std::size_t InHint = 0, std::size_t OutHint = 0, class Arch = simd::default_arch, class Prologue>
void dense_backward(std::size_t in, std::size_t out, const T* w, const T* x, T* dz, T* dw, T* db, T* dx,
                    std::size_t rows, Prologue&& prologue, descent<T> step = {}) {
    using tile = gemm_tile<T, Arch, InHint>;  // dx and dw both have `in` columns
    const auto reduce_db = [&](index_range outputs) {
        std::fill(db + outputs.begin, db + outputs.end, T(0));
        for (std::size_t r = 0; r < rows; ++r)
            detail::axpy<T, Arch>(T(1), dz + r * out + outputs.begin, db + outputs.begin, outputs.size());
    };
    const bool threaded = splits(rows, tile::mr, 2);
    if (!threaded) {  // one pass: dz row by row, each added into db while in L1
        std::fill(db, db + out, T(0));
        for (std::size_t r = 0; r < rows; ++r) {
            prologue(r);
            detail::axpy<T, Arch>(T(1), dz + r * out, db, out);
        }
    }
    // Threads take blocks of rows: dz on them (on one thread it is formed above), then
    // dx[r, :] = sum_o dz[r, o] w[o, :]. With neither a prologue nor dx there is nothing to do.
    constexpr bool forms_dz = !std::is_same_v<std::remove_cvref_t<Prologue>, no_prologue>;
    if (dx || (threaded && forms_dz))
        for_each_part(rows, tile::mr, 2, [&](index_range part) {
            if (threaded)
                for (std::size_t r = part.begin; r < part.end; ++r) prologue(r);
            if (dx)
                gemm_direct<T, tile, Arch>(part.size(), out, strided_operand<T>{dz + part.begin * out, out, 1}, w,
                                           in, dx + part.begin * in, in, 0, in);
        });
    // dw[o, :] = sum_r dz[r, o] x[r, :]: A = dz^T, read down dz's columns; threads take blocks
    // of outputs, so each weight's sum runs over the rows in the same order for any split.
    for_each_part(out, tile::mr, 2, [&](index_range part) {
        if (threaded) reduce_db(part);
        gemm_direct<T, tile, Arch>(part.size(), rows, strided_operand<T>{dz + part.begin, 1, out}, x, in,
                                   dw + part.begin * in, in, 0, in, step.at(part.begin * in));
    });
}

}  // namespace typenet::kernels

// SPDX-License-Identifier: BSL-1.0
// Defines the blocked GEMM drivers around the micro-kernel (gemm_microkernel.hpp): one for a B
// read in place (rows of B contiguous: dX = dZ W, dW = dZ^T X, matmul) and one for B = W^T
// (the forward z = x W^T + b, or z^T = W x^T with x in W's place), packed one column panel at
// a time (over the whole shared dimension when it fits in L2, else one cache block of it at a
// time), with a hook on every finished block of rows so an epilogue runs while the rows are hot.
#pragma once

#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/gemm_microkernel.hpp>
#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace typenet::kernels {

namespace detail {

// Computes one tile of C with micro_tile<T, Arch, rows, nvec>::compute(args...), for
// 1 <= rows <= MR and 1 <= nvec <= NV given at run time: the edges of C take smaller tiles,
// instantiated once each.
template <class T, class Arch, std::size_t MR, std::size_t NV, class... Args>
void run_tile(std::size_t rows, std::size_t nvec, const Args&... args) {
    if constexpr (MR > 1) {
        if (rows < MR) return run_tile<T, Arch, MR - 1, NV>(rows, nvec, args...);
    }
    if constexpr (NV > 1) {
        if (nvec < NV) return run_tile<T, Arch, MR, NV - 1>(rows, nvec, args...);
    }
    micro_tile<T, Arch, MR, NV>::compute(args...);
}

// Per-thread scratch for packed operands: grows to the largest request and is then reused, so
// steady-state training allocates nothing. Kernels use it as leaves: an epilogue running while
// a packed operand is in use must not call a packing kernel itself. A Purpose other than void
// gets an area of its own: a buffer that lives across the packing calls of one kernel, which
// the pool's threads may share while it runs, so it must not be asked for again until the
// kernel returns.
template <class T, class Purpose = void>
T* scratch(std::size_t n) {
    thread_local std::vector<T> area;
    if (area.size() < n) area.resize(n);
    return area.data();
}

}  // namespace detail

/// dst(j, i) = src(i, j) for i < m and j < n: row i of src at src + i * lds, row j of dst at
/// dst + j * ldd. Square blocks of whole vectors are transposed in registers, the edges
/// element-wise.
template <class T, class Arch = simd::default_arch>
void transpose(std::size_t m, std::size_t n, const T* src, std::size_t lds, T* dst, std::size_t ldd) noexcept {
    constexpr std::size_t vw = simd::width_v<T, Arch>;
    const std::size_t m_full = m / vw * vw, n_full = n / vw * vw;
    for (std::size_t i = 0; i < m_full; i += vw) {
        for (std::size_t j = 0; j < n_full; j += vw)
            simd::transpose_block<T, Arch>(src + i * lds + j, lds, dst + j * ldd + i, ldd);
        for (std::size_t j = n_full; j < n; ++j)
            for (std::size_t l = 0; l < vw; ++l) dst[j * ldd + i + l] = src[(i + l) * lds + j];
    }
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = m_full; i < m; ++i) dst[j * ldd + i] = src[i * lds + j];
}

/// Packs the block of B = W^T with rows [k0, k0 + kc) and columns [j0, j0 + cols), for W
/// row-major [n, k] (a dense layer's [out, in] weights), into dst: row 0 holds the bias (zeros
/// when bias is null), row 1 + p holds W[j0 + jj, k0 + p] for jj < cols; rows are pw = cols
/// rounded up to whole SIMD vectors, zero-padded.
template <class T, class Arch = simd::default_arch>
void pack_transposed_block(const T* w, std::size_t k, std::size_t j0, std::size_t cols, std::size_t k0, std::size_t kc,
                           const T* bias, T* dst) noexcept {
    constexpr std::size_t vw = simd::width_v<T, Arch>;
    const std::size_t pw = (cols + vw - 1) / vw * vw;
    for (std::size_t jj = 0; jj < pw; ++jj) dst[jj] = (bias && jj < cols) ? bias[j0 + jj] : T(0);
    dst += pw;
    transpose<T, Arch>(cols, kc, w + j0 * k + k0, k, dst, pw);
    for (std::size_t p = 0; p < kc; ++p)
        for (std::size_t jj = cols; jj < pw; ++jj) dst[p * pw + jj] = T(0);
}

namespace detail {

// One column panel of B, for one block of the shared dimension, as the driver sees it: row p of
// the block at b + p * step, `cols` columns, and the row every sum starts from (null: zeros).
template <class T>
struct b_panel {
    std::size_t first_column, cols;
    const T* b;
    std::size_t step;
    const T* init;
};

// A reference to a callable taking (i0, i1), by pointer: the drivers below take the epilogue
// through it, so they are instantiated once per (T, Tile, Arch) and not once per layer (each
// layer's epilogue is a lambda of its own type). One indirect call per block of rows. A default
// rows_callback does nothing (a GEMM with no epilogue).
class rows_callback {
public:
    rows_callback() noexcept : context_(nullptr), call_([](void*, std::size_t, std::size_t) {}) {}
    template <class F>
        requires(!std::is_same_v<std::remove_cv_t<F>, rows_callback>)  // copies stay copies
    rows_callback(F& f) noexcept  // NOLINT: converts from any callable, like std::function_ref
        : context_(static_cast<void*>(&f)), call_([](void* c, std::size_t i0, std::size_t i1) { (*static_cast<F*>(c))(i0, i1); }) {}
    void operator()(std::size_t i0, std::size_t i1) const { call_(context_, i0, i1); }

private:
    void* context_;
    void (*call_)(void*, std::size_t, std::size_t);
};

// The blocked loop nest shared by both drivers: blocks of `depth` rows of the shared dimension,
// then column panels, then blocks of rows; each tile lives in registers for one block of the
// shared dimension. after_rows(i0, i1) runs on each block of rows as soon as all the columns
// this call computes are final for it. With accumulate, the sums start from C (plus the panel's
// init row) instead of from the init row alone. With update.p, the last block of the shared
// dimension steps the parameters there (C's layout) by the final sums instead of storing them
// (micro_tile).
template <class T, class Tile, class Arch, class ForEachPanel>
void gemm_blocked(std::size_t k, std::size_t depth, strided_operand<T> a, ForEachPanel&& for_each_panel, T* c,
                  std::size_t ldc, std::size_t row_begin, std::size_t row_end, rows_callback after_rows,
                  bool accumulate = false, descent<T> update = {}) {
    using tile = Tile;
    constexpr std::size_t vw = tile::width;
    // run_tile's NV (whole vectors of the panel) is what lets micro_tile assume that only its
    // last vector can be partial.
    static_assert(vw == simd::width_v<T, Arch>, "typenet: gemm: the tile's vectors must be Arch's");
    for (std::size_t k0 = 0; k0 < k || k0 == 0; k0 += depth) {
        const std::size_t kc = std::min(depth, k - k0);
        const bool last_block = k0 + kc == k;
        for_each_panel(k0, kc, [&](const b_panel<T>& panel, bool last_panel) {
            const std::size_t nvec = (panel.cols + vw - 1) / vw;
            // As few blocks of rows as tiles of mr rows need, evened out (64 rows in tiles of at
            // most 6: nine of 6 and two of 5, not ten of 6 and a slower one of 4).
            const std::size_t m = row_end - row_begin, blocks = (m + tile::mr - 1) / tile::mr;
            for (std::size_t b = 0, i0 = row_begin; b < blocks; ++b) {
                const std::size_t rows = m / blocks + (b < m % blocks ? 1 : 0);
                const strided_operand<T> ai{a.data + i0 * a.row_stride + k0 * a.step, a.row_stride, a.step};
                T* ci = c + i0 * ldc + panel.first_column;
                const descent<T> step = last_block ? update.at(i0 * ldc + panel.first_column) : descent<T>{};
                // The sums continue C's from the previous block of the shared dimension (or C's
                // own values, with accumulate); the init row joins them in the first block.
                run_tile<T, Arch, tile::mr, tile::nv>(rows, nvec, kc, ai, panel.b, panel.step,
                                                      k0 == 0 ? panel.init : nullptr, k0 > 0 || accumulate, ci, ldc,
                                                      panel.cols, step);
                if (last_block && last_panel) after_rows(i0, i0 + rows);
                i0 += rows;
            }
        });
        if (k == 0) break;
    }
}

}  // namespace detail

/// The most values of a packed panel of W^T that gemm_transposed keeps whole, in bytes: a
/// quarter of a 1 MiB L2. A panel this small is packed over the whole shared dimension, so each
/// tile runs it in one go and reads its rows of A from end to end (784 x 64 floats, a 784-input
/// layer: 16-20 % faster than blocks sized for L1, docs/performance.md); a larger one is cut
/// into blocks of the tile's depth.
inline constexpr std::size_t whole_panel_bytes = 256 * 1024;

/// C(i, j) = bias(j) + sum_p A(i, p) W(j, p) for rows i in [row_begin, row_end) and columns j
/// in [col_begin, min(col_end, n)), all n by default: B = W^T for W row-major [n, k], whose
/// columns are not contiguous, so each block of it (the whole shared dimension or one cache
/// block of it, times one column panel) is packed into a per-thread buffer right before the
/// blocks of rows pass it. after_rows(i0, i1) is
/// called on each block of rows once it is final, while it is still in cache. With accumulate,
/// C(i, j) += bias(j) + sum_p ... (C's values first, then the bias, then the products). A column
/// gets the same bits whichever range computes it (threads split the forward this way).
template <class T, class Tile = gemm_tile<T, simd::default_arch>, class Arch = simd::default_arch>
void gemm_transposed(std::size_t n, std::size_t k, strided_operand<T> a, const T* w, const T* bias, T* c,
                     std::size_t ldc, std::size_t row_begin, std::size_t row_end, detail::rows_callback after_rows,
                     bool accumulate = false, std::size_t col_begin = 0, std::size_t col_end = SIZE_MAX) {
    col_end = std::min(col_end, n);
    using tile = Tile;
    constexpr std::size_t vw = tile::width;
    const bool whole = (k + 1) * tile::panel * sizeof(T) <= whole_panel_bytes;
    const std::size_t depth = whole ? std::max<std::size_t>(k, 1) : tile::depth;
    T* block = detail::scratch<T>((depth + 1) * tile::panel);
    detail::gemm_blocked<T, Tile, Arch>(
        k, depth, a,
        [&](std::size_t k0, std::size_t kc, auto&& f) {
            for (std::size_t j0 = col_begin; j0 < col_end; j0 += tile::panel) {
                const std::size_t cols = std::min(tile::panel, col_end - j0), pw = (cols + vw - 1) / vw * vw;
                pack_transposed_block<T, Arch>(w, k, j0, cols, k0, kc, bias, block);
                f(detail::b_panel<T>{j0, cols, block + pw, pw, bias ? block : nullptr}, j0 + cols == col_end);
            }
        },
        c, ldc, row_begin, row_end, after_rows, accumulate);
}

/// C(i, j) = sum_p A(i, p) B(p, j) for all m rows and columns j in [col_begin, col_end), where
/// B's row p is contiguous at b + p * ldb. The last columns that do not fill a SIMD vector are
/// copied into a zero-padded strip first (B cannot be read past its end). With update.p, C is a
/// gradient that the parameters at update.p (C's layout) step by as it is formed, p -= rate *
/// C(i, j) (descent.hpp): the SGD update fused into the GEMM. C's final values are then not
/// stored (C is scratch for partial sums when k spans several cache blocks).
template <class T, class Tile = gemm_tile<T, simd::default_arch>, class Arch = simd::default_arch>
void gemm_direct(std::size_t m, std::size_t k, strided_operand<T> a, const T* b, std::size_t ldb, T* c,
                 std::size_t ldc, std::size_t col_begin, std::size_t col_end, descent<T> update = {}) {
    using tile = Tile;
    constexpr std::size_t vw = tile::width;
    const std::size_t full_end = col_begin + (col_end - col_begin) / vw * vw, tail = col_end - full_end;
    T* strip = nullptr;
    if (tail > 0) {
        strip = detail::scratch<T>(k * vw);
        for (std::size_t p = 0; p < k; ++p)
            for (std::size_t jj = 0; jj < vw; ++jj) strip[p * vw + jj] = jj < tail ? b[p * ldb + full_end + jj] : T(0);
    }
    detail::gemm_blocked<T, Tile, Arch>(
        k, tile::depth, a,
        [&](std::size_t k0, std::size_t, auto&& f) {
            for (std::size_t j0 = col_begin; j0 < full_end; j0 += tile::panel) {
                const std::size_t cols = std::min(tile::panel, full_end - j0);
                f(detail::b_panel<T>{j0, cols, b + k0 * ldb + j0, ldb, nullptr}, tail == 0 && j0 + cols == full_end);
            }
            if (tail > 0) f(detail::b_panel<T>{full_end, tail, strip + k0 * vw, vw, nullptr}, true);
        },
        c, ldc, 0, m, {}, false, update);
}

/// C[m x n] = A[m x k] * B[k x n]; all row-major and contiguous; C must not alias A or B.
template <class T, class Arch = simd::default_arch>
void gemm(std::size_t m, std::size_t n, std::size_t k, const T* a, const T* b, T* c) {
    gemm_direct<T, gemm_tile<T, Arch>, Arch>(m, k, strided_operand<T>{a, k, 1}, b, n, c, n, 0, n);
}

/// out[n x m] = in[m x n] transposed: for any value type, through registers for float and double.
template <class T>
void transpose(std::size_t m, std::size_t n, const T* in, T* out) noexcept {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        transpose<T, simd::default_arch>(m, n, in, n, out, m);
    } else {
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) out[j * m + i] = in[i * n + j];
    }
}

}  // namespace typenet::kernels

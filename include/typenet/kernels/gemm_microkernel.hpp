// SPDX-License-Identifier: BSL-1.0
// Defines the GEMM micro-kernel: an MR x (NV SIMD vectors) tile of C = A B held in registers
// from its start to its store while the shared dimension streams by, one broadcast of A and NV
// loads of B per step, and the tile shape that fills the register file of each instruction set.
#pragma once

#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace typenet::kernels {

/// The register tile for T on Arch, for a C with N columns (0: not known at compile time):
/// mr rows of C times nv vectors of columns. mr * nv accumulators, nv loads of B and one
/// broadcast must fit the register file (32 vector registers with AVX-512, 16 otherwise), with
/// enough independent accumulators to hide the FMA latency on two FMA pipes (at least 12).
/// With AVX-512 the panel is 4 vectors when that divides N's vectors (64-, 128-, 256-wide
/// layers: no narrow edge panel), else 3.
template <class T, class Arch, std::size_t N = 0>
struct gemm_tile {
    static constexpr std::size_t width = simd::width_v<T, Arch>;
    static constexpr bool wide_register_file = std::is_base_of_v<xsimd::avx512f, Arch>;
    static constexpr std::size_t vectors = (N + width - 1) / width;
    static constexpr bool four_wide = wide_register_file && vectors % 4 == 0 && vectors > 0;
    static constexpr std::size_t mr = wide_register_file ? (four_wide ? 6 : 8) : 6;
    static constexpr std::size_t nv = wide_register_file ? (four_wide ? 4 : 3) : 2;
    static constexpr std::size_t panel = nv * width;  // columns of one full panel
    // Rows of B per cache block: a panel's block (depth x panel values) fills about half of a
    // 48 KiB L1 and stays there while every block of rows of A passes it.
    static constexpr std::size_t depth = std::max<std::size_t>(16, 24 * 1024 / (panel * sizeof(T)));
};

/// A as the micro-kernel reads it: A(i, p) = data[i * row_stride + p * step]. Row-major A has
/// step 1; a transposed operand (dW = dZ^T X reads dZ down its columns) has row_stride 1.
template <class T>
struct strided_operand {
    const T* data;
    std::size_t row_stride;
    std::size_t step;
};

namespace detail {

// One MR x (NV vectors) tile of C, computed in one call: the accumulators live in registers from
// their first value to their store (a tile kept in a member between calls went through memory at
// every call: 12-15 % of a GEMM at W1's and W2's shapes). Every loop over the tile is unrolled,
// so no accumulator is indexed at run time.
template <class T, class Arch, std::size_t MR, std::size_t NV>
struct micro_tile {
    using vec = simd::vec<T, Arch>;
    static constexpr std::size_t w = simd::width_v<T, Arch>;

    // C(i, j) = [C(i, j) if resume] + [init(j) if init] + sum over p < k of A(i, p) B(p, j) for
    // i < MR and j < cols, (NV - 1) * w < cols <= NV * w (run_tile's choice of NV), so only the
    // last vector of a row of C can be partial; B's row p starts at b + p * b_step and is read as
    // NV whole vectors. Without resume the sums start from init (zeros when it is null). With
    // update.p, the sums are final gradients and are not stored: they step the parameters at
    // update.p (C's layout) instead, p -= rate * C(i, j), straight from their registers.
    static void compute(std::size_t k, strided_operand<T> a, const T* b, std::size_t b_step, const T* init,
                        bool resume, T* c, std::size_t ldc, std::size_t cols, descent<T> update) noexcept {
        vec acc[MR][NV];
#pragma GCC unroll 8
        for (std::size_t v = 0; v < NV; ++v) {
            const vec r = init ? simd::load<Arch>(init + v * w) : vec(T(0));
#pragma GCC unroll 8
            for (std::size_t i = 0; i < MR; ++i) {
                acc[i][v] = resume ? load_row(c + i * ldc, v, cols) : r;
                if (resume && init) acc[i][v] = acc[i][v] + r;
            }
        }
        // The lines the tile writes at its end (C, or the parameters it steps) are fetched now, so
        // that its stores do not wait for them after the loop: W1's first dL/dW GEMM (C 800 KB)
        // 5 % faster, 2 % with the SGD step (docs/performance.md). Not when the tile resumed from
        // C: it has just read those lines.
        if (T* target = update.p ? update.p : resume ? nullptr : c)
#pragma GCC unroll 8
            for (std::size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
                for (std::size_t v = 0; v < NV; ++v) __builtin_prefetch(target + i * ldc + v * w, 1, 3);
        const T* rows[MR];
#pragma GCC unroll 8
        for (std::size_t i = 0; i < MR; ++i) rows[i] = a.data + i * a.row_stride;
        for (std::size_t p = 0; p < k; ++p) {
            vec bv[NV];
#pragma GCC unroll 8
            for (std::size_t v = 0; v < NV; ++v) bv[v] = simd::load<Arch>(b + v * w);
#pragma GCC unroll 8
            for (std::size_t i = 0; i < MR; ++i) {
                const vec ai(rows[i][p * a.step]);
#pragma GCC unroll 8
                for (std::size_t v = 0; v < NV; ++v) acc[i][v] = simd::fma(ai, bv[v], acc[i][v]);
            }
            b += b_step;
        }
        if (update.p) {
            const vec rate(update.rate);
#pragma GCC unroll 8
            for (std::size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
                for (std::size_t v = 0; v < NV; ++v) {
                    T* pi = update.p + i * ldc;
                    store_row(pi, v, cols, descent<T>::template step<Arch>(load_row(pi, v, cols), acc[i][v], rate));
                }
            return;
        }
#pragma GCC unroll 8
        for (std::size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
            for (std::size_t v = 0; v < NV; ++v) store_row(c + i * ldc, v, cols, acc[i][v]);
    }

private:
    // Vector v of a row of C. Only the last one can be partial: its lanes at or past cols read
    // as zeros (simd::load_first). The others are whole, with neither test nor partial access
    // in their code: when every vector carried a buffered one, the tile's code was about 6 times
    // as large and a 100-layer network compiled nearly twice as long (docs/performance.md,
    // "Compile cost").
    static vec load_row(const T* ci, std::size_t v, std::size_t cols) noexcept {
        if (v + 1 < NV || cols >= NV * w) return simd::load<Arch>(ci + v * w);
        return simd::load_first<Arch>(ci + v * w, lanes_below(v, cols));
    }
    // Stores the lanes of x below cols into vector v of a row of C.
    static void store_row(T* ci, std::size_t v, std::size_t cols, const vec& x) noexcept {
        if (v + 1 < NV || cols >= NV * w) return simd::store(ci + v * w, x);
        simd::store_first(ci + v * w, lanes_below(v, cols), x);
    }
    static std::size_t lanes_below(std::size_t v, std::size_t cols) noexcept { return cols > v * w ? cols - v * w : 0; }
};

}  // namespace detail
}  // namespace typenet::kernels

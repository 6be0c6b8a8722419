// SPDX-License-Identifier: BSL-1.0
// Defines the GEMM micro-kernel: an MR x (NV SIMD vectors) tile of C = A B held in registers
// while the shared dimension streams by, one broadcast of A and NV loads of B per step, and the
// tile shape that fills the register file of each instruction set.
#pragma once

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

// acc[i][v] (+)= sum over p < k of A(i, p) * B(p, v * width ...); B's row p starts at
// b + p * b_step. Full unrolling over MR and NV keeps the tile in registers.
template <class T, class Arch, std::size_t MR, std::size_t NV>
struct micro_tile {
    using vec = simd::vec<T, Arch>;
    static constexpr std::size_t w = simd::width_v<T, Arch>;
    vec acc[MR][NV];

    void clear() noexcept {
        for (std::size_t i = 0; i < MR; ++i)
            for (std::size_t v = 0; v < NV; ++v) acc[i][v] = vec(T(0));
    }
    // Every row starts from the same row vector (a bias, or zeros when init is null).
    void start(const T* init) noexcept {
        if (!init) return clear();
        for (std::size_t v = 0; v < NV; ++v) {
            const vec b = simd::load<Arch>(init + v * w);
            for (std::size_t i = 0; i < MR; ++i) acc[i][v] = b;
        }
    }

    // Adds the same row vector to every row (a bias, when the sum continues one stored in C).
    void add_row(const T* init) noexcept {
        for (std::size_t v = 0; v < NV; ++v) {
            const vec b = simd::load<Arch>(init + v * w);
            for (std::size_t i = 0; i < MR; ++i) acc[i][v] = acc[i][v] + b;
        }
    }

    // Continues a sum already stored in C (the previous block of the shared dimension).
    // Every accumulator is written: a vector past cols starts from zeros.
    void resume(const T* c, std::size_t ldc, std::size_t cols) noexcept {
        for (std::size_t i = 0; i < MR; ++i) {
            const T* ci = c + i * ldc;
            for (std::size_t v = 0; v < NV; ++v) {
                const std::size_t first = v * w;
                if (first + w <= cols) {
                    acc[i][v] = simd::load<Arch>(ci + first);
                } else {
                    alignas(64) T lanes[w] = {};
                    if (first < cols) std::copy_n(ci + first, cols - first, lanes);
                    acc[i][v] = vec::load_aligned(lanes);
                }
            }
        }
    }

    void run(std::size_t k, strided_operand<T> a, const T* b, std::size_t b_step) noexcept {
        // The loop works on a local copy: stores to members could alias the loads of a and b,
        // which makes compilers write every accumulator back to memory on every step.
        vec c[MR][NV];
        const T* rows[MR];
        for (std::size_t i = 0; i < MR; ++i) {
            rows[i] = a.data + i * a.row_stride;
            for (std::size_t v = 0; v < NV; ++v) c[i][v] = acc[i][v];
        }
        for (std::size_t p = 0; p < k; ++p) {
            vec bv[NV];
#pragma GCC unroll 8
            for (std::size_t v = 0; v < NV; ++v) bv[v] = simd::load<Arch>(b + v * w);
#pragma GCC unroll 8
            for (std::size_t i = 0; i < MR; ++i) {
                const vec ai(rows[i][p * a.step]);
#pragma GCC unroll 8
                for (std::size_t v = 0; v < NV; ++v) c[i][v] = simd::fma(ai, bv[v], c[i][v]);
            }
            b += b_step;
        }
        for (std::size_t i = 0; i < MR; ++i)
            for (std::size_t v = 0; v < NV; ++v) acc[i][v] = c[i][v];
    }

    // C(i, j) = acc for i < rows, j < cols (cols <= NV * w; a partial last vector goes through
    // a small buffer: xsimd 8.1 has no masked store).
    void store(T* c, std::size_t ldc, std::size_t rows, std::size_t cols) const noexcept {
        for (std::size_t i = 0; i < rows; ++i) {
            T* ci = c + i * ldc;
            std::size_t v = 0;
            for (; (v + 1) * w <= cols; ++v) simd::store(ci + v * w, acc[i][v]);
            if (v * w < cols) {
                alignas(64) T lanes[w];
                acc[i][v].store_aligned(lanes);
                std::copy_n(lanes, cols - v * w, ci + v * w);
            }
        }
    }
};

}  // namespace detail
}  // namespace typenet::kernels

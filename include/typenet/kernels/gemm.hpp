// SPDX-License-Identifier: BSL-1.0
// Defines gemm, C = A * B for row-major matrices: a plain, correct kernel. Its inner loop runs
// along a row of B and C in SIMD vectors, so it vectorises without packing; the blocked,
// register-tiled kernel with fused epilogues replaces it in the performance work.
#pragma once

#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

/// C[m x n] = A[m x k] * B[k x n]; all row-major and contiguous; C must not alias A or B.
template <class T, class Arch = simd::default_arch>
void gemm(std::size_t m, std::size_t n, std::size_t k, const T* a, const T* b, T* c) noexcept {
    constexpr std::size_t w = simd::width_v<T, Arch>;
    std::fill(c, c + m * n, T(0));
    for (std::size_t i = 0; i < m; ++i) {
        T* crow = c + i * n;
        for (std::size_t p = 0; p < k; ++p) {
            const T aip = a[i * k + p];
            const T* brow = b + p * n;
            const simd::vec<T, Arch> av(aip);
            std::size_t j = 0;
            for (const std::size_t j_end = n - n % w; j < j_end; j += w)
                simd::store(crow + j, simd::fma(av, simd::load<Arch>(brow + j), simd::load<Arch>(crow + j)));
            for (; j < n; ++j) crow[j] += aip * brow[j];
        }
    }
}

/// out[n x m] = in[m x n] transposed.
template <class T>
void transpose(std::size_t m, std::size_t n, const T* in, T* out) noexcept {
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) out[j * m + i] = in[i * n + j];
}

}  // namespace typenet::kernels

// SPDX-License-Identifier: BSL-1.0
// Defines the kernels of a dense layer, y = x W^T + b with W stored [out, in] as in PyTorch:
// the forward pass with a per-row epilogue hook, and the backward pass with a per-row prologue
// hook (the fusion points: an activation is applied while a row is hot in cache). Plain SIMD
// loops with a little register blocking; the blocked GEMM of the performance work replaces them.
#pragma once

#include <typenet/kernels/simd.hpp>

#include <algorithm>
#include <cstddef>

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
}  // namespace detail

/// z[r, o] = b[o] + sum_i x[r, i] w[o, i] for each row r, then epilogue(r) on the finished row.
template <class T, class Epilogue, class Arch = simd::default_arch>
void dense_forward(std::size_t in, std::size_t out, const T* w, const T* b, const T* x, T* z, std::size_t rows,
                   Epilogue&& epilogue) {
    constexpr std::size_t vw = simd::width_v<T, Arch>;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x + r * in;
        T* zr = z + r * out;
        std::size_t o = 0;
        // Four outputs at once share each load of x.
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
            zr[o] = s0 + b[o];
            zr[o + 1] = s1 + b[o + 1];
            zr[o + 2] = s2 + b[o + 2];
            zr[o + 3] = s3 + b[o + 3];
        }
        for (; o < out; ++o) zr[o] = detail::dot<T, Arch>(xr, w + o * in, in) + b[o];
        epilogue(r);
    }
}

/// Given dy (rows x out), which prologue(r) may first turn into dz in place (the activation's
/// derivative), writes dw = dz^T x, db = sum over rows of dz, and, unless dx is null,
/// dx = dz w. The bias gradient is reduced in the same pass that forms dz.
template <class T, class Prologue, class Arch = simd::default_arch>
void dense_backward(std::size_t in, std::size_t out, const T* w, const T* x, T* dz, T* dw, T* db, T* dx,
                    std::size_t rows, Prologue&& prologue) {
    std::fill(db, db + out, T(0));
    for (std::size_t r = 0; r < rows; ++r) {
        prologue(r);
        const T* dzr = dz + r * out;
        for (std::size_t o = 0; o < out; ++o) db[o] += dzr[o];
        if (dx) {
            T* dxr = dx + r * in;
            std::fill(dxr, dxr + in, T(0));
            for (std::size_t o = 0; o < out; ++o)
                if (dzr[o] != T(0)) detail::axpy<T, Arch>(dzr[o], w + o * in, dxr, in);
        }
    }
    // dw[o, :] = sum_r dz[r, o] x[r, :]: one row of dw stays in L1 while the batch streams by.
    for (std::size_t o = 0; o < out; ++o) {
        T* dwo = dw + o * in;
        std::fill(dwo, dwo + in, T(0));
        for (std::size_t r = 0; r < rows; ++r) {
            const T g = dz[r * out + o];
            if (g != T(0)) detail::axpy<T, Arch>(g, x + r * in, dwo, in);
        }
    }
}

}  // namespace typenet::kernels

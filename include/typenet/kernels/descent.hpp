// SPDX-License-Identifier: BSL-1.0
// Defines descent: the plain gradient step p - rate * g, written once for the SGD optimiser and
// for the weight-gradient GEMM that applies it in its store (the fused update), so that both
// give every parameter the same bits.
#pragma once

#include <typenet/kernels/simd.hpp>

#include <cstddef>

namespace typenet::kernels {

/// Where a kernel applies the plain step p -= rate * g to parameters as it writes their
/// gradients g: p has the gradient's layout (null: gradients only, no step).
template <class T>
struct descent {
    T* p = nullptr;
    T rate = 0;

    /// The same step for the parameters from `offset` on (a part of the gradient's layout).
    descent at(std::size_t offset) const noexcept { return {p ? p + offset : nullptr, rate}; }

    /// p - rate * g for a scalar or a vector: one rounding exactly when Arch has FMA (madd), so a
    /// value gets the same bits in a vector's lane, in a scalar tail and in a GEMM's store.
    template <class Arch, class V>
    static V step(const V& p, const V& g, const V& rate) noexcept {
        return simd::madd<Arch>(-rate, g, p);
    }
};

}  // namespace typenet::kernels

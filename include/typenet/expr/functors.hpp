// SPDX-License-Identifier: BSL-1.0
// Defines the elementwise functors. Each `apply` serves scalars (the loop's tail) and SIMD
// vectors (its body) with one body. Their derivatives are in derivative.hpp.
#pragma once

#include <typenet/kernels/simd.hpp>

namespace typenet::op {

// A functor whose result is a mask (a comparison) says so; only select consumes masks.
struct arithmetic {
    static constexpr bool yields_mask = false;
    static constexpr bool takes_mask = false;
};
struct comparison {
    static constexpr bool yields_mask = true;
    static constexpr bool takes_mask = false;
};
struct logical {
    static constexpr bool yields_mask = true;
    static constexpr bool takes_mask = true;
};

// --- unary ---
struct negate : arithmetic { template <class V> static V apply(const V& x) { return -x; } };
struct exp : arithmetic { template <class V> static V apply(const V& x) { return simd::exp(x); } };
struct log : arithmetic { template <class V> static V apply(const V& x) { return simd::log(x); } };
struct log1p : arithmetic { template <class V> static V apply(const V& x) { return simd::log1p(x); } };
struct expm1 : arithmetic { template <class V> static V apply(const V& x) { return simd::expm1(x); } };
struct sqrt : arithmetic { template <class V> static V apply(const V& x) { return simd::sqrt(x); } };
struct abs : arithmetic { template <class V> static V apply(const V& x) { return simd::abs(x); } };
struct square : arithmetic { template <class V> static V apply(const V& x) { return x * x; } };
struct tanh : arithmetic { template <class V> static V apply(const V& x) { return simd::tanh(x); } };
struct erf : arithmetic { template <class V> static V apply(const V& x) { return simd::erf(x); } };
struct sin : arithmetic { template <class V> static V apply(const V& x) { return simd::sin(x); } };
struct cos : arithmetic { template <class V> static V apply(const V& x) { return simd::cos(x); } };
struct relu : arithmetic { template <class V> static V apply(const V& x) { return simd::max(x, V(0)); } };
struct sigmoid : arithmetic {
    // 1 / (1 + e^-x): e^-x overflows to +inf for x < -88 (float), which still gives 0 exactly.
    template <class V>
    static V apply(const V& x) {
        return V(1) / (V(1) + simd::exp(-x));
    }
};
struct logical_not : logical { template <class V> static V apply(const V& x) { return !x; } };

// --- binary ---
struct add : arithmetic { template <class V> static V apply(const V& a, const V& b) { return a + b; } };
struct subtract : arithmetic { template <class V> static V apply(const V& a, const V& b) { return a - b; } };
struct multiply : arithmetic { template <class V> static V apply(const V& a, const V& b) { return a * b; } };
struct divide : arithmetic { template <class V> static V apply(const V& a, const V& b) { return a / b; } };
struct minimum : arithmetic { template <class V> static V apply(const V& a, const V& b) { return simd::min(a, b); } };
struct maximum : arithmetic { template <class V> static V apply(const V& a, const V& b) { return simd::max(a, b); } };

struct less : comparison { template <class V> static auto apply(const V& a, const V& b) { return a < b; } };
struct less_equal : comparison { template <class V> static auto apply(const V& a, const V& b) { return a <= b; } };
struct greater : comparison { template <class V> static auto apply(const V& a, const V& b) { return a > b; } };
struct greater_equal : comparison { template <class V> static auto apply(const V& a, const V& b) { return a >= b; } };
struct equal : comparison { template <class V> static auto apply(const V& a, const V& b) { return a == b; } };
struct not_equal : comparison { template <class V> static auto apply(const V& a, const V& b) { return a != b; } };

struct logical_and : logical { template <class M> static M apply(const M& a, const M& b) { return a && b; } };
struct logical_or : logical { template <class M> static M apply(const M& a, const M& b) { return a || b; } };

// --- ternary ---
struct select : arithmetic {};

}  // namespace typenet::op

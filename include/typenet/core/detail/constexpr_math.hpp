// SPDX-License-Identifier: BSL-1.0
// Defines constexpr double versions of exp, log, log1p, expm1, sqrt, tanh, sigmoid, erf, sin and
// cos (namespace typenet::detail::cmath), for what typenet computes while compiling (the
// gradient-flow prediction, nn/gradient_flow.hpp).
//
// Why our own. <cmath> is not constexpr before C++26; g++ folds its builtins in constant
// expressions but clang 14 does not. Accuracy: within a few ulp (about 1e-15 relative) for
// exp, log, sqrt, tanh, sigmoid; erf within 1e-14; sin and cos within 1e-15 absolute for
// |x| < 1e5 (three-part Cody-Waite reduction). Tests: tests/nn/gradient_flow_test.cpp.
//
// No infinity or NaN is ever produced, because clang rejects a constant expression whose
// floating-point arithmetic yields one: exp saturates at the largest finite double, and an
// argument outside a function's domain (log of a non-positive number, sqrt of a negative one)
// calls domain_error(), which is not constexpr, so the compiler names the function in a note.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace typenet::detail::cmath {

// Not constexpr on purpose: reaching it in a constant expression is a compile error whose note
// names the function and its argument.
inline double domain_error(const char*, double x) { return x; }

inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // exact in 32 bits
inline constexpr double ln2_lo = 1.90821492927058770002e-10;
inline constexpr double ln2 = 0.69314718055994530942;
inline constexpr double pi = 3.14159265358979323846;
inline constexpr double two_over_sqrt_pi = 1.12837916709551257390;
inline constexpr double inv_sqrt_2pi = 0.39894228040143267794;

constexpr double abs(double x) { return x < 0 ? -x : x; }

// 2^k for -1074 <= k <= 1023, exactly.
constexpr double pow2(int k) {
    if (k < -1022) return pow2(k + 600) * pow2(-600);
    return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

// sum c[i] x^i by Horner's rule, as one expression (a fold): cheap in constant evaluation,
// whose cost (and clang's step limit) counts statements.
template <std::size_t N>
constexpr double horner(double x, const double (&c)[N]) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        double acc = 0.0;
        ((acc = acc * x + c[N - 1 - I]), ...);
        return acc;
    }(std::make_index_sequence<N>{});
}

// 1 / n!, n = 0..16.
inline constexpr double inverse_factorial[17] = {
    1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
    1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0, 1.0 / 87178291200.0,
    1.0 / 1307674368000.0, 1.0 / 20922789888000.0};

// 2^(j/32), j = 0..31, correctly rounded.
inline constexpr double exp2_table[32] = {
    0x1.0000000000000p+0, 0x1.059b0d3158574p+0, 0x1.0b5586cf9890fp+0, 0x1.11301d0125b51p+0,
    0x1.172b83c7d517bp+0, 0x1.1d4873168b9aap+0, 0x1.2387a6e756238p+0, 0x1.29e9df51fdee1p+0,
    0x1.306fe0a31b715p+0, 0x1.371a7373aa9cbp+0, 0x1.3dea64c123422p+0, 0x1.44e086061892dp+0,
    0x1.4bfdad5362a27p+0, 0x1.5342b569d4f82p+0, 0x1.5ab07dd485429p+0, 0x1.6247eb03a5585p+0,
    0x1.6a09e667f3bcdp+0, 0x1.71f75e8ec5f74p+0, 0x1.7a11473eb0187p+0, 0x1.82589994cce13p+0,
    0x1.8ace5422aa0dbp+0, 0x1.93737b0cdc5e5p+0, 0x1.9c49182a3f090p+0, 0x1.a5503b23e255dp+0,
    0x1.ae89f995ad3adp+0, 0x1.b7f76f2fb5e47p+0, 0x1.c199bdd85529cp+0, 0x1.cb720dcef9069p+0,
    0x1.d5818dcfba487p+0, 0x1.dfc97337b9b5fp+0, 0x1.ea4afa2a490dap+0, 0x1.f50765b6e4540p+0};

constexpr double exp(double x) {
    if (x > 709.782712893384) return std::numeric_limits<double>::max();
    if (x < -745.2) return 0.0;
    // x = (32 k + j) ln2/32 + r, |r| <= ln2/64 (ln2/32 in two parts, the first exact in 32
    // bits); e^x = 2^k 2^(j/32) e^r, e^r by Taylor to r^6/6! (error below 4e-18).
    constexpr double l_hi = 0x1.62e42ff000000p-6, l_lo = -0x1.718432a1b0e26p-40;
    const double t = x * 46.166241308446828;
    const int n = static_cast<int>(t < 0 ? t - 0.5 : t + 0.5);
    const double r = (x - n * l_hi) - n * l_lo;
    const int j = ((n % 32) + 32) % 32;
    const int k = (n - j) / 32;
    const double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720))))));
    const double y = exp2_table[j] * p;
    if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
    return y * pow2(k);
}

constexpr double expm1(double x) {
    if (abs(x) < 0.5) {
        // x (1 + x/2 + x^2/6 + ...), to x^16/16! (relative error < 1e-17 for |x| < 0.5).
        constexpr double c[16] = {inverse_factorial[1],  inverse_factorial[2],  inverse_factorial[3],  inverse_factorial[4],
                                  inverse_factorial[5],  inverse_factorial[6],  inverse_factorial[7],  inverse_factorial[8],
                                  inverse_factorial[9],  inverse_factorial[10], inverse_factorial[11], inverse_factorial[12],
                                  inverse_factorial[13], inverse_factorial[14], inverse_factorial[15], inverse_factorial[16]};
        return x * horner(x, c);
    }
    return exp(x) - 1.0;
}

constexpr double log(double x) {
    if (!(x > 0)) return domain_error("log", x);
    if (x > std::numeric_limits<double>::max()) return domain_error("log", x);
    int e = 0;
    if (x < std::numeric_limits<double>::min()) {  // subnormal: scale into the normal range
        x *= pow2(600);
        e -= 600;
    }
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
    e += static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double f = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
    if (f > 1.4142135623730951) {
        f *= 0.5;
        ++e;
    }
    // log f = 2 atanh(s), s = (f - 1) / (f + 1), |s| < 0.172.
    const double s = (f - 1.0) / (f + 1.0);
    constexpr double c[14] = {1.0,      1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11, 1.0 / 13,
                              1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27};
    return 2.0 * s * horner(s * s, c) + e * ln2_hi + e * ln2_lo;
}

constexpr double log1p(double x) {
    if (!(x > -1.0)) return domain_error("log1p", x);
    const double u = 1.0 + x;
    if (u == 1.0) return x;
    // Corrects the rounding of 1 + x (Goldberg's trick).
    return log(u) - ((u - 1.0) - x) / u;
}

constexpr double sqrt(double x) {
    if (x < 0) return domain_error("sqrt", x);
    if (x == 0) return 0.0;
    // A start within a factor 2 from the halved exponent, then Newton (quadratic convergence).
    int e = 0;
    if (x < std::numeric_limits<double>::min()) {
        x *= pow2(600);
        e -= 600;
    }
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
    const int ex = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double y = pow2((ex - (ex < 0 && (ex % 2) ? 1 : 0)) / 2);
    for (int i = 0; i < 8; ++i) y = 0.5 * (y + x / y);
    return e ? y * pow2(e / 2) : y;
}

constexpr double tanh(double x) {
    const double a = abs(x);
    double t = 0.0;
    if (a < 0.01) {
        const double a2 = a * a;  // the series; the next term, 62 a^9 / 2835, is below 1e-19 a
        t = a * (1.0 + a2 * (-1.0 / 3 + a2 * (2.0 / 15 + a2 * (-17.0 / 315))));
    } else if (a < 0.5) {
        const double e = expm1(2.0 * a);
        t = e / (e + 2.0);
    } else if (a < 22.0) {
        t = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    } else {
        t = 1.0;  // 1 - tanh(22) < 2^-63
    }
    return x < 0 ? -t : t;
}

constexpr double sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    const double e = exp(x);
    return e / (1.0 + e);
}

// Both branches of erf are single expressions (generated: the coefficients 2^n / (1 3 5 ...
// (2n+1)) in hexadecimal, and the continued fraction written out), because a constant
// evaluation's cost, and clang's step limit, grows with every statement and loop iteration.
constexpr double erf_series(double a2) {
    return 0x1.0000000000000p+0 + a2 * (0x1.5555555555555p-1 + a2 * (0x1.1111111111111p-2 + a2 *
        (0x1.3813813813814p-4 + a2 * (0x1.1566abc011567p-6 + a2 * (0x1.937e11175f095p-9 + a2 *
        (0x1.f09b28ba4d955p-12 + a2 * (0x1.08db48ebe51c7p-14 + a2 * (0x1.f28db670be53bp-18 + a2 *
        (0x1.a3d5a71b92cd3p-21 + a2 * (0x1.3fdfbc45c52eap-24 + a2 * (0x1.bd0ac3296b624p-28 + a2 *
        (0x1.1cd3b01a822a6p-31 + a2 * (0x1.519297d390c9fp-35 + a2 * (0x1.747e72912d023p-39 + a2 *
        (0x1.808286c768445p-43 + a2 * (0x1.74dba97b8be52p-47 + a2 * (0x1.54e6174c62a5ap-51 + a2 *
        (0x1.26d4d5e132b8cp-55 + a2 * (0x1.e3d36c1c38faap-60 + a2 * (0x1.799ec4c4db4d0p-64 + a2 *
        (0x1.19050980a3336p-68 + a2 * (0x1.8fac24452c5fdp-73 + a2 * (0x1.101e0dcd0ddf3p-77 + a2 *
        (0x1.636b2c25f2c57p-82 + a2 * (0x1.be03fb2a9a10ep-87 + a2 * (0x1.0d4adb45318cap-91 + a2 *
        (0x1.395bc2a44c468p-96 + a2 * (0x1.5fd74f512d38cp-101 + a2 * (0x1.7da878c0310ddp-106 + a2 *
        (0x1.906d9c10fce8bp-111 + a2 * (0x1.96c8bf0d31af7p-116 + a2 * (0x1.9086a47b449d0p-121 + a2 *
        (0x1.7e978a031f273p-126 + a2 * (0x1.62de2e635bf7dp-131 + a2 * (0x1.3fe183f49b037p-136 + a2 *
        (0x1.18718c3c25b5ep-141 + a2 * (0x1.de9fa7a781366p-147 + a2 * (0x1.8dd12aeef708ap-152 + a2 *
        (0x1.42483cb4a13e1p-157)))))))))))))))))))))))))))))))))))))));
}
constexpr double erfc_fraction(double a) {
    return a + 0.5 / (a + 1.0 / (a + 1.5 / (a + 2.0 / (a + 2.5 / (a + 3.0 / (a + 3.5 / (a + 4.0 / (a +
        4.5 / (a + 5.0 / (a + 5.5 / (a + 6.0 / (a + 6.5 / (a + 7.0 / (a + 7.5 / (a + 8.0 / (a + 8.5
        / (a + 9.0 / (a + 9.5 / (a + 10.0 / (a + 10.5 / (a + 11.0 / (a + 11.5 / (a + 12.0 / (a +
        12.5 / (a + 13.0 / (a + 13.5 / (a + 14.0 / (a + 14.5 / (a + 15.0 / (a + 15.5 / (a + 16.0 /
        (a + 16.5 / (a + 17.0 / (a + 17.5 / (a + 18.0 / (a + 18.5 / (a + 19.0 / (a + 19.5 / (a +
        20.0 / a)))))))))))))))))))))))))))))))))))))));
}

constexpr double erf(double x) {
    const double a = abs(x);
    double r = 0.0;
    if (a < 2.5) {
        // erf a = 2/sqrt(pi) e^{-a^2} sum 2^n a^{2n+1} / (1 3 5 ... (2n+1)): positive terms, 40
        // of them reach 1e-19 of the sum at a = 2.5.
        r = two_over_sqrt_pi * exp(-a * a) * a * erf_series(a * a);
    } else if (a < 6.5) {
        // erfc a = e^{-a^2} / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + ...)))): 40
        // levels converge to 1e-17 for a >= 2.5.
        r = 1.0 - exp(-a * a) / (erfc_fraction(a) * 1.7724538509055160273);
    } else {
        r = 1.0;
    }
    return x < 0 ? -r : r;
}

namespace detail_trig {
// x = k pi/2 + r with |r| <= pi/4 (three-part pi/2, exact products for |k| < 2^20).
struct reduced {
    double r;
    long k;
};
constexpr reduced reduce(double x) {
    constexpr double p1 = 1.57079632673412561417e+00;
    constexpr double p2 = 6.07710050650619224932e-11;
    constexpr double p3 = 2.02226624879595063154e-21;
    const double t = x * 0.63661977236758134308;
    const long k = static_cast<long>(t < 0 ? t - 0.5 : t + 0.5);
    return {((x - k * p1) - k * p2) - k * p3, k};
}
// Taylor to r^23 / 23! and r^22 / 22! (below 1e-25 for |r| <= pi/4).
constexpr double sin_series(double r) {
    constexpr double c[12] = {1.0,
                              -inverse_factorial[3],
                              inverse_factorial[5],
                              -inverse_factorial[7],
                              inverse_factorial[9],
                              -inverse_factorial[11],
                              inverse_factorial[13],
                              -inverse_factorial[15],
                              1.0 / 355687428096000.0,
                              -1.0 / 121645100408832000.0,
                              1.0 / 51090942171709440000.0,
                              -1.0 / 25852016738884976640000.0};
    return r * horner(r * r, c);
}
constexpr double cos_series(double r) {
    constexpr double c[12] = {1.0,
                              -inverse_factorial[2],
                              inverse_factorial[4],
                              -inverse_factorial[6],
                              inverse_factorial[8],
                              -inverse_factorial[10],
                              inverse_factorial[12],
                              -inverse_factorial[14],
                              inverse_factorial[16],
                              -1.0 / 6402373705728000.0,
                              1.0 / 2432902008176640000.0,
                              -1.0 / 1124000727777607680000.0};
    return horner(r * r, c);
}
}  // namespace detail_trig

constexpr double sin(double x) {
    const auto [r, k] = detail_trig::reduce(x);
    switch (((k % 4) + 4) % 4) {
        case 0: return detail_trig::sin_series(r);
        case 1: return detail_trig::cos_series(r);
        case 2: return -detail_trig::sin_series(r);
        default: return -detail_trig::cos_series(r);
    }
}

constexpr double cos(double x) {
    const auto [r, k] = detail_trig::reduce(x);
    switch (((k % 4) + 4) % 4) {
        case 0: return detail_trig::cos_series(r);
        case 1: return -detail_trig::sin_series(r);
        case 2: return -detail_trig::cos_series(r);
        default: return detail_trig::sin_series(r);
    }
}

}  // namespace typenet::detail::cmath

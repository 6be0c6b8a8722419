// SPDX-License-Identifier: BSL-1.0
// Defines typenet's SIMD vocabulary over xsimd: vector and mask types, loads and stores, and
// math that works on scalars and SIMD vectors alike. The only file that includes xsimd (with
// detail/xsimd_avx512_fma.hpp, which adds the AVX-512 FMA kernels xsimd 8.1 lacks).
#pragma once

// GCC 12 reports -W(maybe-)uninitialized inside its own AVX-512 intrinsics (the self-initialised
// `_mm512_undefined_*`), wherever xsimd inlines them; the location is the intrinsics header, so
// silencing it around this include silences exactly that and nothing of ours.
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#  pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <typenet/kernels/detail/xsimd_avx512_fma.hpp>  // before xsimd's API: see there
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

namespace typenet::simd {

/// The instruction set kernels use unless told otherwise: the best one the compiler targets
/// (`-march=native` on this project's own targets; SSE2 for a plain x86-64 build).
using default_arch = xsimd::default_arch;

template <class T, class Arch = default_arch>
using vec = xsimd::batch<T, Arch>;

template <class T, class Arch = default_arch>
using mask = xsimd::batch_bool<T, Arch>;

template <class T, class Arch = default_arch>
inline constexpr std::size_t width_v = vec<T, Arch>::size;

template <class Arch, class T>
vec<T, Arch> load(const T* p) noexcept {
    return vec<T, Arch>::load_unaligned(p);
}

template <class T, class Arch>
void store(T* p, const vec<T, Arch>& v) noexcept {
    v.store_unaligned(p);
}

/// The first n lanes of the vector at p, the others zero: nothing past p + n is read (n at or
/// above the width reads a whole vector). AVX-512 masks the load, one instruction; other
/// instruction sets, which xsimd 8.1 gives no masked load, go through a small buffer.
template <class Arch, class T>
vec<T, Arch> load_first(const T* p, std::size_t n) noexcept {
    constexpr std::size_t w = vec<T, Arch>::size;
    n = std::min(n, w);
#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>)
        return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p);
    else if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>)
        return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), p);
    else
#endif
    {
        alignas(64) T lanes[w] = {};
        std::copy_n(p, n, lanes);
        return vec<T, Arch>::load_aligned(lanes);
    }
}

/// Stores the first n lanes of v at p: nothing past p + n is written (n at or above the width
/// stores the whole vector). Masked on AVX-512, through a buffer elsewhere (load_first).
template <class T, class Arch>
void store_first(T* p, std::size_t n, const vec<T, Arch>& v) noexcept {
    constexpr std::size_t w = vec<T, Arch>::size;
    n = std::min(n, w);
#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>)
        _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
    else if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>)
        _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), v);
    else
#endif
    {
        alignas(64) T lanes[w];
        v.store_aligned(lanes);
        std::copy_n(lanes, n, p);
    }
}

// Math shared by the scalar tail and the SIMD body: xsimd overloads each name for scalars
// (forwarding to <cmath>) and for vectors, so one functor body serves both.
using xsimd::abs;
using xsimd::cos;
using xsimd::erf;
using xsimd::exp;
using xsimd::expm1;
using xsimd::log;
using xsimd::log1p;
using xsimd::max;
using xsimd::min;
using xsimd::sin;
using xsimd::sqrt;

#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__) && XSIMD_WITH_AVX512BW
// Without optimisation, GCC 12 expands _mm512_mask_blend_epi8 as a macro whose cast rejects
// xsimd's integer batches, and xsimd 8.1's float and double log reach it through the avx512bw
// integer select. The same registers run xsimd's avx512dq kernels, which do not take that path.
template <class T>
    requires(std::is_floating_point_v<T>)
vec<T, xsimd::avx512bw> log(const vec<T, xsimd::avx512bw>& x) noexcept {
    using reg = typename vec<T, xsimd::avx512bw>::register_type;
    using dq = xsimd::batch<T, xsimd::avx512dq>;
    return vec<T, xsimd::avx512bw>(static_cast<reg>(xsimd::log(dq(static_cast<reg>(x)))));
}
#endif

/// a * b + c in one rounding where the instruction set has FMA (std::fma for scalars, a libm
/// call without it; xsimd's vectors round twice without it). Call it qualified: xsimd::fma has
/// the same signature and ADL would find both. xsimd 8.1 has no AVX-512
/// fma kernel: it falls back to a multiply and an add, which g++ contracts into an FMA
/// (-ffp-contract=fast) and clang does not. detail/xsimd_avx512_fma.hpp supplies the kernel
/// (unless TYPENET_XSIMD_GENERIC_FMA); this calls the instruction itself either way.
template <class T>
    requires std::is_floating_point_v<T>
T fma(T a, T b, T c) noexcept {
    return std::fma(a, b, c);
}
template <class T, class Arch>
vec<T, Arch> fma(const vec<T, Arch>& a, const vec<T, Arch>& b, const vec<T, Arch>& c) noexcept {
#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>)
        return _mm512_fmadd_ps(a, b, c);
    else if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>)
        return _mm512_fmadd_pd(a, b, c);
    else
#endif
        return xsimd::fma(a, b, c);
}

template <class T, class Arch>
vec<T, Arch> select(const mask<T, Arch>& c, const vec<T, Arch>& a, const vec<T, Arch>& b) noexcept {
    return xsimd::select(c, a, b);
}
template <class T>
T select(bool c, const T& a, const T& b) noexcept {
    return c ? a : b;
}

/// Whether Arch has fused multiply-add instructions (FMA3, FMA4, AVX-512 or AArch64's NEON;
/// xsimd's AVX-512 types do not derive from its FMA ones).
template <class Arch>
inline constexpr bool has_fma_v = std::is_base_of_v<xsimd::fma3<xsimd::sse4_2>, Arch> ||
                                  std::is_base_of_v<xsimd::fma3<xsimd::avx>, Arch> ||
                                  std::is_base_of_v<xsimd::fma3<xsimd::avx2>, Arch> ||
                                  std::is_base_of_v<xsimd::fma4, Arch> || std::is_base_of_v<xsimd::avx512f, Arch> ||
                                  std::is_base_of_v<xsimd::neon64, Arch>;

/// a * b + c in one rounding exactly when Arch has FMA, else a multiply and an add, for scalars
/// and vectors alike (madd<Arch>(a, b, c) for either): a value gets the same bits in a vector's
/// lane as in a scalar tail, which simd::fma does not promise (it always fuses a scalar, through
/// a libm call without FMA, where xsimd's vectors round twice). The choice is Arch's, a template
/// argument, so translation units built for different targets instantiate different functions
/// (no macro decides a body). One limit: on a target with FMA, g++ contracts a * b + c in the
/// scalar and the vector form of an Arch without FMA alike (clang, here, in neither); the
/// library only calls madd with the Arch it compiles for.
template <class Arch = default_arch, class T>
    requires std::is_floating_point_v<T> && std::is_class_v<Arch>
T madd(T a, T b, T c) noexcept {
    if constexpr (has_fma_v<Arch>) {
        return std::fma(a, b, c);
    } else {
#if defined(__clang__)
#pragma clang fp contract(off)  // as in xsimd's vectors, which clang does not contract
#endif
        return a * b + c;
    }
}
template <class Arch, class T>
vec<T, Arch> madd(const vec<T, Arch>& a, const vec<T, Arch>& b, const vec<T, Arch>& c) noexcept {
    if constexpr (has_fma_v<Arch>)
        return simd::fma(a, b, c);
    else
        return a * b + c;
}

namespace detail {
// Float tanh as Eigen computes it (generic_fast_tanh_float): a [13/6] rational minimax
// approximation on [-c, c], x itself below 4e-4, no exp. It is the epilogue of every tanh
// layer, at about half the cost of xsimd's exp-based tanh (docs/performance.md: Eigen's tanh
// chain, the same formula, 1.95x faster in L2), which is within 1e-7; this one is within 2.8e-7
// absolute (5 ulp at 1; 3.9e-7 without FMA) and 2.9e-7 relative below 0.5 (tests/kernels), and
// is not monotone at that scale (neighbouring floats step back by up to 8 ulp; measured once
// over every float in [0, 12] by a scratch program). c is where the
// approximation rounds to exactly 1, which differs with FMA. The clamps are selects, not
// min/max, so that a NaN passes through.
template <class Arch, class V>
V rational_tanh(const V& a) noexcept {
    const V c(has_fma_v<Arch> ? 7.99881172180175781f : 7.90531110763549805f);
    V x = simd::select(a > c, c, a);
    x = simd::select(x < -c, -c, x);
    const V x2 = x * x;
    V p = madd<Arch>(x2, V(-2.76076847742355e-16f), V(2.00018790482477e-13f));
    p = madd<Arch>(x2, p, V(-8.60467152213735e-11f));
    p = madd<Arch>(x2, p, V(5.12229709037114e-08f));
    p = madd<Arch>(x2, p, V(1.48572235717979e-05f));
    p = madd<Arch>(x2, p, V(6.37261928875436e-04f));
    p = madd<Arch>(x2, p, V(4.89352455891786e-03f));
    p = x * p;
    V q = madd<Arch>(x2, V(1.19825839466702e-06f), V(1.18534705686654e-04f));
    q = madd<Arch>(x2, q, V(2.26843463243900e-03f));
    q = madd<Arch>(x2, q, V(4.89352518554385e-03f));
    return simd::select(xsimd::abs(a) < V(0.0004f), a, p / q);
}
}  // namespace detail

/// tanh for scalars and vectors: float through detail::rational_tanh (the same bits in a SIMD
/// lane and in a scalar tail), double through xsimd (vectors) and <cmath> (scalars).
/// A scalar is computed as a lane of a vector of Arch would be.
template <class Arch = default_arch, class T>
    requires std::is_floating_point_v<T> && std::is_class_v<Arch>
T tanh(T x) noexcept {
    if constexpr (std::is_same_v<T, float>) return detail::rational_tanh<Arch>(x);
    else return std::tanh(x);
}
template <class T, class Arch>
vec<T, Arch> tanh(const vec<T, Arch>& x) noexcept {
    if constexpr (std::is_same_v<T, float>) return detail::rational_tanh<Arch>(x);
    else return xsimd::tanh(x);
}

/// Sum of a vector's lanes.
template <class T, class Arch>
T reduce_sum(const vec<T, Arch>& v) noexcept {
    return xsimd::hadd(v);
}

/// Largest lane (xsimd 8.1 has no horizontal max, so go through memory).
template <class T, class Arch>
T reduce_max(const vec<T, Arch>& v) noexcept {
    alignas(64) T lanes[vec<T, Arch>::size];
    v.store_aligned(lanes);
    return *std::max_element(lanes, lanes + vec<T, Arch>::size);
}
template <class T, class Arch>
T reduce_min(const vec<T, Arch>& v) noexcept {
    alignas(64) T lanes[vec<T, Arch>::size];
    v.store_aligned(lanes);
    return *std::min_element(lanes, lanes + vec<T, Arch>::size);
}

/// dst(q, l) = src(l, q) for a square block of width_v<T, Arch> rows and columns: row l of the
/// source at src + l * src_stride, row q of the result at dst + q * dst_stride. AVX-512 does it
/// in registers (unpack, then 128-bit lane shuffles); other instruction sets copy element-wise.
template <class T, class Arch = default_arch>
void transpose_block(const T* src, std::size_t src_stride, T* dst, std::size_t dst_stride) noexcept {
#if defined(__AVX512F__)
    // The zero-masked forms with a full mask: the plain ones start from _mm512_undefined_*,
    // which g++ 12 reports as uninitialised wherever the intrinsics header was included first.
    constexpr __mmask16 all16 = 0xFFFF;
    constexpr __mmask8 all8 = 0xFF;
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, float>) {
        __m512 r[16], t[16];
        for (int l = 0; l < 16; ++l) r[l] = _mm512_loadu_ps(src + l * src_stride);
        for (int l = 0; l < 16; l += 2) {
            t[l] = _mm512_maskz_unpacklo_ps(all16, r[l], r[l + 1]);
            t[l + 1] = _mm512_maskz_unpackhi_ps(all16, r[l], r[l + 1]);
        }
        for (int l = 0; l < 16; l += 4) {
            const __m512d a = _mm512_castps_pd(t[l]), b = _mm512_castps_pd(t[l + 1]);
            const __m512d c = _mm512_castps_pd(t[l + 2]), d = _mm512_castps_pd(t[l + 3]);
            r[l] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, a, c));
            r[l + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, a, c));
            r[l + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(all8, b, d));
            r[l + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(all8, b, d));
        }
        for (int h = 0; h < 16; h += 8)
            for (int l = 0; l < 4; ++l) {
                t[h + l] = _mm512_maskz_shuffle_f32x4(all16, r[h + l], r[h + l + 4], 0x88);
                t[h + l + 4] = _mm512_maskz_shuffle_f32x4(all16, r[h + l], r[h + l + 4], 0xdd);
            }
        for (int l = 0; l < 8; ++l) {
            _mm512_storeu_ps(dst + l * dst_stride, _mm512_maskz_shuffle_f32x4(all16, t[l], t[l + 8], 0x88));
            _mm512_storeu_ps(dst + (l + 8) * dst_stride, _mm512_maskz_shuffle_f32x4(all16, t[l], t[l + 8], 0xdd));
        }
        return;
    }
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch> && std::is_same_v<T, double>) {
        __m512d r[8], t[8];
        for (int l = 0; l < 8; ++l) r[l] = _mm512_loadu_pd(src + l * src_stride);
        for (int l = 0; l < 8; l += 2) {
            t[l] = _mm512_maskz_unpacklo_pd(all8, r[l], r[l + 1]);
            t[l + 1] = _mm512_maskz_unpackhi_pd(all8, r[l], r[l + 1]);
        }
        for (int h = 0; h < 8; h += 4)
            for (int l = 0; l < 2; ++l) {
                r[h + l] = _mm512_maskz_shuffle_f64x2(all8, t[h + l], t[h + l + 2], 0x88);
                r[h + l + 2] = _mm512_maskz_shuffle_f64x2(all8, t[h + l], t[h + l + 2], 0xdd);
            }
        for (int l = 0; l < 4; ++l) {
            _mm512_storeu_pd(dst + l * dst_stride, _mm512_maskz_shuffle_f64x2(all8, r[l], r[l + 4], 0x88));
            _mm512_storeu_pd(dst + (l + 4) * dst_stride, _mm512_maskz_shuffle_f64x2(all8, r[l], r[l + 4], 0xdd));
        }
        return;
    }
#endif
    constexpr std::size_t n = width_v<T, Arch>;
    for (std::size_t l = 0; l < n; ++l)
        for (std::size_t q = 0; q < n; ++q) dst[q * dst_stride + l] = src[l * src_stride + q];
}

}  // namespace typenet::simd

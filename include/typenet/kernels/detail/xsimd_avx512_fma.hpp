// SPDX-License-Identifier: BSL-1.0
// Defines xsimd 8.1's missing AVX-512 kernels for fma, fms, fnma and fnms (xsimd >= 9 has them
// upstream). Without them xsimd::fma on AVX-512 vectors is its generic multiply and add, and so
// are the polynomials of its exp, log, erf, sin, cos and double tanh (hence sigmoid, softplus,
// swish, elu, gelu and the losses' exp and log): g++ contracts those into FMAs by default
// (-ffp-contract=fast), clang does not, which made them 1.3-1.5x slower under clang.
//
// xsimd's API functions reach a kernel by a qualified call, whose overloads are the ones declared
// where the API is defined; so these must come after xsimd's batch types and before its API.
// This header therefore includes xsimd's parts in xsimd.hpp's own order, stopping before the API,
// and kernels/simd.hpp includes it first. A translation unit that included <xsimd/xsimd.hpp>
// before typenet would instantiate the same xsimd::fma<float, avx512bw> with the generic body,
// and the linker would keep one of the two for the whole program: so that is a build error, on
// every target alike. TYPENET_XSIMD_GENERIC_FMA, defined for the whole program, keeps xsimd's
// generic kernels everywhere instead.
#pragma once

#include <xsimd/config/xsimd_config.hpp>

#if XSIMD_VERSION_MAJOR < 9 && !defined(TYPENET_XSIMD_GENERIC_FMA)
#if defined(XSIMD_HPP)
#  error "typenet: <xsimd/xsimd.hpp> was included before typenet: include typenet's headers first (typenet adds the AVX-512 FMA kernels xsimd 8.1 lacks, which must precede xsimd's API), or define TYPENET_XSIMD_GENERIC_FMA for the whole program"
#endif
#if XSIMD_WITH_AVX512F

// As xsimd.hpp defines it before its own includes (it redefines it there, identically).
#if !defined(XSIMD_NO_DISCARD)
#  if defined(__GNUC__)
#    define XSIMD_NO_DISCARD __attribute__((warn_unused_result))
#  else
#    define XSIMD_NO_DISCARD
#  endif
#endif
#include <xsimd/arch/xsimd_scalar.hpp>
#include <xsimd/memory/xsimd_aligned_allocator.hpp>
#include <xsimd/types/xsimd_batch.hpp>

namespace xsimd::kernel {

// x * y + z, x * y - z, -x * y + z and -x * y - z in one rounding, as the FMA3 kernels do.
template <class A>
batch<float, A> fma(batch<float, A> const& x, batch<float, A> const& y, batch<float, A> const& z,
                    requires_arch<avx512f>) noexcept {
    return _mm512_fmadd_ps(x, y, z);
}
template <class A>
batch<double, A> fma(batch<double, A> const& x, batch<double, A> const& y, batch<double, A> const& z,
                     requires_arch<avx512f>) noexcept {
    return _mm512_fmadd_pd(x, y, z);
}
template <class A>
batch<float, A> fms(batch<float, A> const& x, batch<float, A> const& y, batch<float, A> const& z,
                    requires_arch<avx512f>) noexcept {
    return _mm512_fmsub_ps(x, y, z);
}
template <class A>
batch<double, A> fms(batch<double, A> const& x, batch<double, A> const& y, batch<double, A> const& z,
                     requires_arch<avx512f>) noexcept {
    return _mm512_fmsub_pd(x, y, z);
}
template <class A>
batch<float, A> fnma(batch<float, A> const& x, batch<float, A> const& y, batch<float, A> const& z,
                     requires_arch<avx512f>) noexcept {
    return _mm512_fnmadd_ps(x, y, z);
}
template <class A>
batch<double, A> fnma(batch<double, A> const& x, batch<double, A> const& y, batch<double, A> const& z,
                      requires_arch<avx512f>) noexcept {
    return _mm512_fnmadd_pd(x, y, z);
}
template <class A>
batch<float, A> fnms(batch<float, A> const& x, batch<float, A> const& y, batch<float, A> const& z,
                     requires_arch<avx512f>) noexcept {
    return _mm512_fnmsub_ps(x, y, z);
}
template <class A>
batch<double, A> fnms(batch<double, A> const& x, batch<double, A> const& y, batch<double, A> const& z,
                      requires_arch<avx512f>) noexcept {
    return _mm512_fnmsub_pd(x, y, z);
}

}  // namespace xsimd::kernel

#endif  // XSIMD_WITH_AVX512F
#endif  // xsimd 8 and typenet's kernels wanted

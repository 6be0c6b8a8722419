// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a translation unit that includes xsimd before typenet, which
// would give xsimd::fma two bodies in one program (kernels/detail/xsimd_avx512_fma.hpp). The ok
// variant is the documented way out: TYPENET_XSIMD_GENERIC_FMA, xsimd's generic kernels.
// expect: typenet: <xsimd/xsimd.hpp> was included before typenet: include typenet's headers first
#ifndef TYPENET_SHOULD_FAIL
#define TYPENET_XSIMD_GENERIC_FMA
#endif
#include <xsimd/xsimd.hpp>
#include <typenet/typenet.hpp>

namespace tn = typenet;

struct net : tn::network<tn::input<4>, tn::dense<2>> {};
net model;

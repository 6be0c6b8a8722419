// SPDX-License-Identifier: BSL-1.0
// Defines the library version and the TYPENET_* switches; the only home of typenet's macros.
#pragma once

#define TYPENET_VERSION_MAJOR 0
#define TYPENET_VERSION_MINOR 1
#define TYPENET_VERSION_PATCH 0

// Element access `t(i, j)` checks its indices and throws tn::index_error when this is 1.
// On by default in builds without NDEBUG (debug builds), off in release builds.
#ifndef TYPENET_CHECK_BOUNDS
#  ifdef NDEBUG
#    define TYPENET_CHECK_BOUNDS 0
#  else
#    define TYPENET_CHECK_BOUNDS 1
#  endif
#endif

// Byte alignment of every tensor and batch buffer: one cache line, which also covers AVX-512.
#ifndef TYPENET_ALIGNMENT
#  define TYPENET_ALIGNMENT 64
#endif

// Tensors whose data take at most this many bytes live inside the object; larger ones own a
// heap buffer of fixed size (so a tensor<float, shape<1000, 1000>> does not overflow the stack).
#ifndef TYPENET_INLINE_STORAGE_BYTES
#  define TYPENET_INLINE_STORAGE_BYTES 16384
#endif

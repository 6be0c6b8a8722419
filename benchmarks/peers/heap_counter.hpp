// SPDX-License-Identifier: BSL-1.0
// Defines heap_counter: the number of heap allocations of the whole process, the bytes in use
// and their peak, by replacing glibc's malloc family and the global operator new and delete.
// Include it in exactly one translation unit of an executable (it defines those functions),
// and only on glibc (it forwards to glibc's own allocator under its __libc_* names).
//
// Why malloc and not operator new alone: only typenet allocates through operator new. Eigen
// takes its matrices from std::malloc (handmade_aligned_malloc) and libtorch its tensors from
// posix_memalign (c10::alloc_cpu), so counting operator new would miss almost all of the two
// peers' memory. Replacing malloc in the executable replaces it for every shared library too
// (glibc's "Replacing malloc"), and libstdc++'s operator new calls malloc, so one counter sees
// every allocation once. The operator new share is kept apart as well, to show the difference.
// Not counted: memory mapped without malloc (OpenBLAS maps its GEMM buffers itself); peak RSS
// sees those pages.
#pragma once

#include <malloc.h>  // malloc_usable_size, mallinfo2
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
// clang's <mm_malloc.h> (which Eigen and xsimd include) declares posix_memalign without
// noexcept; declared after the definition below that is an error, declared before it is not.
#include <mm_malloc.h>
#endif

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void* __libc_valloc(std::size_t) noexcept;
void* __libc_pvalloc(std::size_t) noexcept;
void __libc_free(void*) noexcept;
}

namespace heap_counter {

namespace detail {

using counter = std::atomic<std::int64_t>;
// constinit: malloc runs before any dynamic initialisation (shared libraries' constructors).
inline constinit std::atomic<bool> on{false};
inline constinit std::atomic<std::uint64_t> calls{0};
inline constinit counter in_use{0}, peak{0}, new_in_use{0}, new_peak{0};

inline void raise(counter& peak_of, std::int64_t now) noexcept {
    std::int64_t p = peak_of.load(std::memory_order_relaxed);
    while (now > p && !peak_of.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
    }
}

inline std::int64_t usable(void* p) noexcept { return static_cast<std::int64_t>(malloc_usable_size(p)); }

inline void add(counter& bytes, counter& peak_of, std::int64_t n) noexcept {
    raise(peak_of, bytes.fetch_add(n, std::memory_order_relaxed) + n);
}

inline void* allocated(void* p) noexcept {
    if (p && on.load(std::memory_order_relaxed)) {
        calls.fetch_add(1, std::memory_order_relaxed);
        add(in_use, peak, usable(p));
    }
    return p;
}

inline void released(void* p) noexcept {
    if (p && on.load(std::memory_order_relaxed)) in_use.fetch_sub(usable(p), std::memory_order_relaxed);
}

inline bool power_of_two(std::size_t a) noexcept { return a != 0 && (a & (a - 1)) == 0; }

void* new_block(std::size_t n, std::size_t align) noexcept;
void delete_block(void* p) noexcept;

}  // namespace detail

/// Starts counting. The bytes in use start from what glibc reports in use now (mallinfo2:
/// every arena plus mapped chunks), so that blocks allocated earlier and freed later balance;
/// the operator new share starts from 0. The peaks start at the values in use.
inline void start() noexcept {
    const struct mallinfo2 m = mallinfo2();
    detail::in_use.store(static_cast<std::int64_t>(m.uordblks + m.hblkhd), std::memory_order_relaxed);
    detail::peak.store(detail::in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
    detail::new_peak.store(detail::new_in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
    detail::on.store(true, std::memory_order_seq_cst);
}

/// Stops counting (an allocation then costs one relaxed load more than glibc's own). Only
/// allocations() stays meaningful across a stop: a block freed while stopped is not subtracted.
inline void stop() noexcept { detail::on.store(false, std::memory_order_seq_cst); }

/// Allocation calls counted so far (malloc, calloc, realloc, the aligned ones; operator new
/// calls one of them, so it counts once).
inline std::uint64_t allocations() noexcept { return detail::calls.load(std::memory_order_relaxed); }

/// Heap bytes in use (usable sizes of the blocks), and the most since start() or reset_peak().
inline std::int64_t bytes_in_use() noexcept { return detail::in_use.load(std::memory_order_relaxed); }
inline std::int64_t peak_bytes() noexcept { return detail::peak.load(std::memory_order_relaxed); }

/// The part of the heap allocated through the global operator new, and its peak.
inline std::int64_t new_bytes_in_use() noexcept { return detail::new_in_use.load(std::memory_order_relaxed); }
inline std::int64_t new_peak_bytes() noexcept { return detail::new_peak.load(std::memory_order_relaxed); }

/// Sets both peaks to the values in use now.
inline void reset_peak() noexcept {
    detail::peak.store(bytes_in_use(), std::memory_order_relaxed);
    detail::new_peak.store(new_bytes_in_use(), std::memory_order_relaxed);
}

}  // namespace heap_counter

// --- Part 2: the replacements (the declarations are glibc's, noexcept included) ---

extern "C" {

void* malloc(std::size_t n) noexcept { return heap_counter::detail::allocated(__libc_malloc(n)); }

void* calloc(std::size_t count, std::size_t n) noexcept {
    return heap_counter::detail::allocated(__libc_calloc(count, n));
}

void free(void* p) noexcept {
    heap_counter::detail::released(p);
    __libc_free(p);
}

void* realloc(void* p, std::size_t n) noexcept {
    using namespace heap_counter::detail;
    if (!on.load(std::memory_order_relaxed)) return __libc_realloc(p, n);
    const std::int64_t before = p ? usable(p) : 0;
    void* q = __libc_realloc(p, n);
    if (q) {
        calls.fetch_add(1, std::memory_order_relaxed);
        add(in_use, peak, usable(q) - before);
    } else if (p && n == 0) {
        in_use.fetch_sub(before, std::memory_order_relaxed);  // glibc's realloc(p, 0) frees p
    }
    return q;
}

void* reallocarray(void* p, std::size_t count, std::size_t n) noexcept {
    if (n != 0 && count > SIZE_MAX / n) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(p, count * n);
}

void* memalign(std::size_t align, std::size_t n) noexcept {
    return heap_counter::detail::allocated(__libc_memalign(align, n));
}

void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
    if (!heap_counter::detail::power_of_two(align)) {
        errno = EINVAL;
        return nullptr;
    }
    return memalign(align, n);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
    if (!heap_counter::detail::power_of_two(align) || align % sizeof(void*) != 0) return EINVAL;
    void* p = memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void* valloc(std::size_t n) noexcept { return heap_counter::detail::allocated(__libc_valloc(n)); }
void* pvalloc(std::size_t n) noexcept { return heap_counter::detail::allocated(__libc_pvalloc(n)); }

}  // extern "C"

void* heap_counter::detail::new_block(std::size_t n, std::size_t align) noexcept {
    if (n == 0) n = 1;
    void* p = align <= alignof(std::max_align_t) ? std::malloc(n) : memalign(align, n);
    if (p && on.load(std::memory_order_relaxed)) add(new_in_use, new_peak, usable(p));
    return p;
}

void heap_counter::detail::delete_block(void* p) noexcept {
    if (p && on.load(std::memory_order_relaxed)) new_in_use.fetch_sub(usable(p), std::memory_order_relaxed);
    std::free(p);
}

namespace heap_counter::detail {
inline void* new_or_throw(std::size_t n, std::size_t align) {
    void* p = new_block(n, align);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace heap_counter::detail

// clang-format off
void* operator new(std::size_t n) { return heap_counter::detail::new_or_throw(n, 0); }
void* operator new[](std::size_t n) { return heap_counter::detail::new_or_throw(n, 0); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return heap_counter::detail::new_block(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return heap_counter::detail::new_block(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return heap_counter::detail::new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return heap_counter::detail::new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return heap_counter::detail::new_block(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return heap_counter::detail::new_block(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p) noexcept { heap_counter::detail::delete_block(p); }
void operator delete(void* p, std::size_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p, std::size_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { heap_counter::detail::delete_block(p); }
void operator delete(void* p, std::align_val_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p, std::align_val_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { heap_counter::detail::delete_block(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { heap_counter::detail::delete_block(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { heap_counter::detail::delete_block(p); }
// clang-format on

// SPDX-License-Identifier: BSL-1.0
// Defines the aligned buffers behind tensors (fixed size) and batches (run-time row count).
//
// The padding rule: every buffer starts on a TYPENET_ALIGNMENT boundary and its capacity is
// rounded up to a whole number of alignment units, so a SIMD load of the last, partial vector
// stays inside the allocation. The slack is zero-filled and never part of a tensor's values:
// `data()` points at `size()` contiguous elements in C order, and nothing else is observable.
#pragma once

#include <typenet/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace typenet::detail {

inline constexpr std::size_t alignment = TYPENET_ALIGNMENT;

template <class T>
constexpr std::size_t padded_capacity(std::size_t n) {
    constexpr std::size_t unit = alignment / sizeof(T) > 0 ? alignment / sizeof(T) : 1;
    return (n + unit - 1) / unit * unit;
}

template <class T>
T* allocate_aligned(std::size_t n) {
    if (n == 0) return nullptr;
    void* p = ::operator new(n * sizeof(T), std::align_val_t{alignment});
    std::memset(p, 0, n * sizeof(T));
    return static_cast<T*>(p);
}

template <class T>
void free_aligned(T* p) noexcept {
    if (p) ::operator delete(static_cast<void*>(p), std::align_val_t{alignment});
}

// N elements held inside the object: no allocation, for small tensors.
template <class T, std::size_t N>
struct inline_storage {
    alignas(alignment) T values[padded_capacity<T>(N)]{};
    T* data() noexcept { return values; }
    const T* data() const noexcept { return values; }
    void ensure_allocated() noexcept {}
};

// N elements on the heap, for tensors too large for the stack; copies deep, moves steal.
template <class T, std::size_t N>
class heap_storage {
public:
    heap_storage() : p_(allocate_aligned<T>(padded_capacity<T>(N))) {}
    heap_storage(const heap_storage& o) : heap_storage() { std::copy_n(o.p_, N, p_); }
    heap_storage(heap_storage&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    heap_storage& operator=(const heap_storage& o) {
        if (this != &o) {
            if (!p_) p_ = allocate_aligned<T>(padded_capacity<T>(N));
            std::copy_n(o.p_, N, p_);
        }
        return *this;
    }
    heap_storage& operator=(heap_storage&& o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~heap_storage() { free_aligned(p_); }
    // A moved-from buffer is empty; writing a new value into it allocates again.
    void ensure_allocated() {
        if (!p_) p_ = allocate_aligned<T>(padded_capacity<T>(N));
    }
    T* data() noexcept { return p_; }
    const T* data() const noexcept { return p_; }

private:
    T* p_;
};

template <class T, std::size_t N>
using fixed_storage =
    std::conditional_t<(N * sizeof(T) <= TYPENET_INLINE_STORAGE_BYTES), inline_storage<T, N>, heap_storage<T, N>>;

// A run-time number of elements; grows only when asked for more than its capacity.
template <class T>
class dynamic_storage {
public:
    dynamic_storage() = default;
    explicit dynamic_storage(std::size_t n) : p_(allocate_aligned<T>(padded_capacity<T>(n))), capacity_(padded_capacity<T>(n)) {}
    dynamic_storage(const dynamic_storage& o) = delete;
    dynamic_storage(dynamic_storage&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)), capacity_(std::exchange(o.capacity_, 0)) {}
    dynamic_storage& operator=(dynamic_storage&& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(capacity_, o.capacity_);
        return *this;
    }
    dynamic_storage& operator=(const dynamic_storage&) = delete;
    ~dynamic_storage() { free_aligned(p_); }

    // Makes room for n elements; keeps nothing when it has to reallocate.
    void reserve_discard(std::size_t n) {
        if (n <= capacity_) return;
        dynamic_storage fresh(n);
        *this = std::move(fresh);
    }
    std::size_t capacity() const noexcept { return capacity_; }
    T* data() noexcept { return p_; }
    const T* data() const noexcept { return p_; }

private:
    T* p_ = nullptr;
    std::size_t capacity_ = 0;
};

}  // namespace typenet::detail

// SPDX-License-Identifier: BSL-1.0
// Defines guarded_buffer, test support for the kernels area: n values of T that end exactly
// where a page the process may not access begins, so that a kernel reading or writing one value
// past them faults (mmap, Linux).
#pragma once

#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>

template <class T>
class guarded_buffer {
public:
    explicit guarded_buffer(std::size_t n) {
        const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t pages = (n * sizeof(T) + page - 1) / page;
        size_ = (pages + 1) * page;
        void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        BOOST_TEST_REQUIRE((p != MAP_FAILED));
        base_ = static_cast<std::byte*>(p);
        const bool guarded = mprotect(base_ + pages * page, page, PROT_NONE) == 0;
        if (!guarded) munmap(base_, size_);  // the destructor will not run
        BOOST_TEST_REQUIRE(guarded);
        data_ = reinterpret_cast<T*>(base_ + pages * page) - n;
    }
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;
    ~guarded_buffer() { munmap(base_, size_); }

    // The n values; data()[-1] is accessible too when n * sizeof(T) is not a whole number of pages.
    T* data() const noexcept { return data_; }

private:
    std::size_t size_ = 0;
    std::byte* base_ = nullptr;
    T* data_ = nullptr;
};

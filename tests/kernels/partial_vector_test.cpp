// SPDX-License-Identifier: BSL-1.0
// Tests simd::load_first and simd::store_first, the partial vector at the right edge of a GEMM
// tile (gemm_microkernel.hpp): for every n from 0 to the width, load_first gives the first n
// values and zeros after them, and store_first writes the first n lanes and nothing after them.
// Neither may touch memory past p + n, so the n values end where a page the process may not
// access begins: a read or a write past them is a fault. Built once per instruction set with the
// rest of the kernels area (AVX-512 masks the access, the others go through a buffer).
#include <typenet/kernels/simd.hpp>

#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <tuple>

namespace simd = typenet::simd;

namespace {
using arch = simd::default_arch;

// A readable and writable page followed by one that may not be accessed at all.
class guarded_page {
public:
    guarded_page() : size_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) {
        void* p = mmap(nullptr, 2 * size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        BOOST_TEST_REQUIRE((p != MAP_FAILED));
        base_ = static_cast<std::byte*>(p);
        BOOST_TEST_REQUIRE(mprotect(base_ + size_, size_, PROT_NONE) == 0);
    }
    guarded_page(const guarded_page&) = delete;
    guarded_page& operator=(const guarded_page&) = delete;
    ~guarded_page() { munmap(base_, 2 * size_); }

    // The place of n values of T that end exactly where the inaccessible page begins.
    template <class T>
    T* last(std::size_t n) const noexcept {
        return reinterpret_cast<T*>(base_ + size_) - n;
    }

private:
    std::size_t size_;
    std::byte* base_ = nullptr;
};

using value_types = std::tuple<float, double>;
}  // namespace

BOOST_AUTO_TEST_SUITE(partial_vector)

BOOST_AUTO_TEST_CASE_TEMPLATE(load_first_reads_n_values_and_nothing_after_them, T, value_types) {
    constexpr std::size_t w = simd::width_v<T, arch>;
    const guarded_page page;
    for (std::size_t n = 0; n <= w; ++n) {
        T* p = page.template last<T>(n);
        for (std::size_t i = 0; i < n; ++i) p[i] = T(i + 1);
        alignas(64) T lanes[w];
        simd::load_first<arch>(static_cast<const T*>(p), n).store_aligned(lanes);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < w; ++i) wrong += lanes[i] != (i < n ? T(i + 1) : T(0));
        BOOST_TEST(wrong == 0u, "n = " << n);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(store_first_writes_n_lanes_and_nothing_after_them, T, value_types) {
    constexpr std::size_t w = simd::width_v<T, arch>;
    const guarded_page page;
    alignas(64) T values[w];
    for (std::size_t i = 0; i < w; ++i) values[i] = T(i + 1);
    const auto v = simd::vec<T, arch>::load_aligned(values);
    for (std::size_t n = 0; n <= w; ++n) {
        // n values before the guard, and a sentinel in front of them that must stay.
        T* p = page.template last<T>(n);
        p[-1] = T(-7);
        for (std::size_t i = 0; i < n; ++i) p[i] = T(-1);
        simd::store_first(p, n, v);
        std::size_t wrong = p[-1] != T(-7);
        for (std::size_t i = 0; i < n; ++i) wrong += p[i] != T(i + 1);
        BOOST_TEST(wrong == 0u, "n = " << n);
    }
}

BOOST_AUTO_TEST_SUITE_END()

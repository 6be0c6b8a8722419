// SPDX-License-Identifier: BSL-1.0
// Defines how kernels find threads: a parallel_scope makes a thread_pool current on the calling
// thread for its lifetime (the trainer's tn::parallel policy opens one around each step), and
// for_each_part splits a range over it. Without a scope every kernel runs on the calling thread.
#pragma once

#include <typenet/kernels/thread_pool.hpp>

#include <cstddef>

namespace typenet::kernels {

namespace detail {
inline thread_local thread_pool* current_pool = nullptr;
}  // namespace detail

/// Makes `pool` the one kernels called from this thread use, until the scope ends (scopes nest;
/// a null pool means serial).
class parallel_scope {
public:
    explicit parallel_scope(thread_pool* pool) noexcept : previous_(detail::current_pool) { detail::current_pool = pool; }
    parallel_scope(const parallel_scope&) = delete;
    parallel_scope& operator=(const parallel_scope&) = delete;
    ~parallel_scope() { detail::current_pool = previous_; }

private:
    thread_pool* previous_;
};

/// f(range) over [0, n) cut into one contiguous part per thread of the current pool, each
/// boundary a multiple of grain; serial (one call with [0, n)) without a pool, or when n holds
/// fewer than min_grains grains per thread, where the fork would cost more than it saves.
/// Which part a value falls in never changes what is computed for it, so results are the same
/// for any number of threads.
template <class F>
void for_each_part(std::size_t n, std::size_t grain, std::size_t min_grains, F&& f) {
    thread_pool* pool = detail::current_pool;
    const std::size_t parts = pool ? pool->size() : 1;
    if (parts < 2 || n < parts * grain * min_grains) {
        f(index_range{0, n});
        return;
    }
    pool->run([&](std::size_t part) {
        const index_range r = split_range(n, parts, part, grain);
        if (!r.empty()) f(r);
    });
}

}  // namespace typenet::kernels

// SPDX-License-Identifier: BSL-1.0
// Defines how kernels find threads without knowing what a thread is: a parallel_executor (the
// interface thread_pool implements), a parallel_scope that makes one current on the calling
// thread for its lifetime (the trainer's tn::parallel policy opens one around each step), and
// for_each_part, which splits a range over it. Without a scope every kernel runs on the calling
// thread. This header includes no threading header: kernels stay cheap to compile.
#pragma once

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

/// The half-open index range [begin, end).
struct index_range {
    std::size_t begin;
    std::size_t end;

    [[nodiscard]] constexpr std::size_t size() const noexcept { return end - begin; }
    [[nodiscard]] constexpr bool empty() const noexcept { return begin == end; }
    friend constexpr bool operator==(const index_range&, const index_range&) = default;
};

/// Range number `part` of `parts` contiguous ranges that cover [0, n) exactly once, in order.
/// [0, n) is cut into blocks of `grain` indices (the last block may be shorter), and each range
/// takes a whole number of blocks; counts differ by at most one block, the earlier ranges taking
/// the extra ones. So every boundary except n is a multiple of grain, and with more parts than
/// blocks the trailing ranges are empty ({n, n}). grain 0 counts as 1; part >= parts (or
/// parts 0) gives {n, n}. The result depends on (n, parts, part, grain) only: deterministic.
[[nodiscard]] constexpr index_range split_range(std::size_t n, std::size_t parts, std::size_t part,
                                                std::size_t grain = 1) noexcept {
    if (grain == 0) grain = 1;
    if (part >= parts) return {n, n};
    // Written without n + grain - 1 and without multiplying past n, so that n near SIZE_MAX
    // cannot overflow.
    const std::size_t blocks = n / grain + (n % grain != 0 ? 1 : 0);
    const std::size_t base = blocks / parts;
    const std::size_t extra = blocks % parts;
    const std::size_t first = part * base + std::min(part, extra);
    const std::size_t last = first + base + (part < extra ? 1 : 0);
    const auto at = [&](std::size_t block) { return block >= blocks ? n : block * grain; };
    return {at(first), at(last)};
}

/// What a kernel needs of a pool: how many parts it runs, and running task(context, i) for each
/// part i, task 0 on the calling thread, returning when all are done (thread_pool::run).
class parallel_executor {
public:
    virtual std::size_t size() const noexcept = 0;
    virtual void run_parts(void (*task)(void*, std::size_t), void* context) = 0;

protected:
    ~parallel_executor() = default;
};

namespace detail {
inline thread_local parallel_executor* current_executor = nullptr;
}  // namespace detail

/// Makes `executor` the one kernels called from this thread use, until the scope ends (scopes
/// nest; null means serial).
class parallel_scope {
public:
    explicit parallel_scope(parallel_executor* executor) noexcept : previous_(detail::current_executor) {
        detail::current_executor = executor;
    }
    parallel_scope(const parallel_scope&) = delete;
    parallel_scope& operator=(const parallel_scope&) = delete;
    ~parallel_scope() { detail::current_executor = previous_; }

private:
    parallel_executor* previous_;
};

/// How many parts for_each_part cuts a large enough range into on this thread: the current
/// executor's threads, 1 without one.
[[nodiscard]] inline std::size_t current_parts() noexcept {
    return detail::current_executor ? detail::current_executor->size() : 1;
}

/// How many parts for_each_part(n, grain, min_grains, f) cuts [0, n) into: one per thread of the
/// current executor, but no more than leave each at least min_grains grains, so a range too
/// short for every thread of a large pool still splits over a few of them. Returns 0 or 1 when
/// the range runs serially.
[[nodiscard]] inline std::size_t parts_for(std::size_t n, std::size_t grain, std::size_t min_grains) noexcept {
    const std::size_t per_part = std::max<std::size_t>(grain, 1) * std::max<std::size_t>(min_grains, 1);
    return std::min(current_parts(), n / per_part);
}

/// Whether for_each_part(n, grain, min_grains, f) forks: into two parts or more (parts_for).
[[nodiscard]] inline bool splits(std::size_t n, std::size_t grain, std::size_t min_grains) noexcept {
    return parts_for(n, grain, min_grains) >= 2;
}

/// f(range) over [0, n) cut into parts_for(n, grain, min_grains) contiguous parts, one per
/// thread of the current executor (threads beyond them get none), each boundary a multiple of
/// grain; serial (one call with [0, n)) without an executor, or when the range is too short for
/// two parts of min_grains grains, where the fork would cost more than it saves. Which part a
/// value falls in never changes what is computed for it, so results are the same for any
/// number of threads.
template <class F>
void for_each_part(std::size_t n, std::size_t grain, std::size_t min_grains, F&& f) {
    const std::size_t parts = parts_for(n, grain, min_grains);
    if (parts < 2) {
        f(index_range{0, n});
        return;
    }
    struct context {
        F& f;
        std::size_t n, parts, grain;
    } c{f, n, parts, grain};
    detail::current_executor->run_parts(
        [](void* p, std::size_t part) {
            auto& ctx = *static_cast<context*>(p);
            const index_range r = split_range(ctx.n, ctx.parts, part, ctx.grain);
            if (!r.empty()) ctx.f(r);
        },
        &c);
}

}  // namespace typenet::kernels

// SPDX-License-Identifier: BSL-1.0
// Defines thread_pool, the fork-join pool of the opt-in parallel policy (std::jthread workers, a
// fixed task-to-thread assignment, no OpenMP). Kernels see it only as a parallel_executor
// (parallel.hpp), so they do not include <thread> (about 0.25 s of compiler time on top of the
// umbrella header).
#pragma once

#include <typenet/kernels/parallel.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet::kernels {

namespace detail {

// True on a thread while it runs a pool task (every worker, and a caller inside run): a run
// called from there executes inline, so nested parallel regions neither deadlock nor
// oversubscribe the cores.
inline thread_local bool inside_pool_task = false;

// One spin-wait step: tells the core that this is a busy-wait (saves power, frees the sibling
// hyper-thread, avoids the memory-order mis-speculation penalty when the awaited store lands).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

// Polls ready() until it holds or `budget` has passed, and returns its last value. The first 32
// polls only pause: a run that follows the previous one at once is seen within a fraction of a
// microsecond. After that every 32 polls also yield, since with more runnable threads than cores
// a pure spin keeps the very thread we wait for off the core (measured on 2 busy vCPUs: an
// empty run on 3 threads took ~500 us with pure spinning and ~20 us with yields).
template <class Ready>
bool spin_until(const Ready& ready, std::chrono::nanoseconds budget) noexcept {
    constexpr int polls = 32;
    const auto poll = [&] {
        for (int i = 0; i < polls; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        return false;
    };
    if (poll()) return true;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
        if (poll()) return true;
    }
    return ready();
}

}  // namespace detail

/// A fork-join pool of `size()` threads, the caller being one of them: run(f) calls f(i) for
/// every i in [0, size()), f(0) on the calling thread and f(i) on worker i, always the same
/// worker for the same i. Together with split_range this makes a parallel kernel deterministic:
/// each task computes a fixed part of the result, exactly as one thread would.
///
/// - run returns when every task has finished; what the tasks wrote is then visible to the
///   caller. f is called concurrently from several threads, through a reference (f is neither
///   copied nor moved, and run allocates nothing unless a task throws).
/// - If tasks throw, run rethrows the first exception after all tasks have finished; the pool
///   stays usable.
/// - run called from inside a task (of this pool or of any other) calls f(0) ... f(size() - 1)
///   in order on the calling thread; so does a pool of size 1, which has no workers.
/// - run called from several outside threads at once is allowed and serialised: one run at a
///   time owns the workers, the others wait for it.
/// - Between runs a worker spins for `spin` (100 us by default; pause instructions, then pauses
///   and yields), so that the next parallel region of a training step finds it awake, and then
///   blocks in std::atomic::wait: an idle pool costs no CPU. While the caller waits for the
///   workers it spins and blocks the same way. A spin beyond a few milliseconds makes no sense.
/// - The destructor stops and joins the workers; it must not run while a run is in progress.
class thread_pool final : public parallel_executor {
public:
    static constexpr std::chrono::nanoseconds default_spin = std::chrono::microseconds{100};

    /// `threads` >= 1 counts the calling thread, so the pool starts threads - 1 workers (0 is
    /// taken as 1). Throws std::system_error if a worker cannot be started.
    explicit thread_pool(std::size_t threads, std::chrono::nanoseconds spin = default_spin)
        : size_(threads == 0 ? 1 : threads), spin_(spin) {
        workers_.reserve(size_ - 1);
        try {
            for (std::size_t i = 1; i < size_; ++i)
                workers_.emplace_back([this, i](std::stop_token stop) { work(stop, i); });
        } catch (...) {
            stop_workers();  // the started workers would otherwise block the jthread joins forever
            throw;
        }
    }

    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    ~thread_pool() { stop_workers(); }  // workers_ is destroyed next, joining the threads

    [[nodiscard]] std::size_t size() const noexcept override { return size_; }

    // parallel_executor: what kernels call (through for_each_part).
    void run_parts(void (*task)(void*, std::size_t), void* context) override {
        run([=](std::size_t i) { task(context, i); });
    }

    template <class F>
        requires std::invocable<F&, std::size_t>
    void run(F&& f) {
        if (workers_.empty() || detail::inside_pool_task) {
            run_inline(f);
            return;
        }
        const std::scoped_lock lock(run_mutex_);
        task_ = &call<std::remove_reference_t<F>>;
        context_ = const_cast<void*>(static_cast<const void*>(std::addressof(f)));
        failed_.store(false, std::memory_order_relaxed);
        pending_.store(static_cast<std::uint32_t>(workers_.size()), std::memory_order_relaxed);
        // The RMW publishes task_, context_ and pending_ to the workers, which acquire epoch_.
        // seq_cst with the load of sleepers_ (and the worker's increment of sleepers_ with its
        // re-read of epoch_): either the worker sees the new epoch or we see it asleep and
        // notify, so the futex call is made only when someone sleeps.
        epoch_.fetch_add(1, std::memory_order_seq_cst);
        if (sleepers_.load(std::memory_order_seq_cst) != 0) epoch_.notify_all();

        detail::inside_pool_task = true;
        execute(0);
        wait_for_workers();
        detail::inside_pool_task = false;

        if (failed_.load(std::memory_order_relaxed))
            std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    using task_fn = void (*)(void*, std::size_t);

    template <class F>
    static void call(void* context, std::size_t i) {
        (*static_cast<F*>(context))(i);
    }

    template <class F>
    void run_inline(F& f) const {
        std::exception_ptr first;
        const bool outer = detail::inside_pool_task;
        detail::inside_pool_task = true;
        for (std::size_t i = 0; i < size_; ++i) {
            try {
                f(i);
            } catch (...) {
                if (!first) first = std::current_exception();
            }
        }
        detail::inside_pool_task = outer;
        if (first) std::rethrow_exception(first);
    }

    void execute(std::size_t i) noexcept {
        try {
            task_(context_, i);
        } catch (...) {
            // The first task to fail stores its exception; the pending_ decrement that follows
            // (or, for task 0, program order) makes it visible to the caller.
            if (!failed_.exchange(true, std::memory_order_relaxed))
                error_ = std::current_exception();
        }
    }

    void work(const std::stop_token& stop, std::size_t index) noexcept {
        detail::inside_pool_task = true;
        std::uint32_t seen = 0;  // epoch_ starts at 0 and no run can start before the workers exist
        for (;;) {
            const auto changed = [&] { return epoch_.load(std::memory_order_acquire) != seen; };
            if (!detail::spin_until(changed, spin_)) {
                sleepers_.fetch_add(1, std::memory_order_seq_cst);
                while (epoch_.load(std::memory_order_seq_cst) == seen)
                    epoch_.wait(seen, std::memory_order_seq_cst);
                sleepers_.fetch_sub(1, std::memory_order_relaxed);
            }
            seen = epoch_.load(std::memory_order_acquire);
            if (stop.stop_requested()) return;
            execute(index);
            // The last worker to finish wakes the caller if it went to sleep (same handshake as
            // epoch_/sleepers_ above, with caller_sleeps_).
            if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
                caller_sleeps_.load(std::memory_order_seq_cst))
                pending_.notify_one();
        }
    }

    void wait_for_workers() noexcept {
        const auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
        if (detail::spin_until(done, spin_)) return;
        caller_sleeps_.store(true, std::memory_order_seq_cst);
        for (std::uint32_t left; (left = pending_.load(std::memory_order_seq_cst)) != 0;)
            pending_.wait(left, std::memory_order_seq_cst);
        caller_sleeps_.store(false, std::memory_order_relaxed);
    }

    void stop_workers() noexcept {
        for (auto& w : workers_) w.request_stop();
        // A worker blocked in epoch_.wait sees no stop request; the new epoch wakes it, and it
        // checks the (already requested) stop before running anything.
        epoch_.fetch_add(1, std::memory_order_seq_cst);
        epoch_.notify_all();
    }

    // Written by the caller once per run and read by every worker: one cache line.
    alignas(64) std::atomic<std::uint32_t> epoch_{0};
    task_fn task_ = nullptr;
    void* context_ = nullptr;
    // Written by every worker once per run: a line of its own, so that finishing workers do not
    // evict the line the waiting workers poll.
    alignas(64) std::atomic<std::uint32_t> pending_{0};
    std::atomic<std::uint32_t> sleepers_{0};
    std::atomic<bool> caller_sleeps_{false};
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;

    alignas(64) std::mutex run_mutex_;
    std::size_t size_;
    std::chrono::nanoseconds spin_;
    std::vector<std::jthread> workers_;  // last: destroyed (joined) before the state they use
};

}  // namespace typenet::kernels

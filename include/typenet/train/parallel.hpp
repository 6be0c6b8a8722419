// SPDX-License-Identifier: BSL-1.0
// Defines tn::parallel, the trainer policy that runs each step's GEMMs on a pool of threads.
#pragma once

#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/thread_pool.hpp>

#include <cstddef>
#include <memory>
#include <thread>

namespace typenet {

/// Opt-in threads for a trainer: `tn::trainer<Net, Loss, Optim, Clip, tn::parallel> fit{model,
/// {.parallel = {.threads = 2}}};`. The trainer owns a pool of std::jthread workers (no OpenMP)
/// and each step splits its dense layers' GEMMs over it: the forward and dL/dx by rows of the
/// batch, dL/dW by rows of W. Every value is summed in the same order whatever the split, so
/// a step gives bit-identical results with any number of threads. Small GEMMs (a few rows)
/// stay on the calling thread, where a fork would cost more than it saves. Not chosen, the
/// policy costs nothing. Example: examples/parallel_training.cpp
struct parallel {
    static constexpr bool is_parallel = true;
    struct options {
        std::size_t threads = 0;  // 0: std::thread::hardware_concurrency()
    };
};

namespace detail {

template <class P>
concept parallel_policy = requires { requires P::is_parallel; };

template <class... P>
inline constexpr bool any_parallel_v = (false || ... || parallel_policy<P>);

struct no_parallel_options {};
struct no_parallel_scope {};

// The pool a trainer with tn::parallel owns; nothing otherwise.
template <bool Parallel>
struct pool_holder {
    explicit pool_holder(no_parallel_options) noexcept {}
    no_parallel_scope scope() const noexcept { return {}; }
};
template <>
struct pool_holder<true> {
    explicit pool_holder(parallel::options o)
        : pool(std::make_unique<kernels::thread_pool>(o.threads > 0 ? o.threads
                                                                    : std::max(1u, std::thread::hardware_concurrency()))) {}
    kernels::parallel_scope scope() const noexcept { return kernels::parallel_scope(pool.get()); }
    std::unique_ptr<kernels::thread_pool> pool;
};

}  // namespace detail
}  // namespace typenet

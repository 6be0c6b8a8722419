// SPDX-License-Identifier: BSL-1.0
// Defines tn::parallel, the trainer policy that runs each step's GEMMs on a pool of threads, and
// tn::thread_pool, that pool, which inference takes too (model(x, pool)).
// Opt-in through <typenet/parallel.hpp>: <thread> and the pool add about 0.25 s of compiler time.
#pragma once

#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/thread_pool.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <thread>

namespace typenet {

/// A pool of `threads` (>= 1, the calling thread included) std::jthread workers for
/// inference: `tn::thread_pool pool{2}; auto y = model(x, pool);` gives model(x)'s bits.
using kernels::thread_pool;

/// Opt-in threads for a trainer: `tn::trainer<Net, Loss, Optim, Clip, tn::parallel> fit{model,
/// {.parallel = {.threads = 2}}};` (include <typenet/parallel.hpp>). The trainer owns a pool of
/// std::jthread workers (no OpenMP) and each step splits its dense layers' GEMMs over it: the
/// forward by rows of W (a batch small against the layer), column panels, or rows of the
/// batch (fewer than two panels per thread), or below four rows by outputs, dL/dx by rows of
/// the batch, dL/dW by rows of W. Every value is summed in the same order whatever the split,
/// so a step gives bit-identical results with any number of threads. A GEMM too small for every
/// thread splits over as many as it keeps busy, and one too small for two stays on the calling
/// thread, where a fork would cost more than it saves. Example: examples/parallel_training.cpp
struct parallel {
    static constexpr bool is_parallel = true;
    struct options {
        std::size_t threads = 0;  // 0: std::thread::hardware_concurrency()
    };
    // What the trainer holds for the policy: the pool, made current around each step.
    class state {
    public:
        explicit state(options o)
            : pool_(std::make_unique<kernels::thread_pool>(
                  o.threads > 0 ? o.threads : std::max<std::size_t>(1, std::thread::hardware_concurrency()))) {}
        kernels::parallel_scope scope() const noexcept { return kernels::parallel_scope(pool_.get()); }
        std::size_t threads() const noexcept { return pool_ ? pool_->size() : 1; }  // 1 once moved from

    private:
        std::unique_ptr<kernels::thread_pool> pool_;
    };
};

}  // namespace typenet

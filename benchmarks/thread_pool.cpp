// SPDX-License-Identifier: BSL-1.0
// Defines the thread_pool benchmark: the fork-join latency of kernels::thread_pool::run with an
// empty task and with a tiny one (y += a * x over 4096 floats, split by split_range), on 1 and 2
// threads, with the workers hot (spinning between runs) and asleep (no spin: every run wakes
// them), and starting and joining a std::jthread per region as the baseline a pool saves.
#include <typenet/kernels/thread_pool.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace {

namespace kernels = typenet::kernels;

constexpr std::size_t tiny_n = 4096;

void fork_join_empty(benchmark::State& state, std::chrono::nanoseconds spin) {
    kernels::thread_pool pool(static_cast<std::size_t>(state.range(0)), spin);
    for (auto _ : state) pool.run([](std::size_t) {});
}

void fork_join_tiny(benchmark::State& state) {
    const auto threads = static_cast<std::size_t>(state.range(0));
    kernels::thread_pool pool(threads);
    std::vector<float> x(tiny_n, 0.5f), y(tiny_n, 0.0f);
    for (auto _ : state) {
        pool.run([&](std::size_t t) {
            // grain 16: each task's range starts on a 64-byte line, as a split GEMM's would
            const kernels::index_range r = kernels::split_range(tiny_n, threads, t, 16);
            for (std::size_t i = r.begin; i < r.end; ++i) y[i] += 0.25f * x[i];
        });
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
}

void fork_join_empty_hot(benchmark::State& state) {
    fork_join_empty(state, kernels::thread_pool::default_spin);
}
void fork_join_empty_asleep(benchmark::State& state) {
    fork_join_empty(state, std::chrono::nanoseconds{0});
}

// What a parallel region costs without a pool: start threads - 1 jthreads, run task 0 here, join.
void spawn_join_empty(benchmark::State& state) {
    const auto threads = static_cast<std::size_t>(state.range(0));
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (auto _ : state) {
        for (std::size_t i = 1; i < threads; ++i)
            workers.emplace_back([i] { benchmark::DoNotOptimize(i); });
        workers.clear();  // joins
    }
}

// The machine may be shared: with --benchmark_repetitions, "min" shows the uncontended latency
// next to the mean and median.
double minimum(const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
}

}  // namespace

BENCHMARK(fork_join_empty_hot)->Arg(1)->Arg(2)->UseRealTime()->ComputeStatistics("min", minimum);
BENCHMARK(fork_join_tiny)->Arg(1)->Arg(2)->UseRealTime()->ComputeStatistics("min", minimum);
BENCHMARK(fork_join_empty_asleep)->Arg(2)->UseRealTime()->ComputeStatistics("min", minimum);
BENCHMARK(spawn_join_empty)->Arg(2)->UseRealTime()->ComputeStatistics("min", minimum);

BENCHMARK_MAIN();

// SPDX-License-Identifier: BSL-1.0
// Defines the training-step workloads: W1 (784-256-128-10 ReLU, batch 64), W2 (64 -> 32 x
// [dense 64 + tanh] -> 10, batch 32) and W1 at batch 256 (typenet alone, the single-thread
// reference for the thread pool), one SGD step per iteration, for typenet, the hand-written
// Eigen peer and libtorch, from the same initial parameters over the same batches; and W1 at
// batch 64 and 256 on two threads (tn::parallel, timed in real time). The executable first
// checks that the three give the same losses, that two threads give the same bits as one, and
// counts the heap allocations of a steady-state step (typenet's must be none), and measures
// the FMA peak.
#include "peers/heap_counter.hpp"  // replaces malloc and operator new: this file only
#include "peers/workloads.hpp"

#include <typenet/parallel.hpp>

#include <time.h>  // clock_gettime(CLOCK_PROCESS_CPUTIME_ID)

#include <cstring>
#include <map>

namespace {

using namespace workloads;

template <class Net>
using parallel_trainer = tn::trainer<Net, loss, tn::optim::sgd, tn::clip::none, tn::parallel>;
template <class Net>
typename parallel_trainer<Net>::options parallel_options(std::size_t threads) {
    return {.optimiser = {.learning_rate = learning_rate}, .parallel = {.threads = threads}};
}

constexpr std::size_t ring_size = 16;

// --- Part 1: allocations per steady-state step (counted in the check phase, shown as counters) ---

std::map<std::string, double>& allocations_per_step() {
    static std::map<std::string, double> counts;
    return counts;
}

// step(k) runs one step on batch k of a ring of ring_size; warms up over the ring, then counts
// the allocation calls of the whole process over `steps` steps.
template <class Step>
double count_allocations(const std::string& name, Step&& step, bool must_be_zero) {
    constexpr std::size_t steps = 100;
    for (std::size_t k = 0; k < ring_size; ++k) step(k);
    heap_counter::start();
    const std::uint64_t before = heap_counter::allocations();
    for (std::size_t s = 0; s < steps; ++s) step(s % ring_size);
    const std::uint64_t calls = heap_counter::allocations() - before;
    heap_counter::stop();
    const double per_step = static_cast<double>(calls) / steps;
    std::printf("check: %-30s %.2f heap allocations per steady-state step (%llu in %zu steps)\n", name.c_str(),
                per_step, static_cast<unsigned long long>(calls), steps);
    if (must_be_zero && calls != 0) {
        std::fprintf(stderr, "check FAILED: %s: a steady-state typenet step must allocate nothing\n", name.c_str());
        std::exit(1);
    }
    allocations_per_step()[name] = per_step;
    return per_step;
}

template <class Net, class Fit>
void count_typenet(const std::string& name, Fit& fit, std::size_t rows) {
    batch_ring<Net> data(rows, ring_size);
    count_allocations(name, [&](std::size_t k) { fit.step(data.x[k], data.y[k]); }, true);
}

template <class Net>
void count_all(const char* workload, const std::vector<std::size_t>& widths, peers::activation act, std::size_t rows,
               bool with_threads) {
    const std::string w(workload);
    {
        Net model{tn::seed{1}};
        trainer<Net> fit{model, sgd_options<Net>()};
        count_typenet<Net>(w + "/typenet", fit, rows);
    }
    if (with_threads) {
        Net model{tn::seed{1}};
        parallel_trainer<Net> fit{model, parallel_options<Net>(2)};
        count_typenet<Net>(w + "/typenet_2threads", fit, rows);
    }
    const Net model{tn::seed{1}};
    batch_ring<Net> data(rows, ring_size);
    peers::eigen_mlp eigen(widths, act);
    copy_parameters(model, eigen);
    count_allocations(
        w + "/eigen", [&](std::size_t k) { eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate); }, false);
#ifdef TYPENET_BENCH_WITH_TORCH
    peers::torch_mlp torch(widths, act, learning_rate);
    copy_parameters(model, torch);
    count_allocations(
        w + "/libtorch", [&](std::size_t k) { torch.step(data.x[k].data(), data.y[k].data(), rows); }, false);
#endif
}

void set_allocation_counter(benchmark::State& state, const std::string& name) {
    const auto it = allocations_per_step().find(name);
    if (it != allocations_per_step().end()) state.counters["allocations_per_step"] = it->second;
}

// --- Part 2: two threads give the bits of one ---

template <class Net>
void check_threads_bit_identical(const char* workload, std::size_t rows, std::size_t threads) {
    Net one_model{tn::seed{1}}, many_model{tn::seed{1}};
    trainer<Net> one{one_model, sgd_options<Net>()};
    parallel_trainer<Net> many{many_model, parallel_options<Net>(threads)};
    batch_ring<Net> data(rows, 2);
    bool same_losses = true;
    for (std::size_t k = 0; k < 2; ++k) {
        const float a = one.step(data.x[k], data.y[k]), b = many.step(data.x[k], data.y[k]);
        same_losses = same_losses && std::memcmp(&a, &b, sizeof a) == 0;
    }
    const auto p1 = one_model.parameters(), p2 = many_model.parameters();
    std::size_t differ = 0;
    for (std::size_t i = 0; i < p1.size(); ++i) differ += std::memcmp(&p1[i], &p2[i], sizeof(float)) != 0;
    std::printf("check: %s at batch %zu on %zu threads: losses %s, %zu of %zu parameters differ after 2 steps\n",
                workload, rows, many.threads(), same_losses ? "bit-identical" : "DIFFER", differ, p1.size());
    if (!same_losses || differ != 0 || many.threads() != threads) {
        std::fprintf(stderr, "check FAILED: %s: a step on %zu threads must give the same bits as on one thread\n",
                     workload, threads);
        std::exit(1);
    }
}

// --- Part 3: the timed cases ---

double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The timed loop of every typenet case. Besides the FLOP counters: the CPU time of the whole
// process per step (every thread of the pool, spinning included), and its ratio to real time
// (1 on one thread; up to the thread count when every thread computes or spins).
template <class Net, class Fit>
void time_typenet(benchmark::State& state, Fit& fit, std::size_t rows, const std::vector<std::size_t>& widths) {
    batch_ring<Net> data(rows, ring_size);
    for (std::size_t k = 0; k < ring_size; ++k) fit.step(data.x[k], data.y[k]);  // warm: buffers sized, caches filled
    const double cpu0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(fit.step(data.x[k], data.y[k]));
    }
    const std::chrono::duration<double> real = std::chrono::steady_clock::now() - t0;
    const double cpu = process_cpu_seconds() - cpu0;
    set_flop_counters(state, gemm_flops(widths, rows, true));
    state.counters["threads"] = static_cast<double>(fit.threads());
    state.counters["process_cpu_per_step"] = cpu / static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
    state.counters["cpu_utilisation"] = real.count() > 0 ? cpu / real.count() : 0;
}

template <class Net>
void step_typenet(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths, std::string name) {
    Net model{tn::seed{1}};
    trainer<Net> fit{model, sgd_options<Net>()};
    time_typenet<Net>(state, fit, rows, widths);
    set_allocation_counter(state, name);
}

template <class Net>
void step_typenet_threads(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths,
                          std::size_t threads, std::string name) {
    Net model{tn::seed{1}};
    parallel_trainer<Net> fit{model, parallel_options<Net>(threads)};
    time_typenet<Net>(state, fit, rows, widths);
    set_allocation_counter(state, name);
}

template <class Net>
void step_eigen(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths, peers::activation act,
                std::string name) {
    const Net model{tn::seed{1}};
    peers::eigen_mlp eigen(widths, act);
    copy_parameters(model, eigen);
    batch_ring<Net> data(rows, ring_size);
    for (std::size_t k = 0; k < ring_size; ++k) eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate);
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate));
    }
    set_flop_counters(state, gemm_flops(widths, rows, true));
    set_allocation_counter(state, name);
}

#ifdef TYPENET_BENCH_WITH_TORCH
template <class Net>
void step_libtorch(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths, peers::activation act,
                   std::string name) {
    const Net model{tn::seed{1}};
    peers::torch_mlp torch(widths, act, learning_rate);
    copy_parameters(model, torch);
    batch_ring<Net> data(rows, ring_size);
    for (std::size_t k = 0; k < ring_size; ++k) torch.step(data.x[k].data(), data.y[k].data(), rows);
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(torch.step(data.x[k].data(), data.y[k].data(), rows));
    }
    set_flop_counters(state, gemm_flops(widths, rows, true));
    set_allocation_counter(state, name);
}
#endif

// The fastest repetition, next to the median: on a shared machine the two-thread cases suffer
// most from contention, and the minimum shows the speed-up that contention did not eat.
double minimum(const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
}

void register_all() {
    using peers::activation;
    benchmark::RegisterBenchmark("fma_peak", fma_peak);
    const auto w2 = w2_widths();
    benchmark::RegisterBenchmark("W1/typenet", step_typenet<w1_net>, 64, w1_widths, "W1/typenet")
        ->ComputeStatistics("min", minimum);
    benchmark::RegisterBenchmark("W1/eigen", step_eigen<w1_net>, 64, w1_widths, activation::relu, "W1/eigen");
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W1/libtorch", step_libtorch<w1_net>, 64, w1_widths, activation::relu, "W1/libtorch");
#endif
    benchmark::RegisterBenchmark("W2/typenet", step_typenet<w2_net>, 32, w2, "W2/typenet");
    benchmark::RegisterBenchmark("W2/eigen", step_eigen<w2_net>, 32, w2, activation::tanh, "W2/eigen");
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W2/libtorch", step_libtorch<w2_net>, 32, w2, activation::tanh, "W2/libtorch");
#endif
    benchmark::RegisterBenchmark("W1_batch256/typenet", step_typenet<w1_net>, 256, w1_widths, "W1_batch256/typenet")
        ->ComputeStatistics("min", minimum);
    // Two threads: the calling thread's CPU time would hide the worker's, so these are timed
    // (and iterated) in real time. Their one-thread references are W1/typenet and
    // W1_batch256/typenet, whose real time the JSON holds too.
    benchmark::RegisterBenchmark("W1_batch256/typenet_2threads", step_typenet_threads<w1_net>, 256, w1_widths,
                                 std::size_t{2}, "W1_batch256/typenet_2threads")
        ->UseRealTime()
        ->ComputeStatistics("min", minimum);
    benchmark::RegisterBenchmark("W1/typenet_2threads", step_typenet_threads<w1_net>, 64, w1_widths, std::size_t{2},
                                 "W1/typenet_2threads")
        ->UseRealTime()
        ->ComputeStatistics("min", minimum);
}

// The checks before timing: same losses as the peers, the same bits on two threads as on one,
// and the allocations of a steady-state step.
void check() {
    using peers::activation;
    check_same_loss<w1_net>("W1", w1_widths, activation::relu, 64);
    check_same_loss<w2_net>("W2", w2_widths(), activation::tanh, 32);
    check_threads_bit_identical<w1_net>("W1", 256, 2);
    check_threads_bit_identical<w1_net>("W1", 64, 2);
    count_all<w1_net>("W1", w1_widths, activation::relu, 64, true);
    count_all<w2_net>("W2", w2_widths(), activation::tanh, 32, false);
    {
        w1_net model{tn::seed{1}};
        trainer<w1_net> fit{model, sgd_options<w1_net>()};
        count_typenet<w1_net>("W1_batch256/typenet", fit, 256);
    }
    w1_net model{tn::seed{1}};
    parallel_trainer<w1_net> fit{model, parallel_options<w1_net>(2)};
    count_typenet<w1_net>("W1_batch256/typenet_2threads", fit, 256);
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    return workloads::run(argc, argv, check);
}

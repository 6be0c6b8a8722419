// SPDX-License-Identifier: BSL-1.0
// Defines what the training workloads W1-W4 share: the typenet networks, deterministic data,
// copying typenet's initial parameters into the peers, GEMM FLOP counts, the measured FP32 FMA
// peak, the counters every case reports, and the check that all three implementations give the
// same loss before anything is timed. Figures and their reading: docs/performance.md.
#pragma once

#include "eigen_mlp.hpp"
#ifdef TYPENET_BENCH_WITH_TORCH
#include "torch_mlp.hpp"
#endif

#include <typenet/typenet.hpp>
#include <typenet/io.hpp>

#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>  // the FMA peak: xsimd vectors, with typenet::simd::fma (the FMA instruction)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace workloads {

namespace tn = typenet;

// --- Part 1: networks, data, parameters ---

/// W1 (and W3, W4): 784-256-128-10, ReLU, softmax cross-entropy.
struct w1_net : tn::network<tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu,
                            tn::dense<128, tn::init::he_normal>, tn::relu, tn::dense<10>> {};
inline const std::vector<std::size_t> w1_widths{784, 256, 128, 10};

/// W2: 64 -> 32 x [dense 64 + tanh] -> 10 (per-layer overhead dominates).
struct w2_net : tn::network<tn::input<64>, tn::repeat<32, tn::dense<64>, tn::tanh>, tn::dense<10>> {};
inline std::vector<std::size_t> w2_widths() {
    std::vector<std::size_t> w(33, 64);
    w.push_back(10);
    return w;
}

inline constexpr float learning_rate = 0.01f;
using loss = tn::loss::softmax_cross_entropy;
template <class Net>
using trainer = tn::trainer<Net, loss, tn::optim::sgd>;
template <class Net>
typename trainer<Net>::options sgd_options() {
    return {.optimiser = {.learning_rate = learning_rate}};
}

// Input i of stream `stream`, in [0, 1) (an integer hash: the same values on every platform).
inline float input_value(std::size_t i, std::uint32_t stream) {
    std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u + (stream + 1) * 0x9E3779B9u;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    x *= 0x297A2D39u;
    x ^= x >> 15;
    return static_cast<float>(x >> 8) * (1.0f / 16777216.0f);
}

template <class Net>
using input_batch = tn::batch<float, tn::size_v<typename Net::input_shape>>;

template <class Net>
input_batch<Net> make_inputs(std::size_t rows, std::uint32_t stream) {
    input_batch<Net> x(rows);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = input_value(i, stream);
    return x;
}

inline std::vector<std::int32_t> make_labels(std::size_t rows, std::uint32_t stream) {
    std::vector<std::int32_t> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = static_cast<std::int32_t>(input_value(r, stream + 1000) * 10.0f);
    return y;
}

/// A ring of `count` batches, stepped through in the same order by every implementation, so
/// that repeated steps do not overfit one batch (and drive gradients towards denormals).
template <class Net>
struct batch_ring {
    std::vector<input_batch<Net>> x;
    std::vector<std::vector<std::int32_t>> y;
    std::size_t next = 0;
    batch_ring(std::size_t rows, std::size_t count) {
        for (std::size_t k = 0; k < count; ++k) {
            x.push_back(make_inputs<Net>(rows, static_cast<std::uint32_t>(k)));
            y.push_back(make_labels(rows, static_cast<std::uint32_t>(k)));
        }
    }
    std::size_t advance() {
        const std::size_t k = next;
        next = (next + 1) % x.size();
        return k;
    }
};

/// Copies typenet's parameters (weights [out, in] and biases, in layer order) into a peer.
template <class Net, class Peer>
void copy_parameters(const Net& net, Peer& peer) {
    std::vector<const float*> w, b;
    net.for_each_parameter([&](const auto& p) { (p.shape.size() == 2 ? w : b).push_back(p.values.data()); });
    for (std::size_t l = 0; l < w.size(); ++l) peer.set_layer(l, w[l], b[l]);
}

// --- Part 2: FLOPs and the FMA peak ---

/// GEMM FLOPs (2 per multiply-add) of one pass over `rows` samples: forward x W^T; in training
/// also dW = dZ^T X for every layer and dX = dZ W for every layer but the first (no
/// implementation computes the input's gradient). Bias, activation, loss and update are not
/// counted: they are O(rows x width), not O(rows x width^2).
inline double gemm_flops(const std::vector<std::size_t>& widths, std::size_t rows, bool training) {
    double f = 0;
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
        const double mac = static_cast<double>(rows) * static_cast<double>(widths[l] * widths[l + 1]);
        f += 2 * mac * (training ? (l == 0 ? 2 : 3) : 1);
    }
    return f;
}

// Acc independent FMA chains of native-width vectors, all in registers (the fold unrolls them).
// acc = acc * m + c with m < 1 converges to c / (1 - m): no overflow, no denormals.
template <std::size_t... I>
float fma_chains(std::size_t iterations, float seed, std::index_sequence<I...>) {
    using vec = xsimd::batch<float, xsimd::default_arch>;
    vec acc[sizeof...(I)] = {vec(seed + static_cast<float>(I))...};
    const vec m(0.9999999f), c(1e-6f);
    // typenet::simd::fma: xsimd 8.1's is a multiply and an add under AVX-512, which clang keeps apart.
    for (std::size_t n = 0; n < iterations; ++n) ((acc[I] = typenet::simd::fma(acc[I], m, c)), ...);
    return xsimd::hadd((acc[I] + ...));
}

inline constexpr std::size_t fma_accumulators = 24;  // > 2 pipes x 4 cycles latency: covers latency with room
inline double fma_flops_per_call(std::size_t iterations) {
    return 2.0 * fma_accumulators * xsimd::batch<float, xsimd::default_arch>::size * static_cast<double>(iterations);
}

/// The measured FP32 FMA peak of one core in FLOP/s, once per process: the best of 40 runs of
/// about 3 ms, so that a run that shares its core with another process does not set it.
inline double peak_flops() {
    static const double peak = [] {
        constexpr std::size_t iterations = 1'000'000;
        volatile float seed = 0.5f;
        double best = 0;
        for (int k = 0; k < 40; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            const float r = fma_chains(iterations, seed, std::make_index_sequence<fma_accumulators>{});
            const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
            benchmark::DoNotOptimize(r);
            best = std::max(best, fma_flops_per_call(iterations) / dt.count());
        }
        return best;
    }();
    return peak;
}

/// The benchmark `fma_peak`: the same kernel under Google Benchmark's timing (FLOP/s counter).
inline void fma_peak(benchmark::State& state) {
    constexpr std::size_t iterations = 100'000;
    volatile float seed = 0.5f;
    for (auto _ : state) {
        benchmark::DoNotOptimize(fma_chains(iterations, seed, std::make_index_sequence<fma_accumulators>{}));
    }
    state.counters["flop_rate"] =
        benchmark::Counter(fma_flops_per_call(iterations), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["simd_width"] = static_cast<double>(xsimd::batch<float, xsimd::default_arch>::size);
}

/// Per iteration: the GEMM FLOPs executed, their rate, and that rate as a fraction of the peak.
inline void set_flop_counters(benchmark::State& state, double flops) {
    using benchmark::Counter;
    state.counters["gemm_flops"] = flops;
    state.counters["gemm_flop_rate"] = Counter(flops, Counter::kIsIterationInvariantRate);
    state.counters["peak_fraction"] = Counter(flops / peak_flops(), Counter::kIsIterationInvariantRate);
}

// --- Part 3: the agreement check and the run's context ---

// Stops the run when typenet and a peer differ by more than `limit` (relative).
inline void require_within(const char* what, const char* peer, double rel, double limit) {
    if (!(rel <= limit)) {
        std::fprintf(stderr, "check FAILED: %s: typenet and %s differ by %.3e relative (limit %.0e); the comparison "
                             "would be meaningless, aborting\n", what, peer, rel, limit);
        std::exit(1);
    }
}

inline void require_close(const char* what, const char* peer, double mine, double theirs, double limit) {
    const double rel = std::abs(mine - theirs) / std::max(std::abs(theirs), 1e-30);
    std::printf("check: %-26s typenet %.7f  %-8s %.7f  relative difference %.2e\n", what, mine, peer, theirs, rel);
    require_within(what, peer, rel, limit);
}

/// Two SGD steps on two batches from the same initial parameters: the first loss checks the
/// forward pass, the second (after one update) the backward pass and the update too.
template <class Net>
void check_same_loss(const char* workload, const std::vector<std::size_t>& widths, peers::activation act,
                     std::size_t rows) {
    Net model{tn::seed{1}};
    peers::eigen_mlp eigen(widths, act);
    copy_parameters(model, eigen);
#ifdef TYPENET_BENCH_WITH_TORCH
    peers::torch_mlp torch(widths, act, learning_rate);
    copy_parameters(model, torch);
#endif
    trainer<Net> fit{model, sgd_options<Net>()};
    batch_ring<Net> data(rows, 2);
    for (std::size_t k = 0; k < 2; ++k) {
        const std::string what = std::string(workload) + (k == 0 ? " loss, initial" : " loss after one step");
        const double t = fit.step(data.x[k], data.y[k]);
        require_close(what.c_str(), "Eigen", t, eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate), 1e-4);
#ifdef TYPENET_BENCH_WITH_TORCH
        require_close(what.c_str(), "libtorch", t, torch.step(data.x[k].data(), data.y[k].data(), rows), 1e-4);
#endif
    }
}

inline std::string first_line_of(const char* path, const char* prefix) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

/// What the JSON should say about the run: CPU model, SIMD width, peak, BLAS core, load.
inline void add_context() {
    char buf[64];
    benchmark::AddCustomContext("cpu_model", first_line_of("/proc/cpuinfo", "model name"));
    benchmark::AddCustomContext("xsimd_arch", xsimd::default_arch::name());
    std::snprintf(buf, sizeof buf, "%.1f", peak_flops() * 1e-9);
    benchmark::AddCustomContext("fp32_fma_peak_gflops", buf);
    std::ifstream load("/proc/loadavg");
    std::string l1;
    load >> l1;
    benchmark::AddCustomContext("loadavg_1min_at_start", l1);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::AddCustomContext("libtorch_blas_core", peers::torch_mlp::blas_core());
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", core ? core : "(unset)");
#else
    benchmark::AddCustomContext("libtorch", "not built (CMake did not find Torch)");
#endif
    std::printf("FP32 FMA peak (measured, one core): %.1f GFLOP/s with %s\n", peak_flops() * 1e-9,
                xsimd::default_arch::name());
}

/// The main of every workload executable: context, the agreement check, then the benchmarks.
template <class Check>
int run(int argc, char** argv, Check&& check) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    add_context();
    check();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace workloads

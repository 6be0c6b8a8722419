// SPDX-License-Identifier: BSL-1.0
// Defines the inference workload W4: the latency of one forward pass of the W1 network
// (784-256-128-10 ReLU) at batch 1, for typenet (model(x), which returns a new batch), the
// hand-written Eigen peer and libtorch under torch::NoGradGuard. All three are first checked to
// give the same logits and the same training loss as each other.
//
// At batch 1 each weight is read once per call and used for one multiply-add, so W4 is bound by
// the bandwidth of the cache that holds the weights (L2 here), not by FMA. Next to the FMA peak
// the run therefore measures the read bandwidth of a vectorised sum over a buffer as large as
// the W1 parameters (read again and again, so it stays in cache as the weights do), and each W4
// case reports the bandwidth it implies (parameter bytes / time) as a fraction of that.
// W4/typenet_2threads runs model(x, pool) on two threads (real time): the first layer's outputs
// split, each core streaming its half of that layer's W from its own cache (the smaller layers
// stay on the calling thread). The W4 target is for one thread; this is beside it.
#include "peers/workloads.hpp"

#include <typenet/parallel.hpp>

#include <xsimd/memory/xsimd_aligned_allocator.hpp>

namespace {

using namespace workloads;

constexpr std::size_t classes = 10;

// --- Part 1: the read bandwidth of a buffer the size of the weights ---

constexpr std::size_t weight_floats = w1_net::parameter_count;  // weights and biases: 235146
constexpr double weight_bytes = static_cast<double>(weight_floats * sizeof(float));

using vec = xsimd::batch<float, xsimd::default_arch>;
using stream_buffer = std::vector<float, xsimd::aligned_allocator<float, 64>>;

stream_buffer make_stream_buffer() {
    stream_buffer b(weight_floats);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = input_value(i, 3);
    return b;
}

// One pass: the sum of the buffer, over independent accumulators (an add has a latency of
// several cycles; with one accumulator the adds, not the loads, would set the pace).
template <std::size_t... I>
float sum_pass(const float* p, std::size_t n, std::index_sequence<I...>) {
    constexpr std::size_t w = vec::size, step = w * sizeof...(I);
    vec acc[sizeof...(I)] = {(static_cast<void>(I), vec(0.0f))...};
    std::size_t i = 0;
    for (; i < n - n % step; i += step) ((acc[I] += vec::load_aligned(p + i + I * w)), ...);
    float s = xsimd::hadd((acc[I] + ...));
    for (; i < n; ++i) s += p[i];
    return s;
}

constexpr std::size_t stream_accumulators = 8;

float sum_passes(const stream_buffer& b, std::size_t passes) {
    float s = 0;
    for (std::size_t k = 0; k < passes; ++k) {
        s += sum_pass(b.data(), b.size(), std::make_index_sequence<stream_accumulators>{});
        benchmark::ClobberMemory();  // every pass reads the buffer again
    }
    return s;
}

/// The read bandwidth of one core in bytes/s, once per process: the best of 40 runs of 100
/// passes (about 1 ms each), as peak_flops() does for the FMA peak.
double read_bandwidth() {
    static const double bandwidth = [] {
        const stream_buffer b = make_stream_buffer();
        constexpr std::size_t passes = 100;
        benchmark::DoNotOptimize(sum_passes(b, passes));  // warm: the buffer comes into cache
        double best = 0;
        for (int k = 0; k < 40; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            benchmark::DoNotOptimize(sum_passes(b, passes));
            const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
            best = std::max(best, weight_bytes * passes / dt.count());
        }
        return best;
    }();
    return bandwidth;
}

/// The benchmark `stream_read`: one pass per iteration under Google Benchmark's timing.
void stream_read(benchmark::State& state) {
    const stream_buffer b = make_stream_buffer();
    for (auto _ : state) benchmark::DoNotOptimize(sum_passes(b, 1));
    state.counters["bytes"] = weight_bytes;
    state.counters["read_bandwidth"] = benchmark::Counter(weight_bytes, benchmark::Counter::kIsIterationInvariantRate);
}

/// Per call: the parameter bytes read, the bandwidth that implies, and its fraction of the
/// measured read bandwidth; then the FLOP counters.
void set_w4_counters(benchmark::State& state) {
    using benchmark::Counter;
    state.counters["weight_bytes"] = weight_bytes;
    state.counters["weight_bandwidth"] = Counter(weight_bytes, Counter::kIsIterationInvariantRate);
    state.counters["bandwidth_fraction"] = Counter(weight_bytes / read_bandwidth(), Counter::kIsIterationInvariantRate);
    set_flop_counters(state, gemm_flops(w1_widths, 1, false));
}

// --- Part 2: W4 ---

void infer_typenet(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    const auto x = make_inputs<w1_net>(1, 7);
    for (auto _ : state) {
        auto y = model(x);
        benchmark::DoNotOptimize(y.data());
    }
    set_w4_counters(state);
}

void infer_typenet_threads(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    const auto x = make_inputs<w1_net>(1, 7);
    tn::thread_pool pool(2);
    for (auto _ : state) {
        auto y = model(x, pool);
        benchmark::DoNotOptimize(y.data());
    }
    set_w4_counters(state);
}

void infer_eigen(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    peers::eigen_mlp eigen(w1_widths, peers::activation::relu);
    copy_parameters(model, eigen);
    const auto x = make_inputs<w1_net>(1, 7);
    for (auto _ : state) benchmark::DoNotOptimize(eigen.predict(x.data(), 1));
    set_w4_counters(state);
}

#ifdef TYPENET_BENCH_WITH_TORCH
void infer_libtorch(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    peers::torch_mlp torch(w1_widths, peers::activation::relu, learning_rate);
    copy_parameters(model, torch);
    const auto x = make_inputs<w1_net>(1, 7);
    float y[classes];
    for (auto _ : state) {
        torch.predict(x.data(), 1, y);
        benchmark::DoNotOptimize(y);
    }
    set_w4_counters(state);
}
#endif

// The largest relative difference of the logits, against the largest logit's magnitude.
void check_same_logits() {
    const w1_net model{tn::seed{1}};
    peers::eigen_mlp eigen(w1_widths, peers::activation::relu);
    copy_parameters(model, eigen);
    const auto x = make_inputs<w1_net>(1, 7);
    const auto y = model(x);
    {
        tn::thread_pool pool(2);
        const auto y2 = model(x, pool);
        const bool same = std::equal(y.data(), y.data() + classes, y2.data());
        std::printf("check: W4 logits on two threads: %s\n", same ? "bit-identical to one thread" : "DIFFERENT");
        if (!same) {
            std::fprintf(stderr, "check FAILED: W4 on two threads must give the bits of one thread\n");
            std::exit(1);
        }
    }
    const auto compare = [&](const char* peer, const float* theirs) {
        double scale = 0, diff = 0;
        for (std::size_t j = 0; j < classes; ++j) {
            scale = std::max(scale, std::abs(double{theirs[j]}));
            diff = std::max(diff, std::abs(double{y.data()[j]} - theirs[j]));
        }
        std::printf("check: W4 logits at batch 1: max |typenet - %s| / max |logit| = %.2e\n", peer, diff / scale);
        require_within("W4 logits", peer, diff / scale, 1e-4);
    };
    compare("Eigen", eigen.predict(x.data(), 1));
#ifdef TYPENET_BENCH_WITH_TORCH
    peers::torch_mlp torch(w1_widths, peers::activation::relu, learning_rate);
    copy_parameters(model, torch);
    float t[classes];
    torch.predict(x.data(), 1, t);
    compare("libtorch", t);
#endif
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::RegisterBenchmark("fma_peak", workloads::fma_peak);
    benchmark::RegisterBenchmark("stream_read", stream_read);
    benchmark::RegisterBenchmark("W4/typenet", infer_typenet);
    benchmark::RegisterBenchmark("W4/typenet_2threads", infer_typenet_threads)->UseRealTime();
    benchmark::RegisterBenchmark("W4/eigen", infer_eigen);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W4/libtorch", infer_libtorch);
#endif
    return workloads::run(argc, argv, [] {
        workloads::check_same_loss<workloads::w1_net>("W1", workloads::w1_widths, peers::activation::relu, 64);
        check_same_logits();
        char gbps[32];
        std::snprintf(gbps, sizeof gbps, "%.1f", read_bandwidth() * 1e-9);
        benchmark::AddCustomContext("weights_read_gbps", gbps);
        std::printf("read bandwidth (measured, one core, a %.0f KB buffer like the W1 parameters): %s GB/s\n",
                    weight_bytes * 1e-3, gbps);
    });
}

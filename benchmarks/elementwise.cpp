// SPDX-License-Identifier: BSL-1.0
// Defines the elementwise benchmark: typenet against a hand-written xsimd loop and Eigen arrays,
// on a compute-bound chain (tanh), a memory-bound chain and a bias broadcast over batch rows.
// Every case checks its result against a double-precision reference once before timing and
// aborts on a mismatch. Figures and their reading: docs/performance.md.
#include <typenet/typenet.hpp>

#include <Eigen/Core>
#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>  // the hand-written peer uses xsimd directly

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace tn = typenet;

namespace {

constexpr std::size_t n_pow2 = std::size_t{1} << 20;  // a whole number of SIMD vectors
constexpr std::size_t n_tail = 1'000'003;             // leaves a scalar tail at every width
constexpr std::size_t n_l2 = std::size_t{1} << 13;    // 5 x 32 KiB: in L2, to show compute cost alone
constexpr std::size_t bias_features = 1000;
constexpr std::size_t bias_rows = 1024;
constexpr float bias_scale = 0.75f;

using hand_vec = xsimd::batch<float, xsimd::default_arch>;
using aligned_floats = std::vector<float, xsimd::aligned_allocator<float, 64>>;

// Deterministic input i of stream `stream`, uniform-ish in [lo, hi) (integer hash, no <random>,
// so every library and platform sees the same values).
float input_value(std::size_t i, std::uint32_t stream, float lo, float hi) {
    std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u + (stream + 1) * 0x9E3779B9u;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    x *= 0x297A2D39u;
    x ^= x >> 15;
    return lo + (hi - lo) * static_cast<float>(x >> 8) * (1.0f / 16777216.0f);
}

// --- Part 1: the two chains over four operands ---
struct tanh_chain {
    static constexpr float tolerance = 1e-5f;
    static double reference(double a, double b, double c, double d) { return std::tanh(a * b + c) * d; }
    template <class V>
    static void typenet(V& y, const V& a, const V& b, const V& c, const V& d) {
        y = tn::tanh{}(a * b + c) * d;
    }
    static void eigen(Eigen::ArrayXf& y, const Eigen::ArrayXf& a, const Eigen::ArrayXf& b, const Eigen::ArrayXf& c,
                      const Eigen::ArrayXf& d) {
        y = (a * b + c).tanh() * d;
    }
    static void hand(float* y, const float* a, const float* b, const float* c, const float* d, std::size_t n) {
        const std::size_t body = n - n % hand_vec::size;
        std::size_t i = 0;
        for (; i < body; i += hand_vec::size) {
            const auto r = xsimd::tanh(hand_vec::load_unaligned(a + i) * hand_vec::load_unaligned(b + i) +
                                       hand_vec::load_unaligned(c + i)) *
                           hand_vec::load_unaligned(d + i);
            r.store_unaligned(y + i);
        }
        for (; i < n; ++i) y[i] = std::tanh(a[i] * b[i] + c[i]) * d[i];
    }
};

struct fma_chain {
    static constexpr float tolerance = 1e-5f;
    static double reference(double a, double b, double c, double d) { return a * b + c * d; }
    template <class V>
    static void typenet(V& y, const V& a, const V& b, const V& c, const V& d) {
        y = a * b + c * d;
    }
    static void eigen(Eigen::ArrayXf& y, const Eigen::ArrayXf& a, const Eigen::ArrayXf& b, const Eigen::ArrayXf& c,
                      const Eigen::ArrayXf& d) {
        y = a * b + c * d;
    }
    static void hand(float* y, const float* a, const float* b, const float* c, const float* d, std::size_t n) {
        const std::size_t body = n - n % hand_vec::size;
        std::size_t i = 0;
        for (; i < body; i += hand_vec::size) {
            const auto r = hand_vec::load_unaligned(a + i) * hand_vec::load_unaligned(b + i) +
                           hand_vec::load_unaligned(c + i) * hand_vec::load_unaligned(d + i);
            r.store_unaligned(y + i);
        }
        for (; i < n; ++i) y[i] = a[i] * b[i] + c[i] * d[i];
    }
};

// Fills the four operands (through `at(k)`, a pointer to operand k) and returns the reference.
template <class Chain>
std::vector<double> fill_operands(std::size_t n, const auto& at) {
    std::vector<double> ref(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float a = input_value(i, 0, -2.0f, 2.0f), b = input_value(i, 1, -2.0f, 2.0f);
        const float c = input_value(i, 2, -1.0f, 1.0f), d = input_value(i, 3, -1.0f, 1.0f);
        at(0)[i] = a;
        at(1)[i] = b;
        at(2)[i] = c;
        at(3)[i] = d;
        ref[i] = Chain::reference(a, b, c, d);
    }
    return ref;
}

double max_abs_diff(const float* y, const std::vector<double>& ref) {
    double m = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) m = std::max(m, std::abs(static_cast<double>(y[i]) - ref[i]));
    return m;
}

// Aborts the whole run (not just this case) when a result disagrees with the reference.
void check(benchmark::State& state, const char* what, double diff, double tolerance) {
    state.counters["max_abs_diff"] = diff;
    if (!(diff <= tolerance)) {
        std::fprintf(stderr, "elementwise: %s: max abs diff %g exceeds %g, aborting\n", what, diff, tolerance);
        std::abort();
    }
}

void set_stream_counters(benchmark::State& state, std::size_t elements, std::size_t arrays) {
    const auto n = static_cast<std::int64_t>(elements);
    state.SetItemsProcessed(state.iterations() * n);
    state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(arrays * sizeof(float)));
}

template <class Chain, std::size_t N>
void chain_typenet(benchmark::State& state) {
    using vec = tn::tensor<float, tn::shape<N>>;  // heap-stored at this size
    auto ops = std::make_unique<vec[]>(5);        // a, b, c, d, y
    const auto ref = fill_operands<Chain>(N, [&](int k) { return ops[k].data(); });
    Chain::typenet(ops[4], ops[0], ops[1], ops[2], ops[3]);
    check(state, "typenet", max_abs_diff(ops[4].data(), ref), Chain::tolerance);
    for (auto _ : state) {
        Chain::typenet(ops[4], ops[0], ops[1], ops[2], ops[3]);
        benchmark::DoNotOptimize(ops[4].data());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, N, 5);
}

template <class Chain, std::size_t N>
void chain_hand_xsimd(benchmark::State& state) {
    std::vector<aligned_floats> ops(5, aligned_floats(N));
    const auto ref = fill_operands<Chain>(N, [&](int k) { return ops[k].data(); });
    const auto run = [&] { Chain::hand(ops[4].data(), ops[0].data(), ops[1].data(), ops[2].data(), ops[3].data(), N); };
    run();
    check(state, "hand-written xsimd", max_abs_diff(ops[4].data(), ref), Chain::tolerance);
    for (auto _ : state) {
        run();
        benchmark::DoNotOptimize(ops[4].data());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, N, 5);
}

template <class Chain, std::size_t N>
void chain_eigen(benchmark::State& state) {
    std::vector<Eigen::ArrayXf> ops(5, Eigen::ArrayXf(static_cast<Eigen::Index>(N)));
    const auto ref = fill_operands<Chain>(N, [&](int k) { return ops[k].data(); });
    Chain::eigen(ops[4], ops[0], ops[1], ops[2], ops[3]);
    check(state, "Eigen", max_abs_diff(ops[4].data(), ref), Chain::tolerance);
    for (auto _ : state) {
        Chain::eigen(ops[4], ops[0], ops[1], ops[2], ops[3]);
        benchmark::DoNotOptimize(ops[4].data());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, N, 5);
}

BENCHMARK_TEMPLATE(chain_typenet, tanh_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_hand_xsimd, tanh_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_eigen, tanh_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_typenet, tanh_chain, n_tail);
BENCHMARK_TEMPLATE(chain_hand_xsimd, tanh_chain, n_tail);
BENCHMARK_TEMPLATE(chain_eigen, tanh_chain, n_tail);
BENCHMARK_TEMPLATE(chain_typenet, tanh_chain, n_l2);
BENCHMARK_TEMPLATE(chain_hand_xsimd, tanh_chain, n_l2);
BENCHMARK_TEMPLATE(chain_eigen, tanh_chain, n_l2);
BENCHMARK_TEMPLATE(chain_typenet, fma_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_hand_xsimd, fma_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_eigen, fma_chain, n_pow2);
BENCHMARK_TEMPLATE(chain_typenet, fma_chain, n_tail);
BENCHMARK_TEMPLATE(chain_hand_xsimd, fma_chain, n_tail);
BENCHMARK_TEMPLATE(chain_eigen, fma_chain, n_tail);
BENCHMARK_TEMPLATE(chain_typenet, fma_chain, n_l2);
BENCHMARK_TEMPLATE(chain_hand_xsimd, fma_chain, n_l2);
BENCHMARK_TEMPLATE(chain_eigen, fma_chain, n_l2);

// --- Part 2: bias over rows, y = relu(x * s + bias), x of 1024 rows x 1000 features ---
// Row-major x for typenet and the hand loop; Eigen stores one batch row per column, so that its
// colwise broadcast walks the same memory order.
float bias_x(std::size_t r, std::size_t f) { return input_value(r * bias_features + f, 4, -2.0f, 2.0f); }
float bias_b(std::size_t f) { return input_value(f, 5, -1.0f, 1.0f); }

std::vector<double> bias_reference() {
    std::vector<double> ref(bias_rows * bias_features);
    for (std::size_t r = 0; r < bias_rows; ++r)
        for (std::size_t f = 0; f < bias_features; ++f)
            ref[r * bias_features + f] = std::max(0.0, double{bias_x(r, f)} * bias_scale + bias_b(f));
    return ref;
}

void set_bias_counters(benchmark::State& state) {
    set_stream_counters(state, bias_rows * bias_features, 2);  // x in, y out; bias stays in cache
}

void bias_relu_typenet(benchmark::State& state) {
    tn::batch<float, bias_features> x(bias_rows), y(bias_rows);
    tn::tensor<float, tn::shape<bias_features>> bias;
    for (std::size_t r = 0; r < bias_rows; ++r)
        for (std::size_t f = 0; f < bias_features; ++f) x.data()[r * bias_features + f] = bias_x(r, f);
    for (std::size_t f = 0; f < bias_features; ++f) bias.data()[f] = bias_b(f);
    const float s = bias_scale;
    y = tn::relu{}(x * s + bias);
    check(state, "typenet", max_abs_diff(y.data(), bias_reference()), 1e-5);
    for (auto _ : state) {
        y = tn::relu{}(x * s + bias);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_bias_counters(state);
}

void bias_relu_hand(float* y, const float* x, const float* bias, float s) {
    const hand_vec sv(s), zero(0.0f);
    for (std::size_t r = 0; r < bias_rows; ++r) {
        const float* xr = x + r * bias_features;
        float* yr = y + r * bias_features;
        std::size_t f = 0;
        for (; f + hand_vec::size <= bias_features; f += hand_vec::size)
            xsimd::max(hand_vec::load_unaligned(xr + f) * sv + hand_vec::load_unaligned(bias + f), zero)
                .store_unaligned(yr + f);
        for (; f < bias_features; ++f) yr[f] = std::max(xr[f] * s + bias[f], 0.0f);
    }
}

void bias_relu_hand_xsimd(benchmark::State& state) {
    aligned_floats x(bias_rows * bias_features), y(bias_rows * bias_features), bias(bias_features);
    for (std::size_t r = 0; r < bias_rows; ++r)
        for (std::size_t f = 0; f < bias_features; ++f) x[r * bias_features + f] = bias_x(r, f);
    for (std::size_t f = 0; f < bias_features; ++f) bias[f] = bias_b(f);
    bias_relu_hand(y.data(), x.data(), bias.data(), bias_scale);
    check(state, "hand-written xsimd", max_abs_diff(y.data(), bias_reference()), 1e-5);
    for (auto _ : state) {
        bias_relu_hand(y.data(), x.data(), bias.data(), bias_scale);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_bias_counters(state);
}

void bias_relu_eigen(benchmark::State& state) {
    const auto features = static_cast<Eigen::Index>(bias_features), rows = static_cast<Eigen::Index>(bias_rows);
    Eigen::ArrayXXf x(features, rows), y(features, rows);
    Eigen::ArrayXf bias(features);
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index f = 0; f < features; ++f)
            x(f, r) = bias_x(static_cast<std::size_t>(r), static_cast<std::size_t>(f));
    for (Eigen::Index f = 0; f < features; ++f) bias(f) = bias_b(static_cast<std::size_t>(f));
    const float s = bias_scale;
    y = ((x * s).colwise() + bias).max(0.0f);
    check(state, "Eigen", max_abs_diff(y.data(), bias_reference()), 1e-5);
    for (auto _ : state) {
        y = ((x * s).colwise() + bias).max(0.0f);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_bias_counters(state);
}

BENCHMARK(bias_relu_typenet);
BENCHMARK(bias_relu_hand_xsimd);
BENCHMARK(bias_relu_eigen);

}  // namespace

BENCHMARK_MAIN();

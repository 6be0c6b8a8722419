// SPDX-License-Identifier: BSL-1.0
// Defines the training-step workloads: W1 (784-256-128-10 ReLU, batch 64), W2 (64 -> 32 x
// [dense 64 + tanh] -> 10, batch 32) and W1 at batch 256 (typenet alone, the single-thread
// reference for the thread pool), one SGD step per iteration, for typenet, the hand-written
// Eigen peer and libtorch, from the same initial parameters over the same batches. The
// executable first checks that the three give the same losses, and measures the FMA peak.
#include "peers/workloads.hpp"

namespace {

using namespace workloads;

template <class Net>
void step_typenet(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths) {
    Net model{tn::seed{1}};
    trainer<Net> fit{model, sgd_options<Net>()};
    batch_ring<Net> data(rows, 16);
    for (std::size_t k = 0; k < 16; ++k) fit.step(data.x[k], data.y[k]);  // warm: buffers sized, caches filled
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(fit.step(data.x[k], data.y[k]));
    }
    set_flop_counters(state, gemm_flops(widths, rows, true));
}

template <class Net>
void step_eigen(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths, peers::activation act) {
    const Net model{tn::seed{1}};
    peers::eigen_mlp eigen(widths, act);
    copy_parameters(model, eigen);
    batch_ring<Net> data(rows, 16);
    for (std::size_t k = 0; k < 16; ++k) eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate);
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(eigen.step(data.x[k].data(), data.y[k].data(), rows, learning_rate));
    }
    set_flop_counters(state, gemm_flops(widths, rows, true));
}

#ifdef TYPENET_BENCH_WITH_TORCH
template <class Net>
void step_libtorch(benchmark::State& state, std::size_t rows, std::vector<std::size_t> widths, peers::activation act) {
    const Net model{tn::seed{1}};
    peers::torch_mlp torch(widths, act, learning_rate);
    copy_parameters(model, torch);
    batch_ring<Net> data(rows, 16);
    for (std::size_t k = 0; k < 16; ++k) torch.step(data.x[k].data(), data.y[k].data(), rows);
    for (auto _ : state) {
        const std::size_t k = data.advance();
        benchmark::DoNotOptimize(torch.step(data.x[k].data(), data.y[k].data(), rows));
    }
    set_flop_counters(state, gemm_flops(widths, rows, true));
}
#endif

void register_all() {
    using peers::activation;
    benchmark::RegisterBenchmark("fma_peak", fma_peak);
    const auto w2 = w2_widths();
    benchmark::RegisterBenchmark("W1/typenet", step_typenet<w1_net>, 64, w1_widths);
    benchmark::RegisterBenchmark("W1/eigen", step_eigen<w1_net>, 64, w1_widths, activation::relu);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W1/libtorch", step_libtorch<w1_net>, 64, w1_widths, activation::relu);
#endif
    benchmark::RegisterBenchmark("W2/typenet", step_typenet<w2_net>, 32, w2);
    benchmark::RegisterBenchmark("W2/eigen", step_eigen<w2_net>, 32, w2, activation::tanh);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W2/libtorch", step_libtorch<w2_net>, 32, w2, activation::tanh);
#endif
    benchmark::RegisterBenchmark("W1_batch256/typenet", step_typenet<w1_net>, 256, w1_widths);
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    return workloads::run(argc, argv, [] {
        workloads::check_same_loss<workloads::w1_net>("W1", workloads::w1_widths, peers::activation::relu, 64);
        workloads::check_same_loss<workloads::w2_net>("W2", workloads::w2_widths(), peers::activation::tanh, 32);
    });
}

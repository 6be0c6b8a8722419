// SPDX-License-Identifier: BSL-1.0
// Defines the inference workload W4: the latency of one forward pass of the W1 network
// (784-256-128-10 ReLU) at batch 1, for typenet (model(x), which returns a new batch), the
// hand-written Eigen peer and libtorch under torch::NoGradGuard. All three are first checked to
// give the same logits and the same training loss as each other.
#include "peers/workloads.hpp"

namespace {

using namespace workloads;

constexpr std::size_t classes = 10;

void infer_typenet(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    const auto x = make_inputs<w1_net>(1, 7);
    for (auto _ : state) {
        auto y = model(x);
        benchmark::DoNotOptimize(y.data());
    }
    set_flop_counters(state, gemm_flops(w1_widths, 1, false));
}

void infer_eigen(benchmark::State& state) {
    const w1_net model{tn::seed{1}};
    peers::eigen_mlp eigen(w1_widths, peers::activation::relu);
    copy_parameters(model, eigen);
    const auto x = make_inputs<w1_net>(1, 7);
    for (auto _ : state) benchmark::DoNotOptimize(eigen.predict(x.data(), 1));
    set_flop_counters(state, gemm_flops(w1_widths, 1, false));
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
    set_flop_counters(state, gemm_flops(w1_widths, 1, false));
}
#endif

// The largest relative difference of the logits, against the largest logit's magnitude.
void check_same_logits() {
    const w1_net model{tn::seed{1}};
    peers::eigen_mlp eigen(w1_widths, peers::activation::relu);
    copy_parameters(model, eigen);
    const auto x = make_inputs<w1_net>(1, 7);
    const auto y = model(x);
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
    benchmark::RegisterBenchmark("W4/typenet", infer_typenet);
    benchmark::RegisterBenchmark("W4/eigen", infer_eigen);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W4/libtorch", infer_libtorch);
#endif
    return workloads::run(argc, argv, [] {
        workloads::check_same_loss<workloads::w1_net>("W1", workloads::w1_widths, peers::activation::relu, 64);
        check_same_logits();
    });
}

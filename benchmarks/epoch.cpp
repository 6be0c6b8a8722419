// SPDX-License-Identifier: BSL-1.0
// Defines the epoch workload W3: one pass of SGD over Fashion-MNIST's 60000 training images
// (Debian's dataset-fashion-mnist, read with tn::load_idx_dataset; TYPENET_FASHION_MNIST_DIR
// overrides the folder) with the W1 network, batch 64 (937 full batches and one of 32), in file
// order, for typenet, the hand-written Eigen peer and libtorch. Without the files each case is
// reported as skipped, with the reason. The network keeps training across iterations.
#include "peers/workloads.hpp"

#include <filesystem>
#include <memory>

namespace {

using namespace workloads;

constexpr std::size_t batch_rows = 64;

struct dataset {
    input_batch<w1_net> x;  // 60000 x 784, values in [0, 1]
    std::vector<std::int32_t> y;
    std::string missing;    // why there is no data, if there is none
};

const dataset& fashion_mnist() {
    static const std::unique_ptr<dataset> d = [] {
        auto out = std::make_unique<dataset>();
        const char* env = std::getenv("TYPENET_FASHION_MNIST_DIR");
        const std::filesystem::path dir = env && *env ? env : "/usr/share/datasets/fashion-mnist";
        const auto images = dir / "train-images-idx3-ubyte.gz", labels = dir / "train-labels-idx1-ubyte.gz";
        if (!std::filesystem::exists(images) || !std::filesystem::exists(labels)) {
            out->missing = "W3 skipped: no Fashion-MNIST training files in " + dir.string() +
                           " (apt-get install dataset-fashion-mnist, or set TYPENET_FASHION_MNIST_DIR)";
            return out;
        }
        auto d28 = tn::load_idx_dataset<float, 28, 28>(images, labels);
        out->x = input_batch<w1_net>(d28.images.rows());  // the same bytes, seen as 784 features
        std::copy(d28.images.begin(), d28.images.end(), out->x.data());
        out->y = std::move(d28.labels);
        return out;
    }();
    return *d;
}

double epoch_flops(std::size_t images) {
    return gemm_flops(w1_widths, images - images % batch_rows, true) + gemm_flops(w1_widths, images % batch_rows, true);
}

// Runs one epoch through step(first, count) per iteration; counters: images/s, FLOPs, mean loss.
template <class Step>
void run_epochs(benchmark::State& state, const dataset& d, Step&& step) {
    const std::size_t n = d.y.size();
    double loss_sum = 0;
    std::size_t batches = 0;
    for (auto _ : state) {
        for (std::size_t first = 0; first < n; first += batch_rows) {
            loss_sum += step(first, std::min(batch_rows, n - first));
            ++batches;
        }
    }
    set_flop_counters(state, epoch_flops(n));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
    state.counters["mean_loss"] = loss_sum / static_cast<double>(std::max<std::size_t>(batches, 1));
}

void epoch_typenet(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    w1_net model{tn::seed{1}};
    trainer<w1_net> fit{model, sgd_options<w1_net>()};
    const std::span<const std::int32_t> labels(d.y);
    run_epochs(state, d, [&](std::size_t first, std::size_t count) {
        return fit.step(d.x.slice(first, count), labels.subspan(first, count));
    });
}

void epoch_eigen(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    const w1_net model{tn::seed{1}};
    peers::eigen_mlp eigen(w1_widths, peers::activation::relu);
    copy_parameters(model, eigen);
    run_epochs(state, d, [&](std::size_t first, std::size_t count) {
        return eigen.step(d.x.data() + first * 784, d.y.data() + first, count, learning_rate);
    });
}

#ifdef TYPENET_BENCH_WITH_TORCH
void epoch_libtorch(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    const w1_net model{tn::seed{1}};
    peers::torch_mlp torch(w1_widths, peers::activation::relu, learning_rate);
    copy_parameters(model, torch);
    run_epochs(state, d, [&](std::size_t first, std::size_t count) {
        return torch.step(d.x.data() + first * 784, d.y.data() + first, count);
    });
}
#endif

}  // namespace

int main(int argc, char** argv) {
    benchmark::RegisterBenchmark("fma_peak", workloads::fma_peak);
    // An epoch takes long enough to time alone; repetitions come from the command line.
    benchmark::RegisterBenchmark("W3/typenet", epoch_typenet)->Iterations(1)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("W3/eigen", epoch_eigen)->Iterations(1)->Unit(benchmark::kMillisecond);
#ifdef TYPENET_BENCH_WITH_TORCH
    benchmark::RegisterBenchmark("W3/libtorch", epoch_libtorch)->Iterations(1)->Unit(benchmark::kMillisecond);
#endif
    return workloads::run(argc, argv, [] {
        workloads::check_same_loss<workloads::w1_net>("W1", workloads::w1_widths, peers::activation::relu, 64);
        if (!fashion_mnist().missing.empty()) std::printf("%s\n", fashion_mnist().missing.c_str());
    });
}

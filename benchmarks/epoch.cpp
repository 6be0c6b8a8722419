// SPDX-License-Identifier: BSL-1.0
// Defines the epoch workload W3: one pass of SGD over Fashion-MNIST's 60000 training images
// (Debian's dataset-fashion-mnist, read with tn::load_idx_dataset; TYPENET_FASHION_MNIST_DIR
// overrides the folder) with the W1 network, batch 64 (937 full batches and one of 32), in file
// order, for typenet, the hand-written Eigen peer and libtorch. Without the files each case is
// reported as skipped, with the reason. The network keeps training across iterations.
//
// `typenet_bench_epoch --peak-memory=typenet|eigen|libtorch` measures W3's peak memory instead:
// the process loads the data, sets up that one implementation, runs one epoch and prints its
// peak resident set and its peak heap (every malloc and operator new of the process counted,
// peers/heap_counter.hpp), as text and as one closing JSON line. One process per
// implementation, since a process's peak cannot be shared out among three.
#include "peers/heap_counter.hpp"  // replaces malloc and operator new: this file only
#include "peers/workloads.hpp"

#include <typenet/io.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>

namespace {

using namespace workloads;

constexpr std::size_t batch_rows = 64;
constexpr std::size_t features = tn::size_v<w1_net::input_shape>;

struct dataset {
    tn::idx_dataset<float, 28, 28> raw;  // 60000 images, values in [0, 1]
    std::string missing;                 // why there is no data, if there is none

    std::size_t size() const noexcept { return raw.labels.size(); }
    // Rows [first, first + count) as the network's input: the same bytes, seen as 784 features.
    tn::batch_view<const float, features> x(std::size_t first, std::size_t count) const {
        return {raw.images.data() + first * features, count};
    }
    std::span<const std::int32_t> y(std::size_t first, std::size_t count) const {
        return std::span<const std::int32_t>(raw.labels).subspan(first, count);
    }
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
        out->raw = tn::load_idx_dataset<float, 28, 28>(images, labels);
        return out;
    }();
    return *d;
}

double epoch_flops(std::size_t images) {
    return gemm_flops(w1_widths, images - images % batch_rows, true) + gemm_flops(w1_widths, images % batch_rows, true);
}

// One epoch through step(first, count); returns the sum of the batches' losses.
template <class Step>
double run_epoch(const dataset& d, Step&& step, std::size_t& batches) {
    double loss_sum = 0;
    for (std::size_t first = 0; first < d.size(); first += batch_rows) {
        loss_sum += step(first, std::min(batch_rows, d.size() - first));
        ++batches;
    }
    return loss_sum;
}

// The three implementations as step functions over the dataset. Each make_* sets one up from
// the same initial parameters and returns its step; `State` keeps what the step refers to.
struct typenet_state {
    w1_net model{tn::seed{1}};
    trainer<w1_net> fit{model, sgd_options<w1_net>()};
};
auto make_typenet(const dataset& d, std::unique_ptr<typenet_state>& s) {
    s = std::make_unique<typenet_state>();
    return [&d, fit = &s->fit](std::size_t first, std::size_t count) {
        return double{fit->step(d.x(first, count), d.y(first, count))};
    };
}

auto make_eigen(const dataset& d, std::unique_ptr<peers::eigen_mlp>& s) {
    s = std::make_unique<peers::eigen_mlp>(w1_widths, peers::activation::relu);
    copy_parameters(w1_net{tn::seed{1}}, *s);  // the source parameters are freed at once
    return [&d, eigen = s.get()](std::size_t first, std::size_t count) {
        return double{eigen->step(d.x(first, count).data(), d.y(first, count).data(), count, learning_rate)};
    };
}

#ifdef TYPENET_BENCH_WITH_TORCH
auto make_libtorch(const dataset& d, std::unique_ptr<peers::torch_mlp>& s) {
    s = std::make_unique<peers::torch_mlp>(w1_widths, peers::activation::relu, learning_rate);
    copy_parameters(w1_net{tn::seed{1}}, *s);
    return [&d, torch = s.get()](std::size_t first, std::size_t count) {
        return double{torch->step(d.x(first, count).data(), d.y(first, count).data(), count)};
    };
}
#endif

// --- Part 1: W3 under Google Benchmark ---

// Counters: images/s, FLOPs, mean loss.
template <class Step>
void run_epochs(benchmark::State& state, const dataset& d, Step&& step) {
    double loss_sum = 0;
    std::size_t batches = 0;
    for (auto _ : state) loss_sum += run_epoch(d, step, batches);
    set_flop_counters(state, epoch_flops(d.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(d.size()));
    state.counters["mean_loss"] = loss_sum / static_cast<double>(std::max<std::size_t>(batches, 1));
}

void epoch_typenet(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    std::unique_ptr<typenet_state> s;
    run_epochs(state, d, make_typenet(d, s));
}

void epoch_eigen(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    std::unique_ptr<peers::eigen_mlp> s;
    run_epochs(state, d, make_eigen(d, s));
}

#ifdef TYPENET_BENCH_WITH_TORCH
void epoch_libtorch(benchmark::State& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) return state.SkipWithError(d.missing.c_str());
    std::unique_ptr<peers::torch_mlp> s;
    run_epochs(state, d, make_libtorch(d, s));
}
#endif

// --- Part 2: W3's peak memory, one implementation per process ---

// A "Vm...:" line of /proc/self/status, in KiB (-1 if absent).
long status_kib(std::string_view key) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
    return -1;
}

// Sets the peak resident set (VmHWM) to the present one (Linux >= 4.0).
bool reset_peak_rss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return out.good();
}

long max_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;  // KiB on Linux
}

// After the data is loaded (baseline), the implementation is set up and the peaks are reset:
// what the epoch reports is the process's peak from there, which holds the data, the
// implementation's state and whatever it allocates while it trains, but not the set-up's
// transients (the typenet network the peers copy their initial parameters from).
template <class Make, class State>
int peak_memory(const char* peer, Make&& make, std::unique_ptr<State>& state) {
    const dataset& d = fashion_mnist();
    if (!d.missing.empty()) {
        std::printf("%s\n{\"peer\": \"%s\", \"skipped\": \"%s\"}\n", d.missing.c_str(), peer, d.missing.c_str());
        return 0;
    }
    const long rss_data = status_kib("VmRSS:");
    const std::int64_t heap_data = heap_counter::bytes_in_use(), new_data = heap_counter::new_bytes_in_use();
    auto step = make(d, state);
    heap_counter::reset_peak();
    const bool reset = reset_peak_rss();
    const std::uint64_t calls = heap_counter::allocations();
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t batches = 0;
    const double mean_loss = run_epoch(d, step, batches) / static_cast<double>(batches);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - t0;
    const long rss_peak = status_kib("VmHWM:");
    const std::int64_t heap_peak = heap_counter::peak_bytes(), new_peak = heap_counter::new_peak_bytes();
    const std::uint64_t epoch_calls = heap_counter::allocations() - calls;
    const long max_rss = max_rss_kib();

    const auto mib = [](double bytes) { return bytes / (1024.0 * 1024.0); };
    std::printf("W3 peak memory, %s (one epoch, %zu batches, mean loss %.6f, %.2f s)\n", peer, batches, mean_loss,
                seconds.count());
    std::printf("  resident set:  %.1f MiB with the data loaded, peak %.1f MiB in the epoch (+%.1f MiB)%s\n",
                mib(rss_data * 1024.0), mib(rss_peak * 1024.0), mib((rss_peak - rss_data) * 1024.0),
                reset ? "" : " [VmHWM could not be reset: the peak includes loading]");
    std::printf("  getrusage ru_maxrss (whole process, loading included): %.1f MiB\n", mib(max_rss * 1024.0));
    std::printf("  heap in use:   %.1f MiB with the data loaded, peak %.1f MiB in the epoch (+%.3f MiB)\n",
                mib(static_cast<double>(heap_data)), mib(static_cast<double>(heap_peak)),
                mib(static_cast<double>(heap_peak - heap_data)));
    std::printf("  of which through operator new: +%.3f MiB at the peak; %llu heap allocations in the epoch\n",
                mib(static_cast<double>(new_peak - new_data)), static_cast<unsigned long long>(epoch_calls));
    std::printf("{\"peer\": \"%s\", \"rss_data_kib\": %ld, \"rss_peak_kib\": %ld, \"rss_peak_reset\": %s, "
                "\"ru_maxrss_kib\": %ld, \"heap_data_bytes\": %lld, \"heap_peak_bytes\": %lld, "
                "\"new_growth_bytes\": %lld, \"allocations\": %llu, \"mean_loss\": %.7f, \"seconds\": %.3f}\n",
                peer, rss_data, rss_peak, reset ? "true" : "false", max_rss, static_cast<long long>(heap_data),
                static_cast<long long>(heap_peak), static_cast<long long>(new_peak - new_data),
                static_cast<unsigned long long>(epoch_calls), mean_loss, seconds.count());
    return 0;
}

// --peak-memory=<implementation>: the run of Part 2 (status 2 for an unknown implementation).
int peak_memory_mode(std::string_view peer) {
    heap_counter::start();
    if (peer == "typenet") {
        std::unique_ptr<typenet_state> s;
        return peak_memory("typenet", make_typenet, s);
    }
    if (peer == "eigen") {
        std::unique_ptr<peers::eigen_mlp> s;
        return peak_memory("eigen", make_eigen, s);
    }
    if (peer == "libtorch") {
#ifdef TYPENET_BENCH_WITH_TORCH
        std::unique_ptr<peers::torch_mlp> s;
        return peak_memory("libtorch", make_libtorch, s);
#else
        std::printf("libtorch not built (CMake did not find Torch)\n"
                    "{\"peer\": \"libtorch\", \"skipped\": \"libtorch not built\"}\n");
        return 0;
#endif
    }
    std::fprintf(stderr, "typenet_bench_epoch: --peak-memory takes typenet, eigen or libtorch, not '%.*s'\n",
                 static_cast<int>(peer.size()), peer.data());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    constexpr std::string_view flag = "--peak-memory=";
    for (int i = 1; i < argc; ++i)
        if (std::string_view a = argv[i]; a.rfind(flag, 0) == 0) return peak_memory_mode(a.substr(flag.size()));

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

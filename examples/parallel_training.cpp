// SPDX-License-Identifier: BSL-1.0
// Defines the threads example: the same training run on one thread and on every core, with the
// tn::parallel trainer policy, timed, and checked to end in bit-identical parameters; then
// inference at batch 1 on a tn::thread_pool (model(x, pool)), timed and checked the same way.
// Run it with --tiny for a quick pass (what CI does).
//
// Threads are a policy, like the optimiser: a trainer without tn::parallel has no pool and no
// code for one. With it, each step splits its dense layers' GEMMs over a pool of std::jthread
// workers; the split never changes the order in which a value is summed, so the result is the
// same bits on 1, 2 or 64 threads, and a run can be repeated exactly on another machine.
#include <typenet/typenet.hpp>
#include <typenet/parallel.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

namespace tn = typenet;

struct mlp : tn::network<tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu,
                         tn::dense<128, tn::init::he_normal>, tn::relu, tn::dense<10>> {};

namespace {

struct data {
    tn::batch<float, 784> x;
    std::vector<std::int32_t> y;
};
data make_data(std::size_t rows) {
    tn::detail::rng noise(1);
    data d{tn::batch<float, 784>(rows), std::vector<std::int32_t>(rows)};
    for (std::size_t r = 0; r < rows; ++r) {
        d.y[r] = static_cast<std::int32_t>(r % 10);
        for (std::size_t i = 0; i < 784; ++i) d.x(r, i) = float(i % 10 == r % 10) + 0.5f * float(noise.normal());
    }
    return d;
}

// Seconds per call of f, over `calls` calls.
template <class F>
double seconds_per_call(F&& f, std::size_t calls) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t c = 0; c < calls; ++c) f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / double(calls);
}

// Trains a fresh model for `steps` steps of `batch` rows; returns the seconds taken.
template <class Fit>
double train(Fit&& fit, const data& d, std::size_t batch, std::size_t steps) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::size_t first = (s * batch) % d.y.size();
        fit.step(d.x.slice(first, batch), std::span<const std::int32_t>(d.y.data() + first, batch));
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
    const std::size_t batch = 256, steps = tiny ? 4 : 200;
    const data d = make_data(batch * 4);

    mlp one_model{tn::seed{7}}, many_model{tn::seed{7}};
    // [snippet: parallel]
    tn::trainer<mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd> one{one_model, {.optimiser = {.learning_rate = 0.05}}};
    tn::trainer<mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::parallel> many{
        many_model, {.optimiser = {.learning_rate = 0.05}, .parallel = {.threads = 0}}};  // 0: every core
    // [end snippet]

    const double t1 = train(one, d, batch, steps);
    const double tn_ = train(many, d, batch, steps);
    const bool same = std::equal(one_model.parameters().begin(), one_model.parameters().end(),
                                 many_model.parameters().begin());
    std::printf("%zu steps of %zu rows: 1 thread %.1f ms/step, %zu threads %.1f ms/step (%.2fx)\n", steps, batch,
                1e3 * t1 / double(steps), many.threads(), 1e3 * tn_ / double(steps), t1 / tn_);
    std::printf("parameters after training: %s\n", same ? "bit-identical" : "DIFFERENT");

    // Inference: at batch 1 a forward is bound by reading the weights, and on a pool each core
    // streams its own outputs' rows of the wide layers from its own cache.
    // [snippet: parallel inference]
    tn::thread_pool pool(many.threads());
    const auto one_image = d.x.slice(0, 1);
    const auto logits = many_model(one_image, pool);  // the bits of many_model(one_image)
    // [end snippet]
    const auto serial_logits = many_model(one_image);
    const bool same_logits = std::equal(logits.data(), logits.data() + 10, serial_logits.data());
    const std::size_t calls = tiny ? 100 : 20000;
    double ts = 0, tp = 0;
    float sink = 0;  // keeps the calls from being optimised away
    for (int round = 0; round < 3; ++round) {  // alternated: the best of three each
        const double s = seconds_per_call([&] { sink += many_model(one_image).data()[0]; }, calls);
        const double p = seconds_per_call([&] { sink += many_model(one_image, pool).data()[0]; }, calls);
        ts = round == 0 ? s : std::min(ts, s);
        tp = round == 0 ? p : std::min(tp, p);
    }
    std::printf("inference at batch 1: 1 thread %.2f us, %zu threads %.2f us (%.2fx), logits %s%s\n", 1e6 * ts,
                pool.size(), 1e6 * tp, ts / tp, same_logits ? "bit-identical" : "DIFFERENT", sink == 0 ? " " : "");
    return same && same_logits ? 0 : 1;
}

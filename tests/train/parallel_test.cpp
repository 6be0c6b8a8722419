// SPDX-License-Identifier: BSL-1.0
// Checks the tn::parallel trainer policy: steps on 2 and 3 threads leave parameters, buffers and
// losses bit-identical to one thread, for every kind of layer and alongside the other policies.
#include <typenet/typenet.hpp>
#include <typenet/parallel.hpp>
#include <typenet/diag.hpp>

#include <boost/test/unit_test.hpp>

#include "train_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ratio>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace tn = typenet;

// Wide and deep enough that every GEMM is split (64 rows; 300, 48 and 40 outputs), with each
// layer kind in it: a fused dense + activation, batch norm, layer norm, dropout, a residual
// block. The 300-wide forwards have enough column panels for threads to take panels, the
// residual's last one with the shortcut added in its epilogue's pass.
using mixed = tn::network<tn::input<24>, tn::dense<300, tn::init::he_normal>, tn::relu, tn::batch_norm<>,
                          tn::residual<tn::dense<48>, tn::tanh, tn::dense<300>>, tn::dropout<std::ratio<1, 5>>,
                          tn::dense<40>, tn::layer_norm<>, tn::gelu, tn::dense<5>>;

using typenet_test::fill;
using typenet_test::labels;
using typenet_test::bit_identical;
using typenet_test::state_of;

// Three Adam steps with global-norm clipping and a diagnostics recorder; returns state and losses.
template <class... Policies, class Options>
std::vector<float> train(Options options, std::size_t rows) {
    mixed m{tn::seed{3}};
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm, Policies...> fit{m, options};
    tn::batch<float, 24> x(rows);
    fill(x);
    const auto y = labels(rows);
    std::vector<float> out;
    for (int i = 0; i < 3; ++i) out.push_back(fit.step(x, y));
    const auto s = state_of(m);
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

// A pool that counts the regions that fork: model(x, pool) takes any parallel_executor.
struct counting_pool final : tn::kernels::parallel_executor {
    explicit counting_pool(std::size_t threads) : pool(threads) {}
    std::size_t size() const noexcept override { return pool.size(); }
    void run_parts(void (*task)(void*, std::size_t), void* context) override {
        ++forks;
        pool.run_parts(task, context);
    }
    tn::thread_pool pool;
    int forks = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(steps_are_bit_identical_for_any_number_of_threads) {
    using serial_fit = tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm,
                                   tn::diagnostics<>>;
    using parallel_fit = tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm,
                                     tn::parallel, tn::diagnostics<>>;
    for (std::size_t rows : {64, 37, 3}) {
        serial_fit::options so{.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1}, .seed = 9};
        const auto serial = train<tn::diagnostics<>>(so, rows);
        for (std::size_t threads : {2, 3}) {
            BOOST_TEST_CONTEXT("rows " << rows << ", threads " << threads) {
                parallel_fit::options po{.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1}, .seed = 9};
                po.parallel.threads = threads;
                BOOST_TEST(bit_identical(train<tn::parallel, tn::diagnostics<>>(po, rows), serial));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(inference_on_a_pool_gives_the_bits_of_one_thread) {
    // model(x, pool): at a few rows the wide layers (500 x 256 in, the 256 -> 400 projection)
    // split by outputs, the small ones stay serial; at 64 rows the GEMMs split as in training.
    // Batch norm in evaluation mode after a step has moved its running statistics. The pool
    // counts its forks, so a split that never happens fails too.
    using wide = tn::network<tn::input<500>, tn::dense<256>, tn::relu, tn::batch_norm<>,
                             tn::residual_projection<tn::dense<32>, tn::tanh, tn::dense<400>>, tn::gelu, tn::dense<7>>;
    wide m{tn::seed{5}};
    {
        tn::trainer<wide, tn::loss::softmax_cross_entropy, tn::optim::sgd> fit{m, {.optimiser = {.learning_rate = 1e-2}}};
        tn::batch<float, 500> x(16);
        fill(x);
        fit.step(x, labels(16));
    }
    for (std::size_t rows : {1, 3, 64}) {
        tn::batch<float, 500> x(rows);
        fill(x);
        const auto serial = m(x);
        for (std::size_t threads : {2, 3}) {
            counting_pool pool(threads);
            const auto threaded = m(x, pool);
            BOOST_TEST_CONTEXT("rows " << rows << ", threads " << threads) {
                BOOST_TEST(pool.forks >= 2);  // the first layer and the projection, at least
                BOOST_TEST(std::equal(serial.data(), serial.data() + rows * 7, threaded.data()));
                BOOST_TEST(std::none_of(serial.data(), serial.data() + rows * 7, [](float v) { return std::isnan(v); }));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(threads_come_from_the_options) {
    mixed m{tn::seed{1}};
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::parallel> two{m, {.parallel = {.threads = 2}}};
    BOOST_TEST(two.threads() == 2u);
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::parallel> all{m};
    BOOST_TEST(all.threads() == std::max(1u, std::thread::hardware_concurrency()));
    tn::trainer<mixed, tn::loss::softmax_cross_entropy> one{m};
    BOOST_TEST(one.threads() == 1u);
    // The pool moves with the trainer; the moved-from one reports 1 instead of reading null.
    auto moved = std::move(two);
    BOOST_TEST(moved.threads() == 2u);
    BOOST_TEST(two.threads() == 1u);  // NOLINT(bugprone-use-after-move): what is tested
}

BOOST_AUTO_TEST_CASE(a_failing_step_leaves_the_pool_usable) {
    // The loss refuses a label inside the threaded pass; the next step runs normally.
    mixed m{tn::seed{2}};
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::parallel> fit{m, {.parallel = {.threads = 2}}};
    tn::batch<float, 24> x(64);
    fill(x);
    auto y = labels(64);
    y[10] = 7;
    BOOST_CHECK_THROW(fit.step(x, y), std::exception);
    y[10] = 1;
    BOOST_TEST(std::isfinite(fit.step(x, y)));
}

BOOST_AUTO_TEST_SUITE_END()

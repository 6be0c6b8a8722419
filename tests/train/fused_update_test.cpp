// SPDX-License-Identifier: BSL-1.0
// Checks the fused update (trainer::fused_update): the optimiser run on each layer inside
// backward gives bit-for-bit the parameters, buffers, gradients and losses of backward followed
// by one pass of the optimiser over all parameters, for every optimiser, every
// clipping policy that allows it and every kind of layer; on any number of threads; and the
// sink that drives it updates each value exactly once, after its gradient is final.
#include <typenet/typenet.hpp>
#include <typenet/parallel.hpp>

#include <boost/test/unit_test.hpp>

#include "train_test_support.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <utility>
#include <vector>

namespace {

namespace tn = typenet;
using typenet_test::bit_identical;

// Every kind of layer, with parameter ranges that do not start at multiples of 64.
using mixed = tn::network<tn::input<24>, tn::dense<48, tn::init::he_normal>, tn::relu, tn::batch_norm<>,
                          tn::residual_projection<tn::dense<40>, tn::tanh, tn::dense<36>>,
                          tn::repeat<2, tn::dense<36>, tn::sigmoid>, tn::dropout<std::ratio<1, 5>>, tn::dense<40>,
                          tn::layer_norm<>, tn::gelu, tn::dense<5>>;
// Large enough for the update of a layer to be split over threads (update_grain).
using wide = tn::network<tn::input<96>, tn::dense<200>, tn::relu, tn::dense<130>, tn::tanh, tn::dense<5>>;

template <class B>
void fill(B& x) {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float((i * 7919) % 1013) / 1013.0f - 0.5f;
}
std::vector<std::int32_t> labels(std::size_t rows) {
    std::vector<std::int32_t> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = static_cast<std::int32_t>((r * 7) % 5);
    return y;
}

// Losses, parameters, buffers and the last gradients after three steps of fit (the optimiser's
// state shows in the parameters it moves on the second and third steps).
template <class Net, class Trainer>
std::vector<float> three_steps(Net& m, Trainer& fit, std::size_t rows) {
    tn::batch<float, Net::input_shape::size> x(rows);
    fill(x);
    const auto y = labels(rows);
    std::vector<float> out;
    for (int i = 0; i < 3; ++i) out.push_back(fit.step(x, y));
    const auto s = typenet_test::state_of(m);
    out.insert(out.end(), s.begin(), s.end());
    out.insert(out.end(), fit.gradients().parameters().begin(), fit.gradients().parameters().end());
    return out;
}

template <class Net, class Optimiser, class Clip, class... Policies>
void check_fused_matches_unfused(const typename Optimiser::options& o, const typename Clip::options& c,
                                 std::size_t rows) {
    using fused_fit = tn::trainer<Net, tn::loss::softmax_cross_entropy, Optimiser, Clip, Policies...>;
    // A guard needs every gradient before the update, so this trainer updates in one pass
    // after backward; it changes no number.
    using unfused_fit = tn::trainer<Net, tn::loss::softmax_cross_entropy, Optimiser, Clip, tn::nan_guard::throw_error>;
    static_assert(fused_fit::fused_update && !unfused_fit::fused_update);
    Net a{tn::seed{4}}, b{tn::seed{4}};
    fused_fit fused_trainer{a, {.optimiser = o, .clip = c, .seed = 5}};
    unfused_fit unfused_trainer{b, {.optimiser = o, .clip = c, .seed = 5, .nan_guard = {.check_update = false}}};
    const auto fused = three_steps(a, fused_trainer, rows);
    const auto unfused = three_steps(b, unfused_trainer, rows);
    BOOST_TEST(fused.size() == unfused.size());
    BOOST_TEST(bit_identical(fused, unfused));
}

template <class Net, class... Policies>
void check_every_optimiser(std::size_t rows) {
    BOOST_TEST_CONTEXT("plain sgd") {
        check_fused_matches_unfused<Net, tn::optim::sgd, tn::clip::none, Policies...>({.learning_rate = 0.05}, {}, rows);
    }
    BOOST_TEST_CONTEXT("sgd, nesterov momentum, weight decay, clipped by value") {
        check_fused_matches_unfused<Net, tn::optim::sgd, tn::clip::value, Policies...>(
            {.learning_rate = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true}, {.clip_value = 0.01}, rows);
    }
    BOOST_TEST_CONTEXT("adam") {
        check_fused_matches_unfused<Net, tn::optim::adam, tn::clip::none, Policies...>({.learning_rate = 1e-2}, {}, rows);
    }
    BOOST_TEST_CONTEXT("adamw, clipped by value") {
        check_fused_matches_unfused<Net, tn::optim::adamw, tn::clip::value, Policies...>({.learning_rate = 1e-2},
                                                                                         {.clip_value = 0.02}, rows);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fused_update)

BOOST_AUTO_TEST_CASE(chosen_only_when_nothing_needs_every_gradient_first) {
    using net = wide;
    using ce = tn::loss::softmax_cross_entropy;
    static_assert(tn::trainer<net, ce, tn::optim::sgd, tn::clip::none>::fused_update);
    static_assert(tn::trainer<net, ce, tn::optim::adam, tn::clip::value>::fused_update);
    static_assert(tn::trainer<net, ce, tn::optim::sgd, tn::clip::none, tn::parallel>::fused_update);
    static_assert(!tn::trainer<net, ce, tn::optim::sgd, tn::clip::global_norm>::fused_update);
    static_assert(!tn::trainer<net, ce, tn::optim::sgd, tn::clip::none, tn::nan_guard::throw_error>::fused_update);
    BOOST_TEST(true);  // the checks above are compile-time
}

BOOST_AUTO_TEST_CASE(gives_the_numbers_of_backward_then_update, *boost::unit_test::tolerance(0.0f)) {
    for (std::size_t rows : {64, 3}) {
        BOOST_TEST_CONTEXT("every layer kind, rows " << rows) { check_every_optimiser<mixed>(rows); }
        BOOST_TEST_CONTEXT("wide, rows " << rows) { check_every_optimiser<wide>(rows); }
    }
}

BOOST_AUTO_TEST_CASE(gives_the_same_numbers_on_threads) {
    // 2 and 3 threads split the update of each large layer; the results are those of one thread.
    for (std::size_t threads : {2, 3}) {
        BOOST_TEST_CONTEXT("threads " << threads) {
            check_fused_matches_unfused<wide, tn::optim::adam, tn::clip::none, tn::parallel>({.learning_rate = 1e-2}, {},
                                                                                           64);
            wide a{tn::seed{4}}, b{tn::seed{4}};
            tn::trainer<wide, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::value> one{
                a, {.optimiser = {.learning_rate = 0.05, .momentum = 0.9}, .clip = {.clip_value = 0.05}}};
            tn::trainer<wide, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::value, tn::parallel> many{
                b, {.optimiser = {.learning_rate = 0.05, .momentum = 0.9}, .clip = {.clip_value = 0.05}}};
            many.settings().parallel.threads = threads;
            BOOST_TEST(bit_identical(three_steps(a, one, 64), three_steps(b, many, 64)));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_sink_updates_each_value_once_after_its_gradient) {
    // Layers [0, 300), [300, 301), [301, 700), [700, 1000) of 1000 parameters, reported top
    // down as backward does; then with the bottom layer reported first, out of order.
    using report = std::pair<std::size_t, std::size_t>;  // offset, count
    const std::vector<report> top_down = {{700, 300}, {301, 399}, {300, 1}, {0, 300}};
    const std::vector<report> bottom_first = {{0, 300}, {700, 300}, {301, 399}, {300, 1}};
    for (const bool in_order : {true, false}) {
        const auto& order = in_order ? top_down : bottom_first;
        std::vector<bool> final_gradient(1000, false);
        std::vector<int> updates(1000, 0);
        bool aligned = true, after_gradient = true;
        auto update = [&](std::size_t b, std::size_t e) {
            aligned = aligned && b % 64 == 0;
            for (std::size_t i = b; i < e; ++i) {
                after_gradient = after_gradient && final_gradient[i];
                ++updates[i];
            }
        };
        tn::detail::update_sink<decltype(update)> sink{update, 1000, 1000};
        for (const auto& [offset, count] : order) {
            std::fill_n(final_gradient.begin() + static_cast<std::ptrdiff_t>(offset), count, true);
            sink.gradients(offset, count);
        }
        const auto before_finish = std::count(updates.begin(), updates.end(), 1);
        sink.finish();
        BOOST_TEST(aligned);
        BOOST_TEST(after_gradient);
        BOOST_TEST(std::count(updates.begin(), updates.end(), 1) == 1000);
        // In order, all but the bottom values are updated inside backward (the point of it).
        if (in_order) BOOST_TEST(before_finish == 1000);
    }
}

BOOST_AUTO_TEST_SUITE_END()

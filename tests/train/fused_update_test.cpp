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

using typenet_test::fill;
using typenet_test::labels;

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

template <class Net, class Optimiser, class Clip>
void check_fused_matches_unfused(const typename Optimiser::options& o, const typename Clip::options& c,
                                 std::size_t rows) {
    using fused_fit = tn::trainer<Net, tn::loss::softmax_cross_entropy, Optimiser, Clip>;
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

template <class Net>
void check_every_optimiser(std::size_t rows) {
    BOOST_TEST_CONTEXT("plain sgd") {
        check_fused_matches_unfused<Net, tn::optim::sgd, tn::clip::none>({.learning_rate = 0.05}, {}, rows);
    }
    BOOST_TEST_CONTEXT("sgd, nesterov momentum, weight decay, clipped by value") {
        check_fused_matches_unfused<Net, tn::optim::sgd, tn::clip::value>(
            {.learning_rate = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true}, {.clip_value = 0.01}, rows);
    }
    BOOST_TEST_CONTEXT("adam") {
        check_fused_matches_unfused<Net, tn::optim::adam, tn::clip::none>({.learning_rate = 1e-2}, {}, rows);
    }
    BOOST_TEST_CONTEXT("adamw, clipped by value") {
        check_fused_matches_unfused<Net, tn::optim::adamw, tn::clip::value>({.learning_rate = 1e-2},
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
    // 2 and 3 threads split the update of wide's two large layers (26130 and 19400 values: at
    // least 2 x 4096 per thread); the results are those of one thread, fused or not.
    using ce = tn::loss::softmax_cross_entropy;
    for (std::size_t threads : {2, 3}) {
        BOOST_TEST_CONTEXT("threads " << threads) {
            wide a{tn::seed{4}}, b{tn::seed{4}}, c{tn::seed{4}};
            tn::trainer<wide, ce, tn::optim::sgd, tn::clip::value> one{
                a, {.optimiser = {.learning_rate = 0.05, .momentum = 0.9}, .clip = {.clip_value = 0.05}}};
            tn::trainer<wide, ce, tn::optim::sgd, tn::clip::value, tn::parallel> many{
                b, {.optimiser = {.learning_rate = 0.05, .momentum = 0.9}, .clip = {.clip_value = 0.05},
                    .parallel = {.threads = threads}}};
            tn::trainer<wide, ce, tn::optim::adam, tn::clip::none, tn::nan_guard::throw_error, tn::parallel> unfused{
                c, {.optimiser = {.learning_rate = 1e-2}, .nan_guard = {.check_update = false},
                    .parallel = {.threads = threads}}};
            BOOST_TEST(many.threads() == threads);
            BOOST_TEST(unfused.threads() == threads);
            const auto serial = three_steps(a, one, 64);
            BOOST_TEST(bit_identical(three_steps(b, many, 64), serial));
            // The update after backward is split the same way.
            wide d{tn::seed{4}};
            tn::trainer<wide, ce, tn::optim::adam, tn::clip::none> fused_serial{d, {.optimiser = {.learning_rate = 1e-2}}};
            BOOST_TEST(bit_identical(three_steps(c, unfused, 64), three_steps(d, fused_serial, 64)));
        }
    }
}

// Collects the reports backward makes, as the update sink sees them.
struct report_recorder {
    static constexpr bool wants_input_gradients = false;
    std::vector<std::pair<std::size_t, std::size_t>> reports;
    void gradients(std::size_t offset, std::size_t count) { reports.emplace_back(offset, count); }
};

// Runs one forward and backward of Net's sequence directly, recording the reports.
template <class Net>
std::vector<std::pair<std::size_t, std::size_t>> reports_of_backward() {
    using seq = typename Net::sequence;
    constexpr std::size_t rows = 8;
    Net m{tn::seed{1}};
    std::vector<float> x(rows * Net::input_shape::size, 0.25f), acts(rows * seq::activation_size),
        work(rows * seq::scratch_size), dy(rows * Net::output_shape::size, 0.01f), grads(Net::parameter_count);
    tn::detail::forward_pass<float> pass;
    pass.training = true;
    pass.buffers = pass.update = m.buffers().data();
    seq::forward(m.parameters().data(), x.data(), acts.data(), rows, pass);
    report_recorder sink;
    seq::backward(m.parameters().data(), x.data(), acts.data(), dy.data(), static_cast<float*>(nullptr), grads.data(),
                  work.data(), rows, tn::detail::observer<report_recorder>{&sink});
    return sink.reports;
}

template <class Net>
void check_reports_top_down() {
    // The fusion updates a layer inside backward only when each report ends where the previous
    // one began (else it waits for finish(), with the same numbers): check every layer kind
    // and nesting reports that way, covering all parameters.
    const auto reports = reports_of_backward<Net>();
    std::size_t ready = Net::parameter_count;
    bool top_down = true;
    for (const auto& [offset, count] : reports) {
        top_down = top_down && offset + count == ready;
        ready = offset;
    }
    BOOST_TEST(top_down);
    BOOST_TEST(ready == 0u);
}

using nested = tn::network<
    tn::input<12>, tn::dense<16>, tn::repeat<2, tn::residual<tn::dense<16>, tn::relu, tn::batch_norm<>, tn::dense<16>>>,
    tn::residual<tn::repeat<2, tn::dense<16>, tn::tanh>, tn::layer_norm<>>,
    tn::residual_projection<tn::residual_projection<tn::dense<20>, tn::gelu>, tn::dense<24>>, tn::dense<5>>;

BOOST_AUTO_TEST_CASE(backward_reports_every_layer_top_down) {
    BOOST_TEST_CONTEXT("every layer kind") { check_reports_top_down<mixed>(); }
    BOOST_TEST_CONTEXT("nested blocks") { check_reports_top_down<nested>(); }
    BOOST_TEST_CONTEXT("nested blocks, fused against unfused") {
        check_fused_matches_unfused<nested, tn::optim::adam, tn::clip::none>({.learning_rate = 1e-2}, {}, 16);
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
            aligned = aligned && b % tn::detail::update_alignment == 0;
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
        // In order, every value is updated inside backward (the bottom layer starts at 0).
        if (in_order) BOOST_TEST(before_finish == 1000);
    }
}

BOOST_AUTO_TEST_SUITE_END()

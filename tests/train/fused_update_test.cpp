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
#include <stdexcept>
#include <string>
#include <tuple>
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
// Blocks in blocks.
using nested = tn::network<
    tn::input<12>, tn::dense<16>, tn::repeat<2, tn::residual<tn::dense<16>, tn::relu, tn::batch_norm<>, tn::dense<16>>>,
    tn::residual<tn::repeat<2, tn::dense<16>, tn::tanh>, tn::layer_norm<>>,
    tn::residual_projection<tn::residual_projection<tn::dense<20>, tn::gelu>, tn::dense<24>>, tn::dense<5>>;
// Large enough for the update of a layer to be split over threads (update_grain).
using wide = tn::network<tn::input<96>, tn::dense<200>, tn::relu, tn::dense<130>, tn::tanh, tn::dense<5>>;

using typenet_test::fill;
using typenet_test::labels;

// Losses, parameters, buffers and (with_gradients) the last gradients after three steps of fit
// (the optimiser's state shows in the parameters it moves on the second and third steps).
template <class Net, class Trainer>
std::vector<float> three_steps(Net& m, Trainer& fit, std::size_t rows, bool with_gradients = true) {
    tn::batch<float, Net::input_shape::size> x(rows);
    fill(x);
    const auto y = labels(rows);
    std::vector<float> out;
    for (int i = 0; i < 3; ++i) out.push_back(fit.step(x, y));
    const auto s = typenet_test::state_of(m);
    out.insert(out.end(), s.begin(), s.end());
    if (with_gradients)
        out.insert(out.end(), fit.gradients().parameters().begin(), fit.gradients().parameters().end());
    return out;
}

// keep_gradients: the fused trainer's option. Off, plain SGD without clipping takes the dense
// layers' steps in their weight-gradient kernels (kernel steps) and keeps no gradients to compare.
template <class Net, class Optimiser, class Clip>
void check_fused_matches_unfused(const typename Optimiser::options& o, const typename Clip::options& c,
                                 std::size_t rows, bool keep_gradients = true) {
    using fused_fit = tn::trainer<Net, tn::loss::softmax_cross_entropy, Optimiser, Clip>;
    // A guard needs every gradient before the update, so this trainer updates in one pass
    // after backward; it changes no number.
    using unfused_fit = tn::trainer<Net, tn::loss::softmax_cross_entropy, Optimiser, Clip, tn::nan_guard::throw_error>;
    static_assert(fused_fit::fused_update && !unfused_fit::fused_update);
    Net a{tn::seed{4}}, b{tn::seed{4}};
    fused_fit fused_trainer{a, {.optimiser = o, .clip = c, .seed = 5, .keep_gradients = keep_gradients}};
    unfused_fit unfused_trainer{b, {.optimiser = o, .clip = c, .seed = 5, .nan_guard = {.check_update = false}}};
    const auto fused = three_steps(a, fused_trainer, rows, keep_gradients);
    const auto unfused = three_steps(b, unfused_trainer, rows, keep_gradients);
    BOOST_TEST(fused.size() == unfused.size());
    BOOST_TEST(bit_identical(fused, unfused));
}

template <class Net>
void check_every_optimiser(std::size_t rows) {
    BOOST_TEST_CONTEXT("plain sgd, steps in the kernels") {
        check_fused_matches_unfused<Net, tn::optim::sgd, tn::clip::none>({.learning_rate = 0.05}, {}, rows, false);
    }
    BOOST_TEST_CONTEXT("plain sgd, gradients kept") {
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

BOOST_AUTO_TEST_CASE(kernel_steps_give_the_numbers_of_backward_then_update, *boost::unit_test::tolerance(0.0f)) {
    // 800 rows: the weight-gradient GEMMs sum over the batch in several cache blocks (of 96 to
    // 768 rows, with AVX-512 to SSE2), and the step is taken in the last one only.
    for (std::size_t rows : {3, 64, 800}) {
        BOOST_TEST_CONTEXT("every layer kind, rows " << rows) {
            check_fused_matches_unfused<mixed, tn::optim::sgd, tn::clip::none>({.learning_rate = 0.05}, {}, rows, false);
        }
        BOOST_TEST_CONTEXT("nested blocks, rows " << rows) {
            check_fused_matches_unfused<nested, tn::optim::sgd, tn::clip::none>({.learning_rate = 0.05}, {}, rows, false);
        }
    }
}

BOOST_AUTO_TEST_CASE(kernel_steps_only_for_plain_sgd_and_then_no_gradients_are_kept) {
    using ce = tn::loss::softmax_cross_entropy;
    tn::batch<float, 96> x(16);
    fill(x);
    const auto y = labels(16);
    const auto kept = [&](auto& fit) {
        fit.step(x, y);
        try {
            (void)fit.gradients();
            (void)fit.last_gradient_norm();
            return true;
        } catch (const std::logic_error& e) {
            BOOST_TEST(std::string(e.what()).find("keep_gradients") != std::string::npos);
            return false;
        }
    };
    wide m{tn::seed{1}};
    tn::trainer<wide, ce> plain{m, {.optimiser = {.learning_rate = 0.01}}};
    BOOST_TEST(!kept(plain));
    BOOST_CHECK_THROW((void)plain.last_gradient_norm(), std::logic_error);
    // backward() writes every gradient again.
    plain.backward(x, y);
    BOOST_TEST(plain.last_gradient_norm() > 0.0f);
    BOOST_TEST(!kept(plain));
    plain.settings().keep_gradients = true;  // read at every step
    BOOST_TEST(kept(plain));
    plain.settings().keep_gradients = false;
    plain.settings().optimiser.momentum = 0.9;  // no longer the plain step
    BOOST_TEST(kept(plain));
    plain.settings().optimiser.momentum = 0;
    plain.settings().optimiser.weight_decay = 1e-4;
    BOOST_TEST(kept(plain));
    tn::trainer<wide, ce, tn::optim::sgd, tn::clip::value> clipped{m, {.clip = {.clip_value = 1}}};
    BOOST_TEST(kept(clipped));
    tn::trainer<wide, ce, tn::optim::adam> adam{m};
    BOOST_TEST(kept(adam));
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
            // Plain SGD: each thread steps the weights of its own outputs in its GEMM.
            wide e{tn::seed{4}}, f{tn::seed{4}};
            tn::trainer<wide, ce> plain_one{e, {.optimiser = {.learning_rate = 0.05}}};
            tn::trainer<wide, ce, tn::optim::sgd, tn::clip::none, tn::parallel> plain_many{
                f, {.optimiser = {.learning_rate = 0.05}, .parallel = {.threads = threads}}};
            BOOST_TEST(bit_identical(three_steps(f, plain_many, 64, false), three_steps(e, plain_one, 64, false)));
            BOOST_CHECK_THROW((void)plain_many.gradients(), std::logic_error);
            // The update after backward is split the same way.
            wide d{tn::seed{4}};
            tn::trainer<wide, ce, tn::optim::adam, tn::clip::none> fused_serial{d, {.optimiser = {.learning_rate = 1e-2}}};
            BOOST_TEST(bit_identical(three_steps(c, unfused, 64), three_steps(d, fused_serial, 64)));
        }
    }
}

// Collects the reports backward makes, as the update sink sees them, and the layers that ask
// to take the plain step in their kernels (granted none: backward then writes every gradient).
struct report_recorder {
    static constexpr bool wants_input_gradients = false;
    std::vector<std::pair<std::size_t, std::size_t>> reports;
    std::size_t asks = 0, asks_then_reported = 0;  // asks followed by their layer's report
    std::pair<std::size_t, std::size_t> last_ask{0, 0};
    void gradients(std::size_t offset, std::size_t count) {
        reports.emplace_back(offset, count);
        if (std::exchange(last_ask, {0, 0}) == std::pair{offset, count} && count > 0) ++asks_then_reported;
    }
    tn::kernels::descent<float> kernel_step(std::size_t offset, std::size_t count, std::size_t layer_count) {
        ++asks;
        BOOST_TEST(count < layer_count);  // a dense layer's weights, not its bias
        last_ask = {offset, layer_count};
        return {};
    }
};

// Runs one forward and backward of Net's sequence directly, recording the reports.
template <class Net>
report_recorder reports_of_backward() {
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
    return sink;
}

template <class Net>
void check_reports_top_down() {
    // The fusion updates a layer inside backward only when each report ends where the previous
    // one began (else it waits for finish(), with the same numbers): check every layer kind
    // and nesting reports that way, covering all parameters.
    const auto reports = reports_of_backward<Net>().reports;
    std::size_t ready = Net::parameter_count;
    bool top_down = true;
    for (const auto& [offset, count] : reports) {
        top_down = top_down && offset + count == ready;
        ready = offset;
    }
    BOOST_TEST(top_down);
    BOOST_TEST(ready == 0u);
}

BOOST_AUTO_TEST_CASE(backward_reports_every_layer_top_down) {
    BOOST_TEST_CONTEXT("every layer kind") { check_reports_top_down<mixed>(); }
    BOOST_TEST_CONTEXT("nested blocks") { check_reports_top_down<nested>(); }
    BOOST_TEST_CONTEXT("nested blocks, fused against unfused") {
        check_fused_matches_unfused<nested, tn::optim::adam, tn::clip::none>({.learning_rate = 1e-2}, {}, 16);
    }
}

BOOST_AUTO_TEST_CASE(every_dense_layer_asks_for_the_kernel_step_right_before_its_report) {
    // mixed: dense<48>, the two dense layers inside residual_projection and its projection
    // shortcut, the repeat's two copies, dense<40> and dense<5>.
    const auto m = reports_of_backward<mixed>();
    BOOST_TEST(m.asks == 8u);
    BOOST_TEST(m.asks_then_reported == 8u);
    // nested: dense<16>, four in the repeated residual, two in the repeat inside a residual,
    // dense<20> and dense<24> inside the projections and the two projection shortcuts, dense<5>.
    const auto n = reports_of_backward<nested>();
    BOOST_TEST(n.asks == 12u);
    BOOST_TEST(n.asks_then_reported == 12u);
}

BOOST_AUTO_TEST_CASE(with_kernel_steps_the_sink_updates_the_rest_once) {
    // (offset, count, how many of the layer's first values its kernel can step), top down as
    // backward reports them; then with the bottom layer first, out of order: that layer's ask
    // must be refused (its values wait for finish(), which would step them twice).
    using report = std::tuple<std::size_t, std::size_t, std::size_t>;
    const std::vector<report> top_down = {{700, 300, 250}, {301, 399, 390}, {300, 1, 0}, {0, 300, 290}};
    const std::vector<report> bottom_first = {{0, 300, 290}, {700, 300, 250}, {301, 399, 390}, {300, 1, 0}};
    for (const bool in_order : {true, false}) {
        const auto& order = in_order ? top_down : bottom_first;
        std::vector<bool> final_gradient(1000, false);
        std::vector<int> updates(1000, 0);
        bool after_gradient = true;
        auto update = [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                after_gradient = after_gradient && final_gradient[i];
                ++updates[i];
            }
        };
        std::vector<float> parameters(1000);
        tn::detail::update_sink<float, decltype(update)> sink{update, 1000, 1000, parameters.data(), 0.5f};
        std::size_t granted = 0;
        for (const auto& [offset, count, steppable] : order) {
            std::fill_n(final_gradient.begin() + static_cast<std::ptrdiff_t>(offset), count, true);
            if (steppable > 0) {
                const auto step = sink.kernel_step(offset, steppable, count);
                if (step.p) {
                    ++granted;
                    BOOST_TEST(step.p == parameters.data() + offset);
                    BOOST_TEST(step.rate == 0.5f);
                    for (std::size_t i = offset; i < offset + steppable; ++i) ++updates[i];
                }
            }
            sink.gradients(offset, count);
        }
        sink.finish();
        BOOST_TEST(after_gradient);
        BOOST_TEST(std::count(updates.begin(), updates.end(), 1) == 1000);
        BOOST_TEST(granted == (in_order ? 3u : 2u));
        BOOST_TEST(sink.kernel_stepped);
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
        tn::detail::update_sink<float, decltype(update)> sink{update, 1000, 1000};
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

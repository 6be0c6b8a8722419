// SPDX-License-Identifier: BSL-1.0
// Checks the trainer policy tn::diagnostics (typenet/diag/diagnostics.hpp): recorded norms equal
// norms recomputed from trainer.gradients() and from a separate backward pass with an input
// gradient buffer; the clipping flag; vanishing and exploding detection; retention; and that a
// trainer without the policy keeps its size and its results.
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace tn = typenet;

// Nested names: "0", "2", "4" (repeat), "6.0", "6.shortcut" (projection), "7" (batch norm), "8".
using mixed = tn::network<tn::input<6>, tn::dense<8>, tn::tanh, tn::repeat<2, tn::dense<8>, tn::relu>,
                          tn::residual_projection<tn::dense<5>, tn::tanh>, tn::batch_norm<>, tn::dense<3>>;
using deep_sigmoid = tn::network<tn::input<32>, tn::repeat<12, tn::dense<32, tn::init::xavier_normal>, tn::sigmoid>,
                                 tn::dense<4, tn::init::xavier_normal>>;
using shallow_relu = tn::network<tn::input<32>, tn::dense<32, tn::init::he_normal>, tn::relu,
                                 tn::dense<32, tn::init::he_normal>, tn::relu, tn::dense<4, tn::init::he_normal>>;
using linear = tn::basic_network<double, tn::input<3>, tn::dense<4>, tn::dense<2>>;

template <class B>
void gaussian(B& x, unsigned seed, double scale = 1.0) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> d(0.0, scale);
    for (auto& v : x) v = static_cast<typename std::remove_reference_t<decltype(v)>>(d(gen));
}
std::vector<std::int32_t> labels(std::size_t rows, int classes) {
    std::vector<std::int32_t> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = static_cast<std::int32_t>(r % static_cast<std::size_t>(classes));
    return y;
}

// Collects the input gradients a backward pass reports, keyed by parameter offset.
struct input_gradient_sink {
    static constexpr bool wants_input_gradients = true;
    std::map<std::size_t, double> norms;
    void gradients(std::size_t, std::size_t) {}
    void input_gradient(std::size_t offset, const float* dx, std::size_t count) {
        double s = 0;
        for (std::size_t i = 0; i < count; ++i) s += double(dx[i]) * double(dx[i]);
        norms[offset] = std::sqrt(s);
    }
};

std::string prefix_of(const std::string& name) { return name.substr(0, name.rfind('.')); }

}  // namespace

BOOST_AUTO_TEST_SUITE(diagnostics)

BOOST_AUTO_TEST_CASE(recorded_norms_equal_recomputed_norms) {
    mixed m{tn::seed{3}};
    tn::batch<float, 6> x(16);
    gaussian(x, 1);
    const auto y = labels(16, 3);
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm, tn::diagnostics<>> fit{
        m, {.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 100}}};
    fit.step(x, y);
    fit.step(x, y);
    const double loss = fit.backward(x, y);  // records without updating: weights are comparable
    const auto& d = fit.diagnostics();
    const tn::diag::step_record r = d.last();
    const std::vector<std::string> expected_names{"0", "2", "4", "6.0", "6.shortcut", "7", "8"};
    BOOST_TEST(std::vector<std::string>(d.names().begin(), d.names().end()) == expected_names,
               boost::test_tools::per_element());
    BOOST_TEST(r.step == 2u);
    BOOST_TEST(r.loss == loss, boost::test_tools::tolerance(1e-12));

    // dL/dW, dL/db and |W| from the named gradients and parameters.
    std::map<std::string, double> gw, gb, w;
    double total = 0;
    fit.gradients().for_each_parameter([&](const auto& p) {
        double s = 0;
        for (float v : p.values) s += double(v) * double(v);
        total += s;
        (p.name.ends_with(".bias") ? gb : gw)[prefix_of(p.name)] += s;
    });
    m.for_each_parameter([&](const auto& p) {
        if (!p.trainable || p.name.ends_with(".bias")) return;
        for (float v : p.values) w[prefix_of(p.name)] += double(v) * double(v);
    });
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        BOOST_TEST_CONTEXT("layer " << d.names()[i]) {
            BOOST_TEST(r.layers[i].weight_gradient == std::sqrt(gw[d.names()[i]]), boost::test_tools::tolerance(1e-5));
            BOOST_TEST(r.layers[i].bias_gradient == std::sqrt(gb[d.names()[i]]), boost::test_tools::tolerance(1e-5));
            BOOST_TEST(r.layers[i].weight == std::sqrt(w[d.names()[i]]), boost::test_tools::tolerance(1e-5));
        }
    }
    BOOST_TEST(r.gradient_norm == std::sqrt(total), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(double(fit.last_gradient_norm()) == std::sqrt(total), boost::test_tools::tolerance(1e-5));

    // dL/dh from a separate training pass with a dx buffer (buffers read, not updated).
    using seq = mixed::sequence;
    const std::size_t rows = x.rows();
    std::vector<float> acts(rows * seq::activation_size), work(rows * seq::scratch_size), dy(rows * 3), dx(rows * 6),
        dp(mixed::parameter_count);
    tn::detail::forward_pass<float> pass;
    pass.training = true;
    pass.buffers = m.buffers().data();
    const float* out = seq::forward(m.parameters().data(), x.data(), acts.data(), rows, pass);
    tn::loss::softmax_cross_entropy::evaluate<mixed::output_shape>(out, y, dy.data(), rows);
    input_gradient_sink sink;
    seq::backward(m.parameters().data(), x.data(), acts.data(), dy.data(), dx.data(), dp.data(), work.data(), rows,
                  tn::detail::observer<input_gradient_sink>{&sink});
    const auto table = tn::detail::layer_table<mixed>();
    for (std::size_t i = 0; i < table.size(); ++i) {
        BOOST_TEST_CONTEXT("layer " << table[i].name) {
            const bool reported = sink.norms.count(table[i].offset) > 0;
            BOOST_TEST(r.layers[i].has_input_gradient == reported);
            if (reported)
                BOOST_TEST(r.layers[i].input_gradient == sink.norms[table[i].offset], boost::test_tools::tolerance(1e-5));
        }
    }
    // Every layer but the projection's shortcut (whose dx is summed into the block's) reports one.
    BOOST_TEST(sink.norms.size() == table.size() - 1);
    BOOST_TEST(r.layers[0].has_input_gradient);  // the first layer's, computed only for diagnostics
}

BOOST_AUTO_TEST_CASE(level_parameters_records_no_input_gradients) {
    mixed m{tn::seed{3}};
    tn::batch<float, 6> x(8);
    gaussian(x, 2);
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none,
                tn::diagnostics<tn::diag::level::parameters>>
        fit{m};
    fit.step(x, labels(8, 3));
    for (const auto& l : fit.diagnostics().last().layers) {
        BOOST_TEST(!l.has_input_gradient);
        BOOST_TEST(l.weight_gradient > 0.0);
    }
}

BOOST_AUTO_TEST_CASE(clipping_flag_and_clipped_norm) {
    tn::batch<float, 6> x(16);
    gaussian(x, 4);
    const auto y = labels(16, 3);
    {
        mixed m{tn::seed{5}};
        tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm, tn::diagnostics<>> fit{
            m, {.clip = {.max_norm = 1e-3}}};
        fit.step(x, y);
        const auto r = fit.diagnostics().last();
        BOOST_TEST(r.clipped);
        BOOST_TEST(r.clipped_gradient_norm == 1e-3, boost::test_tools::tolerance(1e-4));
        BOOST_TEST(r.gradient_norm > 1e-3);
    }
    {
        mixed m{tn::seed{5}};
        tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm, tn::diagnostics<>> fit{
            m, {.clip = {.max_norm = 1e6}}};
        fit.step(x, y);
        const auto r = fit.diagnostics().last();
        BOOST_TEST(!r.clipped);
        BOOST_TEST(r.clipped_gradient_norm == r.gradient_norm);
    }
    {
        mixed m{tn::seed{5}};
        tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::value, tn::diagnostics<>> fit{
            m, {.clip = {.clip_value = 1e-3}}};
        fit.step(x, y);
        const auto r = fit.diagnostics().last();
        double s = 0;
        for (float g : fit.gradients().parameters()) {
            const double c = std::min(std::max(double(g), -1e-3), 1e-3);
            s += c * c;
        }
        BOOST_TEST(r.clipped);
        BOOST_TEST(r.clipped_gradient_norm == std::sqrt(s), boost::test_tools::tolerance(1e-4));
    }
    {
        mixed m{tn::seed{5}};
        tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit{m};
        fit.step(x, y);
        BOOST_TEST(!fit.diagnostics().last().clipped);
        BOOST_TEST(fit.diagnostics().last().clipped_gradient_norm == fit.diagnostics().last().gradient_norm);
    }
}

BOOST_AUTO_TEST_CASE(vanishing_detected_in_deep_sigmoid_not_in_shallow_relu_he) {
    tn::batch<float, 32> x(64);
    gaussian(x, 6);
    const auto y = labels(64, 4);
    auto vanishing = [](const std::vector<tn::diag::finding>& f) {
        std::size_t n = 0;
        for (const auto& i : f)
            n += i.kind == tn::diag::finding_kind::vanishing_input_gradient ||
                 i.kind == tn::diag::finding_kind::vanishing_weight_gradient;
        return n;
    };
    deep_sigmoid deep{tn::seed{7}};
    tn::trainer<deep_sigmoid, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit_deep{deep};
    fit_deep.backward(x, y);
    const auto report = fit_deep.diagnostics().report();
    BOOST_REQUIRE(vanishing(report) > 0u);
    const auto& first = report.front();
    BOOST_TEST((first.kind == tn::diag::finding_kind::vanishing_input_gradient));
    BOOST_TEST(first.layer == "0");
    BOOST_TEST(first.ratio < 1e-3);
    BOOST_TEST(first.message.find("layer \"0\"") != std::string::npos);
    BOOST_TEST_MESSAGE(first.message);

    shallow_relu shallow{tn::seed{7}};
    tn::trainer<shallow_relu, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit_shallow{shallow};
    fit_shallow.backward(x, y);
    BOOST_TEST(vanishing(fit_shallow.diagnostics().report()) == 0u);
}

BOOST_AUTO_TEST_CASE(exploding_detected_by_threshold_and_by_growth) {
    linear m{tn::seed{8}};
    tn::batch<double, 3> x(8);
    gaussian(x, 9);
    tn::batch<double, 2> t(8);
    t.fill(0.0);
    tn::trainer<linear, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit{
        m, {.optimiser = {.learning_rate = 0.0}, .diagnostics = {.exploding_norm = 1e6, .growth_steps = 3}}};
    auto kinds = [&] {
        std::vector<tn::diag::finding_kind> k;
        for (const auto& f : fit.diagnostics().report()) k.push_back(f.kind);
        return k;
    };
    // Inputs doubling each step: the gradient norm grows by about 4 per step (mse, linear net).
    for (int s = 0; s < 3; ++s) {
        fit.step(x, t);
        BOOST_TEST(kinds().empty());
        for (auto& v : x) v *= 2;
    }
    fit.step(x, t);
    const auto r = fit.diagnostics().last();
    BOOST_TEST(r.growth_streak == 3u);
    BOOST_TEST(r.growth_factor > 8.0);
    const auto report = fit.diagnostics().report();
    BOOST_REQUIRE(report.size() == 1u);
    BOOST_TEST((report[0].kind == tn::diag::finding_kind::exploding_growth));
    BOOST_TEST(report[0].step == 3u);
    BOOST_TEST(report[0].ratio == r.growth_factor);
    // Above the threshold.
    fit.diagnostics().settings().exploding_norm = r.gradient_norm / 2;
    const auto again = fit.diagnostics().report();
    BOOST_REQUIRE(again.size() == 2u);
    BOOST_TEST((again[0].kind == tn::diag::finding_kind::exploding_norm));
    BOOST_TEST(again[0].ratio == 2.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(history_keeps_every_kth_step_in_a_ring) {
    linear m{tn::seed{8}};
    tn::batch<double, 3> x(4);
    gaussian(x, 10);
    tn::batch<double, 2> t(4);
    tn::trainer<linear, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::diagnostics<>> fit{
        m, {.optimiser = {.learning_rate = 0.01}, .diagnostics = {.keep_last = 3, .every = 2}}};
    for (int s = 0; s < 10; ++s) fit.step(x, t);
    const auto h = fit.diagnostics().history();
    BOOST_REQUIRE(h.size() == 3u);
    std::vector<std::size_t> steps;
    for (const auto& r : h) steps.push_back(r.step);
    BOOST_TEST(steps == (std::vector<std::size_t>{4, 6, 8}), boost::test_tools::per_element());
    BOOST_TEST(fit.diagnostics().last().step == 9u);
    BOOST_TEST(h.back().layers.size() == 2u);
}

namespace {
// The trainer's data members before the diagnostics and guard policies existed.
template <class Net, class Optimiser, class Clip>
struct trainer_layout_before {
    Net& model;
    struct {
        typename Optimiser::options optimiser;
        typename Clip::options clip;
        std::uint64_t seed;
        bool keep_gradients;
    } options;
    tn::detail::dynamic_storage<typename Net::value_type> grads, state, acts, work, dy;
    // The buffers' backup for a failed pass (nothing for a network without buffers).
    [[no_unique_address]] tn::detail::buffers_backup_t<Net, typename Net::value_type> buffers_backup;
    std::size_t rows_capacity, steps;
    typename Net::value_type last_norm;
    bool norm_valid, gradients_kept;
};
}  // namespace

BOOST_AUTO_TEST_CASE(trainer_without_policies_keeps_its_size_and_results) {
    using plain = tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm>;
    static_assert(sizeof(plain) == sizeof(trainer_layout_before<mixed, tn::optim::adam, tn::clip::global_norm>));
    static_assert(sizeof(plain::options) ==
                  sizeof(std::declval<trainer_layout_before<mixed, tn::optim::adam, tn::clip::global_norm>&>().options));
    using plain_sgd = tn::trainer<linear, tn::loss::mse>;
    static_assert(sizeof(plain_sgd) == sizeof(trainer_layout_before<linear, tn::optim::sgd, tn::clip::none>));

    // Diagnostics observe only: the same steps give bit-identical parameters (clipping that does
    // not fire, so the norm's rounding cannot matter).
    mixed a{tn::seed{11}}, b{tn::seed{11}};
    tn::batch<float, 6> x(12);
    gaussian(x, 12);
    const auto y = labels(12, 3);
    plain fit_a{a, {.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1e6}}};
    tn::trainer<mixed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm, tn::nan_guard::skip_step,
                tn::diagnostics<>>
        fit_b{b, {.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1e6}}};
    for (int s = 0; s < 5; ++s) BOOST_TEST(fit_a.step(x, y) == fit_b.step(x, y));
    BOOST_TEST(std::memcmp(a.parameters().data(), b.parameters().data(), mixed::parameter_count * sizeof(float)) == 0);
    BOOST_TEST(std::memcmp(a.buffers().data(), b.buffers().data(), mixed::buffer_count * sizeof(float)) == 0);
    BOOST_TEST(fit_b.diagnostics().history().size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

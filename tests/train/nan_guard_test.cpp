// SPDX-License-Identifier: BSL-1.0
// Checks the NaN/Inf guard policies (typenet/train/nan_guard.hpp): throw_error names the step and
// the first layer where a non-finite value appeared and leaves the parameters bit-identical;
// skip_step leaves parameters, buffers and optimiser state untouched and counts.
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>

#include <boost/test/unit_test.hpp>

#include "train_test_support.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace tn = typenet;

using classifier = tn::network<tn::input<4>, tn::dense<8>, tn::tanh, tn::dense<8>, tn::relu, tn::dense<3>>;
using normed = tn::network<tn::input<4>, tn::dense<8>, tn::batch_norm<>, tn::relu, tn::dense<3>>;

template <class B>
void fill(B& x, float scale = 1.0f) {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = scale * (float(i % 11) * 0.2f - 1.0f);
}
std::vector<std::int32_t> labels(std::size_t rows) {
    std::vector<std::int32_t> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = static_cast<std::int32_t>(r % 3);
    return y;
}
using typenet_test::bit_identical;
using typenet_test::state_of;

}  // namespace

BOOST_AUTO_TEST_SUITE(nan_guard)

BOOST_AUTO_TEST_CASE(throw_error_names_the_input_and_the_step) {
    classifier m{tn::seed{1}};
    tn::batch<float, 4> x(9), bad(9);
    fill(x);
    fill(bad);
    bad(4, 2) = std::numeric_limits<float>::quiet_NaN();
    const auto y = labels(9);
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::none, tn::nan_guard::throw_error>
        fit{m, {.optimiser = {.learning_rate = 1e-2}}};
    fit.step(x, y);
    fit.step(x, y);
    const auto before = state_of(m);
    try {
        fit.step(bad, y);
        BOOST_FAIL("no exception");
    } catch (const tn::non_finite_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(e.step() == 2u);
        BOOST_TEST((e.source() == tn::non_finite_source::input));
        BOOST_TEST(std::string(e.what()).find("step 2") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("input batch (row 4)") != std::string::npos);
    }
    BOOST_TEST(bit_identical(state_of(m), before));
    BOOST_TEST(fit.steps() == 2u);
}

BOOST_AUTO_TEST_CASE(throw_error_names_the_first_layer_in_the_forward_pass) {
    classifier m{tn::seed{2}};
    tn::batch<float, 4> x(6);
    fill(x);
    m.parameter("2.weight")[5] = std::numeric_limits<float>::infinity();
    const auto before = state_of(m);
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm, tn::nan_guard::throw_error>
        fit{m};
    try {
        fit.step(x, labels(6));
        BOOST_FAIL("no exception");
    } catch (const std::runtime_error& e) {  // non_finite_error derives from std::runtime_error
        const auto& n = dynamic_cast<const tn::non_finite_error&>(e);
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(n.layer() == "2");
        BOOST_TEST((n.source() == tn::non_finite_source::activation));
        BOOST_TEST(n.step() == 0u);
        BOOST_TEST(std::string(e.what()).find("layer \"2\"") != std::string::npos);
    }
    BOOST_TEST(bit_identical(state_of(m), before));
}

BOOST_AUTO_TEST_CASE(throw_error_undoes_an_update_that_overflows) {
    classifier m{tn::seed{3}}, reference{tn::seed{3}};
    tn::batch<float, 4> x(9);
    fill(x, 4.0f);
    const auto y = labels(9);
    using fit_t = tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none,
                              tn::nan_guard::throw_error>;
    fit_t fit{m, {.optimiser = {.learning_rate = 0.01, .momentum = 0.9}}};
    fit_t ref{reference, {.optimiser = {.learning_rate = 0.01, .momentum = 0.9}}};
    fit.step(x, y);
    ref.step(x, y);
    const auto before = state_of(m);
    fit.settings().optimiser.learning_rate = 1e39;  // float infinity once converted
    try {
        fit.step(x, y);
        BOOST_FAIL("no exception");
    } catch (const tn::non_finite_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST((e.source() == tn::non_finite_source::parameter));
        BOOST_TEST(e.step() == 1u);
        // The first layer, in forward order, with a gradient that is not zero.
        std::string expected;
        fit.gradients().for_each_parameter([&](const auto& p) {
            for (float g : p.values)
                if (expected.empty() && g != 0.0f) expected = p.name.substr(0, p.name.rfind('.'));
        });
        BOOST_TEST(e.layer() == expected);
    }
    BOOST_TEST(bit_identical(state_of(m), before));
    // The optimiser's state (momentum) and step count are intact: the next steps match a
    // trainer that never saw the bad one.
    fit.settings().optimiser.learning_rate = 0.01;
    fit.step(x, y);
    ref.step(x, y);
    BOOST_TEST(bit_identical(state_of(m), state_of(reference)));
}

BOOST_AUTO_TEST_CASE(skip_step_leaves_everything_untouched_and_counts) {
    normed a{tn::seed{4}}, b{tn::seed{4}};
    tn::batch<float, 4> x(10), bad(10);
    fill(x);
    fill(bad);
    bad(0, 0) = std::numeric_limits<float>::quiet_NaN();
    const auto y = labels(10);
    using skipping = tn::trainer<normed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm,
                                 tn::diagnostics<>, tn::nan_guard::skip_step>;  // policies in any order
    skipping fit_a{a, {.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1e6}}};
    tn::trainer<normed, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm> fit_b{
        b, {.optimiser = {.learning_rate = 1e-2}, .clip = {.max_norm = 1e6}}};
    fit_a.step(x, y);
    fit_b.step(x, y);
    const auto before = state_of(a);  // parameters and batch norm's running statistics
    const float loss = fit_a.step(bad, y);
    BOOST_TEST(std::isnan(loss));
    BOOST_TEST(bit_identical(state_of(a), before));
    BOOST_TEST(fit_a.skipped_steps() == 1u);
    BOOST_TEST(fit_a.steps() == 1u);
    BOOST_TEST(fit_a.diagnostics().last().skipped);
    BOOST_TEST(fit_a.diagnostics().last().step == 1u);
    // A learning rate that overflows the update: undone, counted.
    fit_a.settings().optimiser.learning_rate = 1e39;
    fit_a.step(x, y);
    BOOST_TEST(bit_identical(state_of(a), before));
    BOOST_TEST(fit_a.skipped_steps() == 2u);
    fit_a.settings().optimiser.learning_rate = 1e-2;
    for (int s = 0; s < 3; ++s) {
        fit_a.step(x, y);
        fit_b.step(x, y);
    }
    BOOST_TEST(fit_a.steps() == 4u);
    BOOST_TEST(fit_a.diagnostics().last().step == 5u);
    BOOST_TEST(bit_identical(state_of(a), state_of(b)));  // Adam's moments and step count untouched
}

BOOST_AUTO_TEST_CASE(guard_passes_finite_steps_through_unchanged) {
    classifier a{tn::seed{5}}, b{tn::seed{5}};
    tn::batch<float, 4> x(7);
    fill(x);
    const auto y = labels(7);
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::nan_guard::throw_error>
        fit_a{a, {.optimiser = {.learning_rate = 0.1}, .nan_guard = {.check_update = false}}};
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd> fit_b{b, {.optimiser = {.learning_rate = 0.1}}};
    for (int s = 0; s < 4; ++s) BOOST_TEST(fit_a.step(x, y) == fit_b.step(x, y));
    BOOST_TEST(bit_identical(state_of(a), state_of(b)));
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Checks tn::trainer (typenet/train/trainer.hpp): backward leaves parameters alone, an empty
// batch returns NaN and changes nothing, label errors throw the documented exceptions, and
// training reduces the loss on a small separable problem.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

namespace tn = typenet;

using classifier = tn::network<tn::input<2>, tn::dense<8>, tn::relu, tn::dense<2>>;
using regressor = tn::basic_network<double, tn::input<3>, tn::dense<4>, tn::tanh, tn::dense<2>>;

// Two blobs, class 0 around (-1, -1) and class 1 around (1, 1), deterministic jitter.
void blobs(tn::batch<float, 2>& x, std::vector<std::int32_t>& y, std::size_t rows) {
    x.resize(rows);
    y.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::int32_t k = static_cast<std::int32_t>(r % 2);
        const float c = k ? 1.0f : -1.0f;
        y[r] = k;
        x(r, 0) = c + 0.4f * static_cast<float>(std::sin(3.1 * double(r)));
        x(r, 1) = c + 0.4f * static_cast<float>(std::cos(1.7 * double(r) + 0.5));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer)

BOOST_AUTO_TEST_CASE(backward_leaves_parameters_unchanged) {
    regressor m{tn::seed{1}};
    const std::vector<double> before(m.parameters().begin(), m.parameters().end());
    tn::batch<double, 3> x(5);
    tn::batch<double, 2> t(5);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.1 * double(i);
    t.fill(0.5);
    tn::trainer<regressor, tn::loss::mse, tn::optim::adam> fit{m, {.optimiser = {.learning_rate = 0.1}}};
    const double loss = fit.backward(x, t);
    BOOST_TEST(std::isfinite(loss));
    BOOST_TEST(std::equal(before.begin(), before.end(), m.parameters().begin()));
    BOOST_TEST(fit.steps() == 0u);
    BOOST_TEST(fit.last_gradient_norm() > 0.0);
}

BOOST_AUTO_TEST_CASE(zero_row_batch_returns_nan_and_changes_nothing) {
    classifier m{tn::seed{2}};
    const std::vector<float> before(m.parameters().begin(), m.parameters().end());
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm> fit{
        m, {.optimiser = {.learning_rate = 0.1, .momentum = 0.9}}};
    tn::batch<float, 2> x(0);
    const std::vector<std::int32_t> y;
    BOOST_TEST(std::isnan(fit.step(x, y)));
    BOOST_TEST(std::isnan(fit.backward(x, y)));
    BOOST_TEST(fit.steps() == 0u);
    BOOST_TEST(std::equal(before.begin(), before.end(), m.parameters().begin()));
    // After a real step, an empty one still changes nothing.
    tn::batch<float, 2> x2;
    std::vector<std::int32_t> y2;
    blobs(x2, y2, 4);
    fit.step(x2, y2);
    const std::vector<float> after(m.parameters().begin(), m.parameters().end());
    BOOST_TEST(std::isnan(fit.step(x, y)));
    BOOST_TEST(fit.steps() == 1u);
    BOOST_TEST(std::equal(after.begin(), after.end(), m.parameters().begin()));

    regressor r{tn::seed{3}};
    tn::trainer<regressor, tn::loss::mse> fit_r{r};
    BOOST_TEST(std::isnan(fit_r.step(tn::batch<double, 3>(0), tn::batch<double, 2>(0))));
    tn::trainer<regressor, tn::loss::binary_cross_entropy_with_logits> fit_b{r};
    BOOST_TEST(std::isnan(fit_b.step(tn::batch<double, 3>(0), tn::batch<double, 2>(0))));
}

BOOST_AUTO_TEST_CASE(label_count_mismatch_throws_shape_error) {
    classifier m{tn::seed{3}};
    const std::vector<float> before(m.parameters().begin(), m.parameters().end());
    tn::trainer<classifier, tn::loss::softmax_cross_entropy> fit{m};
    tn::batch<float, 2> x(4);
    BOOST_CHECK_THROW(fit.step(x, std::vector<std::int32_t>{0, 1, 0}), tn::shape_error);
    BOOST_CHECK_THROW(fit.backward(x, std::vector<std::int32_t>{0, 1, 0, 1, 0}), tn::shape_error);
    BOOST_CHECK_THROW(fit.step(tn::batch<float, 2>(0), std::vector<std::int32_t>{1}), tn::shape_error);
    BOOST_TEST(std::equal(before.begin(), before.end(), m.parameters().begin()));

    regressor r;
    tn::trainer<regressor, tn::loss::mse> fit_r{r};
    BOOST_CHECK_THROW(fit_r.step(tn::batch<double, 3>(3), tn::batch<double, 2>(2)), tn::shape_error);
    tn::trainer<regressor, tn::loss::binary_cross_entropy_with_logits> fit_b{r};
    BOOST_CHECK_THROW(fit_b.backward(tn::batch<double, 3>(1), tn::batch<double, 2>(2)), tn::shape_error);
}

BOOST_AUTO_TEST_CASE(out_of_range_class_label_throws_index_error) {
    classifier m{tn::seed{4}};
    const std::vector<float> before(m.parameters().begin(), m.parameters().end());
    tn::trainer<classifier, tn::loss::softmax_cross_entropy> fit{m};
    tn::batch<float, 2> x(3);
    BOOST_CHECK_THROW(fit.step(x, std::vector<std::int32_t>{0, 2, 1}), tn::index_error);
    BOOST_CHECK_THROW(fit.step(x, std::vector<std::int32_t>{0, 1, -1}), tn::index_error);
    BOOST_TEST(std::equal(before.begin(), before.end(), m.parameters().begin()));
    BOOST_TEST(fit.steps() == 0u);
}

BOOST_AUTO_TEST_CASE(training_reduces_the_loss_on_separable_blobs) {
    classifier m{tn::seed{5}};
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::sgd> fit{
        m, {.optimiser = {.learning_rate = 0.1, .momentum = 0.9}}};
    tn::batch<float, 2> x;
    std::vector<std::int32_t> y;
    blobs(x, y, 64);
    const float first = fit.backward(x, y);
    float last = first;
    for (int i = 0; i < 100; ++i) last = fit.step(x, y);
    BOOST_TEST(fit.steps() == 100u);
    BOOST_TEST(last < 0.2f * first, "loss " << first << " -> " << last);
    const auto out = m(x);
    std::size_t right = 0;
    for (std::size_t r = 0; r < x.rows(); ++r) right += (out(r, 1) > out(r, 0)) == (y[r] == 1);
    BOOST_TEST(right == x.rows());
}

BOOST_AUTO_TEST_CASE(settings_can_change_between_steps) {
    regressor m{tn::seed{6}};
    tn::trainer<regressor, tn::loss::mse> fit{m, {.optimiser = {.learning_rate = 0.5}}};
    BOOST_TEST(fit.settings().optimiser.learning_rate == 0.5);
    fit.settings().optimiser.learning_rate = 0.0;
    const std::vector<double> before(m.parameters().begin(), m.parameters().end());
    tn::batch<double, 3> x(2);
    x.fill(0.3);
    fit.step(x, tn::batch<double, 2>(2));
    BOOST_TEST(std::equal(before.begin(), before.end(), m.parameters().begin()));
}

BOOST_AUTO_TEST_SUITE_END()

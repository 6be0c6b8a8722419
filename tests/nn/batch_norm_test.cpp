// SPDX-License-Identifier: BSL-1.0
// Tests tn::batch_norm (typenet/nn/layers/batch_norm.hpp) as PyTorch's BatchNorm1d behaves:
// state_dict names and shapes (parameters and buffers), initial values, the evaluation pass
// against the formula, the training pass's statistics and running-statistics update (momentum,
// unbiased variance, num_batches_tracked), buffers left alone by the optimiser, the refusal of
// a one-row training batch, copies, and .npz round trips that keep the buffers.
#include <typenet/typenet.hpp>
#include <typenet/io.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

namespace tn = typenet;

namespace {

using value_types = std::tuple<float, double>;

template <class T>
using bn_net = tn::basic_network<T, tn::input<3>, tn::dense<4>, tn::batch_norm<>, tn::relu, tn::dense<2>>;

template <class Net>
typename Net::input_batch input(std::size_t rows, double scale = 1.0) {
    typename Net::input_batch x(rows);
    std::size_t k = 0;
    for (auto& v : x) v = static_cast<typename Net::value_type>(scale * std::sin(0.7 * double(++k)) + 0.3);
    return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_norm)

BOOST_AUTO_TEST_CASE(state_dict_names_shapes_and_initial_values_are_pytorchs) {
    bn_net<float> m;
    std::vector<std::string> names;
    std::vector<std::vector<std::size_t>> shapes;
    std::vector<bool> trainable;
    m.for_each_parameter([&](const auto& p) {
        names.push_back(p.name);
        shapes.push_back(p.shape);
        trainable.push_back(p.trainable);
    });
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                                  "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"}));
    BOOST_TEST(shapes[4] == (std::vector<std::size_t>{4}));
    BOOST_TEST(shapes[6].empty());
    BOOST_TEST(trainable == (std::vector<bool>{true, true, true, true, false, false, false, true, true}));
    static_assert(bn_net<float>::parameter_count == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2);
    static_assert(bn_net<float>::buffer_count == 4 + 4 + 1);
    BOOST_TEST(m.parameters().size() == bn_net<float>::parameter_count);
    BOOST_TEST(m.buffers().size() == 9u);
    for (float w : m.parameter("1.weight")) BOOST_TEST(w == 1.0f);
    for (float b : m.parameter("1.bias")) BOOST_TEST(b == 0.0f);
    for (float v : m.parameter("1.running_mean")) BOOST_TEST(v == 0.0f);
    for (float v : m.parameter("1.running_var")) BOOST_TEST(v == 1.0f);
    BOOST_TEST(m.parameter("1.num_batches_tracked")[0] == 0.0f);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(evaluation_uses_the_running_statistics, T, value_types) {
    using net = tn::basic_network<T, tn::input<3>, tn::batch_norm<>>;
    net m;
    const T mean[] = {0.5, -1, 2}, var[] = {4, 0.25, 1}, w[] = {1.5, -2, 0.5}, b[] = {0.1, 0.2, -0.3};
    for (std::size_t j = 0; j < 3; ++j) {
        m.parameter("0.running_mean")[j] = mean[j];
        m.parameter("0.running_var")[j] = var[j];
        m.parameter("0.weight")[j] = w[j];
        m.parameter("0.bias")[j] = b[j];
    }
    const auto x = input<net>(5);
    const auto y = m(x);
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t j = 0; j < 3; ++j) {
            const double expected = (double(x(r, j)) - mean[j]) / std::sqrt(double(var[j]) + 1e-5) * w[j] + b[j];
            BOOST_TEST(double(y(r, j)) == expected, boost::test_tools::tolerance(1e-6));
        }
    // One row is fine in evaluation.
    BOOST_TEST(m(x.slice(0, 1)).rows() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(training_normalises_by_the_batch_and_updates_running_statistics, T, value_types) {
    using net = tn::basic_network<T, tn::input<3>, tn::batch_norm<>>;
    net m;
    const std::size_t rows = 6;
    const auto x = input<net>(rows, 2.0);
    typename net::output_batch target(rows);  // zero: the loss's gradient is the output itself
    tn::trainer<net, tn::loss::mse> fit{m, {.optimiser = {.learning_rate = 0}}};
    fit.step(x, target);
    for (std::size_t j = 0; j < 3; ++j) {
        double mean = 0, var = 0;
        for (std::size_t r = 0; r < rows; ++r) mean += double(x(r, j)) / rows;
        for (std::size_t r = 0; r < rows; ++r) var += (double(x(r, j)) - mean) * (double(x(r, j)) - mean) / rows;
        BOOST_TEST(double(m.parameter("0.running_mean")[j]) == 0.1 * mean, boost::test_tools::tolerance(1e-5));
        BOOST_TEST(double(m.parameter("0.running_var")[j]) == 0.9 + 0.1 * var * rows / (rows - 1),
                   boost::test_tools::tolerance(1e-5));
    }
    BOOST_TEST(double(m.parameter("0.num_batches_tracked")[0]) == 1.0);
    fit.step(x, target);
    BOOST_TEST(double(m.parameter("0.num_batches_tracked")[0]) == 2.0);
    // The training output has zero mean and unit (biased) variance per feature: the loss is
    // mean(y^2) = (1 - small eps correction), whatever x's scale.
    const double loss = fit.backward(x, target);
    BOOST_TEST(loss == 1.0, boost::test_tools::tolerance(1e-3));
}

BOOST_AUTO_TEST_CASE(the_optimiser_never_touches_the_buffers) {
    bn_net<double> m{tn::seed{3}};
    tn::trainer<bn_net<double>, tn::loss::softmax_cross_entropy, tn::optim::adamw> fit{
        m, {.optimiser = {.learning_rate = 0.1, .weight_decay = 0.5}}};
    const auto x = input<bn_net<double>>(4);
    const std::vector<std::int32_t> y{0, 1, 1, 0};
    // Follow the running statistics by hand from the batch statistics of layer 0's output:
    // any weight decay or update applied to the buffers would make them differ.
    std::vector<double> mean(4, 0.0), var(4, 1.0);
    for (int s = 0; s < 3; ++s) {
        const auto w = m.parameter("0.weight");
        const auto bias = m.parameter("0.bias");
        for (std::size_t j = 0; j < 4; ++j) {
            double z[4], mu = 0, v = 0;
            for (std::size_t r = 0; r < 4; ++r) {
                z[r] = bias[j];
                for (std::size_t i = 0; i < 3; ++i) z[r] += w[j * 3 + i] * x(r, i);
                mu += z[r] / 4;
            }
            for (double zr : z) v += (zr - mu) * (zr - mu) / 3;  // unbiased
            mean[j] = 0.9 * mean[j] + 0.1 * mu;
            var[j] = 0.9 * var[j] + 0.1 * v;
        }
        fit.step(x, y);
    }
    for (std::size_t j = 0; j < 4; ++j) {
        BOOST_TEST(m.parameter("1.running_mean")[j] == mean[j], boost::test_tools::tolerance(1e-12));
        BOOST_TEST(m.parameter("1.running_var")[j] == var[j], boost::test_tools::tolerance(1e-12));
    }
    BOOST_TEST(double(m.parameter("1.num_batches_tracked")[0]) == 3.0);
    // The gradients view lists parameters only.
    std::size_t entries = 0;
    fit.gradients().for_each_parameter([&](const auto& p) {
        ++entries;
        BOOST_TEST(p.name.find("running") == std::string::npos);
    });
    BOOST_TEST(entries == 6u);
}

BOOST_AUTO_TEST_CASE(a_one_row_training_batch_is_refused_and_changes_nothing) {
    bn_net<float> m;
    const bn_net<float> before = m;
    tn::trainer<bn_net<float>, tn::loss::mse> fit{m};
    typename bn_net<float>::output_batch y(1);
    try {
        fit.step(input<bn_net<float>>(1), y);
        BOOST_FAIL("no error");
    } catch (const tn::shape_error& e) {
        BOOST_TEST(std::string(e.what()).find("typenet: batch_norm: training needs more than one row") == 0u, e.what());
    }
    for (std::size_t k = 0; k < m.buffers().size(); ++k) BOOST_TEST(m.buffers()[k] == before.buffers()[k]);
    for (std::size_t k = 0; k < m.parameters().size(); ++k) BOOST_TEST(m.parameters()[k] == before.parameters()[k]);
}

// The running statistics move in the forward pass; when the loss then refuses the labels, the
// step must still change nothing.
BOOST_AUTO_TEST_CASE(a_step_whose_labels_are_refused_changes_nothing) {
    bn_net<float> m{tn::seed{2}};
    tn::trainer<bn_net<float>, tn::loss::softmax_cross_entropy> fit{m};
    const auto x = input<bn_net<float>>(4);
    const std::vector<float> before(m.buffers().begin(), m.buffers().end());
    BOOST_CHECK_THROW(fit.step(x, std::vector<std::int32_t>{0, 1, 1}), tn::shape_error);      // 3 labels, 4 rows
    BOOST_CHECK_THROW(fit.step(x, std::vector<std::int32_t>{0, 1, 7, 0}), tn::index_error);   // class 7 of 2
    BOOST_TEST(std::vector<float>(m.buffers().begin(), m.buffers().end()) == before);
    fit.step(x, std::vector<std::int32_t>{0, 1, 1, 0});
    BOOST_TEST(double(m.parameter("1.num_batches_tracked")[0]) == 1.0);
}

BOOST_AUTO_TEST_CASE(copies_and_npz_files_keep_the_buffers) {
    bn_net<float> m{tn::seed{5}};
    tn::trainer<bn_net<float>, tn::loss::mse> fit{m, {.optimiser = {.learning_rate = 0.05}}};
    typename bn_net<float>::output_batch y(8);
    for (int s = 0; s < 4; ++s) fit.step(input<bn_net<float>>(8), y);
    const bn_net<float> copy = m;
    for (std::size_t k = 0; k < m.buffers().size(); ++k) BOOST_TEST(copy.buffers()[k] == m.buffers()[k]);

    const auto path = std::filesystem::temp_directory_path() / "typenet_batch_norm_test.npz";
    tn::save_npz(m, path);
    bn_net<float> loaded{tn::seed{99}};
    tn::load_npz(loaded, path);
    std::filesystem::remove(path);
    for (std::size_t k = 0; k < m.buffers().size(); ++k) BOOST_TEST(loaded.buffers()[k] == m.buffers()[k]);
    for (std::size_t k = 0; k < m.parameters().size(); ++k) BOOST_TEST(loaded.parameters()[k] == m.parameters()[k]);
    const auto x = input<bn_net<float>>(3);
    const auto a = m(x), b = loaded(x);
    for (std::size_t k = 0; k < a.size(); ++k) BOOST_TEST(a.data()[k] == b.data()[k]);
}

BOOST_AUTO_TEST_SUITE_END()

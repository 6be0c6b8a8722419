// SPDX-License-Identifier: BSL-1.0
// Checks the gradients of layer normalisation and dropout (typenet/nn/layers/layer_norm.hpp,
// dropout.hpp) against float64 central differences of the loss, at 1, 3 and 64 rows, for every
// parameter and the input: layer norm fused with a following activation, alone, first in the
// network (its input gradient checked directly), ending a residual block (the shortcut added in
// its epilogue) and in a repeat; dropout after an activation, first, in a residual block and in
// a repeat. A training pass's dropout mask depends on (seed, step) only, and the trainer and
// network_check::loss_of both run seed 0, step 0: the finite differences see the trainer's mask.
// The last cases check that this is so, and that the mask really drops values.
#include "network_check.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <vector>

namespace {

namespace tn = typenet;
using namespace network_check;

using ln_fused_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::layer_norm<>, tn::relu, tn::dense<3>>;
using ln_alone_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::layer_norm<>, tn::dense<4>>;
using ln_first_net = tn::basic_network<double, tn::input<5>, tn::layer_norm<>, tn::tanh, tn::dense<3>>;
using ln_residual_net = tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::layer_norm<>, tn::tanh>,
                                          tn::residual<tn::dense<8>, tn::layer_norm<std::ratio<1, 100>>>, tn::dense<3>>;
using ln_repeat_net = tn::basic_network<double, tn::input<7>, tn::repeat<2, tn::dense<7>, tn::layer_norm<>, tn::sigmoid>,
                                        tn::dense<2>>;

using dropout_net = tn::basic_network<double, tn::input<6>, tn::dense<16>, tn::tanh, tn::dropout<>, tn::dense<3>>;
using dropout_first_net = tn::basic_network<double, tn::input<10>, tn::dropout<std::ratio<1, 4>>, tn::dense<4>>;
using dropout_block_net =
    tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::tanh, tn::dropout<std::ratio<1, 3>>>,
                      tn::repeat<2, tn::dense<8>, tn::sigmoid, tn::dropout<>>, tn::layer_norm<>, tn::dense<3>>;

template <class Net, class Loss>
void check_all() {
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("rows " << rows) {
            check_parameter_gradients<Net, Loss>(rows, 7, 1000);
            check_input_gradients<Net, Loss>(rows);
        }
    }
}

// loss_of at another step of the dropout stream (loss_of runs step 0).
template <class Loss, class Net, class X, class Labels>
double loss_at_step(const Net& m, const X& x, const Labels& y, std::uint64_t step) {
    using S = typename Net::sequence;
    std::vector<double> acts(x.rows() * S::activation_size);
    auto pass = training_pass(m);
    pass.step = step;
    const double* out = S::forward(m.parameters().data(), x.data(), acts.data(), x.rows(), pass);
    return Loss::template evaluate<typename Net::output_shape>(out, y, static_cast<double*>(nullptr), x.rows());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_layer_norm_dropout)

BOOST_AUTO_TEST_CASE(layer_norm_fused_with_relu_matches_finite_differences) {
    static_assert(ln_fused_net::sequence::fused_with_next<1>);
    check_all<ln_fused_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(layer_norm_alone_matches_finite_differences) {
    check_all<ln_alone_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(layer_norm_first_matches_finite_differences) {
    check_all<ln_first_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(layer_norm_in_residual_blocks_matches_finite_differences) {
    // The second block ends in the layer norm itself: the shortcut runs in its epilogue.
    static_assert(ln_residual_net::sequence::bound<1>::inner::final_stage_fused);
    check_all<ln_residual_net, tn::loss::binary_cross_entropy_with_logits>();
}

BOOST_AUTO_TEST_CASE(layer_norm_in_a_repeat_matches_finite_differences) {
    check_all<ln_repeat_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(dropout_after_an_activation_matches_finite_differences) {
    check_all<dropout_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(dropout_first_matches_finite_differences) {
    check_all<dropout_first_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(dropout_in_residual_and_repeat_blocks_matches_finite_differences) {
    check_all<dropout_block_net, tn::loss::mse>();
}

// check_parameter_gradients compares the trainer's loss with loss_of's to 1e-12, which holds
// only if both drew the same mask; here: the mask does change the loss (another step gives
// another loss), and it drops values in the checked networks.
BOOST_AUTO_TEST_CASE(the_checks_see_the_trainers_mask_and_it_drops_values) {
    using S = dropout_net::sequence;
    constexpr std::size_t rows = 64, n = 16;
    dropout_net model{tn::seed{7}};
    perturb(model, 8);
    const auto x = make_input<dropout_net>(rows, 9);
    const auto y = make_labels<dropout_net, tn::loss::mse>(rows, 10);

    tn::trainer<dropout_net, tn::loss::mse> fit{model};
    const double trainer_loss = fit.backward(x, y);
    BOOST_TEST(trainer_loss == loss_of<tn::loss::mse>(model, x, y), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(loss_at_step<tn::loss::mse>(model, x, y, 0) == loss_of<tn::loss::mse>(model, x, y));
    BOOST_TEST(std::abs(loss_at_step<tn::loss::mse>(model, x, y, 1) - trainer_loss) > 1e-6);

    // Layer 2's mask (the first rows * n values of its region): about half dropped.
    std::vector<double> acts(rows * S::activation_size);
    S::forward(model.parameters().data(), x.data(), acts.data(), rows, training_pass(model));
    const double* scale = S::region<2>(acts.data(), rows);
    std::size_t dropped = 0, kept = 0;
    for (std::size_t i = 0; i < rows * n; ++i) {
        if (scale[i] == 0.0) ++dropped;
        if (scale[i] == 2.0) ++kept;
    }
    BOOST_TEST(dropped + kept == rows * n);
    BOOST_TEST(dropped > 400u);
    BOOST_TEST(kept > 400u);
}

BOOST_AUTO_TEST_CASE(a_dropped_input_has_a_zero_gradient) {
    // dropout first: dx is exactly 0 where the mask drops, the checks compare it with a
    // finite difference that is 0 too, and at 64 rows a quarter of the 640 inputs are dropped.
    using S = dropout_first_net::sequence;
    constexpr std::size_t rows = 64, n = 10;
    dropout_first_net model{tn::seed{11}};
    perturb(model, 12);
    const auto x = make_input<dropout_first_net>(rows, 13);
    const auto y = make_labels<dropout_first_net, tn::loss::softmax_cross_entropy>(rows, 14);
    std::vector<double> acts(rows * S::activation_size), work(rows * S::scratch_size), dy(rows * 4), dx(rows * n),
        dp(dropout_first_net::parameter_count);
    const double* out = S::forward(model.parameters().data(), x.data(), acts.data(), rows, training_pass(model));
    tn::loss::softmax_cross_entropy::evaluate<tn::shape<4>>(out, y, dy.data(), rows);
    S::backward(model.parameters().data(), x.data(), acts.data(), dy.data(), dx.data(), dp.data(), work.data(), rows,
                tn::detail::no_observer{});
    const double* scale = S::region<0>(acts.data(), rows);
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < rows * n; ++i) {
        if (scale[i] == 0.0) {
            ++dropped;
            BOOST_TEST(dx[i] == 0.0);
        } else {
            BOOST_TEST(dx[i] != 0.0);
        }
    }
    BOOST_TEST(dropped > 100u);
    BOOST_TEST(dropped < 220u);
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Checks the gradients of batch normalisation (typenet/nn/layers/batch_norm.hpp) in training
// mode against float64 central differences of the loss, at 3 and 64 rows (training needs at
// least two), for every parameter and the input: batch norm fused with a following activation,
// alone between two dense layers, first in the network (its input gradient checked directly),
// as the last stage of a residual block (the shortcut added in its epilogue), and in a repeat.
#include "network_check.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>

namespace {

namespace tn = typenet;
using namespace network_check;

using fused_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::batch_norm<>, tn::relu, tn::dense<3>>;
using unfused_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::batch_norm<>, tn::dense<4>>;
using first_net = tn::basic_network<double, tn::input<5>, tn::batch_norm<>, tn::tanh, tn::dense<3>>;
using residual_net =
    tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::batch_norm<>, tn::tanh>, tn::dense<3>>;
using repeat_net =
    tn::basic_network<double, tn::input<7>, tn::repeat<2, tn::dense<7>, tn::batch_norm<>, tn::sigmoid>, tn::dense<2>>;

template <class Net, class Loss>
void check_all() {
    for (std::size_t rows : {std::size_t(3), std::size_t(64)}) {
        BOOST_TEST_CONTEXT("rows " << rows) {
            check_parameter_gradients<Net, Loss>(rows, 7, 1000);
            check_input_gradients<Net, Loss>(rows);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_normalization)

BOOST_AUTO_TEST_CASE(batch_norm_fused_with_relu_matches_finite_differences) {
    check_all<fused_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(batch_norm_alone_matches_finite_differences) {
    check_all<unfused_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(batch_norm_first_matches_finite_differences) {
    check_all<first_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(batch_norm_ending_a_residual_block_matches_finite_differences) {
    check_all<residual_net, tn::loss::binary_cross_entropy_with_logits>();
}

BOOST_AUTO_TEST_CASE(batch_norm_in_a_repeat_matches_finite_differences) {
    check_all<repeat_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_SUITE_END()

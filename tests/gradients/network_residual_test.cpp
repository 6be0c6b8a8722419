// SPDX-License-Identifier: BSL-1.0
// Checks the gradients of residual blocks (typenet/nn/layers/residual.hpp) against float64
// central differences of the loss, at 1, 3 and 64 rows, for every parameter (block and
// shortcut) and the input: a block whose last stage is a fused dense + tanh, one ending in a
// plain dense (both fuse the addition into the epilogue), one ending in a lone activation (the
// extra pass), a residual nested in a repeat, a residual nested in a residual, and a projection
// from width 8 to 5. Each net starts with its block, so the block's own input gradient is
// checked directly by check_input_gradients.
#include "network_check.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

namespace {

namespace tn = typenet;
using namespace network_check;

using dense_tanh_net = tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::tanh>, tn::dense<3>>;
using dense_relu_dense_net =
    tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::relu, tn::dense<8>>, tn::dense<3>>;
using activation_last_net =
    tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::relu, tn::sigmoid>, tn::dense<3>>;
using repeat_of_residual_net =
    tn::basic_network<double, tn::input<8>, tn::repeat<3, tn::residual<tn::dense<8>, tn::tanh>>, tn::dense<3>>;
using residual_of_residual_net =
    tn::basic_network<double, tn::input<8>, tn::residual<tn::residual<tn::dense<8>, tn::tanh>, tn::dense<8>>,
                      tn::dense<3>>;
using projection_net =
    tn::basic_network<double, tn::input<8>, tn::residual_projection<tn::dense<5>, tn::relu>, tn::dense<3>>;
// The block after a dense, so the dense gets its input gradient through the block.
using inner_position_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::tanh,
                                             tn::residual<tn::dense<8>, tn::relu, tn::dense<8>>, tn::dense<3>>;

template <class Net, class Loss>
void check_all() {
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("rows " << rows) {
            check_parameter_gradients<Net, Loss>(rows, 7, 1000);
            check_input_gradients<Net, Loss>(rows);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_residual)

BOOST_AUTO_TEST_CASE(residual_dense_tanh_matches_finite_differences) {
    check_all<dense_tanh_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(residual_dense_relu_dense_matches_finite_differences) {
    check_all<dense_relu_dense_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(residual_ending_in_an_unfused_activation_matches_finite_differences) {
    check_all<activation_last_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(residual_inside_repeat_matches_finite_differences) {
    check_all<repeat_of_residual_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(residual_inside_residual_matches_finite_differences) {
    check_all<residual_of_residual_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(residual_projection_matches_finite_differences) {
    check_all<projection_net, tn::loss::binary_cross_entropy_with_logits>();
}

BOOST_AUTO_TEST_CASE(residual_after_other_layers_matches_finite_differences) {
    check_all<inner_position_net, tn::loss::mse>();
}

// With the block's parameters all zero, F(x) = 0 and the block is the identity.
BOOST_AUTO_TEST_CASE(residual_with_zero_block_is_the_identity) {
    using net = tn::basic_network<double, tn::input<8>, tn::residual<tn::dense<8>, tn::relu, tn::dense<8>>>;
    net m{tn::seed{3}};
    for (double& p : m.parameters()) p = 0.0;
    const auto x = make_input<net>(5, 9);
    const auto y = m(x);
    for (std::size_t i = 0; i < x.size(); ++i) BOOST_TEST(y.data()[i] == x.data()[i]);
}

BOOST_AUTO_TEST_SUITE_END()

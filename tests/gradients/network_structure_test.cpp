// SPDX-License-Identifier: BSL-1.0
// Checks the gradients of whole networks (typenet/nn/network.hpp, typenet/train/trainer.hpp)
// against float64 central differences of the loss, at 1, 3 and 64 rows: each loss, each init
// policy's layer shapes (widths 1, 7, 17 and 33, so SIMD bodies and tails are both hit; a rank-2
// input through flatten), repeat<3, dense<8>, tanh>, a dense followed by a dense, and networks
// whose last layer is an activation (fused and not). Also checks the fused dense + relu stage
// against the same computation written by hand with tn::matmul and tn::transpose.
#include "network_check.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

namespace tn = typenet;
using namespace network_check;

// Every init policy, widths 33, 17, 7, 1, a rank-2 input.
using mse_net = tn::basic_network<double, tn::input<3, 11>, tn::flatten, tn::dense<33, tn::init::xavier_normal>,
                                  tn::sigmoid, tn::dense<17, tn::init::he_normal>, tn::swish,
                                  tn::dense<7, tn::init::he_uniform>, tn::tanh, tn::dense<1, tn::init::lecun_normal>>;
using softmax_net = tn::basic_network<double, tn::input<2, 5>, tn::flatten, tn::dense<17, tn::init::xavier_uniform>,
                                      tn::gelu, tn::dense<7, tn::init::zeros>>;
using bce_net = tn::basic_network<double, tn::input<7>, tn::dense<33, tn::init::he_uniform>, tn::elu,
                                  tn::dense<7, tn::init::lecun_normal>>;
// repeat: the block maps shape<8> to itself; the dense before it gets its input gradient from it.
using repeat_net = tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::repeat<3, tn::dense<8>, tn::tanh>,
                                     tn::dense<3>>;
// Dense followed by dense (no activation anywhere).
using linear_net = tn::basic_network<double, tn::input<4>, tn::dense<6>, tn::dense<3>>;
// Last layer an activation: fused with the dense before it, and standalone after flatten.
using last_fused_net = tn::basic_network<double, tn::input<4>, tn::dense<5>, tn::relu, tn::dense<3>, tn::sigmoid>;
using last_split_net = tn::basic_network<double, tn::input<4>, tn::dense<5>, tn::tanh, tn::flatten, tn::sigmoid>;

template <class Net, class Loss>
void check_all(std::size_t limit = 400) {
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("rows " << rows) {
            check_parameter_gradients<Net, Loss>(rows, 7, limit);
            check_input_gradients<Net, Loss>(rows);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_structure)

BOOST_AUTO_TEST_CASE(mse_with_every_width_and_rank2_input_matches_finite_differences) {
    static_assert(mse_net::parameter_count > 1000);  // so a sample of 400 is checked
    check_all<mse_net, tn::loss::mse>(400);
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_matches_finite_differences) {
    check_all<softmax_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_with_logits_matches_finite_differences) {
    check_all<bce_net, tn::loss::binary_cross_entropy_with_logits>();
}

BOOST_AUTO_TEST_CASE(repeat_block_matches_finite_differences) {
    check_all<repeat_net, tn::loss::softmax_cross_entropy>();
}

BOOST_AUTO_TEST_CASE(dense_without_activation_matches_finite_differences) {
    check_all<linear_net, tn::loss::mse>();
}

BOOST_AUTO_TEST_CASE(activation_as_last_layer_matches_finite_differences) {
    check_all<last_fused_net, tn::loss::binary_cross_entropy_with_logits>();
    check_all<last_split_net, tn::loss::mse>();
}

// y = relu(x W^T + b), L = mean((y - t)^2), computed with tn::matmul / tn::transpose.
BOOST_AUTO_TEST_CASE(fused_dense_relu_matches_matmul_by_hand) {
    constexpr std::size_t R = 3, I = 5, N = 17;
    using net = tn::basic_network<double, tn::input<I>, tn::dense<N>, tn::relu>;
    net model{tn::seed{9}};
    perturb(model, 10);
    const auto x = make_input<net>(R, 11);
    const auto t = make_labels<net, tn::loss::mse>(R, 12);

    tn::tensor<double, tn::shape<R, I>> xt;
    std::copy(x.begin(), x.end(), xt.begin());
    tn::tensor<double, tn::shape<R, N>> tt;
    std::copy(t.begin(), t.end(), tt.begin());
    tn::tensor<double, tn::shape<N, I>> w;
    tn::tensor<double, tn::shape<N>> b;
    std::copy(model.parameter("0.weight").begin(), model.parameter("0.weight").end(), w.begin());
    std::copy(model.parameter("0.bias").begin(), model.parameter("0.bias").end(), b.begin());

    const tn::tensor<double, tn::shape<R, N>> z = tn::matmul(xt, tn::transpose(w)) + b;
    const tn::tensor<double, tn::shape<R, N>> y = tn::relu{}(z);
    const tn::tensor<double, tn::shape<R, N>> dy = (y - tt) * (2.0 / (R * N));
    const tn::tensor<double, tn::shape<R, N>> dz = tn::select(z > 0.0, dy, 0.0);
    const tn::tensor<double, tn::shape<N, I>> dw = tn::matmul(tn::transpose(dz), xt);
    const tn::tensor<double, tn::shape<N>> db = tn::sum<0>(dz);

    const auto out = model(x);
    for (std::size_t i = 0; i < R * N; ++i) BOOST_TEST(close(out.data()[i], y.data()[i], 1e-13, 1e-15));

    tn::trainer<net, tn::loss::mse> fit{model};
    const double loss = fit.backward(x, t);
    BOOST_TEST(loss == tn::sum(tn::square(y - tt)) / (R * N), boost::test_tools::tolerance(1e-13));
    std::vector<double> gw, gb;
    fit.gradients().for_each_parameter([&](const auto& p) {
        (p.name == "0.weight" ? gw : gb).assign(p.values.begin(), p.values.end());
    });
    BOOST_TEST_REQUIRE(gw.size() == N * I);
    BOOST_TEST_REQUIRE(gb.size() == N);
    for (std::size_t i = 0; i < N * I; ++i) BOOST_TEST(close(gw[i], dw.data()[i], 1e-13, 1e-15));
    for (std::size_t i = 0; i < N; ++i) BOOST_TEST(close(gb[i], db.data()[i], 1e-13, 1e-15));
    // Some units must be off and some on, or the check would not see the mask.
    std::size_t on = 0;
    for (double v : z) on += v > 0.0;
    BOOST_TEST(on > 0u);
    BOOST_TEST(on < R * N);
}

BOOST_AUTO_TEST_SUITE_END()

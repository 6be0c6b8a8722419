// SPDX-License-Identifier: BSL-1.0
// Checks the gradients of networks built around each activation (typenet/nn/layers/activation.hpp
// and the fused dense+activation stage of typenet/nn/detail/sequence.hpp) against float64
// central differences of the loss, at 1, 3 and 64 rows: every parameter, and the input.
// Each activation appears first in the list (unfused, its input gradient asked for only by the
// input check), fused after a dense, and twice in a row (unfused, after a fused one). The same
// network with a flatten between the dense and the activation (which breaks the fusion) must
// give the same outputs and gradients.
#include "network_check.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <tuple>

namespace {

namespace tn = typenet;
using namespace network_check;

// A user activation: smooth, not symmetric.
using user_activation = tn::activation<decltype(tn::_x * tn::tanh{}(tn::_x) + tn::rational<1, 10> * tn::_x)>;

using activations = std::tuple<tn::sigmoid, tn::tanh, tn::relu, tn::leaky_relu, tn::leaky_relu_slope<std::ratio<1, 10>>,
                               tn::elu, tn::gelu,
                               tn::softplus,
                               tn::swish, user_activation>;

// A first (unfused), dense + A (fused), A again (unfused, after an activation), dense (no activation).
template <class A>
using fused_net = tn::basic_network<double, tn::input<5>, A, tn::dense<7>, A, A, tn::dense<3>>;
// The same computation with a flatten between the dense and the activation: nothing fuses.
template <class A>
using split_net = tn::basic_network<double, tn::input<5>, A, tn::dense<7>, tn::flatten, A, A, tn::dense<3>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(network_activation)

BOOST_AUTO_TEST_CASE_TEMPLATE(fused_activation_gradients_match_finite_differences, A, activations) {
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("activation " << A::describe() << ", rows " << rows) {
            check_parameter_gradients<fused_net<A>, tn::loss::mse>(rows);
            check_input_gradients<fused_net<A>, tn::loss::mse>(rows);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(unfused_activation_gradients_match_finite_differences, A, activations) {
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("activation " << A::describe() << ", rows " << rows) {
            check_parameter_gradients<split_net<A>, tn::loss::mse>(rows);
            check_input_gradients<split_net<A>, tn::loss::mse>(rows);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fused_and_unfused_paths_agree, A, activations) {
    static_assert(fused_net<A>::parameter_count == split_net<A>::parameter_count);
    for (std::size_t rows : batch_sizes) {
        BOOST_TEST_CONTEXT("activation " << A::describe() << ", rows " << rows) {
            fused_net<A> fused{tn::seed{3}};
            perturb(fused, 4);
            split_net<A> split;
            std::copy(fused.parameters().begin(), fused.parameters().end(), split.parameters().begin());
            const auto x = make_input<fused_net<A>>(rows, 5);
            const auto y = make_labels<fused_net<A>, tn::loss::mse>(rows, 6);

            const auto out_fused = fused(x);
            const auto out_split = split(x);
            for (std::size_t i = 0; i < out_fused.size(); ++i)
                BOOST_TEST(close(out_fused.data()[i], out_split.data()[i], 1e-11, 1e-15));

            tn::trainer<fused_net<A>, tn::loss::mse> fit_fused{fused};
            tn::trainer<split_net<A>, tn::loss::mse> fit_split{split};
            BOOST_TEST(fit_fused.backward(x, y) == fit_split.backward(x, y), boost::test_tools::tolerance(1e-12));
            const auto gf = fit_fused.gradients().parameters();
            const auto gs = fit_split.gradients().parameters();
            for (std::size_t i = 0; i < gf.size(); ++i) {
                BOOST_TEST_CONTEXT("gradient " << i) {
                    BOOST_TEST(close(gf[i], gs[i], 1e-11, 1e-15));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

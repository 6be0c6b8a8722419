// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::require_stable_gradients on the network He et al. (2015)
// could not train: 30 dense<256> layers with ReLU and Xavier init. Each layer halves the
// squared gradient norm (n Var(W) = 1, E[relu'^2] = 1/2), so the first layer's input gets
// 2^-14.5 = 4.32e-5 of the last one's. The ok twin uses He init (chi = 1 exactly).
// expect: typenet: require_stable_gradients: the predicted norm of the gradient
// expect: check_stable_gradients<relu_30, typenet::detail::first_unstable_layer<0, typenet::detail::state_dict_prefix<0> ?>, typenet::detail::predicted_ratio<432, -5> ?>
#include <typenet/typenet.hpp>
#include <typenet/gradient_flow.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
using init_policy = tn::init::xavier_uniform;
#else
using init_policy = tn::init::he_uniform;
#endif
struct relu_30 : tn::network<tn::input<256>, tn::repeat<30, tn::dense<256, init_policy>, tn::relu>> {};
using fit = tn::trainer<relu_30, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::require_stable_gradients>;
static_assert(sizeof(fit) > 0);

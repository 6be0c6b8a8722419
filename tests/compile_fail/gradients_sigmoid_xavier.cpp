// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::require_stable_gradients on Glorot & Bengio's (2010)
// sigmoid network: 30 dense<256> layers with Xavier init and sigmoid. E[sigmoid'^2] < 1/16, so
// the predicted gradient norm at the first layer's input is 5.86e-19 of the last one's; the
// error names layer "0" and that ratio. The ok twin trains ReLU with He init (ratio 1).
// expect: typenet: require_stable_gradients: the predicted norm of the gradient at every parameterised layer's input must stay within .1e-3, 1e3.
// expect: check_stable_gradients<sigmoid_xavier_30, typenet::detail::first_unstable_layer<0, typenet::detail::state_dict_prefix<0> ?>, typenet::detail::predicted_ratio<586, -19> ?>
#include <typenet/typenet.hpp>
#include <typenet/gradient_flow.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct sigmoid_xavier_30 : tn::network<tn::input<256>, tn::repeat<30, tn::dense<256, tn::init::xavier_uniform>, tn::sigmoid>> {};
#else
struct sigmoid_xavier_30 : tn::network<tn::input<256>, tn::repeat<30, tn::dense<256, tn::init::he_normal>, tn::relu>> {};
#endif
using fit = tn::trainer<sigmoid_xavier_30, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::require_stable_gradients>;
static_assert(sizeof(fit) > 0);

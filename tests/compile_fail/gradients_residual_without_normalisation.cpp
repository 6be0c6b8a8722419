// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for tn::require_stable_gradients on 50 residual blocks
// y = relu(dense<256, He>(x)) + x without normalisation: each block multiplies the squared
// gradient norm by at least 1 + chi_F = 2, and by more as the ReLU stream's mean feeds a
// common mode (docs/gradients.md), so it passes 1e3 about fifteen blocks before the last; the
// error names the first parameterised layer out of range, "0.0" (the first block's dense), at 2.33e10. The ok twin adds batch norm to each block, which divides
// by the growing variance of the residual stream and keeps the growth bounded.
// expect: typenet: require_stable_gradients: the predicted norm of the gradient
// expect: check_stable_gradients<resnet_50, typenet::detail::first_unstable_layer<0, typenet::detail::state_dict_prefix<0, 0> ?>, typenet::detail::predicted_ratio<233, 10> ?>
#include <typenet/typenet.hpp>
#include <typenet/gradient_flow.hpp>

namespace tn = typenet;

#ifdef TYPENET_SHOULD_FAIL
struct resnet_50 : tn::network<tn::input<256>, tn::repeat<50, tn::residual<tn::dense<256, tn::init::he_normal>, tn::relu>>> {};
#else
struct resnet_50
    : tn::network<tn::input<256>, tn::repeat<50, tn::residual<tn::dense<256, tn::init::he_normal>, tn::batch_norm<>, tn::relu>>> {};
#endif
using fit = tn::trainer<resnet_50, tn::loss::mse, tn::optim::sgd, tn::clip::none, tn::require_stable_gradients>;
static_assert(sizeof(fit) > 0);

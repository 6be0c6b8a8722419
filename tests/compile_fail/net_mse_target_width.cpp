// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for mse given targets of another width than the output
// (a batch<float, 2> for a network whose output is shape<3>).
// expect: typenet: loss: these labels do not fit the loss and the network's output
// expect: check_labels<typenet::loss::mse, typenet::shape<3>, typenet::batch<float, 2> ?>
#include <typenet/typenet.hpp>

namespace tn = typenet;

struct net : tn::network<tn::input<4>, tn::dense<3>> {};

#ifdef TYPENET_SHOULD_FAIL
using targets = tn::batch<float, 2>;
#else
using targets = tn::batch<float, 3>;
#endif
float train_once(net& model, const tn::batch<float, 4>& x, const targets& y) {
    tn::trainer<net, tn::loss::mse> fit{model};
    return fit.step(x, y);
}

// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for softmax_cross_entropy given a batch (one-hot rows) instead
// of class indices.
// expect: typenet: loss: these labels do not fit the loss and the network's output
// expect: check_labels<typenet::loss::softmax_cross_entropy, typenet::shape<3>, typenet::batch<float, 3> ?>
#include <typenet/typenet.hpp>

#include <cstdint>
#include <vector>

namespace tn = typenet;

struct net : tn::network<tn::input<4>, tn::dense<3>> {};

#ifdef TYPENET_SHOULD_FAIL
using labels = tn::batch<float, 3>;
#else
using labels = std::vector<std::int32_t>;
#endif
float train_once(net& model, const tn::batch<float, 4>& x, const labels& y) {
    tn::trainer<net, tn::loss::softmax_cross_entropy> fit{model};
    return fit.step(x, y);
}

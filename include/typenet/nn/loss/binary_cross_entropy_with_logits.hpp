// SPDX-License-Identifier: BSL-1.0
// Defines loss::binary_cross_entropy_with_logits.
#pragma once

#include <typenet/nn/loss/detail.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

namespace typenet::loss {

/// Binary cross-entropy of sigmoid(y) against targets t in [0, 1] (a batch of the output's
/// shape), averaged over every element. PyTorch: nn.BCEWithLogitsLoss(). Stable form
/// max(y, 0) - y t + log(1 + e^-|y|); gradient (sigmoid(y) - t) / (rows * width).
struct binary_cross_entropy_with_logits {
    static constexpr const char* name = "binary_cross_entropy_with_logits";
    template <class Output, class Labels>
    static constexpr bool accepts = detail::is_target_batch_v<Labels, Output>;

    template <class Output, class T, class Labels>
    static T evaluate(const T* y, const Labels& t, T* dy, std::size_t rows) {
        return detail::mean_over_elements<Output>(name, y, t, dy, rows, [](T v, T target) {
            return std::pair<T, T>{std::max(v, T(0)) - v * target + std::log1p(std::exp(-std::abs(v))),
                                   T(1) / (T(1) + std::exp(-v)) - target};
        });
    }
};

}  // namespace typenet::loss

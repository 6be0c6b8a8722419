// SPDX-License-Identifier: BSL-1.0
// Defines loss::binary_cross_entropy_with_logits.
#pragma once

#include <typenet/nn/loss/detail.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

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
        detail::require_label_rows(t.rows(), rows, name);
        const std::size_t n = rows * Output::size;
        if (n == 0) return std::numeric_limits<T>::quiet_NaN();
        const T* tv = t.data();
        const T inv = T(1) / static_cast<T>(n);
        T s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const T v = y[i];
            s += std::max(v, T(0)) - v * tv[i] + std::log1p(std::exp(-std::abs(v)));
            if (dy) dy[i] = (T(1) / (T(1) + std::exp(-v)) - tv[i]) * inv;
        }
        return s * inv;
    }
};

}  // namespace typenet::loss

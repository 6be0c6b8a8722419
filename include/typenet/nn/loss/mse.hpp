// SPDX-License-Identifier: BSL-1.0
// Defines loss::mse, the mean squared error.
#pragma once

#include <typenet/nn/loss/detail.hpp>

#include <cstddef>
#include <limits>

namespace typenet::loss {

/// Mean over every element of (y - t)^2, t a batch of the output's shape. PyTorch:
/// nn.MSELoss() (reduction 'mean'). Gradient 2 (y - t) / (rows * width), formed in the same pass.
struct mse {
    static constexpr const char* name = "mse";
    template <class Output, class Labels>
    static constexpr bool accepts = detail::is_target_batch_v<Labels, Output>;

    // Returns the loss; writes dL/dy into dy unless it is null.
    template <class Output, class T, class Labels>
    static T evaluate(const T* y, const Labels& t, T* dy, std::size_t rows) {
        detail::require_label_rows(t.rows(), rows, name);
        const std::size_t n = rows * Output::size;
        if (n == 0) return std::numeric_limits<T>::quiet_NaN();
        const T* tv = t.data();
        const T inv = T(1) / static_cast<T>(n);
        T s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const T d = y[i] - tv[i];
            s += d * d;
            if (dy) dy[i] = T(2) * d * inv;
        }
        return s * inv;
    }
};

}  // namespace typenet::loss

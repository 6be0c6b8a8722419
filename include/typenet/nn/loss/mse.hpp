// SPDX-License-Identifier: BSL-1.0
// Defines loss::mse, the mean squared error.
#pragma once

#include <typenet/nn/loss/detail.hpp>

#include <cstddef>
#include <utility>

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
        return detail::mean_over_elements<Output>(name, y, t, dy, rows, [](T v, T target) {
            const T d = v - target;
            return std::pair<T, T>{d * d, T(2) * d};
        });
    }
};

}  // namespace typenet::loss

// SPDX-License-Identifier: BSL-1.0
// Defines parameter_info, what a layer says about one of its parameter tensors.
#pragma once

#include <array>
#include <cstddef>

namespace typenet::detail {

struct parameter_info {
    const char* name;       // PyTorch's attribute name: "weight", "bias", "running_mean"
    std::size_t offset;     // from the start of the layer's parameters, in values
    std::size_t rank;       // of its shape
    std::array<std::size_t, 4> extent;
    bool trainable = true;  // false for buffers such as batch norm's running statistics
    constexpr std::size_t size() const {
        std::size_t s = 1;
        for (std::size_t i = 0; i < rank; ++i) s *= extent[i];
        return s;
    }
};

}  // namespace typenet::detail

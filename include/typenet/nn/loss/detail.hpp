// SPDX-License-Identifier: BSL-1.0
// Defines what the losses share: the label checks and the concept of a loss.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/expr/expression_concepts.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace typenet::detail {

template <class Loss, class Output, class Labels>
struct check_labels {
    static_assert(Loss::template accepts<Output, Labels>,
                  "typenet: loss: these labels do not fit the loss and the network's output; softmax_cross_entropy "
                  "takes class indices (std::span<const std::int32_t>), mse and binary_cross_entropy_with_logits a "
                  "batch of the output's shape (see Loss, Output and Labels in check_labels)");
    static constexpr bool value = true;
};

inline void require_label_rows(std::size_t labels, std::size_t rows, const char* loss) {
    if (labels != rows)
        throw shape_error(std::string("typenet: ") + loss + ": " + std::to_string(labels) + " labels for " +
                          std::to_string(rows) + " rows");
}

// A batch-like target of the output's shape.
template <class Labels, class Output>
inline constexpr bool is_target_batch_v = [] {
    if constexpr (leaf_expression<Labels>)
        return Labels::batched && std::is_same_v<typename Labels::static_shape, Output>;
    else
        return false;
}();

}  // namespace typenet::detail

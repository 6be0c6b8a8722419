// SPDX-License-Identifier: BSL-1.0
// Defines what the losses share: the label checks and the concept of a loss.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/expr/expression_concepts.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

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

// A loss that compares the output with a target batch element by element: the mean over every
// element of term(y, t).first, with dL/dy = term(y, t).second / n formed in the same pass.
template <class Output, class T, class Labels, class Term>
T mean_over_elements(const char* loss, const T* y, const Labels& t, T* dy, std::size_t rows, Term&& term) {
    require_label_rows(t.rows(), rows, loss);
    const std::size_t n = rows * Output::size;
    if (n == 0) return std::numeric_limits<T>::quiet_NaN();
    const T* tv = t.data();
    const T inv = T(1) / static_cast<T>(n);
    T s = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::pair<T, T> value_and_slope = term(y[i], tv[i]);
        s += value_and_slope.first;
        if (dy) dy[i] = value_and_slope.second * inv;
    }
    return s * inv;
}

}  // namespace typenet::detail

// SPDX-License-Identifier: BSL-1.0
// Defines loss::softmax_cross_entropy, log-softmax and negative log-likelihood in one pass.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/nn/loss/detail.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

namespace typenet::loss {

/// Cross-entropy of softmax(y) against class indices, averaged over rows. PyTorch:
/// nn.CrossEntropyLoss() on logits. Numerically stable: log-softmax subtracts each row's max
/// before exponentiating. Gradient (softmax(y) - onehot) / rows, formed in the same pass.
/// Labels: anything convertible to std::span<const std::int32_t> (a std::vector works), one per
/// row, each in [0, classes); a label out of range throws tn::index_error.
struct softmax_cross_entropy {
    static constexpr const char* name = "softmax_cross_entropy";
    template <class Output, class Labels>
    static constexpr bool accepts =
        std::is_convertible_v<const Labels&, std::span<const std::int32_t>> && Output::rank == 1 && Output::size >= 2;

    template <class Output, class T, class Labels>
    static T evaluate(const T* y, const Labels& labels_in, T* dy, std::size_t rows) {
        constexpr std::size_t c = Output::size;
        const std::span<const std::int32_t> labels(labels_in);
        detail::require_label_rows(labels.size(), rows, name);
        if (rows == 0) return std::numeric_limits<T>::quiet_NaN();
        const T inv = T(1) / static_cast<T>(rows);
        T total = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            const T* yr = y + r * c;
            const std::int32_t k = labels[r];
            if (k < 0 || static_cast<std::size_t>(k) >= c)
                throw index_error("typenet: softmax_cross_entropy: label " + std::to_string(k) + " of row " +
                                  std::to_string(r) + " is not a class index in [0, " + std::to_string(c) + ")");
            const T m = *std::max_element(yr, yr + c);
            T sum = 0;
            for (std::size_t j = 0; j < c; ++j) sum += std::exp(yr[j] - m);
            const T log_sum = std::log(sum);
            total += log_sum + m - yr[k];
            if (dy) {
                T* dr = dy + r * c;
                const T inv_sum = T(1) / sum;
                for (std::size_t j = 0; j < c; ++j) dr[j] = std::exp(yr[j] - m) * inv_sum * inv;
                dr[k] -= inv;
            }
        }
        return total * inv;
    }
};

}  // namespace typenet::loss

// SPDX-License-Identifier: BSL-1.0
// Defines what several train tests share: a deterministic batch and labels (5 classes), a
// network's whole state (parameters, then buffers) as one vector, and bit-for-bit equality of
// two such states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace typenet_test {

// Fills a batch with values in [-0.5, 0.5), the same for every run.
template <class B>
void fill(B& x) {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float((i * 7919) % 1013) / 1013.0f - 0.5f;
}

// Labels of 5 classes for `rows` rows.
inline std::vector<std::int32_t> labels(std::size_t rows) {
    std::vector<std::int32_t> y(rows);
    for (std::size_t r = 0; r < rows; ++r) y[r] = static_cast<std::int32_t>((r * 7) % 5);
    return y;
}

template <class Net>
std::vector<float> state_of(const Net& m) {
    std::vector<float> v(m.parameters().begin(), m.parameters().end());
    v.insert(v.end(), m.buffers().begin(), m.buffers().end());
    return v;
}

inline bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace typenet_test

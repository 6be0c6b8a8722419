// SPDX-License-Identifier: BSL-1.0
// Defines what several train tests compare: a network's whole state (parameters, then buffers)
// as one vector, and bit-for-bit equality of two such states.
#pragma once

#include <cstring>
#include <vector>

namespace typenet_test {

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

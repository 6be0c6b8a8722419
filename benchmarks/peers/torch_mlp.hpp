// SPDX-License-Identifier: BSL-1.0
// Declares peers::torch_mlp: the same MLP as eigen_mlp written as a libtorch 1.13 user writes it
// (torch::nn::Sequential of Linear and ReLU/Tanh, torch::nn::functional::cross_entropy,
// loss.backward(), torch::optim::SGD). Implemented in torch_mlp.cpp, the only file that sees
// libtorch's headers, so the workloads compile without them.
#pragma once

#include "eigen_mlp.hpp"  // peers::activation

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace peers {

class torch_mlp {
public:
    /// widths = {in, hidden..., out}, as eigen_mlp. Sets libtorch (and OpenBLAS, when it is the
    /// BLAS libtorch loaded) to one thread.
    torch_mlp(std::vector<std::size_t> widths, activation act, float learning_rate);
    ~torch_mlp();
    torch_mlp(const torch_mlp&) = delete;
    torch_mlp& operator=(const torch_mlp&) = delete;

    /// Layer l's weight (out x in, row-major) and bias, copied into the Linear module.
    void set_layer(std::size_t l, const float* w, const float* b);
    /// zero_grad, forward, cross_entropy, backward, SGD step; returns the loss before the update.
    /// Labels arrive as int32 and are widened to the int64 cross_entropy takes.
    float step(const float* x, const std::int32_t* labels, std::size_t rows);
    /// Logits under torch::NoGradGuard, copied to `out` (rows x classes, row-major).
    void predict(const float* x, std::size_t rows, float* out);

    /// The BLAS core OpenBLAS chose ("Haswell", "SkylakeX", ...), or why that is unknown.
    static std::string blas_core();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace peers

// SPDX-License-Identifier: BSL-1.0
// Defines peers::eigen_mlp: the MLP a competent Eigen 3.4 user writes by hand (the baseline of
// the training workloads W1-W4): dense layers with a fused bias + activation pass, softmax
// cross-entropy, a manual backward pass and plain SGD, float32, widths chosen at run time.
//
// Layout: every matrix is column-major with one sample per column, so a batch of `rows` samples
// of `in` features is the same memory as typenet's row-major batch<float, in> (no copy at the
// boundary), and W is (out x in) as in PyTorch. GEMMs write with noalias() into buffers sized
// once per batch size: a steady-state step allocates nothing.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace peers {

enum class activation { relu, tanh };

class eigen_mlp {
public:
    using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    using vector = Eigen::VectorXf;
    using const_map = Eigen::Map<const matrix>;

    /// widths = {in, hidden..., out}: every layer but the last is followed by `act`; the last
    /// gives the logits.
    eigen_mlp(std::vector<std::size_t> widths, activation act) : widths_(std::move(widths)), act_(act) {
        if (widths_.size() < 2) throw std::invalid_argument("eigen_mlp: needs at least an input and an output width");
        const std::size_t layers = widths_.size() - 1;
        w_.resize(layers), b_.resize(layers), dw_.resize(layers), db_.resize(layers);
        for (std::size_t l = 0; l < layers; ++l) {
            w_[l].setZero(index(widths_[l + 1]), index(widths_[l]));
            dw_[l].setZero(index(widths_[l + 1]), index(widths_[l]));
            b_[l].setZero(index(widths_[l + 1]));
            db_[l].setZero(index(widths_[l + 1]));
        }
    }

    std::size_t layers() const noexcept { return w_.size(); }

    /// Layer l's weight, (out x in) in row-major order (PyTorch's and typenet's), and its bias.
    void set_layer(std::size_t l, const float* w, const float* b) {
        w_[l] = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            w, w_[l].rows(), w_[l].cols());
        b_[l] = Eigen::Map<const vector>(b, b_[l].size());
    }

    /// Forward, loss, backward and p -= lr * grad on `rows` samples (x: rows x in, row-major).
    /// Returns the mean loss before the update.
    float step(const float* x, const std::int32_t* labels, std::size_t rows, float lr) {
        reserve(rows);
        const const_map x_map(x, index(widths_.front()), index(rows));
        forward(x_map);
        const float loss = softmax_cross_entropy(labels, rows);
        backward(x_map);
        for (std::size_t l = 0; l < layers(); ++l) {
            w_[l].noalias() -= lr * dw_[l];
            b_[l].noalias() -= lr * db_[l];
        }
        return loss;
    }

    /// Logits for `rows` samples; the returned pointer (out x rows, column-major = row-major
    /// rows x out) stays valid until the next call.
    const float* predict(const float* x, std::size_t rows) {
        reserve(rows);
        forward(const_map(x, index(widths_.front()), index(rows)));
        return a_.back().data();
    }

private:
    static Eigen::Index index(std::size_t n) { return static_cast<Eigen::Index>(n); }

    void reserve(std::size_t rows) {
        if (rows == rows_) return;
        rows_ = rows;
        a_.resize(layers()), d_.resize(layers());
        for (std::size_t l = 0; l < layers(); ++l) {
            a_[l].resize(index(widths_[l + 1]), index(rows));
            d_[l].resize(index(widths_[l + 1]), index(rows));
        }
    }

    // a_[l] = act(W_l a_{l-1} + b_l): the GEMM, then one pass for bias and activation together.
    void forward(const const_map& x) {
        for (std::size_t l = 0; l < layers(); ++l) {
            matrix& a = a_[l];
            if (l == 0) a.noalias() = w_[l] * x;
            else a.noalias() = w_[l] * a_[l - 1];
            if (l + 1 == layers()) a.colwise() += b_[l];
            else if (act_ == activation::relu) a = (a.colwise() + b_[l]).cwiseMax(0.0f);
            else a = (a.colwise() + b_[l]).array().tanh().matrix();
        }
    }

    // Mean cross-entropy of softmax(logits); d_.back() = (softmax - onehot) / rows.
    float softmax_cross_entropy(const std::int32_t* labels, std::size_t rows) {
        const matrix& z = a_.back();
        matrix& d = d_.back();
        const float inv = 1.0f / static_cast<float>(rows);
        double total = 0;
        for (Eigen::Index c = 0; c < index(rows); ++c) {
            const float m = z.col(c).maxCoeff();
            d.col(c) = (z.col(c).array() - m).exp().matrix();
            const float sum = d.col(c).sum();
            const Eigen::Index k = labels[c];
            total += std::log(sum) + m - z(k, c);
            d.col(c) *= inv / sum;
            d(k, c) -= inv;
        }
        return static_cast<float>(total * inv);
    }

    // d_[l] holds dL/dz_l on entry; the activation's derivative is applied while forming d_[l-1].
    void backward(const const_map& x) {
        for (std::size_t l = layers(); l-- > 0;) {
            const matrix& d = d_[l];
            db_[l].noalias() = d.rowwise().sum();
            if (l == 0) {
                dw_[l].noalias() = d * x.transpose();
                break;  // nobody needs the input's gradient
            }
            dw_[l].noalias() = d * a_[l - 1].transpose();
            matrix& prev = d_[l - 1];
            prev.noalias() = w_[l].transpose() * d;
            const auto a = a_[l - 1].array();
            if (act_ == activation::relu) prev.array() = (a > 0.0f).select(prev.array(), 0.0f);
            else prev.array() *= 1.0f - a.square();
        }
    }

    std::vector<std::size_t> widths_;
    activation act_;
    std::vector<matrix> w_, dw_;
    std::vector<vector> b_, db_;
    std::vector<matrix> a_, d_;  // per layer: its output, and dL/d(its pre-activation)
    std::size_t rows_ = 0;
};

}  // namespace peers

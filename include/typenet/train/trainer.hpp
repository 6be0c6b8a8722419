// SPDX-License-Identifier: BSL-1.0
// Defines trainer<Net, Loss, Optimiser, Clip>: one training step as forward, loss, backward,
// clipping and update, with every buffer kept between steps (steady state allocates nothing).
#pragma once

#include <typenet/core/batch_view.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/storage.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/reduce.hpp>
#include <typenet/nn/clip/none.hpp>
#include <typenet/nn/loss/detail.hpp>
#include <typenet/nn/network.hpp>
#include <typenet/nn/optim/sgd.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <type_traits>

namespace typenet {

/// A parameter-shaped buffer with the network's parameter names (what `trainer::gradients()`
/// returns): save it with tn::save_npz, or visit it with for_each_parameter.
template <class Net, class T>
class parameter_view {
public:
    parameter_view(T* data) noexcept : data_(data) {}  // NOLINT
    template <class F>
    void for_each_parameter(F&& f) const {
        Net::visit(data_, f);
    }
    std::span<T> parameters() const noexcept { return {data_, Net::parameter_count}; }

private:
    T* data_;
};

namespace detail {
template <class Net>
concept network_type = requires { typename Net::sequence; typename Net::value_type; };

// The squared L2 norm of n contiguous values, through the library's own reduction.
template <class T>
T squared_norm_of(const T* g, std::size_t n) {
    return typenet::squared_norm(batch_view<const T, 1>(g, n));
}
}  // namespace detail

/// Trains a network: `tn::trainer<mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd,
/// tn::clip::global_norm> fit{model, {.optimiser = {.learning_rate = 0.01}, .clip = {.max_norm = 5}}};`
/// Policies are types (a policy not chosen compiles to nothing); hyper-parameters are values.
/// Example: examples/mlp_basics.cpp
template <class Net, class Loss, class Optimiser = optim::sgd, class Clip = clip::none>
class trainer {
    static_assert(detail::network_type<Net>, "typenet: trainer: the first argument must be a tn::network type");

public:
    using network_type = Net;
    using value_type = typename Net::value_type;
    using T = value_type;
    using sequence = typename Net::sequence;
    using output_shape = typename Net::output_shape;

    struct options {
        typename Optimiser::options optimiser{};
        typename Clip::options clip{};
    };

    trainer(Net& model, options o = {})
        : model_(model), options_(o), grads_(Net::parameter_count), state_(Optimiser::state_slots * Net::parameter_count) {}

    /// Forward, loss, backward, clipping and update; returns the loss before the update.
    /// A batch of zero rows changes nothing and returns NaN (PyTorch's mean of nothing).
    template <leaf_expression X, class Labels>
    T step(const X& x, const Labels& labels) {
        const T loss = backward(x, labels);
        if (x.rows() == 0) return loss;
        ++steps_;
        const T norm = Clip::needs_norm ? last_norm_ : T(0);
        const auto transform = Clip::make(options_.clip, norm);
        Optimiser::update(options_.optimiser, model_.parameters().data(), grads_.data(), state_.data(),
                          Net::parameter_count, steps_, transform);
        return loss;
    }

    /// Forward and backward only: fills gradients() and returns the loss; parameters unchanged.
    template <leaf_expression X, class Labels>
    T backward(const X& x, const Labels& labels) {
        // sizeof rather than ::value: a failed check then stops here, without a second error
        // about an incomplete checker type.
        static_assert(sizeof(detail::require_input_batch<X, typename Net::input_shape, T>) > 0);
        static_assert(sizeof(detail::check_labels<Loss, output_shape, Labels>) > 0);
        const std::size_t rows = x.rows();
        if (rows == 0) {
            norm_valid_ = false;
            return Loss::template evaluate<output_shape>(static_cast<const T*>(nullptr), labels, static_cast<T*>(nullptr), 0);
        }
        reserve(rows);
        const T* params = model_.parameters().data();
        const T* y = sequence::forward(params, x.data(), acts_.data(), rows);
        const T loss = Loss::template evaluate<output_shape>(y, labels, dy_.data(), rows);
        T sq = 0;
        auto hook = [&](std::size_t offset, std::size_t count) {
            if constexpr (Clip::needs_norm) sq += detail::squared_norm_of(grads_.data() + offset, count);
            (void)offset;
            (void)count;
        };
        sequence::backward(params, x.data(), acts_.data(), dy_.data(), static_cast<T*>(nullptr), grads_.data(),
                           work_.data(), rows, hook);
        if constexpr (Clip::needs_norm) {
            last_norm_ = std::sqrt(sq);
            norm_valid_ = true;
        } else {
            norm_valid_ = false;
        }
        return loss;
    }

    /// The global L2 norm of the last gradients, before clipping (computed here when the
    /// clipping policy did not need it).
    T last_gradient_norm() const {
        if (!norm_valid_) {
            last_norm_ = std::sqrt(detail::squared_norm_of(grads_.data(), Net::parameter_count));
            norm_valid_ = true;
        }
        return last_norm_;
    }

    /// The last gradients, named like the parameters ("0.weight", ...).
    parameter_view<Net, const T> gradients() const noexcept { return {grads_.data()}; }
    options& settings() noexcept { return options_; }
    const options& settings() const noexcept { return options_; }
    std::size_t steps() const noexcept { return steps_; }
    Net& model() noexcept { return model_; }

private:
    // Grows the per-batch buffers; a batch no larger than one seen before allocates nothing.
    void reserve(std::size_t rows) {
        if (rows <= rows_capacity_) return;
        acts_.reserve_discard(rows * sequence::activation_size);
        work_.reserve_discard(rows * sequence::scratch_size);
        dy_.reserve_discard(rows * output_shape::size);
        rows_capacity_ = rows;
    }

    Net& model_;
    options options_;
    detail::dynamic_storage<T> grads_, state_, acts_, work_, dy_;
    std::size_t rows_capacity_ = 0;
    std::size_t steps_ = 0;
    mutable T last_norm_ = 0;
    mutable bool norm_valid_ = false;
};

}  // namespace typenet

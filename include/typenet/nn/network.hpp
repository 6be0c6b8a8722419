// SPDX-License-Identifier: BSL-1.0
// Defines basic_network<T, input<...>, Layers...> and network<...> (= basic_network<float, ...>):
// a neural network as a type, owning its parameters in one flat, aligned buffer.
#pragma once

#include <typenet/core/batch.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/detail/value_type_check.hpp>
#include <typenet/core/storage.hpp>
#include <typenet/expr/detail/container_for.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/kernels/lanes.hpp>
#include <typenet/kernels/parallel.hpp>
#include <typenet/nn/detail/parameter_info.hpp>
#include <typenet/nn/detail/pass.hpp>
#include <typenet/nn/detail/sequence.hpp>
#include <typenet/nn/detail/type_at.hpp>
#include <typenet/nn/input.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

namespace detail {
template <class X, class Shape, class T>
struct require_input_batch {
    static_assert(std::is_same_v<typename X::static_shape, Shape> && X::batched,
                  "typenet: network: the input must be a batch whose feature shape is the network's input shape "
                  "(see Shape and X in require_input_batch)");
    static constexpr bool value = true;
};
template <class T, class... L>
struct require_network_input {
    static_assert(sizeof...(L) > 0 && is_input_v<type_at_t<0, L..., void>>,
                  "typenet: network: the first element must be tn::input<...>, the shape of one sample");
    static constexpr bool value = true;
};
}  // namespace detail

/// An entry of the state_dict as a person or a file sees it: its name, its shape and its
/// values; `trainable` is false for a buffer (batch norm's running statistics), which the
/// optimiser never touches and which has no gradient.
template <class T>
struct parameter_ref {
    std::string name;
    std::vector<std::size_t> shape;
    std::span<T> values;
    bool trainable = true;
};

template <class T, class... L>
class basic_network;

/// A network as a type: `basic_network<double, tn::input<784>, tn::dense<10>, tn::relu>`.
/// Shapes are inferred and checked at compile time; parameters live in one aligned buffer in
/// list order, named as PyTorch's state_dict names them ("0.weight", "0.bias", "2.weight", ...).
/// Buffers (state that is not trained: batch norm's running statistics) follow them in the
/// same allocation. Value semantics: copying a network copies its parameters and buffers.
/// `model(x)` runs in evaluation mode (running statistics, no dropout) and changes nothing;
/// a tn::trainer runs the training mode.
/// Example: examples/mlp_basics.cpp
template <class T, class Input, class... Layers>
class basic_network<T, Input, Layers...> {
    static_assert(detail::require_network_input<T, Input>::value);
    static_assert(detail::supported_value_type<T>, "typenet: network: the value type must be float or double");

public:
    using value_type = T;
    using sequence = detail::sequence<typename Input::shape_type, Layers...>;
    using input_shape = typename sequence::input_shape;
    using output_shape = typename sequence::output_shape;
    using input_batch = detail::container_for_t<T, input_shape, true>;
    using output_batch = detail::container_for_t<T, output_shape, true>;
    static constexpr std::size_t parameter_count = sequence::parameter_count;
    static constexpr std::size_t buffer_count = sequence::buffer_count;
    static constexpr std::size_t layer_count = sequence::index_span;

    /// Parameters initialised from seed 0.
    basic_network() : basic_network(seed{0}) {}
    /// Every parameter initialised by its layer's policy from `s`; layer i draws from its own
    /// stream of the seed, so changing one layer leaves the others' initial values alone.
    basic_network(seed s) : params_(state_size) {  // NOLINT
        sequence::initialize(params_.data(), params_.data() + parameter_count, s.value, 0);
    }
    /// (Copying a moved-from network gives a moved-from network.)
    basic_network(const basic_network& o)
        : params_(o.params_.data() ? detail::dynamic_storage<T>(state_size) : detail::dynamic_storage<T>()) {
        if (o.params_.data()) std::copy_n(o.params_.data(), state_size, params_.data());
    }
    basic_network(basic_network&&) noexcept = default;
    basic_network& operator=(const basic_network& o) {
        if (this == &o) return *this;
        if (!o.params_.data()) {
            params_ = detail::dynamic_storage<T>();
            return *this;
        }
        if (!params_.data()) params_ = detail::dynamic_storage<T>(state_size);
        std::copy_n(o.params_.data(), state_size, params_.data());
        return *this;
    }
    basic_network& operator=(basic_network&&) noexcept = default;

    /// Inference on any number of rows (one included), in evaluation mode: batch norm uses its
    /// running statistics, dropout passes its input through. Returns the output batch.
    template <leaf_expression X>
    output_batch operator()(const X& x) const {
        static_assert(detail::require_input_batch<X, input_shape, T>::value);
        const std::size_t rows = x.rows();
        detail::dynamic_storage<T> acts(rows * sequence::activation_size);
        output_batch out(rows);
        if (rows == 0) return out;
        if (!params_.data()) throw std::logic_error("typenet: network: this network was moved from; assign it first");
        detail::forward_pass<T> pass;
        pass.buffers = params_.data() + parameter_count;
        const T* y = sequence::forward(params_.data(), x.data(), acts.data(), rows, pass);
        // An explicit SIMD copy: g++ 12 -O3 turns std::copy_n here into a memcpy whose bound it
        // misjudges (a false -Wstringop-overflow).
        T* o = out.data();
        kernels::for_each_lane<T>(rows * output_shape::size, [&](std::size_t i, auto lane) {
            kernels::lane_store(lane, o + i, kernels::lane_load(lane, y + i));
        });
        return out;
    }

    /// The same inference with its dense layers split over `pool`, a tn::thread_pool
    /// (<typenet/parallel.hpp>): at a few rows each thread streams its own outputs' rows of W,
    /// at more the GEMMs split as in training. The result is bit-identical to model(x). Calls
    /// from several threads on one pool take turns. Example: examples/parallel_training.cpp
    template <leaf_expression X>
    output_batch operator()(const X& x, kernels::parallel_executor& pool) const {
        const kernels::parallel_scope scope(&pool);
        return (*this)(x);
    }

    /// The trainable parameters, flat, in state_dict order (what the optimiser updates).
    /// (Empty for a moved-from network.)
    std::span<T> parameters() noexcept { return {params_.data(), params_.data() ? parameter_count : 0}; }
    std::span<const T> parameters() const noexcept { return {params_.data(), params_.data() ? parameter_count : 0}; }
    /// The buffers (batch norm's running statistics), flat, in state_dict order.
    std::span<T> buffers() noexcept { return params_.data() ? std::span<T>(params_.data() + parameter_count, buffer_count) : std::span<T>(); }
    std::span<const T> buffers() const noexcept {
        return params_.data() ? std::span<const T>(params_.data() + parameter_count, buffer_count) : std::span<const T>();
    }

    /// f(parameter_ref<T>) or f(parameter_ref<const T>) for each entry of the state_dict
    /// (parameters and buffers, in PyTorch's order): what tn::save_npz writes and load_npz reads.
    template <class F>
    void for_each_parameter(F&& f) {
        visit_state(params_.data(), f);
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        visit_state(params_.data(), f);
    }

    /// The state_dict entry with this name; throws std::out_of_range naming it otherwise.
    std::span<T> parameter(const std::string& name) { return find(params_.data(), name); }
    std::span<const T> parameter(const std::string& name) const { return find(params_.data(), name); }

    /// Visits a buffer laid out like the trainable parameters (the gradients, an optimiser's
    /// state): f(parameter_ref<U>) for each trainable parameter, buffers skipped.
    template <class U, class F>
    static void visit(U* base, F& f) {
        sequence::for_each_parameter("", 0, 0, 0, [&](const std::string& name, const detail::parameter_info& p, std::size_t off) {
            if (p.trainable) f(make_ref(name, p, base + off));
        });
    }
    /// Visits parameters followed by buffers, laid out as a network holds them.
    template <class U, class F>
    static void visit_state(U* base, F& f) {
        sequence::for_each_parameter("", 0, 0, 0, [&](const std::string& name, const detail::parameter_info& p, std::size_t off) {
            f(make_ref(name, p, base + (p.trainable ? off : parameter_count + off)));
        });
    }

private:
    static constexpr std::size_t state_size = parameter_count + buffer_count;

    template <class U>
    static parameter_ref<U> make_ref(const std::string& name, const detail::parameter_info& p, U* at) {
        return {name, std::vector<std::size_t>(p.extent.begin(), p.extent.begin() + p.rank), std::span<U>(at, p.size()),
                p.trainable};
    }
    template <class U>
    static std::span<U> find(U* base, const std::string& name) {
        std::span<U> found;
        bool ok = false;
        auto match = [&](const parameter_ref<U>& p) {
            if (p.name == name) found = p.values, ok = true;
        };
        visit_state(base, match);
        if (!ok) throw std::out_of_range("typenet: network: no parameter or buffer named \"" + name + "\"");
        return found;
    }

    detail::dynamic_storage<T> params_;
};

template <class T>
class basic_network<T> {
    static_assert(detail::require_network_input<T>::value);
};

/// A network of floats: `tn::network<tn::input<784>, tn::dense<10>>`.
template <class... L>
using network = basic_network<float, L...>;

}  // namespace typenet

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
#include <typenet/nn/detail/parameter_info.hpp>
#include <typenet/nn/detail/sequence.hpp>
#include <typenet/nn/detail/type_at.hpp>
#include <typenet/nn/input.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
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

/// A parameter as a person or a file sees it: its state_dict name, its shape and its values.
template <class T>
struct parameter_ref {
    std::string name;
    std::vector<std::size_t> shape;
    std::span<T> values;
};

template <class T, class... L>
class basic_network;

/// A network as a type: `basic_network<double, tn::input<784>, tn::dense<10>, tn::relu>`.
/// Shapes are inferred and checked at compile time; parameters live in one aligned buffer in
/// list order, named as PyTorch's state_dict names them ("0.weight", "0.bias", "2.weight", ...).
/// Value semantics: copying a network copies its parameters.
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
    static constexpr std::size_t layer_count = sequence::index_span;

    /// Parameters initialised from seed 0.
    basic_network() : basic_network(seed{0}) {}
    /// Every parameter initialised by its layer's policy from `s`; layer i draws from its own
    /// stream of the seed, so changing one layer leaves the others' initial values alone.
    basic_network(seed s) : params_(parameter_count) { sequence::initialize(params_.data(), s.value, 0); }  // NOLINT
    basic_network(const basic_network& o) : params_(parameter_count) {
        std::copy_n(o.params_.data(), parameter_count, params_.data());
    }
    basic_network(basic_network&&) noexcept = default;
    basic_network& operator=(const basic_network& o) {
        std::copy_n(o.params_.data(), parameter_count, params_.data());
        return *this;
    }
    basic_network& operator=(basic_network&&) noexcept = default;

    /// Inference on any number of rows (one included): returns the output batch.
    template <leaf_expression X>
    output_batch operator()(const X& x) const {
        static_assert(detail::require_input_batch<X, input_shape, T>::value);
        const std::size_t rows = x.rows();
        detail::dynamic_storage<T> acts(rows * sequence::activation_size);
        output_batch out(rows);
        if (rows == 0) return out;
        const T* y = sequence::forward(params_.data(), x.data(), acts.data(), rows);
        // An explicit SIMD copy: g++ 12 -O3 turns std::copy_n here into a memcpy whose bound it
        // misjudges (a false -Wstringop-overflow).
        T* o = out.data();
        kernels::for_each_lane<T>(rows * output_shape::size, [&](std::size_t i, auto lane) {
            kernels::lane_store(lane, o + i, kernels::lane_load(lane, y + i));
        });
        return out;
    }

    /// All parameters, flat, in state_dict order.
    /// (Empty for a moved-from network.)
    std::span<T> parameters() noexcept { return {params_.data(), params_.data() ? parameter_count : 0}; }
    std::span<const T> parameters() const noexcept { return {params_.data(), params_.data() ? parameter_count : 0}; }

    /// f(parameter_ref<T>) or f(parameter_ref<const T>) for each parameter, in state_dict order.
    template <class F>
    void for_each_parameter(F&& f) {
        visit(params_.data(), f);
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        visit(params_.data(), f);
    }

    /// The parameter with this state_dict name; throws std::out_of_range naming it otherwise.
    std::span<T> parameter(const std::string& name) { return find(params_.data(), name); }
    std::span<const T> parameter(const std::string& name) const { return find(params_.data(), name); }

    // Used by trainers and io: visits a buffer laid out like the parameters (e.g. gradients).
    template <class U, class F>
    static void visit(U* base, F& f) {
        sequence::for_each_parameter("", 0, 0, [&](const std::string& name, const detail::parameter_info& p, std::size_t off) {
            f(parameter_ref<U>{name, std::vector<std::size_t>(p.extent.begin(), p.extent.begin() + p.rank),
                               std::span<U>(base + off, p.size())});
        });
    }

private:
    template <class U>
    static std::span<U> find(U* base, const std::string& name) {
        std::span<U> found;
        bool ok = false;
        auto match = [&](const parameter_ref<U>& p) {
            if (p.name == name) found = p.values, ok = true;
        };
        visit(base, match);
        if (!ok) throw std::out_of_range("typenet: network: no parameter named \"" + name + "\"");
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

// SPDX-License-Identifier: BSL-1.0
// Defines the defaults a bound layer without parameters inherits, and the naming helpers.
#pragma once

#include <typenet/core/random.hpp>
#include <typenet/nn/detail/parameter_info.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace typenet::detail {

// For a layer at state_dict index `index`, parameter p is named "<prefix><index>.<p.name>".
inline std::string parameter_name(const std::string& prefix, std::size_t index, const char* name) {
    return prefix + std::to_string(index) + "." + name;
}

template <class In, class Out>
struct parameterless_layer {
    using input_shape = In;
    using output_shape = Out;
    static constexpr std::size_t parameter_count = 0;
    static constexpr std::size_t activation_size = Out::size;
    static constexpr std::size_t index_span = 1;
    static constexpr std::size_t buffer_count = 0;
    static constexpr std::size_t scratch_size = 0;

    template <class F>
    static void for_each_parameter(const std::string&, std::size_t, std::size_t, std::size_t, F&&) {}
    template <class T>
    static void initialize(T*, T*, std::uint64_t, std::size_t) {}
};

}  // namespace typenet::detail

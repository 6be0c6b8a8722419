// SPDX-License-Identifier: BSL-1.0
// Defines block_mean_field<Layers...>(in, dims): the mean-field step of a block of layers, the
// composition of its layers' steps (output of the last, product of the backward maps). repeat and the
// residual blocks state their own step with it, so nested blocks reuse the sequence's rule.
#pragma once

#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/mean_field.hpp>

#include <array>
#include <cstddef>

namespace typenet::detail {

template <class... Layers>
constexpr mean_field_gain block_mean_field(mean_field in, dims d) {
    constexpr std::array<mean_field_gain (*)(mean_field, dims), sizeof...(Layers)> step{
        &layer_of_t<Layers>::mean_field_step...};
    constexpr std::array<dims (*)(dims), sizeof...(Layers)> output{&layer_of_t<Layers>::output_dims...};
    mean_field_gain total{in};
    for (std::size_t i = 0; i < sizeof...(Layers); ++i) {
        const mean_field_gain g = step[i](total.out, d);
        total.out = g.out;
        total.back = then(total.back, g.back);
        d = output[i](d);
    }
    return total;
}

}  // namespace typenet::detail

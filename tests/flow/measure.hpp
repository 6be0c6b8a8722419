// SPDX-License-Identifier: BSL-1.0
// Measures, at initialisation, the norm of the gradient reaching each parameterised layer's
// input (dL/dh, as the engine's backward observer reports it) and of each layer's weight
// gradient (dL/dW), for a network type over several seeds, batch 256 of N(0, 1) inputs and an
// MSE loss against N(0, 1) targets, in a training pass (batch norm uses batch statistics).
#pragma once

#include <typenet/typenet.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flow_test {

namespace tn = typenet;

/// Per parameterised layer, in state_dict order: its prefix, and the geometric mean over seeds
/// of ||dL/dh|| and ||dL/dW|| (a weight, or batch norm's "weight") relative to the last layer's.
struct profile {
    std::vector<std::string> prefixes;
    std::vector<double> input_ratio;   // ||dL/dh_l|| / ||dL/dh_last||
    std::vector<double> weight_ratio;  // ||dL/dW_l|| / ||dL/dW_last||
};

// Records the squared norms the observer reports, by layer (parameter offset -> index).
template <class T>
struct recording_sink {
    static constexpr bool wants_input_gradients = true;
    const std::map<std::size_t, std::size_t>* index;
    std::vector<double>* input_sq;
    void gradients(std::size_t, std::size_t) {}
    void input_gradient(std::size_t offset, const T* dx, std::size_t count) {
        double s = 0;
        for (std::size_t k = 0; k < count; ++k) s += double(dx[k]) * double(dx[k]);
        (*input_sq)[index->at(offset)] = s;
    }
};

template <class Net>
profile measure(std::size_t seeds, std::size_t rows = 256) {
    using T = typename Net::value_type;
    using S = typename Net::sequence;
    profile out;
    // The parameterised leaf layers: group the trainable parameters by prefix; a layer's
    // offset is its first parameter's.
    std::map<std::size_t, std::size_t> index;
    std::vector<std::size_t> weight_offset, weight_size;
    {
        Net probe;
        const T* base = probe.parameters().data();
        probe.for_each_parameter([&](const auto& p) {
            if (!p.trainable) return;
            const std::string prefix = p.name.substr(0, p.name.rfind('.'));
            const std::size_t offset = static_cast<std::size_t>(p.values.data() - base);
            if (out.prefixes.empty() || out.prefixes.back() != prefix) {
                index.emplace(offset, out.prefixes.size());
                out.prefixes.push_back(prefix);
                weight_offset.push_back(offset);
                weight_size.push_back(p.values.size());
            }
        });
    }
    const std::size_t layers = out.prefixes.size();
    std::vector<double> log_in(layers, 0.0), log_w(layers, 0.0);
    std::vector<T> acts(rows * S::activation_size), work(rows * S::scratch_size), dy(rows * Net::output_shape::size),
        dx(rows * Net::input_shape::size), dp(Net::parameter_count);
    for (std::size_t s = 0; s < seeds; ++s) {
        Net model{tn::seed{1000 + s}};
        tn::detail::rng r(77 + s, 0);
        typename Net::input_batch x(rows);
        for (T& v : x) v = static_cast<T>(r.normal());
        typename Net::output_batch target(rows);
        for (T& v : target) v = static_cast<T>(r.normal());
        tn::detail::forward_pass<T> pass;
        pass.training = true;
        pass.buffers = model.buffers().data();
        const T* y = S::forward(model.parameters().data(), x.data(), acts.data(), rows, pass);
        tn::loss::mse::evaluate<typename Net::output_shape>(y, target, dy.data(), rows);
        for (T& v : dy) v = static_cast<T>(r.normal());
        std::vector<double> input_sq(layers, 0.0);
        recording_sink<T> sink{&index, &input_sq};
        S::backward(model.parameters().data(), x.data(), acts.data(), dy.data(), dx.data(), dp.data(), work.data(), rows,
                    tn::detail::observer<recording_sink<T>>{&sink});
        std::vector<double> weight_sq(layers, 0.0);
        for (std::size_t l = 0; l < layers; ++l)
            for (std::size_t k = 0; k < weight_size[l]; ++k)
                weight_sq[l] += double(dp[weight_offset[l] + k]) * double(dp[weight_offset[l] + k]);
        for (std::size_t l = 0; l < layers; ++l) {
            log_in[l] += 0.5 * (std::log(input_sq[l]) - std::log(input_sq[layers - 1])) / double(seeds);
            log_w[l] += 0.5 * (std::log(weight_sq[l]) - std::log(weight_sq[layers - 1])) / double(seeds);
        }
    }
    for (std::size_t l = 0; l < layers; ++l) {
        out.input_ratio.push_back(std::exp(log_in[l]));
        out.weight_ratio.push_back(std::exp(log_w[l]));
    }
    return out;
}

/// The per-layer factor that best fits a ratio profile, as tn::predicted_layer::factor means it
/// (ratio_l / ratio_(l+1)): exp of minus the least-squares slope of log(ratio) against the
/// layer's position.
inline double fitted_factor(const std::vector<double>& ratio) {
    const double n = double(ratio.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t l = 0; l < ratio.size(); ++l) {
        const double x = double(l), y = std::log(ratio[l]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    return std::exp(-(n * sxy - sx * sy) / (n * sxx - sx * sx));
}

}  // namespace flow_test

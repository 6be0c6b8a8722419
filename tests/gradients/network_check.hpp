// SPDX-License-Identifier: BSL-1.0
// Shared by tests/gradients/network_*_test.cpp: float64 central finite differences of a
// network's loss, with respect to its parameters (compared with tn::trainer's gradients) and
// with respect to its input (compared with the engine's backward pass asked for dx).
#pragma once

#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace network_check {

namespace tn = typenet;


// A small deterministic generator (splitmix64), independent of the library's.
struct gen {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // |v| in [0.1, 1], either sign: keeps inputs away from the kink of relu at 0.
    double away_from_zero() {
        const double v = uniform(0.1, 1.0);
        return (next() & 1) ? v : -v;
    }
};

// Moves every parameter by a little noise, so biases are not 0 and zeros-initialised layers
// still pass gradients on.
template <class Net>
void perturb(Net& m, std::uint64_t seed, double scale = 0.2) {
    gen g{seed};
    for (auto& p : m.parameters()) p += static_cast<typename Net::value_type>(scale * g.uniform(-1.0, 1.0));
}

template <class Net>
typename Net::input_batch make_input(std::size_t rows, std::uint64_t seed) {
    typename Net::input_batch x(rows);
    gen g{seed};
    for (auto& v : x) v = static_cast<typename Net::value_type>(g.away_from_zero());
    return x;
}

// Labels the loss takes, for `rows` rows.
template <class Net, class Loss>
auto make_labels(std::size_t rows, std::uint64_t seed) {
    gen g{seed};
    if constexpr (std::is_same_v<Loss, tn::loss::softmax_cross_entropy>) {
        std::vector<std::int32_t> y(rows);
        for (auto& v : y) v = static_cast<std::int32_t>(g.next() % Net::output_shape::size);
        return y;
    } else {
        typename Net::output_batch y(rows);
        const bool probabilities = std::is_same_v<Loss, tn::loss::binary_cross_entropy_with_logits>;
        for (auto& v : y) v = static_cast<typename Net::value_type>(probabilities ? g.uniform() : g.uniform(-1.0, 1.0));
        return y;
    }
}

// The pass a trainer runs (training mode: batch statistics, dropout with the trainer's first
// mask), without updating running statistics, so that the loss is a function of the
// parameters alone.
template <class Net>
tn::detail::forward_pass<double> training_pass(const Net& m) {
    tn::detail::forward_pass<double> pass;
    pass.training = true;
    pass.buffers = m.buffers().data();
    return pass;
}

template <class Loss, class Net, class X, class Labels>
double loss_of(const Net& m, const X& x, const Labels& y) {
    using S = typename Net::sequence;
    std::vector<double> acts(x.rows() * S::activation_size);
    const double* out = S::forward(m.parameters().data(), x.data(), acts.data(), x.rows(), training_pass(m));
    return Loss::template evaluate<typename Net::output_shape>(out, y, static_cast<double*>(nullptr), x.rows());
}

// Mixed criterion: relative 1e-6 for ordinary gradients, absolute 1e-9 (about the rounding of a
// central difference of a loss of order 1 with a step of 1e-5) for tiny ones.
inline bool close(double analytic, double numeric, double rel = 1e-6, double abs = 1e-9) {
    return std::abs(analytic - numeric) <= abs + rel * std::max(std::abs(analytic), std::abs(numeric));
}

// Which of n indices to check: all when n <= limit, else a deterministic, evenly spread sample
// of `limit` that always contains the first and last.
inline std::vector<std::size_t> sample(std::size_t n, std::size_t limit) {
    std::vector<std::size_t> idx;
    if (n <= limit) {
        for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
        for (std::size_t k = 0; k < limit; ++k) idx.push_back(k * (n - 1) / (limit - 1));
    }
    return idx;
}

// The parameter name owning flat index i.
template <class Net>
std::string name_of(const Net& m, std::size_t i) {
    std::string found;
    std::size_t offset = 0;
    m.for_each_parameter([&](const auto& p) {
        if (!p.trainable) return;
        if (i >= offset && i < offset + p.values.size()) found = p.name + "[" + std::to_string(i - offset) + "]";
        offset += p.values.size();
    });
    return found;
}

constexpr double step = 1e-5;

struct result {
    std::size_t checked = 0;
    std::size_t failed = 0;
};

/// Checks trainer<Net, Loss>::backward's parameter gradients against central differences of the
/// loss (every parameter, or `limit` of them), on `rows` rows. Returns the trainer's gradients.
template <class Net, class Loss>
std::vector<double> check_parameter_gradients(std::size_t rows, std::uint64_t seed = 7, std::size_t limit = 400) {
    static_assert(std::is_same_v<typename Net::value_type, double>);
    Net model{tn::seed{seed}};
    perturb(model, seed + 1);
    const auto x = make_input<Net>(rows, seed + 2);
    const auto y = make_labels<Net, Loss>(rows, seed + 3);

    tn::trainer<Net, Loss> fit{model};
    const double loss = fit.backward(x, y);
    BOOST_TEST(std::isfinite(loss));
    BOOST_TEST(loss == loss_of<Loss>(model, x, y), boost::test_tools::tolerance(1e-12));
    const auto gs = fit.gradients().parameters();
    std::vector<double> g(gs.begin(), gs.end());

    result r;
    auto params = model.parameters();
    for (std::size_t i : sample(Net::parameter_count, limit)) {
        const double keep = params[i];
        params[i] = keep + step;
        const double up = loss_of<Loss>(model, x, y);
        params[i] = keep - step;
        const double down = loss_of<Loss>(model, x, y);
        params[i] = keep;
        const double numeric = (up - down) / (2 * step);
        ++r.checked;
        if (!close(g[i], numeric) && ++r.failed <= 5)
            BOOST_ERROR("rows " << rows << ", parameter " << name_of(model, i) << ": trainer " << g[i]
                                << ", finite difference " << numeric);
    }
    BOOST_TEST(r.failed == 0u, "rows " << rows << ": " << r.failed << " of " << r.checked << " gradients differ");
    BOOST_TEST(r.checked >= std::min<std::size_t>(Net::parameter_count, 200));
    return g;
}

/// Checks the engine's gradient with respect to the input (sequence::backward with a dx
/// buffer; the trainer never asks for it) against central differences of the loss.
template <class Net, class Loss>
void check_input_gradients(std::size_t rows, std::uint64_t seed = 11, std::size_t limit = 300) {
    using S = typename Net::sequence;
    Net model{tn::seed{seed}};
    perturb(model, seed + 1);
    auto x = make_input<Net>(rows, seed + 2);
    const auto y = make_labels<Net, Loss>(rows, seed + 3);

    std::vector<double> acts(rows * S::activation_size), work(rows * S::scratch_size),
        dy(rows * Net::output_shape::size), dx(rows * Net::input_shape::size, -777.0), dp(Net::parameter_count);
    const double* out = S::forward(model.parameters().data(), x.data(), acts.data(), rows, training_pass(model));
    Loss::template evaluate<typename Net::output_shape>(out, y, dy.data(), rows);
    S::backward(model.parameters().data(), x.data(), acts.data(), dy.data(), dx.data(), dp.data(), work.data(), rows,
                tn::detail::no_observer{});

    result r;
    for (std::size_t i : sample(dx.size(), limit)) {
        const double keep = x.data()[i];
        x.data()[i] = keep + step;
        const double up = loss_of<Loss>(model, x, y);
        x.data()[i] = keep - step;
        const double down = loss_of<Loss>(model, x, y);
        x.data()[i] = keep;
        const double numeric = (up - down) / (2 * step);
        ++r.checked;
        if (!close(dx[i], numeric) && ++r.failed <= 5)
            BOOST_ERROR("rows " << rows << ", input value " << i << ": backward " << dx[i] << ", finite difference "
                                << numeric);
    }
    BOOST_TEST(r.failed == 0u, "rows " << rows << ": " << r.failed << " of " << r.checked << " input gradients differ");
}

inline constexpr std::size_t batch_sizes[] = {1, 3, 64};

}  // namespace network_check

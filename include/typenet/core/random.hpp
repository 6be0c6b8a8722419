// SPDX-License-Identifier: BSL-1.0
// Defines seed and the random number generator typenet initialises parameters with.
//
// The generator (splitmix64) and the normal transform (Box-Muller) are written out here rather
// than taken from <random>: std::normal_distribution is implementation-defined, so libstdc++
// and libc++ would give different weights for the same seed. These give the same everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace typenet {

/// The seed every random choice of a model derives from: `mlp model{tn::seed{42}};`.
struct seed {
    std::uint64_t value = 0;
};

namespace detail {

class rng {
public:
    explicit rng(std::uint64_t seed) noexcept : state_(seed) {}
    // A generator for one stream (e.g. one layer) of a seed: streams do not overlap in practice,
    // and adding a layer does not change the initial values of the others.
    rng(std::uint64_t seed, std::uint64_t stream) noexcept : state_(seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1))) {
        next();
    }

    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1), 53 random bits.
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [lo, hi). An explicit fma: left to the compiler, `lo + (hi - lo) * u` is
    /// contracted at some call sites and not at others, and the last bit would differ.
    double uniform(double lo, double hi) noexcept { return std::fma(hi - lo, uniform(), lo); }
    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform();
        while (u1 <= 0.0) u1 = uniform();
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
        has_spare_ = true;
        return r * std::cos(2.0 * std::numbers::pi * u2);
    }

private:
    std::uint64_t state_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace detail
}  // namespace typenet

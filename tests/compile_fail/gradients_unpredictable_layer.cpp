// SPDX-License-Identifier: BSL-1.0
// Defines the compile-fail test for a gradient-flow prediction over a layer that states no
// mean-field step: a dense whose init policy gives no variance(fan). check_predictable names
// its position and the layer. The ok twin uses a policy with variance(fan).
// expect: typenet: gradient flow: every layer must state its mean-field step
// expect: check_predictable<1, typenet::dense<16, custom_init> ?>
#include <typenet/typenet.hpp>
#include <typenet/gradient_flow.hpp>

#include <cstddef>

namespace tn = typenet;

struct custom_init {
    static constexpr const char* name = "custom";
    template <class T>
    static void fill(T* w, std::size_t n, tn::init::fan, tn::detail::rng&) {
        for (std::size_t i = 0; i < n; ++i) w[i] = T(0.01);
    }
#ifndef TYPENET_SHOULD_FAIL
    static constexpr double variance(tn::init::fan) { return 1e-4; }
#endif
};
struct net : tn::network<tn::input<16>, tn::dense<16>, tn::dense<16, custom_init>, tn::tanh> {};
static_assert(tn::predicted_gradient_flow<net>().size() <= 2);

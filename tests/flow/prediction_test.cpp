// SPDX-License-Identifier: BSL-1.0
// The compile-time prediction (tn::predicted_gradient_flow) against measurement at
// initialisation: 10-, 20-, 30- and 50-deep, 256-wide networks in each standard configuration
// (sigmoid, tanh and ReLU, each with Xavier and He init; plain, with batch norm, with residual
// blocks, with both; and with layer norm, plain and residual, for relu/He and tanh/Xavier),
// 3 seeds, batch 256 of N(0, 1) inputs. Per network it fits the per-layer
// factor of the measured ||dL/dh|| profile and requires it within 5% of the same fit of the
// predicted profile, and the first layer's ratio to the last within a factor of 2.
#include "measure.hpp"

#include <typenet/gradient_flow.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string>

namespace {

namespace tn = typenet;
using flow_test::fitted_factor;

constexpr std::size_t seeds = 3;

// Depth counts dense layers: Depth - 1 hidden blocks of width 256, then a dense<10> output.
template <class Init, class Act>
struct plain {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>, tn::repeat<Depth - 1, tn::dense<256, Init>, Act>, tn::dense<10, Init>>;
};
template <class Init, class Act>
struct normalised {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>, tn::repeat<Depth - 1, tn::dense<256, Init>, tn::batch_norm<>, Act>,
                            tn::dense<10, Init>>;
};
template <class Init, class Act>
struct residual {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>, tn::repeat<Depth - 1, tn::residual<tn::dense<256, Init>, Act>>,
                            tn::dense<10, Init>>;
};
template <class Init, class Act>
struct residual_normalised {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>,
                            tn::repeat<Depth - 1, tn::residual<tn::dense<256, Init>, tn::batch_norm<>, Act>>,
                            tn::dense<10, Init>>;
};

template <class Init, class Act>
struct layer_normalised {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>, tn::repeat<Depth - 1, tn::dense<256, Init>, tn::layer_norm<>, Act>,
                            tn::dense<10, Init>>;
};
template <class Init, class Act>
struct residual_layer_normalised {
    template <std::size_t Depth>
    using net = tn::network<tn::input<256>,
                            tn::repeat<Depth - 1, tn::residual<tn::dense<256, Init>, tn::layer_norm<>, Act>>,
                            tn::dense<10, Init>>;
};

template <class Net>
void check(const std::string& name) {
    constexpr auto& predicted = tn::predicted_gradient_flow<Net>();
    const flow_test::profile measured = flow_test::measure<Net>(seeds);
    BOOST_TEST_REQUIRE(measured.prefixes.size() == predicted.size());
    std::vector<double> predicted_ratio;
    for (std::size_t l = 0; l < predicted.size(); ++l) {
        BOOST_TEST(std::string(predicted[l].prefix()) == measured.prefixes[l]);
        predicted_ratio.push_back(predicted[l].ratio);
    }
    const double fit_measured = fitted_factor(measured.input_ratio);
    const double fit_predicted = fitted_factor(predicted_ratio);
    const double first = measured.input_ratio.front() / predicted_ratio.front();
    BOOST_TEST_MESSAGE(name << ": per-layer factor measured " << fit_measured << ", predicted " << fit_predicted
                            << "; first/last measured " << measured.input_ratio.front() << ", predicted "
                            << predicted_ratio.front());
    BOOST_TEST(std::abs(fit_measured / fit_predicted - 1) <= 0.05,
               name << ": per-layer factor measured " << fit_measured << ", predicted " << fit_predicted);
    BOOST_TEST((first >= 0.5 && first <= 2.0), name << ": first/last ratio measured " << measured.input_ratio.front()
                                                    << ", predicted " << predicted_ratio.front());
}

template <template <class, class> class Kind, class Init, class Act>
void all_depths(const std::string& name) {
    check<typename Kind<Init, Act>::template net<10>>(name + ", depth 10");
    check<typename Kind<Init, Act>::template net<20>>(name + ", depth 20");
    check<typename Kind<Init, Act>::template net<30>>(name + ", depth 30");
    check<typename Kind<Init, Act>::template net<50>>(name + ", depth 50");
}

template <template <class, class> class Kind>
void all_configurations(const std::string& kind) {
    all_depths<Kind, tn::init::xavier_normal, tn::sigmoid>(kind + " sigmoid/xavier");
    all_depths<Kind, tn::init::he_normal, tn::sigmoid>(kind + " sigmoid/he");
    all_depths<Kind, tn::init::xavier_normal, tn::tanh>(kind + " tanh/xavier");
    all_depths<Kind, tn::init::he_normal, tn::tanh>(kind + " tanh/he");
    all_depths<Kind, tn::init::xavier_normal, tn::relu>(kind + " relu/xavier");
    all_depths<Kind, tn::init::he_normal, tn::relu>(kind + " relu/he");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prediction_matches_measurement)

BOOST_AUTO_TEST_CASE(plain_networks) {
    all_configurations<plain>("plain");
}
BOOST_AUTO_TEST_CASE(batch_normalised_networks) {
    all_configurations<normalised>("batch norm");
}
BOOST_AUTO_TEST_CASE(residual_networks) {
    all_configurations<residual>("residual");
}
BOOST_AUTO_TEST_CASE(residual_batch_normalised_networks) {
    all_configurations<residual_normalised>("residual + batch norm");
}

BOOST_AUTO_TEST_CASE(layer_normalised_networks) {
    all_depths<layer_normalised, tn::init::he_normal, tn::relu>("layer norm relu/he");
    all_depths<layer_normalised, tn::init::xavier_normal, tn::tanh>("layer norm tanh/xavier");
}
BOOST_AUTO_TEST_CASE(residual_layer_normalised_networks) {
    all_depths<residual_layer_normalised, tn::init::he_normal, tn::relu>("residual + layer norm relu/he");
    all_depths<residual_layer_normalised, tn::init::xavier_normal, tn::tanh>("residual + layer norm tanh/xavier");
}

BOOST_AUTO_TEST_SUITE_END()

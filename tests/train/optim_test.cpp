// SPDX-License-Identifier: BSL-1.0
// Checks the optimisers (typenet/nn/optim/*.hpp) and clipping policies (typenet/nn/clip/*.hpp)
// as tn::trainer applies them, against a scalar reference of torch.optim's semantics written
// here: three steps on a small double network, parameters compared after each step with the
// reference applied to the same gradients.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace {

namespace tn = typenet;

using net = tn::basic_network<double, tn::input<3>, tn::dense<5>, tn::tanh, tn::dense<2>>;

tn::batch<double, 3> inputs() {
    tn::batch<double, 3> x(4);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(1.3 * double(i) + 0.2);
    return x;
}
tn::batch<double, 2> targets() {
    tn::batch<double, 2> t(4);
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = std::cos(0.9 * double(i));
    return t;
}

// torch.optim.SGD, one scalar at a time.
struct sgd_ref {
    tn::optim::sgd::options o;
    std::vector<double> buf;
    void step(std::vector<double>& p, const std::vector<double>& g, std::size_t t) {
        buf.resize(p.size());
        for (std::size_t i = 0; i < p.size(); ++i) {
            double d = g[i] + o.weight_decay * p[i];
            if (o.momentum != 0.0) {
                buf[i] = t == 1 ? d : o.momentum * buf[i] + (1.0 - o.dampening) * d;
                d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
            }
            p[i] -= o.learning_rate * d;
        }
    }
};

// torch.optim.Adam (decoupled = false) and AdamW (decoupled = true).
struct adam_ref {
    double lr, b1, b2, eps, wd;
    bool decoupled;
    std::vector<double> m, v;
    void step(std::vector<double>& p, const std::vector<double>& g_in, std::size_t t) {
        m.resize(p.size());
        v.resize(p.size());
        for (std::size_t i = 0; i < p.size(); ++i) {
            double g = g_in[i];
            if (decoupled)
                p[i] *= 1.0 - lr * wd;
            else
                g += wd * p[i];
            m[i] = b1 * m[i] + (1.0 - b1) * g;
            v[i] = b2 * v[i] + (1.0 - b2) * g * g;
            const double bc1 = 1.0 - std::pow(b1, double(t)), bc2 = 1.0 - std::pow(b2, double(t));
            const double denom = std::sqrt(v[i]) / std::sqrt(bc2) + eps;
            p[i] -= lr / bc1 * m[i] / denom;
        }
    }
};

// Three steps of trainer<net, mse, Optim> against `ref`.
template <class Optim, class Ref>
void check_steps(typename Optim::options o, Ref ref, const std::string& what) {
    net model{tn::seed{21}};
    for (auto& p : model.parameter("0.bias")) p = 0.1;
    const auto x = inputs();
    const auto t = targets();
    tn::trainer<net, tn::loss::mse, Optim> fit{model, {.optimiser = o}};
    std::vector<double> p(model.parameters().begin(), model.parameters().end());
    for (std::size_t step = 1; step <= 3; ++step) {
        fit.backward(x, t);
        const std::vector<double> g(fit.gradients().parameters().begin(), fit.gradients().parameters().end());
        ref.step(p, g, step);
        fit.step(x, t);
        BOOST_TEST(fit.steps() == step);
        std::size_t bad = 0;
        double worst = 0;
        for (std::size_t i = 0; i < p.size(); ++i) {
            const double d = std::abs(model.parameters()[i] - p[i]);
            worst = std::max(worst, d);
            bad += d > 1e-12 + 1e-10 * std::abs(p[i]);
        }
        BOOST_TEST(bad == 0u, what << ", step " << step << ": " << bad << " parameters differ, worst by " << worst);
        // The update really moved something.
        BOOST_TEST(std::abs(model.parameters()[0] - g[0]) > 0.0);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optim)

BOOST_AUTO_TEST_CASE(sgd_matches_torch_semantics) {
    using tn::optim::sgd;
    using O = sgd::options;
    const O cases[] = {
        {.learning_rate = 0.1},
        {.learning_rate = 0.1, .momentum = 0.9},
        {.learning_rate = 0.1, .momentum = 0.9, .dampening = 0.5},
        {.learning_rate = 0.1, .momentum = 0.9, .nesterov = true},
        {.learning_rate = 0.1, .weight_decay = 0.05},
        {.learning_rate = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.05, .nesterov = true},
    };
    for (const O& o : cases)
        check_steps<sgd>(o, sgd_ref{o, {}},
                         "sgd momentum " + std::to_string(o.momentum) + " dampening " + std::to_string(o.dampening) +
                             " weight_decay " + std::to_string(o.weight_decay) + " nesterov " +
                             std::to_string(o.nesterov));
}

BOOST_AUTO_TEST_CASE(adam_matches_torch_semantics) {
    using tn::optim::adam;
    const adam::options plain{.learning_rate = 0.01};
    check_steps<adam>(plain, adam_ref{0.01, 0.9, 0.999, 1e-8, 0.0, false, {}, {}}, "adam");
    const adam::options decay{.learning_rate = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1};
    check_steps<adam>(decay, adam_ref{0.01, 0.8, 0.99, 1e-6, 0.1, false, {}, {}}, "adam weight_decay");
}

BOOST_AUTO_TEST_CASE(adamw_matches_torch_semantics) {
    using tn::optim::adamw;
    const adamw::options defaults{};
    BOOST_TEST(defaults.weight_decay == 1e-2);
    check_steps<adamw>(defaults, adam_ref{1e-3, 0.9, 0.999, 1e-8, 1e-2, true, {}, {}}, "adamw defaults");
    const adamw::options strong{.learning_rate = 0.05, .weight_decay = 0.3};
    check_steps<adamw>(strong, adam_ref{0.05, 0.9, 0.999, 1e-8, 0.3, true, {}, {}}, "adamw weight_decay 0.3");
}

BOOST_AUTO_TEST_CASE(sgd_momentum_switched_on_after_construction_trains_as_if_set_from_the_start) {
    // Without momentum the trainer keeps no optimiser state; switching momentum on later
    // (settings()) allocates it, zero, before the update that needs it.
    net a{tn::seed{4}}, b{tn::seed{4}};
    tn::trainer<net, tn::loss::mse, tn::optim::sgd> from_start{a, {.optimiser = {.learning_rate = 0.1, .momentum = 0.9}}};
    tn::trainer<net, tn::loss::mse, tn::optim::sgd> later{b, {.optimiser = {.learning_rate = 0.1}}};
    later.settings().optimiser.momentum = 0.9;
    tn::batch<double, 3> x(4);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(double(i));
    tn::batch<double, 2> y(4);
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = std::cos(double(i));
    for (int step = 0; step < 3; ++step) BOOST_TEST(from_start.step(x, y) == later.step(x, y));
    BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(clip)

// sgd with lr 1 and no momentum: the step is exactly the (clipped) gradient.
template <class Clip>
std::vector<double> applied_step(typename Clip::options c, std::vector<double>& raw, double& norm) {
    net model{tn::seed{4}};
    const auto x = inputs();
    const auto t = targets();
    tn::trainer<net, tn::loss::mse, tn::optim::sgd, Clip> fit{
        model, {.optimiser = {.learning_rate = 1.0}, .clip = c, .keep_gradients = true}};
    const std::vector<double> before(model.parameters().begin(), model.parameters().end());
    fit.step(x, t);
    raw.assign(fit.gradients().parameters().begin(), fit.gradients().parameters().end());
    norm = fit.last_gradient_norm();
    std::vector<double> step(before.size());
    for (std::size_t i = 0; i < step.size(); ++i) step[i] = before[i] - model.parameters()[i];
    return step;
}

double norm_of(const std::vector<double>& g) {
    double s = 0;
    for (double v : g) s += v * v;
    return std::sqrt(s);
}

BOOST_AUTO_TEST_CASE(global_norm_fires_only_above_the_threshold) {
    std::vector<double> raw;
    double norm = 0;
    // Find the norm, then clip above and below it.
    applied_step<tn::clip::none>({}, raw, norm);
    const double n = norm_of(raw);
    BOOST_TEST(norm == n, boost::test_tools::tolerance(1e-12));
    BOOST_TEST_REQUIRE(n > 0.0);

    const auto loose = applied_step<tn::clip::global_norm>({.max_norm = 2.0 * n}, raw, norm);
    BOOST_TEST(norm == n, boost::test_tools::tolerance(1e-12));  // before clipping
    for (std::size_t i = 0; i < raw.size(); ++i) BOOST_TEST(loose[i] == raw[i], boost::test_tools::tolerance(1e-9));

    const double max_norm = 0.25 * n;
    const auto tight = applied_step<tn::clip::global_norm>({.max_norm = max_norm}, raw, norm);
    BOOST_TEST(norm == n, boost::test_tools::tolerance(1e-12));  // still the pre-clip norm
    BOOST_TEST(norm_of(raw) == n, boost::test_tools::tolerance(1e-12));  // gradients() stay raw
    const double coef = max_norm / (n + 1e-6);
    for (std::size_t i = 0; i < raw.size(); ++i)
        BOOST_TEST(tight[i] == raw[i] * coef, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(norm_of(tight) == max_norm, boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(value_clamps_each_gradient) {
    std::vector<double> raw;
    double norm = 0;
    applied_step<tn::clip::none>({}, raw, norm);
    std::vector<double> mags;
    for (double v : raw) mags.push_back(std::abs(v));
    std::sort(mags.begin(), mags.end());
    const double c = mags[mags.size() / 2];  // half of them get clamped
    BOOST_TEST_REQUIRE(c > 0.0);
    const auto step = applied_step<tn::clip::value>({.clip_value = c}, raw, norm);
    std::size_t clamped = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const double expect = std::clamp(raw[i], -c, c);
        clamped += expect != raw[i];
        BOOST_TEST(step[i] == expect, boost::test_tools::tolerance(1e-9));
    }
    BOOST_TEST(clamped > 0u);
    BOOST_TEST(norm == norm_of(raw), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_SUITE_END()

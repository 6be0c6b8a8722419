// SPDX-License-Identifier: BSL-1.0
// Tests the compile-time gradient-flow prediction (typenet/nn/gradient_flow.hpp): the constexpr
// math against <cmath>, the activation integrals against a brute-force run-time integration,
// the closed forms of mean-field theory, and the reported layers. Whole-network verdicts are
// checked at compile time in tests/static/gradient_flow.cpp.
#include <typenet/typenet.hpp>
#include <typenet/gradient_flow.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numbers>
#include <cstddef>
#include <limits>
#include <ratio>
#include <string>
#include <vector>

namespace tn = typenet;
namespace cm = tn::detail::cmath;

namespace {

std::vector<double> sample_points() {
    std::vector<double> xs;
    for (double x = -40.0; x <= 40.0; x += 0.0137) xs.push_back(x);
    for (double e = -300; e <= 300; e += 0.7) xs.push_back(std::pow(10.0, e / 100));
    return xs;
}

double relative_error(double got, double want) {
    if (want == 0) return std::abs(got);
    return std::abs(got - want) / std::abs(want);
}

// E[f(z)] for z ~ N(m, var) by the trapezoid rule on 400001 points over +-12 sigma, split at
// z = 0 (where relu and its kin jump), at run time in double precision: an independent check
// of the compile-time quadrature.
template <class F>
double brute_expectation(F f, double m, double var) {
    const double s = std::sqrt(var);
    const double lo = -12.0, hi = 12.0, kink = -m / s;
    double sum = 0, wsum = 0;
    auto trapezoid = [&](double a, double b, std::size_t n) {
        const double h = (b - a) / static_cast<double>(n);
        for (std::size_t i = 0; i <= n; ++i) {
            const double t = i == n ? b : a + h * static_cast<double>(i);
            const double w = h * (i == 0 || i == n ? 0.5 : 1.0) * std::exp(-0.5 * t * t);
            // At the kink (z = 0) itself, take the side the piece belongs to.
            constexpr double tiny = std::numeric_limits<double>::denorm_min();
            const double z = i == 0 && a == kink ? tiny : i == n && b == kink ? -tiny : m + s * t;
            sum += w * f(z);
            wsum += w;
        }
    };
    if (kink > lo && kink < hi) {
        trapezoid(lo, kink, 200000);
        trapezoid(kink, hi, 200000);
    } else {
        trapezoid(lo, hi, 400000);
    }
    return sum / wsum;
}

template <class A>
void check_moments_against_brute_force(double m, double var, double tolerance) {
    using F = typename A::function_type;
    using D = tn::derivative_t<F>;
    const auto g = tn::detail::gaussian_moments<F, D>(m, var);
    auto f = [](double z) { return tn::detail::constexpr_evaluate<F>(z); };
    auto d = [](double z) { return tn::detail::constexpr_evaluate<D>(z); };
    // Relative error, with an absolute floor for moments that vanish (tanh's mean at m = 0; relu far
    // below its kink, where the mass beyond 10 sigma is left out on purpose).
    auto close = [&](double got, double want) { return std::abs(got - want) <= tolerance * std::abs(want) + 1e-13; };
    BOOST_TEST_CONTEXT(A::describe() << " m " << m << " var " << var) {
        BOOST_TEST(close(g.mean, brute_expectation(f, m, var)));
        BOOST_TEST(close(g.second, brute_expectation([&](double z) { return f(z) * f(z); }, m, var)));
        BOOST_TEST(close(g.slope, brute_expectation(d, m, var)));
        BOOST_TEST(close(g.gain, brute_expectation([&](double z) { return d(z) * d(z); }, m, var)));
        // The moments of the coherent part (products of phi' and phi, sharper peaks, some near 0)
        // only shape a correction; 1e-6 of the largest scale is far more than it needs.
        auto near = [&](double got, double want) { return std::abs(got - want) <= 1e-6 * (std::abs(want) + 1e-3); };
        BOOST_TEST(near(g.slope_z, brute_expectation([&](double z) { return (z - m) * d(z); }, m, var)));
        BOOST_TEST(near(g.df, brute_expectation([&](double z) { return d(z) * f(z); }, m, var)));
        BOOST_TEST(near(g.df_z, brute_expectation([&](double z) { return (z - m) * d(z) * f(z); }, m, var)));
        BOOST_TEST(near(g.d2f, brute_expectation([&](double z) { return d(z) * d(z) * f(z); }, m, var)));
        BOOST_TEST(near(g.d2f2, brute_expectation([&](double z) { return d(z) * d(z) * f(z) * f(z); }, m, var)));
    }
}

template <class A, class Init, std::size_t Depth, std::size_t Width = 256>
struct plain : tn::network<tn::input<Width>, tn::repeat<Depth, tn::dense<Width, Init>, A>> {};

struct linear_net : tn::network<tn::input<256>, tn::repeat<10, tn::dense<256, tn::init::xavier_uniform>>> {};
struct narrowing : tn::network<tn::input<512>, tn::dense<128, tn::init::lecun_normal>, tn::dense<128, tn::init::he_normal>> {};
struct residual_net : tn::network<tn::input<64>, tn::dense<64, tn::init::he_normal>,
                                  tn::repeat<3, tn::residual<tn::dense<64, tn::init::he_normal>, tn::relu>>,
                                  tn::residual_projection<tn::dense<32, tn::init::he_normal>, tn::relu>, tn::dense<10>> {};
struct bn_net : tn::network<tn::input<256>, tn::repeat<20, tn::dense<256, tn::init::xavier_uniform>, tn::batch_norm<>, tn::sigmoid>> {};

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_flow)

BOOST_AUTO_TEST_CASE(constexpr_math_agrees_with_cmath) {
    for (double x : sample_points()) {
        BOOST_TEST_CONTEXT("x = " << x) {
            if (std::abs(x) < 700) BOOST_TEST(relative_error(cm::exp(x), std::exp(x)) < 1e-14);
            if (std::abs(x) < 700) BOOST_TEST(relative_error(cm::exp(-x), std::exp(-x)) < 1e-14);
            if (std::abs(x) < 700) BOOST_TEST(relative_error(cm::expm1(x), std::expm1(x)) < 1e-14);
            BOOST_TEST(relative_error(cm::tanh(x), std::tanh(x)) < 2e-15);
            BOOST_TEST(relative_error(cm::sigmoid(x), 1.0 / (1.0 + std::exp(-x))) < 1e-14);
            BOOST_TEST(relative_error(cm::erf(x), std::erf(x)) < 1e-13);
            if (x > 0) {
                BOOST_TEST(relative_error(cm::log(x), std::log(x)) < 1e-14);
                BOOST_TEST(relative_error(cm::sqrt(x), std::sqrt(x)) < 1e-15);
            }
            if (x > -1) BOOST_TEST(relative_error(cm::log1p(x), std::log1p(x)) < 1e-14);
            if (std::abs(x) < 1e5) {
                BOOST_TEST(std::abs(cm::sin(x) - std::sin(x)) < 1e-14 * std::max(1.0, std::abs(x) / 1e3));
                BOOST_TEST(std::abs(cm::cos(x) - std::cos(x)) < 1e-14 * std::max(1.0, std::abs(x) / 1e3));
            }
        }
    }
    BOOST_TEST(cm::log(1.0) == 0.0);
    BOOST_TEST(cm::exp(0.0) == 1.0);
    BOOST_TEST(cm::exp(-1000.0) == 0.0);
    BOOST_TEST(cm::sqrt(4.0) == 2.0);
}

BOOST_AUTO_TEST_CASE(relu_moments_are_exact_at_zero_mean) {
    using F = tn::relu::function_type;
    using D = tn::derivative_t<F>;
    for (double var : {1e-4, 0.25, 1.0, 2.0, 9.8, 1e4}) {
        const auto g = tn::detail::gaussian_moments<F, D>(0.0, var);
        BOOST_TEST_CONTEXT("var " << var) {
            BOOST_TEST(g.gain == 0.5, boost::test_tools::tolerance(1e-13));
            BOOST_TEST(g.slope == 0.5, boost::test_tools::tolerance(1e-13));
            BOOST_TEST(g.second == var / 2, boost::test_tools::tolerance(1e-12));
            BOOST_TEST(g.mean == std::sqrt(var / (2 * std::numbers::pi)), boost::test_tools::tolerance(1e-12));
            // Stein: E[z relu'(z)] = var E[relu''] = var / sqrt(2 pi var); E[relu' relu] = E[relu].
            BOOST_TEST(g.slope_z == std::sqrt(var / (2 * std::numbers::pi)), boost::test_tools::tolerance(1e-12));
            BOOST_TEST(g.df == g.mean, boost::test_tools::tolerance(1e-12));
            BOOST_TEST(g.df_z == var / 2, boost::test_tools::tolerance(1e-12));
        }
    }
}

BOOST_AUTO_TEST_CASE(activation_moments_agree_with_brute_force_integration) {
    for (double m : {0.0, 0.3, -1.2, 2.5})
        for (double var : {0.01, 0.1, 0.3, 0.6, 1.0, 2.0, 5.0, 30.0}) {
            check_moments_against_brute_force<tn::tanh>(m, var, 1e-9);
            check_moments_against_brute_force<tn::sigmoid>(m, var, 1e-9);
            check_moments_against_brute_force<tn::relu>(m, var, 1e-7);
            check_moments_against_brute_force<tn::gelu>(m, var, 1e-9);
            check_moments_against_brute_force<tn::leaky_relu>(m, var, 1e-7);
            check_moments_against_brute_force<tn::elu>(m, var, 1e-7);
            check_moments_against_brute_force<tn::softplus>(m, var, 1e-9);
            check_moments_against_brute_force<tn::swish>(m, var, 1e-9);
        }
}

BOOST_AUTO_TEST_CASE(relu_with_he_init_keeps_the_gradient_norm) {
    constexpr auto& f = tn::predicted_gradient_flow<plain<tn::relu, tn::init::he_normal, 30>>();
    static_assert(f.size() == 30);
    for (const auto& l : f) {
        BOOST_TEST(l.factor == 1.0, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(l.ratio == 1.0, boost::test_tools::tolerance(1e-11));
        BOOST_TEST(l.input_second_moment == 1.0, boost::test_tools::tolerance(1e-11));
    }
}

BOOST_AUTO_TEST_CASE(relu_with_xavier_init_halves_the_squared_norm_per_layer) {
    constexpr auto& f = tn::predicted_gradient_flow<plain<tn::relu, tn::init::xavier_uniform, 30>>();
    // 256 wide: n Var(W) = 256 * 2 / 512 = 1, E[relu'^2] = 1/2: chi = 1/2.
    for (std::size_t i = 0; i + 1 < f.size(); ++i) BOOST_TEST(f[i].factor == std::sqrt(0.5), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(f[0].ratio == std::pow(0.5, 29 / 2.0), boost::test_tools::tolerance(1e-10));
    BOOST_TEST(f[0].ratio == 4.3158e-5, boost::test_tools::tolerance(1e-4));
}

BOOST_AUTO_TEST_CASE(linear_layers_scale_by_n_in_times_the_weight_variance) {
    constexpr auto& f = tn::predicted_gradient_flow<linear_net>();
    for (const auto& l : f) BOOST_TEST(l.ratio == 1.0, boost::test_tools::tolerance(1e-14));
    // ||dL/dx||^2 / ||dL/dy||^2 = n_in Var(W): 512 * 1/512 for lecun_normal, 128 * 2/128 for he_normal.
    constexpr auto& g = tn::predicted_gradient_flow<narrowing>();
    BOOST_TEST(g[0].factor == 1.0, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(g[1].factor == std::sqrt(2.0), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(g[1].input_second_moment == 1.0, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(reported_layers_carry_their_state_dict_prefix) {
    constexpr auto& f = tn::predicted_gradient_flow<residual_net>();
    static_assert(f.size() == 7);
    const std::vector<std::string> want{"0", "1.0", "2.0", "3.0", "4.0", "4.shortcut", "5"};
    for (std::size_t i = 0; i < f.size(); ++i) BOOST_TEST(std::string(f[i].prefix()) == want[i]);
    static_assert(f[5].shortcut && f[5].depth == 1 && f[5].path[0] == 4);
    // Inside a residual<dense<He>, relu> block F passes chi_F = 2 * 1/2 = 1 and the block
    // 1 + chi_F = 2, as the plain theory has it, plus the common mode the ReLU stream's mean
    // feeds (nn/detail/mean_field.hpp): from one block's inner dense to the next one's the
    // norm grows by more than sqrt 2 (64 wide: the seeded common mode is 4 times larger than at 256).
    BOOST_TEST(f[1].factor > std::sqrt(2.0));
    BOOST_TEST(f[1].factor == 1.431574, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(f[2].factor == 1.426023, boost::test_tools::tolerance(1e-5));
    // The last layer is the reference.
    BOOST_TEST(f[6].ratio == 1.0);
}

BOOST_AUTO_TEST_CASE(batch_norm_resets_the_forward_scale) {
    constexpr auto& f = tn::predicted_gradient_flow<bn_net>();
    static_assert(f.size() == 40);
    // Every dense after the first reads sigmoid(N(0, ~1)): the same statistics each time, so
    // each dense + batch_norm + sigmoid stretch has the same factor.
    for (std::size_t i = 2; i + 2 < f.size(); i += 2) BOOST_TEST(f[i].factor == f[2].factor, boost::test_tools::tolerance(1e-12));
    // The batch norm reads the dense's output: q = 256 * 2/512 * q_in, variance q - unit_mean_sq.
    BOOST_TEST(f[3].input_mean == 0.0);
    BOOST_TEST(f[1].input_second_moment == 1.0, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(a_relu_residual_stream_grows_a_common_mode) {
    // Measured (tests/flow): per-block factor 1.41 at 10 blocks, 1.49 at 20, 1.65 at 50, where
    // the plain theory predicts sqrt 2 at every depth.
    struct res20 : tn::network<tn::input<256>, tn::repeat<19, tn::residual<tn::dense<256, tn::init::he_normal>, tn::relu>>,
                               tn::dense<10, tn::init::he_normal>> {};
    struct res50 : tn::network<tn::input<256>, tn::repeat<49, tn::residual<tn::dense<256, tn::init::he_normal>, tn::relu>>,
                               tn::dense<10, tn::init::he_normal>> {};
    constexpr auto& f20 = tn::predicted_gradient_flow<res20>();
    constexpr auto& f50 = tn::predicted_gradient_flow<res50>();
    BOOST_TEST(f20[0].ratio > 1e3);  // measured 1590; the plain theory said 512
    BOOST_TEST(f50[0].factor > 1.6);
    BOOST_TEST(f50[25].factor > f50[45].factor);
    // With tanh the derivative is even, E[tanh''] = 0 at mean 0: no common mode is fed, and a
    // block keeps the plain theory's 1 + chi_F (measured 1.126 per layer at depth 10, as before).
    struct tanh_res : tn::network<tn::input<256>, tn::repeat<9, tn::residual<tn::dense<256, tn::init::xavier_normal>, tn::tanh>>,
                                  tn::dense<10, tn::init::xavier_normal>> {};
    constexpr auto& t = tn::predicted_gradient_flow<tanh_res>();
    // Block i's dense reports chi_i times the gradient at the block's output, and that is 1 +
    // chi_(i+1) times the next block's: factor_i^2 = chi_i / chi_(i+1) * (1 + chi_(i+1)), with
    // chi = n Var(W) E[tanh'^2] = E[tanh'^2] at z ~ N(0, q) (Xavier, 256 wide); within 0.5%: the
    // residual seeds a small common mode, which tanh does not feed.
    auto chi = [&](std::size_t i) {
        return tn::detail::gaussian_moments<tn::tanh::function_type, tn::derivative_t<tn::tanh::function_type>>(
                   0.0, t[i].input_second_moment)
            .gain;
    };
    for (std::size_t i = 0; i + 2 < t.size(); ++i)
        BOOST_TEST(t[i].factor * t[i].factor == chi(i) / chi(i + 1) * (1 + chi(i + 1)), boost::test_tools::tolerance(5e-3));
}

BOOST_AUTO_TEST_CASE(layer_norm_removes_the_common_mode) {
    using tn::detail::mean_field;
    const mean_field in{5.0, 2.0, 4.5};
    const auto s = tn::layer_norm<>::mean_field_step(in, tn::detail::dims{1, {256}});
    // The row variance q - m^2 = 1: q' = 1 / (1 + eps), chi = (n - 2) / n / (1 + eps).
    BOOST_TEST(s.out.q == 1.0 / (1.0 + 1e-5), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(s.out.m == 0.0);
    BOOST_TEST(s.back.m[0] == 254.0 / 256 / (1.0 + 1e-5), boost::test_tools::tolerance(1e-12));
    // A pure common mode at the output (state: K_aa = 1) leaves nothing coherent, nothing at all.
    tn::detail::flow_state g{};
    g[1] = 1.0;
    const auto back = s.back.apply(g);
    for (double v : back.v) BOOST_TEST(v == 0.0);
}

BOOST_AUTO_TEST_CASE(dropout_scales_by_the_kept_fraction) {
    using tn::detail::mean_field;
    const mean_field in{2.0, 0.5, 0.3};
    const auto s = tn::dropout<std::ratio<1, 4>>::mean_field_step(in, tn::detail::dims{1, {64}});
    BOOST_TEST(s.out.q == 2.0 / 0.75, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(s.out.m == 0.5);
    BOOST_TEST(s.back.m[0] == 1 / 0.75, boost::test_tools::tolerance(1e-14));
    // p = 1 passes no gradient: a zero gain, counted as 1e-100.
    struct dropped : tn::network<tn::input<64>, tn::dense<64, tn::init::he_normal>, tn::dropout<std::ratio<1, 1>>,
                                 tn::dense<10, tn::init::he_normal>> {};
    constexpr auto& f = tn::predicted_gradient_flow<dropped>();
    BOOST_TEST(f[0].ratio < 1e-40);
    BOOST_TEST(f[1].ratio == 1.0);
}

BOOST_AUTO_TEST_CASE(zero_gain_layers_keep_ratios_defined) {
    struct silent_head : tn::network<tn::input<64>, tn::dense<64, tn::init::he_normal>, tn::relu,
                                     tn::dense<64, tn::init::he_normal>, tn::relu, tn::dense<10, tn::init::zeros>> {};
    constexpr auto& f = tn::predicted_gradient_flow<silent_head>();
    BOOST_TEST(f[0].ratio == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(f[1].ratio == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(f[2].ratio == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

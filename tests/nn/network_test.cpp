// SPDX-License-Identifier: BSL-1.0
// Checks tn::basic_network (typenet/nn/network.hpp): shape inference, state_dict names (repeat
// included, "as if written out"), parameter counts and layout, parameter("name"), inference at
// 0, 1 and 5 rows in float and double, strong network types, and value semantics.
#include <typenet/typenet.hpp>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

namespace tn = typenet;

using mnist = tn::network<tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu, tn::dense<10>>;
static_assert(std::is_same_v<mnist, tn::basic_network<float, tn::input<784>, tn::dense<256, tn::init::he_normal>,
                                                       tn::relu, tn::dense<10>>>);
static_assert(std::is_same_v<mnist::value_type, float>);
static_assert(std::is_same_v<mnist::input_shape, tn::shape<784>>);
static_assert(std::is_same_v<mnist::output_shape, tn::shape<10>>);
static_assert(mnist::parameter_count == 784 * 256 + 256 + 256 * 10 + 10);
static_assert(mnist::layer_count == 3);

using image = tn::basic_network<double, tn::input<28, 28>, tn::flatten, tn::dense<32>, tn::tanh, tn::dense<3>>;
static_assert(std::is_same_v<image::input_shape, tn::shape<28, 28>>);
static_assert(std::is_same_v<image::output_shape, tn::shape<3>>);
static_assert(std::is_same_v<image::input_batch, tn::batch<double, 28, 28>>);
static_assert(std::is_same_v<image::output_batch, tn::batch<double, 3>>);
static_assert(image::parameter_count == 784 * 32 + 32 + 32 * 3 + 3);
static_assert(image::layer_count == 4);

// Activations and flatten keep / fold the shape; an activation may be the only layer.
using shapes_only = tn::network<tn::input<4, 3, 2>, tn::relu, tn::flatten>;
static_assert(std::is_same_v<shapes_only::output_shape, tn::shape<24>>);
static_assert(shapes_only::parameter_count == 0);
using act_only = tn::network<tn::input<4, 3>, tn::sigmoid>;
static_assert(std::is_same_v<act_only::output_shape, tn::shape<4, 3>>);

using with_repeat =
    tn::basic_network<double, tn::input<6>, tn::dense<8>, tn::repeat<3, tn::dense<8>, tn::tanh>, tn::dense<3>>;
static_assert(std::is_same_v<with_repeat::output_shape, tn::shape<3>>);
static_assert(with_repeat::layer_count == 1 + 6 + 1);
static_assert(with_repeat::parameter_count == (6 * 8 + 8) + 3 * (8 * 8 + 8) + (8 * 3 + 3));

struct strong : tn::network<tn::input<4>, tn::dense<3>, tn::tanh, tn::dense<2>> {};
static_assert(std::is_same_v<strong::output_shape, tn::shape<2>>);

using value_types = std::tuple<float, double>;

struct named {
    std::string name;
    std::vector<std::size_t> shape;
    std::size_t offset;
    std::size_t size;
};

template <class Net>
std::vector<named> state_dict(Net& m) {
    std::vector<named> out;
    const auto* base = m.parameters().data();
    m.for_each_parameter([&](const auto& p) {
        out.push_back({p.name, p.shape, static_cast<std::size_t>(p.values.data() - base), p.values.size()});
    });
    return out;
}

template <class Net>
void check_layout(Net& m, const std::vector<named>& expected) {
    const auto got = state_dict(m);
    BOOST_TEST_REQUIRE(got.size() == expected.size());
    std::size_t offset = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("parameter " << i << " " << got[i].name) {
            BOOST_TEST(got[i].name == expected[i].name);
            BOOST_TEST(got[i].shape == expected[i].shape, boost::test_tools::per_element());
            BOOST_TEST(got[i].offset == offset);  // contiguous, in state_dict order
            std::size_t n = 1;
            for (std::size_t e : got[i].shape) n *= e;
            BOOST_TEST(got[i].size == n);
            offset += n;
        }
    }
    BOOST_TEST(offset == Net::parameter_count);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(state_dict_names_follow_pytorch_sequential) {
    mnist m;
    check_layout(m, {{"0.weight", {256, 784}, 0, 0},
                     {"0.bias", {256}, 0, 0},
                     {"2.weight", {10, 256}, 0, 0},
                     {"2.bias", {10}, 0, 0}});
    image im;
    check_layout(im, {{"1.weight", {32, 784}, 0, 0},
                      {"1.bias", {32}, 0, 0},
                      {"3.weight", {3, 32}, 0, 0},
                      {"3.bias", {3}, 0, 0}});
}

BOOST_AUTO_TEST_CASE(repeat_is_named_as_if_written_out) {
    with_repeat m;
    check_layout(m, {{"0.weight", {8, 6}, 0, 0},
                     {"0.bias", {8}, 0, 0},
                     {"1.weight", {8, 8}, 0, 0},
                     {"1.bias", {8}, 0, 0},
                     {"3.weight", {8, 8}, 0, 0},
                     {"3.bias", {8}, 0, 0},
                     {"5.weight", {8, 8}, 0, 0},
                     {"5.bias", {8}, 0, 0},
                     {"7.weight", {3, 8}, 0, 0},
                     {"7.bias", {3}, 0, 0}});
    // The repeated blocks are initialised from different streams.
    const auto a = m.parameter("1.weight");
    const auto b = m.parameter("3.weight");
    BOOST_TEST(!std::equal(a.begin(), a.end(), b.begin()));
}

BOOST_AUTO_TEST_CASE(parameter_by_name_spans_the_flat_buffer) {
    mnist m;
    auto w = m.parameter("0.weight");
    BOOST_TEST(w.data() == m.parameters().data());
    BOOST_TEST(w.size() == 256u * 784u);
    auto b2 = m.parameter("2.bias");
    BOOST_TEST(b2.data() == m.parameters().data() + (mnist::parameter_count - 10));
    BOOST_TEST(b2.size() == 10u);
    b2[3] = 1.5f;  // writes through
    BOOST_TEST(m.parameters()[mnist::parameter_count - 7] == 1.5f);
    const mnist& cm = m;
    BOOST_TEST(cm.parameter("2.weight").size() == 10u * 256u);
    BOOST_TEST(m.parameters().size() == mnist::parameter_count);
}

BOOST_AUTO_TEST_CASE(unknown_parameter_name_throws_out_of_range_naming_it) {
    mnist m;
    const mnist& cm = m;
    for (const std::string name : {"1.weight", "0.weights", "", "2.bias.x"}) {
        BOOST_TEST_CONTEXT("name \"" << name << "\"") {
            BOOST_CHECK_THROW(m.parameter(name), std::out_of_range);
            BOOST_CHECK_THROW(cm.parameter(name), std::out_of_range);
            try {
                m.parameter(name);
            } catch (const std::out_of_range& e) {
                BOOST_TEST(std::string(e.what()).find("\"" + name + "\"") != std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(inference_matches_a_hand_computation_at_any_row_count, T, value_types) {
    using net = tn::basic_network<T, tn::input<2, 3>, tn::flatten, tn::dense<5>, tn::tanh, tn::dense<2>>;
    net m{tn::seed{5}};
    for (auto& p : m.parameter("1.bias")) p = T(0.25);
    const auto w1 = m.parameter("1.weight");
    const auto b1 = m.parameter("1.bias");
    const auto w2 = m.parameter("3.weight");
    const auto b2 = m.parameter("3.bias");
    for (std::size_t rows : {0u, 1u, 5u}) {
        BOOST_TEST_CONTEXT("rows " << rows) {
            tn::batch<T, 2, 3> x(rows);
            for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = T(std::sin(0.7 * double(i) + 0.3));
            const tn::batch<T, 2> y = m(x);
            BOOST_TEST(y.rows() == rows);
            for (std::size_t r = 0; r < rows; ++r) {
                double h[5];
                for (std::size_t o = 0; o < 5; ++o) {
                    double s = b1[o];
                    for (std::size_t k = 0; k < 6; ++k) s += double(w1[o * 6 + k]) * double(x.data()[r * 6 + k]);
                    h[o] = std::tanh(s);
                }
                for (std::size_t o = 0; o < 2; ++o) {
                    double s = b2[o];
                    for (std::size_t k = 0; k < 5; ++k) s += double(w2[o * 5 + k]) * h[k];
                    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
                    BOOST_TEST(double(y(r, o)) == s, boost::test_tools::tolerance(tol));
                }
                // A row gives the same output alone as in a batch: to the last bits, since one to
                // three rows take the streaming path (kernels::dense_packing_min_rows), which sums
                // in another order than the blocked GEMM of larger batches.
                tn::batch<T, 2, 3> one(1);
                std::copy_n(x.data() + r * 6, 6, one.data());
                const auto y1 = m(one);
                const double last_bits = std::is_same_v<T, float> ? 1e-6 : 1e-14;
                BOOST_TEST(double(y1(0, 0)) == double(y(r, 0)), boost::test_tools::tolerance(last_bits));
                BOOST_TEST(double(y1(0, 1)) == double(y(r, 1)), boost::test_tools::tolerance(last_bits));
                // From four rows on, a row's output is bit-identical whatever batch it is in and
                // wherever in it: the GEMM sums each row alone, in one order.
                tn::batch<T, 2, 3> seven(7);
                for (std::size_t i = 0; i < seven.size(); ++i) seven.data()[i] = T(std::cos(0.3 * double(i)));
                std::copy_n(x.data() + r * 6, 6, seven.data() + 6 * 6);
                const auto y7 = m(seven);
                if (rows >= tn::kernels::dense_packing_min_rows) {
                    BOOST_TEST(y7(6, 0) == y(r, 0));
                    BOOST_TEST(y7(6, 1) == y(r, 1));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(strong_type_works_with_inference_and_trainer) {
    strong m{tn::seed{42}};
    tn::network<tn::input<4>, tn::dense<3>, tn::tanh, tn::dense<2>> plain{tn::seed{42}};
    BOOST_TEST(std::equal(m.parameters().begin(), m.parameters().end(), plain.parameters().begin()));
    tn::batch<float, 4> x(3);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 5) * 0.3f - 0.5f;
    const auto y = m(x);
    BOOST_TEST(y.rows() == 3u);
    tn::batch<float, 2> t(3);
    tn::trainer<strong, tn::loss::mse, tn::optim::sgd> fit{m, {.optimiser = {.learning_rate = 0.1}}};
    const float before = fit.step(x, t);
    BOOST_TEST(fit.steps() == 1u);
    BOOST_TEST(fit.backward(x, t) < before);
    BOOST_TEST(&fit.model() == &m);
}

BOOST_AUTO_TEST_CASE(copying_a_network_copies_its_parameters) {
    using net = tn::basic_network<double, tn::input<3>, tn::dense<4>, tn::relu, tn::dense<2>>;
    net a{tn::seed{1}};
    net b = a;
    BOOST_TEST(b.parameters().data() != a.parameters().data());
    BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
    b.parameters()[0] += 1.0;
    BOOST_TEST(a.parameters()[0] != b.parameters()[0]);
    net c{tn::seed{2}};
    c = a;
    BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), c.parameters().begin()));
    net d = std::move(c);
    BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), d.parameters().begin()));
    // Default construction is seed 0.
    net e;
    net f{tn::seed{0}};
    BOOST_TEST(std::equal(e.parameters().begin(), e.parameters().end(), f.parameters().begin()));
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Tests io/npz.hpp: networks and gradients to .npz and back with PyTorch state_dict names, strict
// loading that leaves the model unchanged on error, and files written by numpy (label numpy).
#include "io_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <tuple>
#include <vector>

using namespace io_test;

namespace {
using scalar_types = std::tuple<float, double>;
constexpr tn::npz_compression both_compressions[] = {tn::npz_compression::none, tn::npz_compression::deflate};

template <class Net>
std::string load_error(Net& net, const std::filesystem::path& p) {
    try {
        tn::load_npz(net, p);
    } catch (const tn::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

// A file holding `member` as the array "0.weight" next to the other parameters of small_net<float>.
std::filesystem::path with_bad_weight(const scratch& dir, const std::string& member) {
    small_net<float> net;
    std::vector<std::pair<std::string, std::string>> members;
    net.for_each_parameter([&](const auto& p) {
        const std::string h = tn::detail::npy_header(tn::npy_dtype::float32, p.shape);
        members.emplace_back(p.name + ".npy", p.name == "0.weight" ? member
                                                                   : h + std::string(4 * p.values.size(), '\0'));
    });
    write_zip(dir / "bad.npz", members);
    return dir / "bad.npz";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(npz)

BOOST_AUTO_TEST_CASE_TEMPLATE(a_network_round_trips_stored_and_deflated, T, scalar_types) {
    scratch dir;
    for (auto c : both_compressions) {
        BOOST_TEST_CONTEXT("deflate " << (c == tn::npz_compression::deflate)) {
            const small_net<T> saved{tn::seed{7}};
            tn::save_npz(saved, dir / "mlp.npz", c);
            small_net<T> loaded{tn::seed{8}};
            BOOST_TEST(snapshot(loaded) != snapshot(saved));
            tn::load_npz(loaded, dir / "mlp.npz");
            BOOST_TEST(snapshot(loaded) == snapshot(saved));
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(names_are_state_dict_names_and_dtype_follows_the_model, T, scalar_types) {
    scratch dir;
    const deeper_net<T> net{tn::seed{1}};
    tn::save_npz(net, dir / "mlp.npz");
    const tn::npz_archive z(dir / "mlp.npz");
    std::vector<std::string> names;
    for (const auto& a : z.arrays()) {
        names.push_back(a.name);
        BOOST_TEST((a.dtype == (std::is_same_v<T, float> ? tn::npy_dtype::float32 : tn::npy_dtype::float64)));
    }
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}));
    BOOST_TEST(z.info("0.weight").shape == (std::vector<std::size_t>{3, 4}));
    BOOST_TEST(z.info("0.bias").shape == (std::vector<std::size_t>{3}));
    BOOST_TEST(z.info("2.weight").shape == (std::vector<std::size_t>{2, 3}));
    const auto w = z.read<T>("2.weight");
    const auto span = net.parameter("2.weight");
    BOOST_TEST(w == std::vector<T>(span.begin(), span.end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(gradients_save_under_the_parameter_names, T, scalar_types) {
    scratch dir;
    small_net<T> net{tn::seed{2}};
    tn::trainer<small_net<T>, tn::loss::mse> fit{net};
    tn::batch<T, 4> x(3);
    tn::batch<T, 2> y(3);
    for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = pattern<T>(1, k);
    for (std::size_t k = 0; k < y.size(); ++k) y.data()[k] = pattern<T>(2, k);
    fit.backward(x, y);
    for (auto c : both_compressions) {
        tn::save_npz(fit.gradients(), dir / "grads.npz", c);
        const tn::npz_archive z(dir / "grads.npz");
        std::size_t n = 0;
        fit.gradients().for_each_parameter([&](const auto& g) {
            BOOST_TEST_CONTEXT("gradient " << g.name) {
                BOOST_TEST_REQUIRE(z.contains(g.name));
                BOOST_TEST(z.info(g.name).shape == g.shape);
                BOOST_TEST(z.read<T>(g.name) == std::vector<T>(g.values.begin(), g.values.end()));
            }
            ++n;
        });
        BOOST_TEST(z.arrays().size() == n);
        BOOST_TEST(n == 4u);
    }
}

BOOST_AUTO_TEST_CASE(float64_files_load_into_float_models_and_back) {
    scratch dir;
    small_net<double> d;
    fill_pattern(d);
    tn::save_npz(d, dir / "d.npz", tn::npz_compression::deflate);
    small_net<float> f;
    tn::load_npz(f, dir / "d.npz");
    check_pattern<float>(f);  // each double rounded once to float
    tn::save_npz(f, dir / "f.npz");
    small_net<double> back;
    tn::load_npz(back, dir / "f.npz");
    for (std::size_t k = 0; k < back.parameters().size(); ++k)
        BOOST_TEST(back.parameters()[k] == static_cast<double>(f.parameters()[k]));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_shape_mismatch_names_both_shapes_and_changes_nothing, T, scalar_types) {
    scratch dir;
    tn::save_npz(small_net<T>{tn::seed{1}}, dir / "mlp.npz");
    wider_net<T> model{tn::seed{2}};
    const auto before = snapshot(model);
    const std::string m = load_error(model, dir / "mlp.npz");
    const std::string file = (dir / "mlp.npz").string();
    BOOST_TEST(m.find("typenet: load_npz: parameter \"0.weight\" has shape (5, 4) in the model but (3, 4) in " + file) == 0u, m);
    BOOST_TEST(m.find("parameter \"0.bias\" has shape (5) in the model but (3) in " + file) != std::string::npos, m);
    BOOST_TEST(m.find("parameter \"2.weight\" has shape (2, 5) in the model but (2, 3) in " + file) != std::string::npos, m);
    BOOST_TEST(m.find("2.bias") == std::string::npos, m);
    BOOST_TEST(snapshot(model) == before);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(missing_and_extra_arrays_are_errors_and_change_nothing, T, scalar_types) {
    scratch dir;
    tn::save_npz(small_net<T>{tn::seed{1}}, dir / "small.npz");
    tn::save_npz(deeper_net<T>{tn::seed{1}}, dir / "deep.npz");

    deeper_net<T> deep{tn::seed{2}};
    const auto deep_before = snapshot(deep);
    std::string m = load_error(deep, dir / "small.npz");
    BOOST_TEST(m.find("parameter \"4.weight\" (2, 2) is missing from " + (dir / "small.npz").string()) != std::string::npos, m);
    BOOST_TEST(m.find("parameter \"4.bias\" (2) is missing from") != std::string::npos, m);
    BOOST_TEST(snapshot(deep) == deep_before);

    small_net<T> small{tn::seed{2}};
    const auto small_before = snapshot(small);
    m = load_error(small, dir / "deep.npz");
    BOOST_TEST(m.find((dir / "deep.npz").string() + " has an array \"4.weight\" (2, 2) that is not a parameter of the model") !=
                   std::string::npos, m);
    BOOST_TEST(m.find("\"4.bias\"") != std::string::npos, m);
    BOOST_TEST(m.find("nothing was loaded") != std::string::npos, m);
    BOOST_TEST(snapshot(small) == small_before);
}

BOOST_AUTO_TEST_CASE(bad_members_are_refused_with_the_array_named_and_change_nothing) {
    scratch dir;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {npy_with_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }", 48), "array \"0.weight\" is big-endian ('>f4')"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", 48), "array \"0.weight\" is stored in Fortran order"},
        {npy_with_dict("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }", 48), "array \"0.weight\" has dtype '<i4' (integers)"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 40), "array \"0.weight\" is truncated"},
        {"garbage", "array \"0.weight\" is not an .npy array (wrong magic"},
    };
    for (const auto& [member, expected] : cases) {
        BOOST_TEST_CONTEXT("expecting " << expected) {
            small_net<float> model{tn::seed{4}};
            const auto before = snapshot(model);
            const auto p = with_bad_weight(dir, member);
            const std::string m = load_error(model, p);
            BOOST_TEST(m.find("typenet: load_npz: " + p.string() + ": " + expected) == 0u, m);
            BOOST_TEST(snapshot(model) == before);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_corrupted_file_changes_nothing) {
    scratch dir;
    tn::save_npz(small_net<float>{tn::seed{1}}, dir / "m.npz", tn::npz_compression::deflate);
    auto bytes = bytes_of(dir / "m.npz");
    bytes[50] ^= 0x10;  // inside the first member's deflate stream (its data starts at 42)
    write_bytes(dir / "m.npz", bytes);
    small_net<float> model{tn::seed{2}};
    const auto before = snapshot(model);
    const std::string m = load_error(model, dir / "m.npz");
    BOOST_TEST(m.find("typenet: load_npz: " + (dir / "m.npz").string() + ": member \"0.weight.npy\"") == 0u, m);
    BOOST_TEST(snapshot(model) == before);
}

// --- Files written by numpy (tests/io/write_numpy_fixtures.py, run first by CTest) and files for
// numpy to check (tests/io/check_typenet_files.py, run afterwards). Disabled in the plain run of
// the executable; the CTest test typenet_io_numpy runs them with --run_test=@numpy.

BOOST_AUTO_TEST_CASE(numpy_savez_and_savez_compressed_files_load_unchanged,
                     *boost::unit_test::label("numpy") * boost::unit_test::disabled()) {
    const auto dir = fixture_dir();
    for (const char* name : {"numpy_savez_f4.npz", "numpy_savez_compressed_f4.npz"}) {
        BOOST_TEST_CONTEXT(name) {
            small_net<float> f;
            tn::load_npz(f, dir / name);
            check_pattern<float>(f);
            small_net<double> d;
            tn::load_npz(d, dir / name);
            check_pattern<float>(d);  // float32 values widened exactly
        }
    }
    for (const char* name : {"numpy_savez_f8.npz", "numpy_savez_compressed_f8.npz"}) {
        BOOST_TEST_CONTEXT(name) {
            small_net<double> d;
            tn::load_npz(d, dir / name);
            check_pattern<double>(d);
            small_net<float> f;
            tn::load_npz(f, dir / name);
            check_pattern<float>(f);
        }
    }
    const tn::npz_archive z(dir / "numpy_savez_f4.npz");
    BOOST_TEST(z.arrays().size() == 4u);
    BOOST_TEST(z.info("2.weight").shape == (std::vector<std::size_t>{2, 3}));
}

BOOST_AUTO_TEST_CASE(numpy_files_that_typenet_refuses_say_why,
                     *boost::unit_test::label("numpy") * boost::unit_test::disabled()) {
    const auto dir = fixture_dir();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"numpy_big_endian.npz", "array \"0.weight\" is big-endian ('>f4')"},
        {"numpy_fortran.npz", "array \"0.weight\" is stored in Fortran order"},
        {"numpy_int32.npz", "array \"0.weight\" has dtype '<i4' (integers)"},
        {"numpy_extra.npz", "has an array \"extra\" (1) that is not a parameter of the model"},
    };
    for (const auto& [name, expected] : cases) {
        BOOST_TEST_CONTEXT(name) {
            small_net<float> model{tn::seed{4}};
            const auto before = snapshot(model);
            const std::string m = load_error(model, dir / name);
            BOOST_TEST(m.find(expected) != std::string::npos, m);
            BOOST_TEST(m.find((dir / name).string()) != std::string::npos, m);
            BOOST_TEST(snapshot(model) == before);
        }
    }
}

BOOST_AUTO_TEST_CASE(write_files_for_numpy_to_check,
                     *boost::unit_test::label("numpy") * boost::unit_test::disabled()) {
    const auto dir = fixture_dir();
    small_net<float> f;
    small_net<double> d;
    fill_pattern(f);
    fill_pattern(d);
    tn::save_npz(f, dir / "typenet_f4.npz");
    tn::save_npz(f, dir / "typenet_f4_deflate.npz", tn::npz_compression::deflate);
    tn::save_npz(d, dir / "typenet_f8.npz");
    tn::save_npz(d, dir / "typenet_f8_deflate.npz", tn::npz_compression::deflate);
    // Gradients: numpy compares them with the parameter names of the model.
    tn::trainer<small_net<double>, tn::loss::mse> fit{d};
    tn::batch<double, 4> x(2);
    tn::batch<double, 2> y(2);
    x.fill(0.5);
    fit.backward(x, y);
    tn::save_npz(fit.gradients(), dir / "typenet_grads.npz", tn::npz_compression::deflate);
    // Every ZIP64 record, as numpy never needs them for small files.
    std::vector<std::pair<std::string, std::string>> members;
    d.for_each_parameter([&](const auto& p) {
        const auto bytes = std::as_bytes(p.values);
        members.emplace_back(p.name + ".npy", tn::detail::npy_header(tn::npy_dtype::float64, p.shape) +
                                                  std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    });
    write_zip(dir / "typenet_f8_zip64.npz", members, tn::npz_compression::deflate, true);
    small_net<double> back;
    tn::load_npz(back, dir / "typenet_f4.npz");
    check_pattern<float>(back);
    for (const char* name : {"typenet_f8_deflate.npz", "typenet_f8_zip64.npz"}) {
        tn::load_npz(back, dir / name);
        check_pattern<double>(back);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Tests io/npy.hpp: the .npy header as numpy writes it, parsing versions 1-3, and clear refusals.
#include "io_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

using namespace io_test;

namespace {
using scalar_types = std::tuple<float, double>;
std::string message_of_parse(const std::string& member) {
    try {
        (void)tn::detail::parse_npy_header(std::as_bytes(std::span<const char>(member)), "typenet: test: x.npy");
    } catch (const tn::io_error& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(npy)

BOOST_AUTO_TEST_CASE(header_is_64_byte_aligned_and_matches_numpys_dict) {
    const std::vector<std::vector<std::size_t>> shapes = {{}, {5}, {2, 3}, {256, 784}, {1, 2, 3, 4}};
    for (const auto& shape : shapes) {
        BOOST_TEST_CONTEXT("shape " << tn::detail::shape_text(shape)) {
            const std::string h = tn::detail::npy_header(tn::npy_dtype::float32, shape);
            BOOST_TEST(h.size() % 64 == 0u);
            BOOST_TEST(h.back() == '\n');
            BOOST_TEST(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
            std::string tuple = "(";
            for (std::size_t i = 0; i < shape.size(); ++i) tuple += (i ? ", " : "") + std::to_string(shape[i]);
            tuple += shape.size() == 1 ? ",)" : ")";
            BOOST_TEST(h.find("{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }") == 10u);
            const std::string member = h + std::string(4 * [&] { std::size_t n = 1; for (auto e : shape) n *= e; return n; }(), '\0');
            const auto info = tn::detail::parse_npy_header(std::as_bytes(std::span<const char>(member)), "x");
            BOOST_TEST(info.shape == shape);
            BOOST_TEST(info.data_offset == h.size());
            BOOST_TEST((info.dtype == tn::npy_dtype::float32));
        }
    }
}

BOOST_AUTO_TEST_CASE(versions_2_and_3_and_double_quotes_parse) {
    for (char major : {'\x02', '\x03'}) {
        const auto m = npy_with_dict("{\"descr\": \"<f8\", \"shape\": (3,), \"fortran_order\": False}", 24, major);
        const auto info = tn::detail::parse_npy_header(std::as_bytes(std::span<const char>(m)), "x");
        BOOST_TEST((info.dtype == tn::npy_dtype::float64));
        BOOST_TEST(info.shape == std::vector<std::size_t>{3});
    }
    // '=' (native) and a missing byte order mean little-endian on this machine.
    BOOST_TEST(message_of_parse(npy_with_dict("{'descr': '=f4', 'fortran_order': False, 'shape': (1,), }", 4)) == "(no error)");
    BOOST_TEST(message_of_parse(npy_with_dict("{'descr': 'f8', 'fortran_order': False, 'shape': (1,), }", 8)) == "(no error)");
}

BOOST_AUTO_TEST_CASE(refusals_say_why) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {npy_with_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "is big-endian ('>f4')"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16), "Fortran order"},
        {npy_with_dict("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8), "has dtype '<i4' (integers)"},
        {npy_with_dict("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2), "has dtype '|b1' (booleans)"},
        {npy_with_dict("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", 4), "has dtype '<f2'"},
        {npy_with_dict("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", 8), "malformed dtype '|f4'"},
        {npy_with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8), "structured dtype"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20), "is truncated: shape (2, 3) needs 24 bytes"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12), "4 unexpected bytes"},
        {npy_with_dict("{'descr': '<f4', 'shape': (2,), }", 8), "needs the keys"},
        {npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8), "unexpected key 'x'"},
        {"\x93NUMPZ\x01\x00\x00\x00", "wrong magic"},
        {"PK\x03\x04 not npy at all", "wrong magic"},
        {"\x93NUMPY", "truncated"},
        {std::string("\x93NUMPY\x04\x00\x10\x00", 10) + std::string(16, ' '), "format version 4.0"},
        {std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 17), "truncated inside its .npy header"},
    };
    for (const auto& [member, expected] : cases) {
        BOOST_TEST_CONTEXT("expecting \"" << expected << "\"") {
            const std::string m = message_of_parse(member);
            BOOST_TEST(m.find(expected) != std::string::npos, m);
            BOOST_TEST(m.find("typenet: test: x.npy") == 0u, m);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(save_npy_then_load_npy_round_trips, T, scalar_types) {
    scratch dir;
    std::vector<T> v(6);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = pattern<T>(0, k);
    tn::save_npy(dir / "a.npy", v, {2, 3});
    BOOST_TEST(!std::filesystem::exists(dir / "a.npy.tmp"));
    const auto a = tn::load_npy<T>(dir / "a.npy");
    BOOST_TEST(a.shape == (std::vector<std::size_t>{2, 3}));
    BOOST_TEST(a.values == v);
    // float64 <-> float32 conversion, as load_npz does it.
    const auto f = tn::load_npy<float>(dir / "a.npy");
    for (std::size_t k = 0; k < v.size(); ++k) BOOST_TEST(f.values[k] == static_cast<float>(v[k]));
    BOOST_CHECK_THROW(tn::save_npy(dir / "b.npy", v, {4, 2}), tn::io_error);
    BOOST_TEST(!std::filesystem::exists(dir / "b.npy"));
}

// PyTorch saves batch norm's num_batches_tracked as int64: read where exact, refused otherwise.
BOOST_AUTO_TEST_CASE(int64_arrays_load_when_every_value_converts_exactly) {
    scratch dir;
    auto write_int64 = [&](const char* name, std::initializer_list<std::int64_t> values) {
        std::string member = npy_with_dict("{'descr': '<i8', 'fortran_order': False, 'shape': (" +
                                               std::to_string(values.size()) + ",), }",
                                           0);
        for (std::int64_t v : values)
            for (int b = 0; b < 8; ++b) member += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * b)) & 0xFF);
        std::ofstream(dir / name, std::ios::binary) << member;
        return dir / name;
    };
    const auto small = write_int64("small.npy", {0, 7, -3, 1 << 24});
    BOOST_TEST(tn::load_npy<float>(small).values == (std::vector<float>{0, 7, -3, 16777216}));
    BOOST_TEST(tn::load_npy<double>(small).values == (std::vector<double>{0, 7, -3, 16777216}));
    const auto big = write_int64("big.npy", {1, (1 << 24) + 1});
    BOOST_TEST(tn::load_npy<double>(big).values == (std::vector<double>{1, 16777217}));
    try {
        (void)tn::load_npy<float>(big);
        BOOST_FAIL("no error");
    } catch (const tn::io_error& e) {
        BOOST_TEST(std::string(e.what()).find("holds the integer 16777217, which float32 cannot represent exactly") !=
                       std::string::npos,
                   e.what());
    }
    const auto huge = write_int64("huge.npy", {(std::int64_t(1) << 53) + 1});
    BOOST_CHECK_THROW((void)tn::load_npy<double>(huge), tn::io_error);
}

BOOST_AUTO_TEST_CASE(load_npy_names_the_file) {
    scratch dir;
    try {
        (void)tn::load_npy<float>(dir / "missing.npy");
        BOOST_FAIL("no error");
    } catch (const tn::io_error& e) {
        BOOST_TEST(std::string(e.what()).find("typenet: load_npy: " + (dir / "missing.npy").string() + ": no such file") == 0u,
                   e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

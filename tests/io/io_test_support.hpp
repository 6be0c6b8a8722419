// SPDX-License-Identifier: BSL-1.0
// Defines helpers shared by the io tests: small networks, a scratch directory, file bytes, the
// value pattern the numpy scripts also use, and a ZIP builder for hand-made (bad) members.
#pragma once

#include <typenet/typenet.hpp>
#include <typenet/io.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tn = typenet;

namespace io_test {

template <class T>
struct small_net : tn::basic_network<T, tn::input<4>, tn::dense<3>, tn::tanh, tn::dense<2>> {};
template <class T>
struct wider_net : tn::basic_network<T, tn::input<4>, tn::dense<5>, tn::tanh, tn::dense<2>> {};
template <class T>
struct deeper_net : tn::basic_network<T, tn::input<4>, tn::dense<3>, tn::tanh, tn::dense<2>, tn::tanh, tn::dense<2>> {};

// A fresh directory under the system temp dir, removed afterwards.
struct scratch {
    std::filesystem::path dir;
    scratch() {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() / ("typenet-io-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir);
    }
    ~scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::filesystem::path operator/(const std::string& name) const { return dir / name; }
};

inline std::vector<char> bytes_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<char>& b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

// Parameter j, element k: ((7k + 13j) mod 101 - 50) / 3 in double, rounded once to T. The numpy
// scripts in this folder compute the same values.
template <class T>
T pattern(std::size_t j, std::size_t k) {
    return static_cast<T>(static_cast<double>(static_cast<long>((7 * k + 13 * j) % 101) - 50) / 3.0);
}

template <class P>
void fill_pattern(P& params) {
    std::size_t j = 0;
    params.for_each_parameter([&](const auto& p) {
        for (std::size_t k = 0; k < p.values.size(); ++k)
            p.values[k] = pattern<std::remove_cvref_t<decltype(p.values[0])>>(j, k);
        ++j;
    });
}

template <class T, class P>
void check_pattern(const P& params) {
    std::size_t j = 0;
    params.for_each_parameter([&](const auto& p) {
        BOOST_TEST_CONTEXT("parameter " << p.name) {
            for (std::size_t k = 0; k < p.values.size(); ++k) BOOST_TEST(p.values[k] == pattern<T>(j, k));
        }
        ++j;
    });
}

template <class Net>
std::vector<typename Net::value_type> snapshot(const Net& n) {
    return {n.parameters().begin(), n.parameters().end()};
}

// A ZIP file with the given (name, bytes) members, written by typenet's own writer.
inline void write_zip(const std::filesystem::path& p, const std::vector<std::pair<std::string, std::string>>& members,
                      tn::npz_compression c = tn::npz_compression::none, bool force_zip64 = false) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    tn::detail::zip_writer zip(out, "test", force_zip64);
    for (const auto& [name, data] : members) zip.add(name, {std::as_bytes(std::span<const char>(data))}, c);
    zip.finish();
}

// An .npy member with a hand-written header dict (padded as numpy pads it) and `data_bytes` zeros.
inline std::string npy_with_dict(const std::string& dict, std::size_t data_bytes, char major = 1) {
    std::string h = dict;
    const std::size_t prefix = major == 1 ? 10 : 12;
    h.append((prefix + h.size() + 1 + 63) / 64 * 64 - prefix - h.size() - 1, ' ');
    h += '\n';
    std::string s = "\x93NUMPY";
    s += major;
    s += '\0';
    s += static_cast<char>(h.size() & 0xFF);
    s += static_cast<char>((h.size() >> 8) & 0xFF);
    if (major != 1) s += std::string(2, '\0');
    return s + h + std::string(data_bytes, '\0');
}

// The directory the CTest fixtures share (tests/CMakeLists.txt, section io).
inline std::filesystem::path fixture_dir() {
    const char* d = std::getenv("TYPENET_IO_FIXTURES");
    if (!d || !*d)
        BOOST_FAIL("TYPENET_IO_FIXTURES is not set: run these cases through ctest -L io, whose fixture test "
                   "typenet_io_numpy_write writes the numpy files first");
    return d ? std::filesystem::path(d) : std::filesystem::path();
}

}  // namespace io_test

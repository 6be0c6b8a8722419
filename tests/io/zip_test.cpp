// SPDX-License-Identifier: BSL-1.0
// Tests io/zip.hpp through npz_archive: stored and deflate members, ZIP64 records, and refusal of
// truncated and corrupted files.
#include "io_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

using namespace io_test;

namespace {
std::string open_error(const std::filesystem::path& p) {
    try {
        tn::npz_archive a(p);
    } catch (const tn::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string inflate_error(std::span<const std::byte> in, tn::detail::zlib_format f,
                          std::variant<tn::detail::stated_size, std::size_t> size) {
    try {
        (void)tn::detail::inflate_all(in, f, size, "where");
    } catch (const tn::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

// `n` bytes that compress, but not to nothing: a counter mixed with a small hash.
std::vector<std::byte> sample_bytes(std::size_t n) {
    std::vector<std::byte> b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = std::byte((i / 7 + (i * 2654435761u >> 13)) & 0x3F);
    return b;
}

// `n` random bytes below `alphabet` (a fixed LCG): deflate codes them as Huffman literals of
// every length.
std::vector<std::byte> random_bytes(std::size_t n, unsigned alphabet, std::uint32_t seed) {
    std::vector<std::byte> b(n);
    for (auto& v : b) {
        seed = seed * 1664525u + 1013904223u;
        v = std::byte((seed >> 16) % alphabet);
    }
    return b;
}

// A gzip file of `data`, as gzip(1) writes one (zlib's windowBits 15 + 16).
std::vector<std::byte> gzip_of(std::span<const std::byte> data) {
    std::vector<std::byte> out(compressBound(static_cast<uLong>(data.size())) + 32);
    z_stream z{};
    BOOST_REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = tn::detail::zlib_in(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    BOOST_REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// Offset of the first byte of the first .npy member's values in a stored archive.
std::size_t first_values_offset(const std::vector<char>& file) {
    const std::size_t magic = std::string(file.begin(), file.end()).find("\x93NUMPY");
    const std::size_t header_len = static_cast<unsigned char>(file[magic + 8]) | static_cast<unsigned char>(file[magic + 9]) << 8;
    return magic + 10 + header_len;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(zip)

BOOST_AUTO_TEST_CASE(stored_deflate_and_zip64_archives_read_back) {
    scratch dir;
    const std::string a = tn::detail::npy_header(tn::npy_dtype::float32, std::vector<std::size_t>{2}) + std::string(8, '\x11');
    const std::string b = tn::detail::npy_header(tn::npy_dtype::float64, std::vector<std::size_t>{1, 3}) + std::string(24, '\0');
    for (auto c : {tn::npz_compression::none, tn::npz_compression::deflate}) {
        for (bool zip64 : {false, true}) {
            BOOST_TEST_CONTEXT("deflate " << (c == tn::npz_compression::deflate) << ", zip64 " << zip64) {
                write_zip(dir / "x.npz", {{"a.npy", a}, {"b.npy", b}}, c, zip64);
                tn::npz_archive z(dir / "x.npz");
                BOOST_TEST_REQUIRE(z.arrays().size() == 2u);
                BOOST_TEST(z.arrays()[0].name == "a");
                BOOST_TEST(z.arrays()[1].name == "b");
                BOOST_TEST((z.info("b").dtype == tn::npy_dtype::float64));
                BOOST_TEST(z.info("b").shape == (std::vector<std::size_t>{1, 3}));
                BOOST_TEST(z.read<double>("b") == (std::vector<double>{0, 0, 0}));
                BOOST_TEST(z.read<float>("a").size() == 2u);
                BOOST_CHECK_THROW((void)z.info("c"), tn::io_error);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused) {
    scratch dir;
    small_net<float> net{tn::seed{1}};
    for (auto c : {tn::npz_compression::none, tn::npz_compression::deflate}) {
        tn::save_npz(net, dir / "full.npz", c);
        const auto full = bytes_of(dir / "full.npz");
        // Every cut in the first 64 and the last 128 bytes (headers, directory), every 5th between.
        for (std::size_t cut = 0; cut < full.size(); cut += cut < 64 || cut + 128 >= full.size() ? 1 : 5) {
            write_bytes(dir / "cut.npz", std::vector<char>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
            const std::string m = open_error(dir / "cut.npz");
            BOOST_TEST_CONTEXT("cut at " << cut << " of " << full.size()) {
                BOOST_TEST(m.find("typenet: npz_archive: " + (dir / "cut.npz").string()) == 0u, m);
            }
        }
        BOOST_TEST(open_error(dir / "full.npz") == "(no error)");
        const std::string m = open_error(dir / "cut.npz");
        BOOST_TEST(m.find("truncated") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(a_flipped_value_byte_is_a_bad_crc) {
    scratch dir;
    small_net<float> net{tn::seed{1}};
    tn::save_npz(net, dir / "m.npz");
    auto file = bytes_of(dir / "m.npz");
    file[first_values_offset(file) + 5] ^= 0x40;
    write_bytes(dir / "m.npz", file);
    const std::string m = open_error(dir / "m.npz");
    BOOST_TEST(m.find("member \"0.weight.npy\": bad CRC-32") != std::string::npos, m);
    BOOST_TEST(m.find("the file is corrupted") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_of_a_deflated_archive_is_refused) {
    scratch dir;
    small_net<double> net{tn::seed{1}};
    tn::save_npz(net, dir / "m.npz", tn::npz_compression::deflate);
    const auto good = bytes_of(dir / "m.npz");
    std::size_t refused = 0, accepted = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
        auto file = good;
        file[i] ^= 0x21;
        write_bytes(dir / "bad.npz", file);
        const std::string m = open_error(dir / "bad.npz");
        if (m == "(no error)") {
            ++accepted;
            // Only bytes nobody reads (times, attributes, version fields) may change unnoticed; the
            // values must then be unchanged.
            tn::npz_archive z(dir / "bad.npz");
            for (const auto& a : z.arrays()) BOOST_TEST(z.read<double>(a.name) == tn::npz_archive(dir / "m.npz").read<double>(a.name));
        } else {
            ++refused;
        }
    }
    BOOST_TEST(refused > accepted);
}

BOOST_AUTO_TEST_CASE(other_files_are_refused_by_name) {
    scratch dir;
    write_bytes(dir / "text.npz", std::vector<char>(100, 'x'));
    BOOST_TEST(open_error(dir / "text.npz").find("not a ZIP archive") != std::string::npos);
    tn::save_npy(dir / "a.npy", std::vector<float>{1, 2}, {2});
    BOOST_TEST(open_error(dir / "a.npy").find("is an .npy file, not an .npz archive") != std::string::npos);
    BOOST_TEST(open_error(dir / "none.npz").find("no such file") != std::string::npos);
    BOOST_TEST(open_error(dir.dir).find("is a directory") != std::string::npos);
    write_zip(dir / "readme.npz", {{"README.txt", "hello"}});
    BOOST_TEST(open_error(dir / "readme.npz").find("member \"README.txt\" is not an .npy array") != std::string::npos);
    write_zip(dir / "magic.npz", {{"w.npy", "not an npy member at all"}});
    BOOST_TEST(open_error(dir / "magic.npz").find("array \"w\" is not an .npy array (wrong magic") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(saving_is_deterministic_and_leaves_no_temporary) {
    scratch dir;
    small_net<float> net{tn::seed{3}};
    tn::save_npz(net, dir / "a.npz", tn::npz_compression::deflate);
    tn::save_npz(net, dir / "b.npz", tn::npz_compression::deflate);
    BOOST_TEST((bytes_of(dir / "a.npz") == bytes_of(dir / "b.npz")));
    BOOST_TEST(!std::filesystem::exists(dir / "a.npz.tmp"));
    // Overwriting replaces the whole file.
    tn::save_npz(net, dir / "a.npz");
    BOOST_TEST(open_error(dir / "a.npz") == "(no error)");
    // A directory that does not exist: an error naming the file, and nothing written.
    try {
        tn::save_npz(net, dir / "no" / "such" / "m.npz");
        BOOST_FAIL("no error");
    } catch (const tn::io_error& e) {
        BOOST_TEST(std::string(e.what()).find("typenet: save_npz: " + (dir / "no" / "such" / "m.npz").string()) == 0u, e.what());
    }
}


// The one inflate loop (io/detail/zlib.hpp's inflate_all) in both its modes: a ZIP member's
// stated size, which must match exactly, and a gzip file's growing output. Each refusal names
// its cause.
BOOST_AUTO_TEST_SUITE(inflate)

using tn::detail::gzip_member;
using tn::detail::raw_deflate;
using tn::detail::stated_size;

BOOST_AUTO_TEST_CASE(a_deflated_member_inflates_to_exactly_its_stated_size) {
    for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(100000)}) {
        BOOST_TEST_CONTEXT("size " << n) {
            const std::vector<std::byte> data = sample_bytes(n);
            const std::vector<std::byte> packed = tn::detail::deflate_raw({data}, "test");
            BOOST_TEST((tn::detail::inflate_all(packed, raw_deflate, stated_size{n}, "where") == data));
            if (n == 0) continue;
            BOOST_TEST(inflate_error(packed, raw_deflate, stated_size{n - 1}) ==
                       "where: inflates to more than the " + std::to_string(n - 1) +
                           " bytes the ZIP directory states (corrupted)");
            BOOST_TEST(inflate_error(packed, raw_deflate, stated_size{n + 1}) ==
                       "where: inflates to " + std::to_string(n) + " bytes, not the " + std::to_string(n + 1) +
                           " the ZIP directory states (corrupted)");
            const std::span<const std::byte> cut(packed.data(), packed.size() - 1);
            BOOST_TEST(inflate_error(cut, raw_deflate, stated_size{n}) ==
                       "where: the deflate stream ends early (the file is truncated or corrupted)");
            std::vector<std::byte> longer = packed;
            longer.insert(longer.end(), {std::byte{1}, std::byte{2}});
            BOOST_TEST(inflate_error(longer, raw_deflate, stated_size{n}) ==
                       "where: has 2 trailing bytes after the end of its deflate stream (corrupted)");
        }
    }
}

// A member one byte longer than stated is "more than" whatever byte of the input holds the
// surplus byte's code, the last included (where zlib has taken all the input into its bit buffer
// before it would write that byte, and without room to write it would say the input ended).
BOOST_AUTO_TEST_CASE(a_member_one_byte_longer_than_stated_says_so_for_every_size) {
    std::size_t wrong = 0;
    for (std::uint32_t t = 0; t < 2000; ++t) {
        const std::size_t n = 1 + t % 300;
        const std::vector<std::byte> packed = tn::detail::deflate_raw({random_bytes(n, 1 + t * 37 % 255, t)}, "test");
        const std::string m = inflate_error(packed, raw_deflate, stated_size{n - 1});
        if (m != "where: inflates to more than the " + std::to_string(n - 1) + " bytes the ZIP directory states (corrupted)") {
            ++wrong;
            BOOST_TEST_MESSAGE("case " << t << ", size " << n << ": " << m);
        }
    }
    BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(a_gzip_member_grows_past_its_hint_and_is_refused_when_cut_or_followed) {
    // 300 KB from a 1-byte hint: the output (64 KiB at first) doubles three times.
    const std::vector<std::byte> data = sample_bytes(300000);
    const std::vector<std::byte> gz = gzip_of(data);
    for (std::size_t hint : {std::size_t(1), data.size(), 4 * data.size()})
        BOOST_TEST((tn::detail::inflate_all(gz, gzip_member, hint, "where") == data), "hint " << hint);
    BOOST_TEST(tn::detail::inflate_all(gzip_of({}), gzip_member, std::size_t(0), "where").empty());
    const std::span<const std::byte> cut(gz.data(), gz.size() / 2);
    BOOST_TEST(inflate_error(cut, gzip_member, std::size_t(1)) ==
               "where: the gzip stream ends early (the file is truncated or corrupted)");
    std::vector<std::byte> twice = gz;
    twice.insert(twice.end(), gz.begin(), gz.end());
    BOOST_TEST(inflate_error(twice, gzip_member, std::size_t(1)) ==
               "where: has " + std::to_string(gz.size()) +
                   " trailing bytes after the end of its gzip stream (typenet reads single-member .gz files)");
    std::vector<std::byte> bad = gz;
    for (std::size_t i = 12; i < 40; ++i) bad[i] = ~bad[i];
    BOOST_TEST(inflate_error(bad, gzip_member, std::size_t(1)).rfind("where: corrupted gzip data (zlib: ", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()

// SPDX-License-Identifier: BSL-1.0
// Tests io/idx.hpp: small IDX files written here, plain and gzip-compressed, load with the right
// values; every malformed file is refused with a message naming the file and the fault; and the
// real Fashion-MNIST files load (label fashion_mnist, run by its own CTest test when installed).
#include "io_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

using namespace io_test;

namespace {
using scalar_types = std::tuple<float, double>;

void put_be32(std::vector<char>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFFu));
}

// An IDX file: magic, one count per dimension, then `data`.
std::vector<char> idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims, const std::vector<char>& data) {
    std::vector<char> out;
    put_be32(out, magic);
    for (std::uint32_t d : dims) put_be32(out, d);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

// count images of h x w pixels; pixel k of the file is (37 k + 11) mod 256, so 0 and 255 appear.
std::vector<char> pixels(std::size_t n) {
    std::vector<char> d(n);
    for (std::size_t k = 0; k < n; ++k) d[k] = static_cast<char>((37 * k + 11) % 256);
    return d;
}

std::vector<char> images_file(std::uint32_t count, std::uint32_t h, std::uint32_t w) {
    return idx_bytes(0x00000803, {count, h, w}, pixels(std::size_t{count} * h * w));
}

std::vector<char> labels_file(const std::vector<int>& labels) {
    std::vector<char> d;
    for (int l : labels) d.push_back(static_cast<char>(l));
    return idx_bytes(0x00000801, {static_cast<std::uint32_t>(labels.size())}, d);
}

void write_gz(const std::filesystem::path& p, const std::vector<char>& b) {
    gzFile f = gzopen(p.string().c_str(), "wb");
    BOOST_REQUIRE(f != nullptr);
    BOOST_REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
    BOOST_REQUIRE(gzclose(f) == Z_OK);
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const tn::io_error& e) {
        return e.what();
    }
    return "(no error)";
}

// Every fragment must appear in the message.
void check_message(const std::string& message, const std::vector<std::string>& fragments) {
    BOOST_TEST_CONTEXT("message: " << message) {
        for (const auto& f : fragments) BOOST_TEST(message.find(f) != std::string::npos, "missing: " << f);
    }
}

std::string images_error(const std::filesystem::path& p) {
    return error_of([&] { (void)tn::load_idx_images<float, 2, 3>(p); });
}

std::filesystem::path fashion_dir() {
    const char* d = std::getenv("TYPENET_FASHION_MNIST_DIR");
    return d && *d ? std::filesystem::path(d) : std::filesystem::path("/usr/share/datasets/fashion-mnist");
}
}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE_TEMPLATE(images_load_plain_and_gzipped_scaled_to_unit_or_raw, T, scalar_types) {
    scratch dir;
    write_bytes(dir / "img", images_file(4, 2, 3));
    write_gz(dir / "img.gz", images_file(4, 2, 3));
    const std::vector<char> want = pixels(24);
    for (const char* name : {"img", "img.gz"}) {
        BOOST_TEST_CONTEXT("file " << name) {
            const tn::batch<T, 2, 3> unit = tn::load_idx_images<T, 2, 3>(dir / name);
            const tn::batch<T, 2, 3> raw = tn::load_idx_images<T, 2, 3>(dir / name, tn::idx_scale::raw);
            BOOST_TEST(unit.rows() == 4u);
            BOOST_TEST(raw.rows() == 4u);
            for (std::size_t k = 0; k < want.size(); ++k) {
                const auto v = static_cast<unsigned char>(want[k]);
                BOOST_TEST(raw.data()[k] == static_cast<T>(v));
                BOOST_TEST(unit.data()[k] == static_cast<T>(v) / T(255));
            }
            BOOST_TEST(unit(3, 1, 2) == static_cast<T>(static_cast<unsigned char>(want[23])) / T(255));
        }
    }
}

BOOST_AUTO_TEST_CASE(images_of_run_time_extents_report_rows_and_extents) {
    scratch dir;
    write_gz(dir / "img.gz", images_file(5, 3, 2));
    const tn::idx_images<float> a = tn::load_idx_images<float>(dir / "img.gz", tn::idx_scale::raw);
    BOOST_TEST(a.rows == 5u);
    BOOST_TEST(a.extents == (std::vector<std::size_t>{3, 2}));
    const std::vector<char> want = pixels(30);
    BOOST_TEST(a.values.size() == 30u);
    for (std::size_t k = 0; k < want.size(); ++k) BOOST_TEST(a.values[k] == float(static_cast<unsigned char>(want[k])));
    // Any rank of at least 2: a file of flat rows.
    write_bytes(dir / "flat", idx_bytes(0x00000802, {2, 4}, pixels(8)));
    const auto f = tn::load_idx_images<double>(dir / "flat");
    BOOST_TEST(f.rows == 2u);
    BOOST_TEST(f.extents == (std::vector<std::size_t>{4}));
}

BOOST_AUTO_TEST_CASE(labels_load_plain_and_gzipped) {
    scratch dir;
    const std::vector<int> labels{9, 0, 0, 3, 255, 7};
    write_bytes(dir / "lab", labels_file(labels));
    write_gz(dir / "lab.gz", labels_file(labels));
    const std::vector<std::int32_t> want{9, 0, 0, 3, 255, 7};
    BOOST_TEST(tn::load_idx_labels(dir / "lab") == want);
    BOOST_TEST(tn::load_idx_labels(dir / "lab.gz") == want);
}

BOOST_AUTO_TEST_CASE(zero_images_are_an_empty_batch) {
    scratch dir;
    write_bytes(dir / "img", images_file(0, 2, 3));
    BOOST_TEST((tn::load_idx_images<float, 2, 3>(dir / "img").rows() == 0u));
}

BOOST_AUTO_TEST_CASE(a_dataset_pairs_images_with_labels_and_refuses_unequal_counts) {
    scratch dir;
    write_gz(dir / "img.gz", images_file(3, 2, 3));
    write_gz(dir / "lab.gz", labels_file({1, 2, 3}));
    write_bytes(dir / "lab4", labels_file({1, 2, 3, 4}));
    const auto d = tn::load_idx_dataset<float, 2, 3>(dir / "img.gz", dir / "lab.gz");
    BOOST_TEST(d.images.rows() == 3u);
    BOOST_TEST(d.labels == (std::vector<std::int32_t>{1, 2, 3}));
    check_message(error_of([&] { (void)tn::load_idx_dataset<float, 2, 3>(dir / "img.gz", dir / "lab4"); }),
                  {"typenet: load_idx_dataset: ", (dir / "img.gz").string() + " holds 3 images but ",
                   (dir / "lab4").string() + " holds 4 labels"});
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_refused_by_name) {
    scratch dir;
    check_message(images_error(dir / "nope.gz"), {"typenet: load_idx_images: " + (dir / "nope.gz").string() + ": no such file"});
    check_message(error_of([&] { (void)tn::load_idx_labels(dir / "nope"); }),
                  {"typenet: load_idx_labels: " + (dir / "nope").string() + ": no such file"});
}

BOOST_AUTO_TEST_CASE(a_truncated_header_is_refused) {
    scratch dir;
    write_bytes(dir / "short", {0, 0, 8});
    check_message(images_error(dir / "short"),
                  {(dir / "short").string() + ": truncated header: the file holds 3 bytes, fewer than the 4-byte IDX magic"});
    std::vector<char> cut = images_file(4, 2, 3);
    cut.resize(10);  // magic, the count and half of the first extent
    write_bytes(dir / "cut", cut);
    check_message(images_error(dir / "cut"),
                  {(dir / "cut").string() + ": truncated header: a header of 3 dimensions needs 16 bytes, the file holds 10"});
}

BOOST_AUTO_TEST_CASE(truncated_data_and_trailing_bytes_are_refused) {
    scratch dir;
    std::vector<char> b = images_file(4, 2, 3);
    b.pop_back();
    write_bytes(dir / "cut", b);
    check_message(images_error(dir / "cut"),
                  {(dir / "cut").string() + ": truncated data: dims (4, 2, 3) need 24 bytes after the header, the file holds 23"});
    b.push_back(1);
    b.push_back(2);
    b.push_back(3);
    write_bytes(dir / "long", b);
    check_message(images_error(dir / "long"),
                  {(dir / "long").string() + ": has 2 trailing bytes after the 24 bytes that dims (4, 2, 3) need"});
    write_bytes(dir / "huge", idx_bytes(0x00000803, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}));
    check_message(images_error(dir / "huge"),
                  {": dims (4294967295, 4294967295, 4294967295) hold more values than memory can address"});
    write_bytes(dir / "lab", idx_bytes(0x00000801, {5}, {1, 2, 3}));
    check_message(error_of([&] { (void)tn::load_idx_labels(dir / "lab"); }),
                  {"typenet: load_idx_labels: ", "truncated data: dims (5) need 5 bytes after the header, the file holds 3"});
}

BOOST_AUTO_TEST_CASE(a_wrong_magic_names_what_was_found_and_what_was_expected) {
    scratch dir;
    write_bytes(dir / "pgm", {'P', '5', '\n', '2', ' ', '3', '\n'});
    check_message(images_error(dir / "pgm"),
                  {(dir / "pgm").string() + ": wrong magic 0x50350a32: not an IDX file; expected 0x00000803 "
                                            "(unsigned bytes, 3 dimensions: images of shape (2, 3))"});
    // A labels file where images are expected, and the other way round.
    write_bytes(dir / "lab", labels_file({1, 2}));
    check_message(images_error(dir / "lab"),
                  {"wrong magic 0x00000801 (unsigned bytes, 1 dimension: a labels file?); expected 0x00000803 "
                   "(unsigned bytes, 3 dimensions: images of shape (2, 3))"});
    write_bytes(dir / "img", images_file(1, 2, 3));
    check_message(error_of([&] { (void)tn::load_idx_labels(dir / "img"); }),
                  {"typenet: load_idx_labels: " + (dir / "img").string() +
                   ": wrong magic 0x00000803 (unsigned bytes, 3 dimensions: an images file?); expected 0x00000801 "
                   "(unsigned bytes, 1 dimension: labels)"});
    check_message(error_of([&] { (void)tn::load_idx_images<float>(dir / "lab"); }),
                  {"wrong magic 0x00000801", "expected 0x00000802 or higher (unsigned bytes, at least 2 dimensions: images)"});
    // An IDX type byte that does not exist.
    write_bytes(dir / "odd", idx_bytes(0x00000703, {1, 2, 3}, pixels(6)));
    check_message(images_error(dir / "odd"), {"wrong magic 0x00000703: not an IDX file"});
}

BOOST_AUTO_TEST_CASE(element_types_other_than_unsigned_bytes_are_refused) {
    scratch dir;
    write_bytes(dir / "f32", idx_bytes(0x00000D03, {1, 2, 3}, std::vector<char>(24)));
    check_message(images_error(dir / "f32"),
                  {(dir / "f32").string() + ": unsupported element type: magic 0x00000d03 says 32-bit floats (type 0x0d); "
                                            "typenet reads unsigned-byte IDX files (type 0x08)"});
    write_bytes(dir / "i32", idx_bytes(0x00000C01, {2}, std::vector<char>(8)));
    check_message(error_of([&] { (void)tn::load_idx_labels(dir / "i32"); }),
                  {"unsupported element type: magic 0x00000c01 says 32-bit integers (type 0x0c)"});
}

BOOST_AUTO_TEST_CASE(image_extents_other_than_the_callers_are_refused_naming_both) {
    scratch dir;
    write_gz(dir / "img.gz", images_file(7, 28, 28));
    check_message(error_of([&] { (void)tn::load_idx_images<float, 32, 32>(dir / "img.gz"); }),
                  {(dir / "img.gz").string() + ": dims mismatch: the file holds 7 images of shape (28, 28), "
                                               "the caller expects images of shape (32, 32)"});
    check_message(error_of([&] { (void)tn::load_idx_images<float, 784>(dir / "img.gz"); }),
                  {"wrong magic 0x00000803 (unsigned bytes, 3 dimensions: an images file?); expected 0x00000802 "
                   "(unsigned bytes, 2 dimensions: images of shape (784))"});
}

BOOST_AUTO_TEST_CASE(broken_gzip_files_are_refused) {
    scratch dir;
    write_gz(dir / "img.gz", images_file(50, 8, 8));
    std::vector<char> gz = bytes_of(dir / "img.gz");
    std::vector<char> cut(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2));
    write_bytes(dir / "cut.gz", cut);
    check_message(images_error(dir / "cut.gz"),
                  {(dir / "cut.gz").string() + ": the gzip stream ends early (the file is truncated or corrupted)"});
    std::vector<char> bad = gz;
    for (std::size_t i = 12; i < 40 && i < bad.size(); ++i) bad[i] = static_cast<char>(~bad[i]);
    write_bytes(dir / "bad.gz", bad);
    check_message(images_error(dir / "bad.gz"), {(dir / "bad.gz").string() + ": corrupted gzip data (zlib: "});
    std::vector<char> tail = gz;
    tail.push_back('x');
    write_bytes(dir / "tail.gz", tail);
    check_message(images_error(dir / "tail.gz"),
                  {(dir / "tail.gz").string() + ": has 1 trailing bytes after the end of its gzip stream"});
}

// The real files of Debian's dataset-fashion-mnist (or $TYPENET_FASHION_MNIST_DIR). Disabled in
// the plain run; CTest runs it as typenet_io_fashion_mnist, which reports "Skipped" when the
// files are absent (SKIP_REGULAR_EXPRESSION on the line printed below).
BOOST_AUTO_TEST_CASE(fashion_mnist_train_and_test_files_load,
                     *boost::unit_test::label("fashion_mnist") * boost::unit_test::disabled()) {
    const std::filesystem::path d = fashion_dir();
    if (!std::filesystem::exists(d / "train-images-idx3-ubyte.gz")) {
        std::cout << "typenet_io_fashion_mnist: skipped: no Fashion-MNIST files in " << d.string()
                  << " (apt-get install dataset-fashion-mnist, or set TYPENET_FASHION_MNIST_DIR)\n";
        BOOST_TEST_MESSAGE("skipped");
        return;
    }
    const auto train = tn::load_idx_dataset<float, 28, 28>(d / "train-images-idx3-ubyte.gz", d / "train-labels-idx1-ubyte.gz");
    const auto test = tn::load_idx_dataset<float, 28, 28>(d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz");
    BOOST_TEST(train.images.rows() == 60000u);
    BOOST_TEST(test.images.rows() == 10000u);
    BOOST_TEST((std::vector<std::int32_t>(train.labels.begin(), train.labels.begin() + 10)) ==
               (std::vector<std::int32_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
    BOOST_TEST((std::vector<std::int32_t>(test.labels.begin(), test.labels.begin() + 10)) ==
               (std::vector<std::int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
    std::vector<std::size_t> per_class(10);
    for (std::int32_t l : train.labels) ++per_class.at(static_cast<std::size_t>(l));
    BOOST_TEST(per_class == std::vector<std::size_t>(10, 6000));
    // The first training image: pixel sum 76247 of 255 each, so 76247 / 255 in unit scale.
    double sum = 0;
    for (std::size_t k = 0; k < 784; ++k) sum += train.images.data()[k];
    BOOST_TEST(sum == 76247.0 / 255.0, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(*std::max_element(train.images.begin(), train.images.end()) == 1.0f);
}

BOOST_AUTO_TEST_SUITE_END()

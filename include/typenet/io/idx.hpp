// SPDX-License-Identifier: BSL-1.0
// Defines the IDX reader (the MNIST family's format), plain or gzip-compressed: load_idx_images,
// load_idx_labels and load_idx_dataset.
#pragma once

#include <typenet/core/batch.hpp>
#include <typenet/io/detail/files.hpp>
#include <typenet/io/detail/zlib.hpp>
#include <typenet/io/fwd.hpp>
#include <typenet/io/npy.hpp>
#include <typenet/io/zip.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace typenet {

/// How the IDX readers turn unsigned-byte pixels into values: `unit` divides by 255, so values
/// lie in [0, 1] (torchvision's ToTensor); `raw` keeps 0..255.
enum class idx_scale { unit, raw };

/// Images of an IDX file whose extents are known only at run time (load_idx_images<T>):
/// `rows` images, each of shape `extents` (e.g. {28, 28}), values in C order, image after image.
template <class T>
struct idx_images {
    std::size_t rows = 0;
    std::vector<std::size_t> extents;
    std::vector<T> values;
};

/// Images and their labels, as load_idx_dataset returns them; `labels[r]` belongs to image r.
template <class T, std::size_t... Dims>
struct idx_dataset {
    batch<T, Dims...> images;
    std::vector<std::int32_t> labels;
};

namespace detail {

// --- Part 1: bytes (gzip inflated, big-endian header fields) ---

inline std::uint32_t load_be32(const std::byte* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
    return v;
}

inline bool is_gzip(std::span<const std::byte> b) noexcept {
    return b.size() >= 2 && b[0] == std::byte{0x1f} && b[1] == std::byte{0x8b};
}

// Inflates one gzip member. Whatever follows the member is an error: the IDX files of the MNIST
// family are single-member .gz files.
inline std::vector<std::byte> gunzip(std::span<const std::byte> in, const std::string& prefix) {
    // The trailer's ISIZE (size mod 2^32) is only a hint for the first allocation.
    // Capped by deflate's largest ratio (about 1032:1), so a corrupted trailer cannot ask for 4 GiB.
    std::size_t hint = in.size() >= 18 ? static_cast<std::size_t>(load_le(in.data() + in.size() - 4, 4)) : 0;
    hint = std::min(hint, in.size() * 1032);
    return inflate_all(in, gzip_member, hint, prefix);
}

// --- Part 2: the IDX header ---

// IDX element types: magic bytes 0, 0, type, rank.
inline const char* idx_type_name(unsigned type) noexcept {
    switch (type) {
        case 0x08: return "unsigned bytes";
        case 0x09: return "signed bytes";
        case 0x0B: return "16-bit integers";
        case 0x0C: return "32-bit integers";
        case 0x0D: return "32-bit floats";
        case 0x0E: return "64-bit floats";
        default: return nullptr;
    }
}

inline std::string hex_byte(unsigned v) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "0x%02x", v & 0xFFu);
    return buf;
}

inline std::string idx_rank_text(std::size_t rank) {
    return std::to_string(rank) + (rank == 1 ? " dimension" : " dimensions");
}

struct idx_header {
    std::vector<std::size_t> dims;  // dims[0] is the item count
    std::size_t data_offset = 0;
    std::size_t item_size = 1;      // values per item: the product of dims[1..]
};

// Reads and checks the header of an unsigned-byte IDX file of the given rank (0: any rank of at
// least 2); `expected` says what the caller reads, for the wrong-magic message.
inline idx_header parse_idx_header(std::span<const std::byte> b, std::size_t rank, const std::string& expected,
                                   const std::string& prefix) {
    if (b.size() < 4)
        throw io_error(prefix + ": truncated header: the file holds " + std::to_string(b.size()) +
                       " bytes, fewer than the 4-byte IDX magic");
    const std::uint32_t magic = load_be32(b.data());
    const unsigned type = (magic >> 8) & 0xFFu;
    const std::size_t found_rank = magic & 0xFFu;
    const char* type_name = idx_type_name(type);
    if ((magic >> 16) != 0 || type_name == nullptr || found_rank == 0)
        throw io_error(prefix + ": wrong magic " + hex32(magic) + ": not an IDX file; expected " + expected);
    if (type != 0x08)
        throw io_error(prefix + ": unsupported element type: magic " + hex32(magic) + " says " + type_name +
                       " (type " + hex_byte(type) + "); typenet reads unsigned-byte IDX files (type 0x08), as the MNIST family stores them");
    if (rank != 0 ? found_rank != rank : found_rank < 2)
        throw io_error(prefix + ": wrong magic " + hex32(magic) + " (" + type_name + ", " + idx_rank_text(found_rank) +
                       (found_rank == 1 ? ": a labels file?" : found_rank == 3 ? ": an images file?" : "") +
                       "); expected " + expected);
    idx_header h;
    h.data_offset = 4 + 4 * found_rank;
    if (b.size() < h.data_offset)
        throw io_error(prefix + ": truncated header: a header of " + idx_rank_text(found_rank) + " needs " +
                       std::to_string(h.data_offset) + " bytes, the file holds " + std::to_string(b.size()));
    for (std::size_t i = 0; i < found_rank; ++i) h.dims.push_back(load_be32(b.data() + 4 + 4 * i));
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    std::size_t total = 1;
    for (std::size_t i = 0; i < found_rank; ++i) {
        const bool overflow = h.dims[i] != 0 && (total > max / h.dims[i] || (i > 0 && h.item_size > max / h.dims[i]));
        if (overflow) throw io_error(prefix + ": dims " + shape_text(h.dims) + " hold more values than memory can address");
        total *= h.dims[i];
        if (i > 0) h.item_size *= h.dims[i];
    }
    const std::size_t have = b.size() - h.data_offset;
    if (have < total)
        throw io_error(prefix + ": truncated data: dims " + shape_text(h.dims) + " need " + std::to_string(total) +
                       " bytes after the header, the file holds " + std::to_string(have));
    if (have > total)
        throw io_error(prefix + ": has " + std::to_string(have - total) + " trailing bytes after the " +
                       std::to_string(total) + " bytes that dims " + shape_text(h.dims) + " need");
    return h;
}

// The file's bytes, inflated first when they start with the gzip magic (whatever the name).
inline std::vector<std::byte> read_idx_file(const std::filesystem::path& path, const std::string& prefix) {
    std::vector<std::byte> bytes = read_file(path, prefix);
    if (is_gzip(bytes)) bytes = gunzip(bytes, prefix);
    return bytes;
}

inline std::string idx_magic_text(std::size_t rank, const std::string& what) {
    return hex32(0x0800u | static_cast<std::uint32_t>(rank)) + " (unsigned bytes, " + idx_rank_text(rank) + ": " + what + ")";
}

template <class T>
void decode_idx_bytes(const std::byte* from, std::size_t n, T* to, idx_scale scale) noexcept {
    std::array<T, 256> table;
    for (std::size_t v = 0; v < 256; ++v)
        table[v] = scale == idx_scale::unit ? static_cast<T>(v) / T(255) : static_cast<T>(v);
    for (std::size_t i = 0; i < n; ++i) to[i] = table[std::to_integer<std::size_t>(from[i])];
}

template <class T, std::size_t... Dims>
batch<T, Dims...> load_idx_images_as(const std::filesystem::path& path, idx_scale scale, const std::string& op) {
    const std::string prefix = "typenet: " + op + ": " + path.string();
    constexpr std::size_t rank = 1 + sizeof...(Dims);
    const std::vector<std::size_t> want{Dims...};
    const std::vector<std::byte> bytes = read_idx_file(path, prefix);
    const idx_header h =
        parse_idx_header(bytes, rank, idx_magic_text(rank, "images of shape " + shape_text(want)), prefix);
    const std::vector<std::size_t> got(h.dims.begin() + 1, h.dims.end());
    if (got != want)
        throw io_error(prefix + ": dims mismatch: the file holds " + std::to_string(h.dims[0]) + " images of shape " +
                       shape_text(got) + ", the caller expects images of shape " + shape_text(want));
    batch<T, Dims...> images(h.dims[0]);
    decode_idx_bytes(bytes.data() + h.data_offset, images.size(), images.data(), scale);
    return images;
}

}  // namespace detail

/// Reads the images of an IDX file (MNIST, Fashion-MNIST, EMNIST...) whose image extents the
/// caller knows: `tn::load_idx_images<float, 28, 28>("train-images-idx3-ubyte.gz")` returns a
/// `tn::batch<float, 28, 28>` of 60000 rows. The file must hold unsigned bytes with magic
/// 0x00000803 for two extents (0x0800 + 1 + the number of extents in general), then one
/// big-endian 32-bit count per dimension, then exactly count x Dims... bytes. A file starting
/// with the gzip magic (1f 8b) is inflated first with zlib, whatever its name. Values become
/// v / 255 (`idx_scale::unit`, the default) or v (`idx_scale::raw`).
/// Throws tn::io_error naming the file and the fault: no such file, truncated header or data,
/// trailing bytes, corrupted gzip data, wrong magic (found and expected), an element type other
/// than unsigned bytes, or image extents other than Dims... (both shapes named).
/// Example: tests/io/idx_test.cpp
template <class T, std::size_t... Dims>
    requires(sizeof...(Dims) > 0)
batch<T, Dims...> load_idx_images(const std::filesystem::path& path, idx_scale scale = idx_scale::unit) {
    return detail::load_idx_images_as<T, Dims...>(path, scale, "load_idx_images");
}

/// Reads the images of an unsigned-byte IDX file of any rank of at least 2, for callers that
/// learn the extents from the file: `rows` = dims[0], `extents` = the rest. Otherwise as above.
template <class T>
    requires detail::npy_value<T>
idx_images<T> load_idx_images(const std::filesystem::path& path, idx_scale scale = idx_scale::unit) {
    const std::string prefix = "typenet: load_idx_images: " + path.string();
    const std::vector<std::byte> bytes = detail::read_idx_file(path, prefix);
    const detail::idx_header h = detail::parse_idx_header(
        bytes, 0, "0x00000802 or higher (unsigned bytes, at least 2 dimensions: images)", prefix);
    idx_images<T> out;
    out.rows = h.dims[0];
    out.extents.assign(h.dims.begin() + 1, h.dims.end());
    out.values.resize(out.rows * h.item_size);
    detail::decode_idx_bytes(bytes.data() + h.data_offset, out.values.size(), out.values.data(), scale);
    return out;
}

/// Reads an IDX labels file: unsigned bytes, magic 0x00000801, one big-endian 32-bit count, then
/// exactly count bytes (plain or gzip-compressed, as load_idx_images). Each label becomes an
/// int32, the type loss::softmax_cross_entropy takes. Throws tn::io_error as load_idx_images does.
inline std::vector<std::int32_t> load_idx_labels(const std::filesystem::path& path) {
    const std::string prefix = "typenet: load_idx_labels: " + path.string();
    const std::vector<std::byte> bytes = detail::read_idx_file(path, prefix);
    const detail::idx_header h = detail::parse_idx_header(bytes, 1, detail::idx_magic_text(1, "labels"), prefix);
    std::vector<std::int32_t> labels(h.dims[0]);
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = std::to_integer<std::int32_t>(bytes[h.data_offset + i]);
    return labels;
}

/// Reads an images file and its labels file together (`load_idx_images<T, Dims...>` and
/// `load_idx_labels`), and refuses a pair whose counts differ, naming both files and counts.
template <class T, std::size_t... Dims>
    requires(sizeof...(Dims) > 0)
idx_dataset<T, Dims...> load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                                         idx_scale scale = idx_scale::unit) {
    idx_dataset<T, Dims...> d{detail::load_idx_images_as<T, Dims...>(images, scale, "load_idx_dataset"), {}};
    d.labels = load_idx_labels(labels);
    if (d.labels.size() != d.images.rows())
        throw io_error("typenet: load_idx_dataset: " + images.string() + " holds " + std::to_string(d.images.rows()) +
                       " images but " + labels.string() + " holds " + std::to_string(d.labels.size()) + " labels");
    return d;
}

}  // namespace typenet

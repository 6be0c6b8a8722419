// SPDX-License-Identifier: BSL-1.0
// Defines the byte level of io: little-endian fields and a minimal ZIP reader and writer
// (stored/deflate, ZIP64); CRC-32 and deflate come from io/detail/zlib.hpp.
#pragma once

#include <typenet/io/detail/zlib.hpp>
#include <typenet/io/fwd.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typenet::detail {

// --- Part 1: bytes ---

inline std::uint64_t load_le(const std::byte* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(std::to_integer<unsigned>(p[i])) << (8 * i);
    return v;
}

inline void append_le(std::vector<std::byte>& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xFFu));
}

inline std::string hex32(std::uint32_t v) {
    char buf[11];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

// --- Part 2: ZIP reading ---

inline constexpr std::uint32_t zip_local_signature = 0x04034b50;
inline constexpr std::uint32_t zip_central_signature = 0x02014b50;
inline constexpr std::uint32_t zip_end_signature = 0x06054b50;
inline constexpr std::uint32_t zip64_end_signature = 0x06064b50;
inline constexpr std::uint32_t zip64_locator_signature = 0x07064b50;
inline constexpr std::uint32_t zip_max32 = 0xFFFFFFFFu;
inline constexpr std::uint16_t zip_max16 = 0xFFFFu;

struct zip_entry {
    std::string name;
    std::uint16_t flags = 0;
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t size = 0;
    std::uint64_t local_offset = 0;
};

// Replaces the 32-bit fields marked 0xFFFFFFFF with the values of the ZIP64 extra field (id 1),
// which holds only the marked ones, in the order size, compressed size, offset (APPNOTE 4.5.3).
inline void apply_zip64_extra(std::span<const std::byte> extra, std::uint64_t* size, std::uint64_t* compressed,
                              std::uint64_t* offset, const std::string& where) {
    const bool need_size = *size == zip_max32, need_compressed = *compressed == zip_max32;
    const bool need_offset = offset && *offset == zip_max32;
    if (!need_size && !need_compressed && !need_offset) return;
    std::size_t pos = 0;
    while (pos + 4 <= extra.size()) {
        const auto id = load_le(extra.data() + pos, 2);
        const auto len = static_cast<std::size_t>(load_le(extra.data() + pos + 2, 2));
        if (pos + 4 + len > extra.size()) break;
        if (id == 1) {
            const std::byte* p = extra.data() + pos + 4;
            std::size_t at = 0;
            auto take = [&](std::uint64_t* field) {
                if (at + 8 > len) throw io_error(where + ": its ZIP64 extra field is too short (corrupted)");
                *field = load_le(p + at, 8);
                at += 8;
            };
            if (need_size) take(size);
            if (need_compressed) take(compressed);
            if (need_offset) take(offset);
            return;
        }
        pos += 4 + len;
    }
    throw io_error(where + ": a size or offset is 0xFFFFFFFF but the ZIP64 extra field is missing (corrupted)");
}

// Reads the central directory. `prefix` is "typenet: <operation>: <file>".
inline std::vector<zip_entry> zip_directory(std::span<const std::byte> file, const std::string& prefix) {
    const std::size_t n = file.size();
    auto u = [&](std::size_t at, std::size_t width) { return load_le(file.data() + at, width); };
    if (n >= 6 && u(0, 4) == 0x4d554e93u && u(4, 2) == 0x5950u)  // "\x93NUMPY"
        throw io_error(prefix + ": is an .npy file, not an .npz archive (use tn::load_npy)");
    // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
    std::size_t end = n;
    for (std::size_t at = n >= 22 ? n - 22 : n + 1; at <= n && n - at <= 22 + 65535u; --at) {
        if (u(at, 4) == zip_end_signature && at + 22 + u(at + 20, 2) == n) {
            end = at;
            break;
        }
        if (at == 0) break;
    }
    if (end == n)
        throw io_error(prefix + ": not a ZIP archive: no end-of-central-directory record (the file is truncated "
                                "or not an .npz file)");
    if (u(end + 4, 2) != 0 || u(end + 6, 2) != 0)
        throw io_error(prefix + ": is a multi-disk ZIP archive, which is not supported");
    std::uint64_t count = u(end + 10, 2), cd_size = u(end + 12, 4), cd_offset = u(end + 16, 4);
    if (end >= 20 && u(end - 20, 4) == zip64_locator_signature) {
        const std::uint64_t at = u(end - 12, 8);
        if (at > n || n - at < 56 || u(static_cast<std::size_t>(at), 4) != zip64_end_signature)
            throw io_error(prefix + ": the ZIP64 end-of-central-directory record is missing (truncated or corrupted)");
        const auto z = static_cast<std::size_t>(at);
        count = u(z + 32, 8);
        cd_size = u(z + 40, 8);
        cd_offset = u(z + 48, 8);
    }
    if (cd_offset > end || cd_size > end - cd_offset)
        throw io_error(prefix + ": the ZIP central directory lies outside the file (truncated or corrupted)");
    std::vector<zip_entry> entries;
    std::size_t at = static_cast<std::size_t>(cd_offset);
    const std::size_t cd_end = static_cast<std::size_t>(cd_offset + cd_size);
    for (std::uint64_t i = 0; i < count; ++i) {
        if (cd_end - at < 46 || u(at, 4) != zip_central_signature)
            throw io_error(prefix + ": the ZIP central directory is corrupted (entry " + std::to_string(i) + ")");
        zip_entry e;
        e.flags = static_cast<std::uint16_t>(u(at + 8, 2));
        e.method = static_cast<std::uint16_t>(u(at + 10, 2));
        e.crc = static_cast<std::uint32_t>(u(at + 16, 4));
        e.compressed_size = u(at + 20, 4);
        e.size = u(at + 24, 4);
        const std::size_t name_len = u(at + 28, 2), extra_len = u(at + 30, 2), comment_len = u(at + 32, 2);
        e.local_offset = u(at + 42, 4);
        if (cd_end - at - 46 < name_len + extra_len + comment_len)
            throw io_error(prefix + ": the ZIP central directory is corrupted (entry " + std::to_string(i) + ")");
        e.name.assign(reinterpret_cast<const char*>(file.data() + at + 46), name_len);
        const std::string where = prefix + ": member \"" + e.name + "\"";
        apply_zip64_extra(file.subspan(at + 46 + name_len, extra_len), &e.size, &e.compressed_size, &e.local_offset,
                          where);
        if (u(at + 34, 2) != 0 && u(at + 34, 2) != zip_max16)
            throw io_error(where + ": lies on another disk of a multi-disk archive (not supported)");
        entries.push_back(std::move(e));
        at += 46 + name_len + extra_len + comment_len;
    }
    return entries;
}

// The member's bytes, CRC-checked: a view into `file` when stored, or inflated into `storage`.
inline std::span<const std::byte> zip_extract(std::span<const std::byte> file, const zip_entry& e,
                                              std::vector<std::byte>& storage, const std::string& prefix) {
    const std::string where = prefix + ": member \"" + e.name + "\"";
    const std::size_t n = file.size();
    auto u = [&](std::size_t at, std::size_t width) { return load_le(file.data() + at, width); };
    if (e.flags & 1u) throw io_error(where + ": is encrypted, which is not supported");
    if (e.method != 0 && e.method != 8)
        throw io_error(where + ": uses ZIP compression method " + std::to_string(e.method) +
                       "; only 0 (stored, numpy.savez) and 8 (deflate, numpy.savez_compressed) are supported");
    if (e.local_offset > n || n - e.local_offset < 30 || u(static_cast<std::size_t>(e.local_offset), 4) != zip_local_signature)
        throw io_error(where + ": its local header is missing (truncated or corrupted)");
    const auto at = static_cast<std::size_t>(e.local_offset);
    const std::size_t name_len = u(at + 26, 2), extra_len = u(at + 28, 2);
    if (n - at - 30 < name_len + extra_len) throw io_error(where + ": its local header is truncated");
    if (std::string_view(reinterpret_cast<const char*>(file.data() + at + 30), name_len) != e.name)
        throw io_error(where + ": the local header names another member (corrupted)");
    if (!(u(at + 6, 2) & 8u)) {  // without a data descriptor, the local header repeats the sizes
        std::uint64_t size = u(at + 22, 4), compressed = u(at + 18, 4);
        apply_zip64_extra(file.subspan(at + 30 + name_len, extra_len), &size, &compressed, nullptr, where);
        if (size != e.size || compressed != e.compressed_size || u(at + 14, 4) != e.crc)
            throw io_error(where + ": the local header and the central directory disagree (corrupted)");
    }
    const std::size_t data = at + 30 + name_len + extra_len;
    if (e.compressed_size > n - data)
        throw io_error(where + ": its data runs past the end of the file (truncated): " +
                       std::to_string(e.compressed_size) + " bytes stated, " + std::to_string(n - data) + " present");
    const auto compressed = file.subspan(data, static_cast<std::size_t>(e.compressed_size));
    std::span<const std::byte> bytes;
    if (e.method == 0) {
        if (e.size != e.compressed_size) throw io_error(where + ": a stored member's sizes differ (corrupted)");
        bytes = compressed;
    } else {
        // Deflate expands at most ~1032:1; a larger stated size is corruption, not a reason to allocate.
        if (e.size / 1032 > e.compressed_size + 1)
            throw io_error(where + ": states " + std::to_string(e.size) + " bytes from " +
                           std::to_string(e.compressed_size) + " deflated ones, more than deflate can produce (corrupted)");
        storage = inflate_all(compressed, raw_deflate, stated_size{static_cast<std::size_t>(e.size)}, where);
        bytes = storage;
    }
    const std::uint32_t crc = crc32_of({bytes});
    if (crc != e.crc)
        throw io_error(where + ": bad CRC-32 (stored " + hex32(e.crc) + ", computed " + hex32(crc) +
                       "): the file is corrupted");
    return bytes;
}

// --- Part 3: ZIP writing ---

// Writes members one after another with their sizes in the local header (no data descriptors),
// then the central directory. ZIP64 records appear only when a size, offset or count needs them,
// or everywhere with force_zip64 (tests use it to exercise the reader on small files).
class zip_writer {
public:
    zip_writer(std::ostream& out, std::string prefix, bool force_zip64 = false)
        : out_(out), prefix_(std::move(prefix)), force_zip64_(force_zip64) {}

    void add(const std::string& name, std::initializer_list<std::span<const std::byte>> pieces, npz_compression c) {
        if (!names_.insert(name).second) throw io_error(prefix_ + ": two members named \"" + name + "\"");
        if (name.size() > zip_max16) throw io_error(prefix_ + ": member name too long: \"" + name + "\"");
        zip_entry e;
        e.name = name;
        e.method = c == npz_compression::deflate ? 8 : 0;
        e.crc = crc32_of(pieces);
        for (auto piece : pieces) e.size += piece.size();
        e.local_offset = offset_;
        e.flags = std::any_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })
                      ? 0x800  // the name is UTF-8
                      : 0;
        std::vector<std::byte> deflated;
        if (e.method == 8) deflated = deflate_raw(pieces, prefix_);
        e.compressed_size = e.method == 8 ? deflated.size() : e.size;

        const bool zip64 = force_zip64_ || e.size >= zip_max32 || e.compressed_size >= zip_max32;
        std::vector<std::byte> h;
        append_le(h, zip_local_signature, 4);
        append_le(h, zip64 ? 45 : 20, 2);
        append_le(h, e.flags, 2);
        append_le(h, e.method, 2);
        append_le(h, 0, 2);                // 00:00:00
        append_le(h, (1u << 5) | 1u, 2);   // 1980-01-01: the files are reproducible byte for byte
        append_le(h, e.crc, 4);
        append_le(h, zip64 ? zip_max32 : e.compressed_size, 4);
        append_le(h, zip64 ? zip_max32 : e.size, 4);
        append_le(h, name.size(), 2);
        append_le(h, zip64 ? 20 : 0, 2);
        for (char ch : name) h.push_back(std::byte(static_cast<unsigned char>(ch)));
        if (zip64) {
            append_le(h, 1, 2);
            append_le(h, 16, 2);
            append_le(h, e.size, 8);
            append_le(h, e.compressed_size, 8);
        }
        put(h);
        if (e.method == 8) {
            put(deflated);
        } else {
            for (auto piece : pieces) put(piece);
        }
        entries_.push_back(std::move(e));
    }

    void finish() {
        const std::uint64_t cd_offset = offset_;
        for (const zip_entry& e : entries_) {
            const bool big_size = force_zip64_ || e.size >= zip_max32;
            const bool big_compressed = force_zip64_ || e.compressed_size >= zip_max32;
            const bool big_offset = force_zip64_ || e.local_offset >= zip_max32;
            const std::size_t extra = 8 * (std::size_t(big_size) + big_compressed + big_offset);
            const bool zip64 = extra > 0;
            std::vector<std::byte> h;
            append_le(h, zip_central_signature, 4);
            append_le(h, (3u << 8) | (zip64 ? 45u : 20u), 2);  // made by: Unix
            append_le(h, zip64 ? 45 : 20, 2);
            append_le(h, e.flags, 2);
            append_le(h, e.method, 2);
            append_le(h, 0, 2);
            append_le(h, (1u << 5) | 1u, 2);
            append_le(h, e.crc, 4);
            append_le(h, big_compressed ? zip_max32 : e.compressed_size, 4);
            append_le(h, big_size ? zip_max32 : e.size, 4);
            append_le(h, e.name.size(), 2);
            append_le(h, zip64 ? extra + 4 : 0, 2);
            append_le(h, 0, 2);                   // comment
            append_le(h, 0, 2);                   // disk
            append_le(h, 0, 2);                   // internal attributes
            append_le(h, 0100644u << 16, 4);      // regular file, rw-r--r--
            append_le(h, big_offset ? zip_max32 : e.local_offset, 4);
            for (char ch : e.name) h.push_back(std::byte(static_cast<unsigned char>(ch)));
            if (zip64) {
                append_le(h, 1, 2);
                append_le(h, extra, 2);
                if (big_size) append_le(h, e.size, 8);
                if (big_compressed) append_le(h, e.compressed_size, 8);
                if (big_offset) append_le(h, e.local_offset, 8);
            }
            put(h);
        }
        const std::uint64_t cd_size = offset_ - cd_offset, count = entries_.size();
        const bool zip64 = force_zip64_ || count >= zip_max16 || cd_size >= zip_max32 || cd_offset >= zip_max32;
        std::vector<std::byte> h;
        if (zip64) {
            const std::uint64_t record = offset_;
            append_le(h, zip64_end_signature, 4);
            append_le(h, 44, 8);  // size of the rest of this record
            append_le(h, (3u << 8) | 45u, 2);
            append_le(h, 45, 2);
            append_le(h, 0, 4);
            append_le(h, 0, 4);
            append_le(h, count, 8);
            append_le(h, count, 8);
            append_le(h, cd_size, 8);
            append_le(h, cd_offset, 8);
            append_le(h, zip64_locator_signature, 4);
            append_le(h, 0, 4);
            append_le(h, record, 8);
            append_le(h, 1, 4);
        }
        append_le(h, zip_end_signature, 4);
        append_le(h, 0, 2);
        append_le(h, 0, 2);
        append_le(h, zip64 ? zip_max16 : count, 2);
        append_le(h, zip64 ? zip_max16 : count, 2);
        append_le(h, zip64 ? zip_max32 : cd_size, 4);
        append_le(h, zip64 ? zip_max32 : cd_offset, 4);
        append_le(h, 0, 2);
        put(h);
    }

private:
    void put(std::span<const std::byte> bytes) {
        out_.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out_) throw io_error(prefix_ + ": writing failed (disk full?)");
        offset_ += bytes.size();
    }

    std::ostream& out_;
    std::string prefix_;
    bool force_zip64_;
    std::uint64_t offset_ = 0;
    std::vector<zip_entry> entries_;
    std::set<std::string> names_;
};

}  // namespace typenet::detail

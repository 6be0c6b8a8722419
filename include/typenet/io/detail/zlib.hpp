// SPDX-License-Identifier: BSL-1.0
// Defines io's use of zlib: CRC-32, raw deflate as ZIP stores it, and the one inflate loop, for
// ZIP members and gzip files.
#pragma once

#include <typenet/io/fwd.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace typenet::detail {

// zlib counts in uInt; larger buffers go through in slices of this size.
inline constexpr std::size_t zlib_slice = std::size_t(1) << 30;

inline std::uint32_t crc32_of(std::initializer_list<std::span<const std::byte>> pieces) noexcept {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    for (auto piece : pieces) {
        for (std::size_t done = 0; done < piece.size();) {
            const std::size_t n = std::min(piece.size() - done, zlib_slice);
            crc = ::crc32(crc, reinterpret_cast<const Bytef*>(piece.data() + done), static_cast<uInt>(n));
            done += n;
        }
    }
    return static_cast<std::uint32_t>(crc);
}

inline Bytef* zlib_in(const std::byte* p) noexcept { return reinterpret_cast<Bytef*>(const_cast<std::byte*>(p)); }

inline std::vector<std::byte> deflate_raw(std::initializer_list<std::span<const std::byte>> pieces,
                                          const std::string& prefix) {
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw io_error(prefix + ": zlib could not start deflate");
    struct guard {
        z_stream* z;
        ~guard() { deflateEnd(z); }
    } g{&z};
    std::vector<std::byte> out;
    std::vector<std::byte> buf(std::size_t(1) << 16);
    std::vector<std::span<const std::byte>> slices;
    for (auto piece : pieces)
        for (std::size_t done = 0; done < piece.size(); done += zlib_slice)
            slices.push_back(piece.subspan(done, std::min(piece.size() - done, zlib_slice)));
    if (slices.empty()) slices.emplace_back();
    for (std::size_t i = 0; i < slices.size(); ++i) {
        const int flush = i + 1 == slices.size() ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = zlib_in(slices[i].data());
        z.avail_in = static_cast<uInt>(slices[i].size());
        int r = Z_OK;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = static_cast<uInt>(buf.size());
            r = deflate(&z, flush);
            if (r == Z_STREAM_ERROR) throw io_error(prefix + ": zlib deflate failed");
            out.insert(out.end(), buf.begin(), buf.end() - z.avail_out);
        } while (z.avail_out == 0);
        if (flush == Z_FINISH && r != Z_STREAM_END) throw io_error(prefix + ": zlib deflate did not finish");
    }
    return out;
}

// A zlib stream format: zlib's windowBits, and the name errors give the data.
struct zlib_format {
    int window_bits;
    const char* name;
    const char* after_the_end;  // why bytes after the stream's end are refused
};
// A ZIP member's data, and a .gz file's one member.
inline constexpr zlib_format raw_deflate{-15, "deflate", "corrupted"};
inline constexpr zlib_format gzip_member{15 + 16, "gzip", "typenet reads single-member .gz files"};

// The size a ZIP member's directory states for its inflated data, which must match exactly.
struct stated_size {
    std::size_t bytes;
};

// Inflates the one stream that `in` must hold, whole: a stream that ends early, corrupted data
// and bytes after the stream's end are errors naming `where`. With a stated_size the output is
// exactly that long (more or fewer bytes mean corruption); with a size hint it starts at the
// hint (at least 64 KiB) and doubles as it fills. The one inflate loop of io, for ZIP members
// and gzip files.
inline std::vector<std::byte> inflate_all(std::span<const std::byte> in, zlib_format format,
                                          std::variant<stated_size, std::size_t> size, const std::string& where) {
    z_stream z{};
    if (inflateInit2(&z, format.window_bits) != Z_OK) throw io_error(where + ": zlib could not start inflate");
    struct guard {
        z_stream* z;
        ~guard() { inflateEnd(z); }
    } g{&z};
    const stated_size* exact = std::get_if<stated_size>(&size);
    std::vector<std::byte> out(exact ? exact->bytes : std::max(std::get<std::size_t>(size), std::size_t(1) << 16));
    std::size_t in_done = 0, out_done = 0;
    for (;;) {
        if (z.avail_in == 0 && in_done < in.size()) {
            const std::size_t n = std::min(in.size() - in_done, zlib_slice);
            z.next_in = zlib_in(in.data() + in_done);
            z.avail_in = static_cast<uInt>(n);
            in_done += n;
        }
        if (out_done == out.size() && !exact) out.resize(out.size() * 2);
        // With no room left (a stated size reached, or an empty member) zlib gets one spare byte:
        // if it writes there, the member is longer than stated.
        Bytef spare = 0;
        const std::size_t room = std::min(out.size() - out_done, zlib_slice);
        z.next_out = room ? reinterpret_cast<Bytef*>(out.data() + out_done) : &spare;
        z.avail_out = static_cast<uInt>(room ? room : 1);
        const int r = inflate(&z, Z_NO_FLUSH);
        if (room == 0 && z.avail_out == 0)
            throw io_error(where + ": inflates to more than the " + std::to_string(out_done) +
                           " bytes the ZIP directory states (corrupted)");
        if (room) out_done += room - z.avail_out;
        if (r == Z_STREAM_END) break;
        if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_STREAM_ERROR)
            throw io_error(where + ": corrupted " + format.name + " data (zlib: " + (z.msg ? z.msg : "invalid stream") +
                           ")");
        if (r == Z_MEM_ERROR) throw io_error(where + ": zlib ran out of memory");
        if (r == Z_BUF_ERROR && z.avail_in == 0 && in_done == in.size())
            throw io_error(where + ": the " + format.name + " stream ends early (the file is truncated or corrupted)");
        if (r == Z_BUF_ERROR)  // input and room both there, yet no progress: never seen; refused, not looped on
            throw io_error(where + ": zlib can make no progress in the " + format.name + " data (corrupted)");
    }
    if (exact && out_done != exact->bytes)
        throw io_error(where + ": inflates to " + std::to_string(out_done) + " bytes, not the " +
                       std::to_string(exact->bytes) + " the ZIP directory states (corrupted)");
    if (const std::size_t rest = z.avail_in + (in.size() - in_done); rest > 0)
        throw io_error(where + ": has " + std::to_string(rest) + " trailing bytes after the end of its " + format.name +
                       " stream (" + format.after_the_end + ")");
    out.resize(out_done);
    return out;
}

}  // namespace typenet::detail

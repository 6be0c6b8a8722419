// SPDX-License-Identifier: BSL-1.0
// Defines the .npy format: header parsing (versions 1.0, 2.0, 3.0) and formatting (1.0, 64-byte
// aligned as numpy writes it), value encoding and decoding, and save_npy / load_npy.
#pragma once

#include <typenet/io/detail/files.hpp>
#include <typenet/io/fwd.hpp>
#include <typenet/io/zip.hpp>

#include <bit>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace typenet {

namespace detail {

// "(256, 784)", "(10)", "()": the form of tn::shape_error's messages.
inline std::string shape_text(std::span<const std::size_t> shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ")";
}

inline constexpr std::size_t dtype_size(npy_dtype d) noexcept { return d == npy_dtype::float32 ? 4 : 8; }

// The value of v as a T, or an io_error when T cannot hold it exactly (no silent data loss).
template <class T>
T exact_value(std::int64_t v, const std::string& where) {
    const T t = static_cast<T>(v);
    if (!(t >= -0x1p63 && t < 0x1p63) || static_cast<std::int64_t>(t) != v)
        throw io_error(where + " holds the integer " + std::to_string(v) + ", which " +
                       (sizeof(T) == 4 ? "float32" : "float64") + " cannot represent exactly");
    return t;
}

template <class T>
inline constexpr npy_dtype dtype_of = std::is_same_v<T, float> ? npy_dtype::float32 : npy_dtype::float64;

// The whole prefix of a version 1.0 file: magic, version, length and the header dict, padded
// with spaces to a multiple of 64 bytes and ended by '\n' (numpy's ARRAY_ALIGN).
inline std::string npy_header(npy_dtype d, std::span<const std::size_t> shape) {
    std::string dict = std::string("{'descr': '") + (d == npy_dtype::float32 ? "<f4" : "<f8") +
                       "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
    dict += shape.size() == 1 ? ",), }" : "), }";
    const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - 10 - dict.size() - 1, ' ');
    dict += '\n';
    const std::size_t len = dict.size();
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(len & 0xFF);
    out += static_cast<char>(len >> 8);
    return out + dict;
}

struct npy_header_info {
    npy_dtype dtype = npy_dtype::float32;
    std::vector<std::size_t> shape;
    std::size_t data_offset = 0;
    std::size_t count = 1;
};

// Interprets a 'descr' string; `where` starts every message ("typenet: load_npz: f.npz: array "x"").
inline npy_dtype parse_descr(std::string_view descr, const std::string& where) {
    const std::string quoted = "'" + std::string(descr) + "'";
    const char order = !descr.empty() && std::string_view("<>|=").find(descr[0]) != std::string_view::npos ? descr[0] : '=';
    const std::string_view type = order == '=' && !descr.empty() && descr[0] != '=' ? descr : descr.substr(1);
    const char kind = type.empty() ? '?' : type[0];
    const std::string_view bytes = type.empty() ? type : type.substr(1);
    const char* what = kind == 'i' ? "integers" : kind == 'u' ? "unsigned integers" : kind == 'b' ? "booleans"
                     : kind == 'c' ? "complex numbers" : kind == 'O' ? "Python objects"
                     : kind == 'S' || kind == 'U' ? "strings" : kind == 'M' || kind == 'm' ? "dates or times"
                     : kind == 'f' ? "floats of that size" : "values of an unknown type";
    const bool int64 = kind == 'i' && bytes == "8";
    if (!int64 && (kind != 'f' || (bytes != "4" && bytes != "8")))
        throw io_error(where + " has dtype " + quoted + " (" + what +
                       "); typenet reads only float32 ('<f4'), float64 ('<f8') and int64 ('<i8') arrays: convert "
                       "with a.astype(np.float32)");
    const npy_dtype d = int64 ? npy_dtype::int64 : bytes == "4" ? npy_dtype::float32 : npy_dtype::float64;
    if (order == '>')
        throw io_error(where + " is big-endian (" + quoted + "); typenet reads little-endian files only: convert with "
                       "a.astype('<" + std::string(type) + "')");
    if (order == '|')
        throw io_error(where + " has the malformed dtype " + quoted +
                       ": '|' (byte order not applicable) is for one-byte types, not " + std::string(bytes) + "-byte floats");
    if (order == '=' && std::endian::native != std::endian::little)
        throw io_error(where + " has dtype " + quoted + " in the writer's native byte order, which is ambiguous "
                       "on this big-endian machine; write it with an explicit '<'");
    return d;
}

// Parses the magic, version and header dict of an .npy file held in `bytes`, and checks that
// exactly the promised data follows. numpy's header is a Python dict literal; this reads the
// subset numpy writes: quoted strings, True/False, and tuples of integers.
inline npy_header_info parse_npy_header(std::span<const std::byte> bytes, const std::string& where) {
    auto byte = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
    static constexpr unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0)
        throw io_error(where + " is not an .npy array (wrong magic: a .npy file starts with \"\\x93NUMPY\")" +
                       (bytes.size() < 10 ? " or is truncated" : ""));
    const unsigned major = byte(6), minor = byte(7);
    if (major < 1 || major > 3 || minor != 0)
        throw io_error(where + " has .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                       "; typenet reads versions 1.0, 2.0 and 3.0");
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    if (bytes.size() < 8 + len_bytes) throw io_error(where + " is truncated inside its .npy header");
    const std::size_t header_len = static_cast<std::size_t>(detail::load_le(bytes.data() + 8, len_bytes));
    const std::size_t start = 8 + len_bytes;
    if (bytes.size() - start < header_len) throw io_error(where + " is truncated inside its .npy header");
    const std::string_view h(reinterpret_cast<const char*>(bytes.data() + start), header_len);

    std::size_t i = 0;
    auto fail = [&](const std::string& why) -> io_error {
        return io_error(where + " has a malformed .npy header (" + why + "): " + std::string(h.substr(0, 200)));
    };
    auto skip = [&] {
        while (i < h.size() && std::isspace(static_cast<unsigned char>(h[i]))) ++i;
    };
    auto expect = [&](char c) {
        skip();
        if (i >= h.size() || h[i] != c) throw fail(std::string("expected '") + c + "'");
        ++i;
    };
    auto string = [&]() -> std::string_view {
        skip();
        if (i >= h.size() || (h[i] != '\'' && h[i] != '"')) throw fail("expected a quoted string");
        const char q = h[i++];
        const std::size_t from = i;
        while (i < h.size() && h[i] != q) ++i;
        if (i >= h.size()) throw fail("unterminated string");
        return h.substr(from, i++ - from);
    };
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    std::string_view descr;
    std::vector<std::size_t> shape;
    expect('{');
    for (;;) {
        skip();
        if (i < h.size() && h[i] == '}') break;
        const std::string_view key = string();
        expect(':');
        skip();
        if (key == "descr") {
            if (i < h.size() && h[i] == '[')
                throw io_error(where + " has a structured dtype; typenet reads only float32 ('<f4') and float64 ('<f8') arrays");
            descr = string();
            have_descr = true;
        } else if (key == "fortran_order") {
            if (h.substr(i, 4) == "True") fortran = true, i += 4;
            else if (h.substr(i, 5) == "False") fortran = false, i += 5;
            else throw fail("fortran_order must be True or False");
            have_order = true;
        } else if (key == "shape") {
            expect('(');
            for (;;) {
                skip();
                if (i < h.size() && h[i] == ')') break;
                if (i >= h.size() || !std::isdigit(static_cast<unsigned char>(h[i]))) throw fail("bad extent in shape");
                std::size_t v = 0;
                for (; i < h.size() && std::isdigit(static_cast<unsigned char>(h[i])); ++i) {
                    const std::size_t digit = static_cast<std::size_t>(h[i] - '0');
                    if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) throw fail("extent too large");
                    v = v * 10 + digit;
                }
                if (i < h.size() && h[i] == 'L') ++i;  // Python 2 longs
                shape.push_back(v);
                skip();
                if (i < h.size() && h[i] == ',') ++i;
                else if (i >= h.size() || h[i] != ')') throw fail("expected ',' or ')' in shape");
            }
            ++i;
            have_shape = true;
        } else {
            throw fail("unexpected key '" + std::string(key) + "'");
        }
        skip();
        if (i < h.size() && h[i] == ',') ++i;
        else if (i >= h.size() || h[i] != '}') throw fail("expected ',' or '}'");
    }
    ++i;
    for (; i < h.size(); ++i)
        if (!std::isspace(static_cast<unsigned char>(h[i])) && h[i] != '\0') throw fail("text after the dict");
    if (!have_descr || !have_order || !have_shape) throw fail("it needs the keys 'descr', 'fortran_order' and 'shape'");

    npy_header_info info;
    info.dtype = parse_descr(descr, where);
    if (fortran)
        throw io_error(where + " is stored in Fortran order (fortran_order: True); typenet reads C order only: "
                       "save np.ascontiguousarray(a) instead");
    info.shape = std::move(shape);
    for (std::size_t e : info.shape) {
        if (e != 0 && info.count > std::numeric_limits<std::size_t>::max() / e / 8) throw fail("shape too large");
        info.count *= e;
    }
    info.data_offset = start + header_len;
    const std::size_t want = info.count * dtype_size(info.dtype), have = bytes.size() - info.data_offset;
    if (have < want)
        throw io_error(where + " is truncated: shape " + shape_text(info.shape) + " needs " + std::to_string(want) +
                       " bytes of data but only " + std::to_string(have) + " are present");
    if (have > want)
        throw io_error(where + " has " + std::to_string(have - want) + " unexpected bytes after its " +
                       std::to_string(want) + " bytes of data (corrupted)");
    return info;
}

// Little-endian bytes of `values` in their own dtype.
template <class T>
std::span<const std::byte> encode_values(std::span<const T> values, std::vector<std::byte>& storage) {
    if constexpr (std::endian::native == std::endian::little) {
        return std::as_bytes(values);
    } else {
        using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        storage.clear();
        for (T v : values) append_le(storage, std::bit_cast<U>(v), sizeof(T));
        return storage;
    }
}

// Reads `out.size()` values of dtype `d` from `src`, converting to T (double -> float rounds;
// an integer T cannot hold exactly is an io_error starting with `where`).
template <class T>
void decode_values(const std::byte* src, npy_dtype d, std::span<T> out, const std::string& where) {
    if (d == npy_dtype::int64) {
        for (std::size_t k = 0; k < out.size(); ++k)
            out[k] = exact_value<T>(static_cast<std::int64_t>(load_le(src + k * 8, 8)), where);
        return;
    }
    auto convert = [&]<class S>(S) {
        using U = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
        if constexpr (std::is_same_v<S, T> && std::endian::native == std::endian::little) {
            if (!out.empty()) std::memcpy(out.data(), src, out.size() * sizeof(T));
        } else {
            for (std::size_t k = 0; k < out.size(); ++k) {
                S v;
                if constexpr (std::endian::native == std::endian::little) std::memcpy(&v, src + k * sizeof(S), sizeof(S));
                else v = std::bit_cast<S>(static_cast<U>(load_le(src + k * sizeof(S), sizeof(S))));
                out[k] = static_cast<T>(v);
            }
        }
    };
    if (d == npy_dtype::float32) convert(float{});
    else convert(double{});
}

}  // namespace detail

template <std::ranges::contiguous_range R>
    requires detail::npy_value<std::remove_cv_t<std::ranges::range_value_t<R>>>
void save_npy(const std::filesystem::path& path, const R& values, const std::vector<std::size_t>& shape) {
    using T = std::remove_cv_t<std::ranges::range_value_t<R>>;
    const std::string prefix = "typenet: save_npy: " + path.string();
    const std::span<const T> v(std::ranges::data(values), std::ranges::size(values));
    std::size_t count = 1;
    for (std::size_t e : shape) count *= e;
    if (count != v.size())
        throw io_error(prefix + ": shape " + detail::shape_text(shape) + " holds " + std::to_string(count) +
                       " values but " + std::to_string(v.size()) + " were given");
    const std::string header = detail::npy_header(detail::dtype_of<T>, shape);
    std::vector<std::byte> storage;
    const auto data = detail::encode_values(v, storage);
    detail::write_file_atomically(path, prefix, [&](std::ostream& out) {
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    });
}

template <class T>
npy_array<T> load_npy(const std::filesystem::path& path) {
    static_assert(detail::npy_value<T>, "typenet: load_npy: the value type must be float or double");
    const std::string prefix = "typenet: load_npy: " + path.string();
    const std::vector<std::byte> bytes = detail::read_file(path, prefix);
    const detail::npy_header_info h = detail::parse_npy_header(bytes, prefix);
    npy_array<T> a{h.shape, std::vector<T>(h.count)};
    detail::decode_values(bytes.data() + h.data_offset, h.dtype, std::span<T>(a.values), prefix);
    return a;
}

}  // namespace typenet

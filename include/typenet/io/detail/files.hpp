// SPDX-License-Identifier: BSL-1.0
// Defines read_file, write_file_atomically and write_text_atomically: whole files in and out,
// with errors that name the file. Apart from zip.hpp so that diag (charts, tables) writes its
// files the same way without pulling in zlib.
#pragma once

#include <typenet/io/fwd.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

namespace typenet::detail {

// Reads the whole file; `prefix` is "typenet: <operation>: <file>".
inline std::vector<std::byte> read_file(const std::filesystem::path& path, const std::string& prefix) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) throw io_error(prefix + ": no such file");
    if (std::filesystem::is_directory(status)) throw io_error(prefix + ": is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(prefix + ": cannot open the file for reading");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw io_error(prefix + ": cannot determine the file's size");
    in.seekg(0, std::ios::beg);
    std::vector<std::byte> bytes(static_cast<std::size_t>(size));
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw io_error(prefix + ": reading the file failed");
    return bytes;
}

// Writes through "<path>.tmp" and renames it over `path` once complete: a process that dies
// mid-write leaves at most the .tmp file. (No fsync: this guards against crashes, not power loss.)
template <class Write>
void write_file_atomically(const std::filesystem::path& path, const std::string& prefix, Write&& write) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    std::error_code ignored;
    try {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw io_error(prefix + ": cannot create " + tmp.string());
        write(static_cast<std::ostream&>(out));
        out.close();
        if (!out) throw io_error(prefix + ": writing " + tmp.string() + " failed (disk full?)");
    } catch (...) {
        std::filesystem::remove(tmp, ignored);
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ignored);
        throw io_error(prefix + ": cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
    }
}

// write_file_atomically for text already formed in memory (charts, tables).
inline void write_text_atomically(const std::filesystem::path& path, const std::string& prefix,
                                  const std::string& text) {
    write_file_atomically(path, prefix, [&](std::ostream& out) {
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
    });
}

}  // namespace typenet::detail

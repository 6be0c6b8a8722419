// SPDX-License-Identifier: BSL-1.0
// Defines write_text_atomically: a text file written through "<path>.tmp" and renamed, as io's
// write_file_atomically (io/zip.hpp) does; kept here so that diag does not pull in zlib.
#pragma once

#include <typenet/io/fwd.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace typenet::diag::detail {

// A process that dies mid-write leaves at most the .tmp file, never half a chart or table.
inline void write_text_atomically(const std::filesystem::path& path, std::string_view text, const std::string& operation) {
    const std::string prefix = "typenet: " + operation + ": " + path.string();
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    std::error_code ignored;
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw io_error(prefix + ": cannot create " + tmp.string());
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) {
            std::filesystem::remove(tmp, ignored);
            throw io_error(prefix + ": writing " + tmp.string() + " failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ignored);
        throw io_error(prefix + ": cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
    }
}

}  // namespace typenet::diag::detail

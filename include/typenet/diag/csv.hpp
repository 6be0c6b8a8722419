// SPDX-License-Identifier: BSL-1.0
// Defines diag::format_csv and diag::write_csv: every kept step's norms, one row per step per layer.
#pragma once

#include <typenet/io/detail/files.hpp>
#include <typenet/diag/diagnostics.hpp>

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>

namespace typenet::diag {

/// The CSV header row (and the columns of every row): the layer's position in forward order,
/// its name, the step's values, then the layer's norms; input_gradient_norm is empty where
/// dL/dh was not recorded. Booleans are 0/1; numbers use %.9g (round-trip for float).
inline constexpr const char* csv_header =
    "step,position,layer,loss,gradient_norm,clipped_gradient_norm,clipped,skipped,"
    "weight_gradient_norm,bias_gradient_norm,input_gradient_norm,weight_norm";

/// Appends one record's rows (no header) to `out`.
inline void append_csv(std::string& out, const step_record& r, std::span<const std::string> names) {
    char buf[512];
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const layer_norms& l = r.layers[i];
        // Names are digits, dots and letters ("4.shortcut"): nothing to quote.
        std::snprintf(buf, sizeof buf, "%zu,%zu,%s,%.9g,%.9g,%.9g,%d,%d,%.9g,%.9g,", r.step, i, names[i].c_str(), r.loss,
                      r.gradient_norm, r.clipped_gradient_norm, int(r.clipped), int(r.skipped), l.weight_gradient,
                      l.bias_gradient);
        out += buf;
        if (l.has_input_gradient) {
            std::snprintf(buf, sizeof buf, "%.9g", l.input_gradient);
            out += buf;
        }
        std::snprintf(buf, sizeof buf, ",%.9g\n", l.weight);
        out += buf;
    }
}

/// The whole history of a recorder (trainer::diagnostics()) as CSV text, header first.
template <class Recorder>
std::string format_csv(const Recorder& rec) {
    std::string out = std::string(csv_header) + "\n";
    for (const step_record& r : rec.history()) append_csv(out, r, rec.names());
    return out;
}

/// Writes format_csv(rec) to `path` atomically (through "<path>.tmp", then a rename); throws
/// tn::io_error naming the file when it cannot. Example: examples/gradient_report.cpp
template <class Recorder>
void write_csv(const std::filesystem::path& path, const Recorder& rec) {
    typenet::detail::write_text_atomically(path, "typenet: write_csv: " + path.string(), format_csv(rec));
}

}  // namespace typenet::diag

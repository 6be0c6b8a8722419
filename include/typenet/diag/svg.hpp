// SPDX-License-Identifier: BSL-1.0
// Defines diag::chart and diag::to_svg / write_svg: line charts on a log-scale y axis as one
// self-contained SVG file (no script, no external style or font), one or more panels side by side.
#pragma once

#include <typenet/io/detail/files.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace typenet::diag {

/// One line: points (x[i], y[i]); a point whose y is not positive and finite cannot sit on a
/// log axis and breaks the line there. `dashed` draws it dashed (e.g. a prediction next to solid
/// measurements); `colour` is any SVG colour, or empty for the next of a ten-colour palette
/// (the same colour for the same series index in every panel).
struct series {
    std::string label;
    std::vector<double> x, y;
    bool dashed = false;
    std::string colour;
};

/// One plot: a title, axis labels, its lines and, optionally, names for the x positions
/// 0, 1, 2, ... (layer names), which then replace numeric x ticks.
struct panel {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<series> lines;
    std::vector<std::string> x_names;
};

/// Panels side by side under one title; sizes in SVG user units (pixels).
struct chart {
    std::string title;
    std::vector<panel> panels;
    double panel_width = 520;
    double panel_height = 380;
};

namespace detail {

inline std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

inline std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

inline const char* palette(std::size_t i) {
    static constexpr const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return colours[i % 10];
}

inline bool plottable(double y) { return std::isfinite(y) && y > 0; }

// The plot area of a panel and how values map into it.
struct frame {
    double left, top, width, height;
    double x_min, x_max;
    int decade_lo, decade_hi;
    double px(double x) const { return left + width * (x - x_min) / (x_max - x_min); }
    double py(double y) const { return top + height * (decade_hi - std::log10(y)) / (decade_hi - decade_lo); }
};

inline frame frame_of(const panel& p, double left, double top, double width, double height) {
    double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
    for (const series& s : p.lines)
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!plottable(s.y[i]) || !std::isfinite(s.x[i])) continue;
            x_lo = std::min(x_lo, s.x[i]);
            x_hi = std::max(x_hi, s.x[i]);
            y_lo = std::min(y_lo, s.y[i]);
            y_hi = std::max(y_hi, s.y[i]);
        }
    if (!p.x_names.empty()) {
        x_lo = std::min(x_lo, 0.0);
        x_hi = std::max(x_hi, static_cast<double>(p.x_names.size() - 1));
    }
    if (!(x_lo <= x_hi)) x_lo = 0, x_hi = 1;
    if (x_lo == x_hi) x_lo -= 0.5, x_hi += 0.5;
    int lo = 0, hi = 1;
    if (y_lo <= y_hi) {
        lo = static_cast<int>(std::floor(std::log10(y_lo)));
        hi = static_cast<int>(std::ceil(std::log10(y_hi)));
        if (hi == lo) ++hi;
    }
    return {left, top, width, height, x_lo, x_hi, lo, hi};
}

inline void text(std::string& out, double x, double y, std::string_view s, const char* anchor, int size,
                 std::string_view extra = {}) {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
           std::to_string(size) + "\"" + std::string(extra) + ">" + xml_escape(s) + "</text>\n";
}

inline void draw_panel(std::string& out, const panel& p, double x0, double y0, double w, double h) {
    const bool rotate = p.x_names.size() > 12;
    const double bottom = rotate ? 95 : 60;
    const frame f = frame_of(p, x0 + 72, y0 + 30, w - 72 - 20, h - 30 - bottom);
    out += "<g class=\"panel\">\n";
    text(out, x0 + w / 2, y0 + 18, p.title, "middle", 14, " font-weight=\"bold\"");
    out += "<rect x=\"" + num(f.left) + "\" y=\"" + num(f.top) + "\" width=\"" + num(f.width) + "\" height=\"" +
           num(f.height) + "\" fill=\"white\" stroke=\"#444\"/>\n";
    // Decade gridlines and labels: log scale, so equal steps per factor of ten.
    for (int k = f.decade_lo; k <= f.decade_hi; ++k) {
        const double y = f.py(std::pow(10.0, k));
        out += "<line class=\"decade\" x1=\"" + num(f.left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(f.left + f.width) +
               "\" y2=\"" + num(y) + "\" stroke=\"#ccc\" stroke-width=\"1\"/>\n";
        text(out, f.left - 6, y + 4, "1e" + std::to_string(k), "end", 11);
        if (k < f.decade_hi)
            for (int m = 2; m <= 9; ++m) {
                const double ym = f.py(m * std::pow(10.0, k));
                out += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(ym) + "\" x2=\"" + num(f.left + 4) + "\" y2=\"" +
                       num(ym) + "\" stroke=\"#888\"/>\n";
            }
    }
    // x ticks: the names at 0, 1, 2, ... or five evenly spaced values.
    auto x_tick = [&](double x, const std::string& label) {
        const double px = f.px(x), py = f.top + f.height;
        out += "<line x1=\"" + num(px) + "\" y1=\"" + num(py) + "\" x2=\"" + num(px) + "\" y2=\"" + num(py + 5) +
               "\" stroke=\"#444\"/>\n";
        if (rotate)
            text(out, px, py + 14, label, "end", 10,
                 " transform=\"rotate(-60 " + num(px) + " " + num(py + 14) + ")\"");
        else
            text(out, px, py + 18, label, "middle", 11);
    };
    if (!p.x_names.empty()) {
        for (std::size_t i = 0; i < p.x_names.size(); ++i) x_tick(static_cast<double>(i), p.x_names[i]);
    } else {
        for (int i = 0; i <= 4; ++i) {
            const double x = f.x_min + (f.x_max - f.x_min) * i / 4.0;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", x);
            x_tick(x, buf);
        }
    }
    text(out, f.left + f.width / 2, y0 + h - 8, p.x_label, "middle", 12);
    const double yl = f.top + f.height / 2;
    text(out, x0 + 16, yl, p.y_label, "middle", 12, " transform=\"rotate(-90 " + num(x0 + 16) + " " + num(yl) + ")\"");
    // The lines, broken where a value cannot be drawn on a log axis.
    for (std::size_t s = 0; s < p.lines.size(); ++s) {
        const series& line = p.lines[s];
        const std::string colour = line.colour.empty() ? palette(s) : line.colour;
        std::string points;
        auto flush = [&] {
            if (points.empty()) return;
            out += "<polyline class=\"series\" data-series=\"" + std::to_string(s) + "\" fill=\"none\" stroke=\"" +
                   xml_escape(colour) + "\" stroke-width=\"2\"" + (line.dashed ? " stroke-dasharray=\"7 4\"" : "") +
                   " points=\"" + points + "\"/>\n";
            points.clear();
        };
        for (std::size_t i = 0; i < std::min(line.x.size(), line.y.size()); ++i) {
            if (!plottable(line.y[i]) || !std::isfinite(line.x[i])) {
                flush();
                continue;
            }
            if (!points.empty()) points += ' ';
            points += num(f.px(line.x[i])) + "," + num(f.py(line.y[i]));
        }
        flush();
    }
    out += "</g>\n";
}

}  // namespace detail

/// The chart as SVG text: per panel a frame, decade gridlines labelled 1eK (log scale, minor ticks
/// at 2..9), x ticks, axis labels, one <polyline class="series"> per line (or per unbroken piece
/// of it); a legend with every series label under the panels. Example: examples/gradient_report.cpp
inline std::string to_svg(const chart& c) {
    // Legend: the labelled lines of the panel with the most of them (panels share series
    // indices); an empty label keeps a line out of the legend. Columns fit the longest label.
    const panel* widest = nullptr;
    std::size_t legend_entries = 0, longest = 0;
    for (const panel& p : c.panels) {
        std::size_t labelled = 0;
        for (const series& line : p.lines) labelled += line.label.empty() ? 0 : 1;
        if (!widest || labelled > legend_entries) widest = &p, legend_entries = labelled;
    }
    if (widest)
        for (const series& line : widest->lines) longest = std::max(longest, line.label.size());
    const std::size_t panels = std::max<std::size_t>(c.panels.size(), 1);
    const double width = c.panel_width * static_cast<double>(panels);
    const double column = std::max(200.0, 48.0 + 7.0 * static_cast<double>(longest));
    const std::size_t per_row = std::max<std::size_t>(1, static_cast<std::size_t>((width - 20) / column));
    const double legend_h = 20.0 * static_cast<double>((legend_entries + per_row - 1) / per_row) + 10;
    const double height = 40 + c.panel_height + legend_h;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      detail::num(width) + "\" height=\"" + detail::num(height) + "\" viewBox=\"0 0 " + detail::num(width) +
                      " " + detail::num(height) + "\" font-family=\"sans-serif\">\n";
    out += "<title>" + detail::xml_escape(c.title) + "</title>\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    detail::text(out, width / 2, 26, c.title, "middle", 16, " font-weight=\"bold\"");
    for (std::size_t i = 0; i < c.panels.size(); ++i)
        detail::draw_panel(out, c.panels[i], c.panel_width * static_cast<double>(i), 40, c.panel_width, c.panel_height);
    out += "<g class=\"legend\">\n";
    if (widest) {
        std::size_t k = 0;
        for (std::size_t s = 0; s < widest->lines.size(); ++s) {
            const series& line = widest->lines[s];
            if (line.label.empty()) continue;
            const double x = 20 + column * static_cast<double>(k % per_row);
            const double y = 40 + c.panel_height + 14 + 20.0 * static_cast<double>(k / per_row);
            ++k;
            const std::string colour = line.colour.empty() ? detail::palette(s) : line.colour;
            out += "<line x1=\"" + detail::num(x) + "\" y1=\"" + detail::num(y - 4) + "\" x2=\"" + detail::num(x + 28) +
                   "\" y2=\"" + detail::num(y - 4) + "\" stroke=\"" + detail::xml_escape(colour) + "\" stroke-width=\"2\"" +
                   (line.dashed ? " stroke-dasharray=\"7 4\"" : "") + "/>\n";
            detail::text(out, x + 34, y, line.label, "start", 12);
        }
    }
    out += "</g>\n</svg>\n";
    return out;
}

/// Writes to_svg(c) to `path` atomically; throws tn::io_error naming the file when it cannot.
inline void write_svg(const std::filesystem::path& path, const chart& c) {
    typenet::detail::write_text_atomically(path, "typenet: write_svg: " + path.string(), to_svg(c));
}

}  // namespace typenet::diag

// SPDX-License-Identifier: BSL-1.0
// Defines summary<Net>(), the table a person reads before training (Keras' model.summary()):
// one row per state_dict index with its layer, output shape, parameters and memory, computed at
// compile time, and printable.
//
// Why written out. A repeat<N, ...> block is listed as the N copies PyTorch prints for the
// equivalent nn.Sequential, each row carrying its real state_dict index, so "4.weight" in a
// file, a gradient report or a load error is found in the table by its number. A row also says
// which repetition it belongs to ("repeat 2/3"), so the block stays visible.
//
// Why nested rows for a residual. A residual block takes one state_dict index i and names its
// layers inside it ("i.0.weight"), as an nn.Sequential submodule does; the table shows the block
// at i with its totals, then its layers indented with their dotted paths ("1.0", "1.1",
// "1.shortcut" for a projection), so every name in a file is still found by its label.
//
// Why a function pointer for the name. Layer names are std::string, which cannot live in a
// constant; each row keeps a pointer to its layer's describe() instead, so the whole summary
// is a literal type and every count, shape and byte figure can be checked with static_assert.
#pragma once

#include <typenet/nn/detail/block_kind.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/layer_of.hpp>
#include <typenet/nn/detail/sequence.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace typenet {

/// A feature shape as a value (rank and extents), as a summary row reports it.
struct summary_shape {
    std::size_t rank = 0;
    std::array<std::size_t, detail::max_rank> extent{};
    constexpr std::size_t size() const {
        std::size_t s = 1;
        for (std::size_t i = 0; i < rank; ++i) s *= extent[i];
        return s;
    }
    constexpr bool operator==(const summary_shape&) const = default;
    /// "(batch, 16, 16)": the batch's row count first, as in run-time shape errors.
    std::string to_string() const {
        std::string s = "(batch";
        for (std::size_t i = 0; i < rank; ++i) s += ", " + std::to_string(extent[i]);
        return s + ")";
    }
};

/// One layer at one state_dict index.
struct summary_row {
    std::size_t index = 0;               // state_dict index ("<index>.weight")
    std::string (*describe)() = nullptr;  // the layer's name, built at run time
    summary_shape output_shape{};
    std::size_t parameter_count = 0;
    std::size_t parameter_bytes = 0;
    std::size_t activation_bytes = 0;    // kept by forward for backward, per batch row
    bool fused_with_next = false;        // runs as one stage with the next row
    std::size_t repetition = 0;          // inside a repeat block: which copy (0-based) ...
    std::size_t repetitions = 0;         // ... of how many; 0 outside any repeat
    std::size_t depth = 0;               // 0 at the top; 1 inside a residual block, ...
    std::array<std::size_t, 8> path{};   // path[0..depth]: the dotted state_dict prefix ("1.0")
    bool shortcut = false;               // a residual_projection's shortcut ("<i>.shortcut")
    bool residual = false;               // a residual block (its layers follow, one level deeper)
    bool shortcut_fused = false;         // residual (identity): x is added in its last stage's epilogue
    std::string name() const { return describe ? describe() : std::string("?"); }
    /// The row's state_dict prefix: "3", "1.0", "1.shortcut".
    std::string label() const {
        std::string s = std::to_string(path[0]);
        // Appended piece by piece: g++ 12 -O3 reports a false -Wrestrict on `"." + std::string`.
        for (std::size_t d = 1; d <= depth; ++d) {
            s += '.';
            s += shortcut && d == depth ? std::string("shortcut") : std::to_string(path[d]);
        }
        return s;
    }
};

/// What tn::summary<Net>() returns: Rows rows (one per state_dict index) and the totals.
/// Every member is a constant expression; to_string() and operator<< print the table.
template <std::size_t Rows>
struct network_summary {
    std::size_t value_size = 0;  // sizeof(value_type)
    summary_shape input_shape{};
    summary_shape output_shape{};
    std::array<summary_row, Rows> rows{};
    std::size_t parameter_count = 0;
    std::size_t parameter_bytes = 0;
    std::size_t activation_bytes = 0;  // per batch row, every layer
    std::size_t work_bytes = 0;        // per batch row, the trainer's backward work buffers

    static constexpr std::size_t size() { return Rows; }
    constexpr const summary_row& operator[](std::size_t i) const { return rows[i]; }
    /// Number of fused stages (pairs of rows that run as one).
    constexpr std::size_t fused_count() const {
        std::size_t n = 0;
        for (const auto& r : rows) n += r.fused_with_next ? 1 : 0;
        return n;
    }

    std::string to_string() const;
    friend std::ostream& operator<<(std::ostream& os, const network_summary& s) { return os << s.to_string(); }
};

namespace detail {

constexpr summary_shape summary_shape_of(dims d) { return summary_shape{d.rank, d.extent}; }

// Walks a sequence in list order, writing one row per layer (a repeat's block once per copy, a
// residual's row followed by its layers one level deeper). With out == nullptr it only counts.
template <class T>
struct summary_walker {
    summary_row* out;
    std::size_t k = 0;
    std::size_t depth = 0;
    std::array<std::size_t, 8> path{};

    constexpr summary_row* start_row(std::size_t index, std::size_t repetition, std::size_t repetitions) {
        if (!out) return nullptr;
        summary_row& row = out[k];
        row.index = depth == 0 ? index : path[0];
        row.repetition = repetition;
        row.repetitions = repetitions;
        row.depth = depth;
        row.path = path;
        row.path[depth] = index;
        return &row;
    }

    template <class Seq>
    constexpr void walk(std::size_t base_index, std::size_t repetition, std::size_t repetitions) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            const int order[] = {(one<Seq, I>(base_index + Seq::layout.index_offset[I], repetition, repetitions), 0)...};
            (void)order;
        }(std::make_index_sequence<Seq::count>{});
    }

    template <class Seq, std::size_t I>
    constexpr void one(std::size_t index, std::size_t repetition, std::size_t repetitions) {
        using B = typename Seq::template bound<I>;
        if constexpr (is_repeat_layer<B>) {
            using block = typename B::block;
            constexpr std::size_t copies = B::copies;
            for (std::size_t r = 0; r < copies; ++r) walk<block>(index + r * block::index_span, r, copies);
        } else if constexpr (is_residual_layer<B>) {
            using inner = typename B::inner;
            if (summary_row* row = start_row(index, repetition, repetitions)) {
                row->describe = &layer_of_t<typename Seq::template spec<I>>::describe;
                row->output_shape = summary_shape_of(Seq::shapes[I + 1]);
                row->parameter_count = B::parameter_count;
                row->parameter_bytes = B::parameter_count * sizeof(T);
                row->activation_bytes = B::activation_size * sizeof(T);
                row->residual = true;
                row->shortcut_fused = inner::final_stage_fused && !B::projection;  // a projection is a GEMM of its own
            }
            ++k;
            path[depth++] = index;
            walk<inner>(0, repetition, repetitions);
            if constexpr (B::projection) {
                using S = typename B::shortcut;
                if (summary_row* row = start_row(inner::index_span, repetition, repetitions)) {
                    row->describe = &S::describe;
                    row->output_shape = summary_shape_of(dims_of<typename S::output_shape>());
                    row->parameter_count = S::parameter_count;
                    row->parameter_bytes = S::parameter_count * sizeof(T);
                    row->shortcut = true;
                }
                ++k;
            }
            --depth;
        } else {
            if (summary_row* row_ptr = start_row(index, repetition, repetitions)) {
                summary_row& row = *row_ptr;
                row.describe = &layer_of_t<typename Seq::template spec<I>>::describe;
                row.output_shape = summary_shape_of(Seq::shapes[I + 1]);
                row.parameter_count = B::parameter_count;
                row.parameter_bytes = B::parameter_count * sizeof(T);
                row.activation_bytes = B::activation_size * sizeof(T);
                row.fused_with_next = Seq::template fused_with_next<I>;
            }
            ++k;
        }
    }
};

template <class Net>
inline constexpr std::size_t summary_rows_v = [] {
    summary_walker<typename Net::value_type> w{nullptr};
    w.template walk<typename Net::sequence>(0, 0, 0);
    return w.k;
}();

inline std::string summary_grouped(std::size_t n) {
    std::string digits = std::to_string(n), s;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
        s += digits[i];
    }
    return s;
}

inline std::string summary_bytes(std::size_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB"};
    double v = static_cast<double>(b);
    std::size_t u = 0;
    while (v >= 1024.0 && u < 3) v /= 1024.0, ++u;
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(u == 0 ? 0 : 2);
    os << v << ' ' << units[u];
    return os.str();
}

}  // namespace detail

template <std::size_t Rows>
std::string network_summary<Rows>::to_string() const {
    const std::vector<std::string> head{"#", "Layer", "Output shape", "Params", "Param bytes", "Act bytes/row"};
    std::vector<std::array<std::string, 6>> cells;
    for (const summary_row& r : rows) {
        std::string name = std::string(2 * r.depth, ' ') + r.name();
        if (r.repetitions > 0)
            name += "  [repeat " + std::to_string(r.repetition + 1) + "/" + std::to_string(r.repetitions) + "]";
        cells.push_back({std::string(2 * r.depth, ' ') + r.label(), name, r.output_shape.to_string(),
                         detail::summary_grouped(r.parameter_count), detail::summary_grouped(r.parameter_bytes),
                         detail::summary_grouped(r.activation_bytes)});
    }
    std::array<std::size_t, 6> width{};
    for (std::size_t c = 0; c < 6; ++c) {
        width[c] = head[c].size();
        for (const auto& row : cells) width[c] = std::max(width[c], row[c].size());
    }
    // Text columns (layer, shape) align left, numbers right; labels too once rows are nested.
    bool nested = false;
    for (const summary_row& r : rows) nested = nested || r.depth > 0;
    auto line = [&](const auto& row) {
        std::string s;
        for (std::size_t c = 0; c < 6; ++c) {
            const std::string& v = row[c];
            const std::string pad(width[c] - v.size(), ' ');
            if (c > 0) s += "  ";
            s += (c == 1 || c == 2 || (c == 0 && nested)) ? v + pad : pad + v;
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s + "\n";
    };
    std::size_t total_width = 2 * 5;
    for (std::size_t w : width) total_width += w;
    const std::string rule(total_width, '-'), double_rule(total_width, '=');

    std::string s = "Input shape: " + input_shape.to_string() + ", value type: " + std::to_string(8 * value_size) +
                    "-bit float\n";
    s += double_rule + "\n";
    s += line(head);
    s += double_rule + "\n";
    for (const auto& row : cells) s += line(row);
    s += double_rule + "\n";
    s += "Total params: " + detail::summary_grouped(parameter_count) + " (" + detail::summary_bytes(parameter_bytes) + ")\n";
    s += "Activations kept for backward, per batch row: " + detail::summary_grouped(activation_bytes) + " bytes (" +
         detail::summary_bytes(activation_bytes) + ")\n";
    s += "Backward work buffers, per batch row: " + detail::summary_grouped(work_bytes) + " bytes (" +
         detail::summary_bytes(work_bytes) + ")\n";
    // One line per fused stage: these rows run as one kernel pass (nn/detail/sequence.hpp).
    std::string fused;
    for (std::size_t i = 0; i + 1 < Rows; ++i) {
        if (!rows[i].fused_with_next) continue;
        fused += "  " + rows[i].label() + "+" + rows[i + 1].label() + "  " + rows[i].name() + " + " + rows[i + 1].name() +
                 "\n";
    }
    for (const summary_row& r : rows)
        if (r.shortcut_fused) fused += "  " + r.label() + "  shortcut added in the epilogue of the block's last stage\n";
    s += fused.empty() ? std::string("Fused stages: none\n") : "Fused stages (each runs as one pass):\n" + fused;
    s += rule + "\n";
    return s;
}

/// The summary of network Net, at compile time: `constexpr auto s = tn::summary<mlp>();`,
/// `static_assert(s[0].parameter_count == 784 * 256 + 256);`, `std::cout << tn::summary<mlp>();`.
/// One row per state_dict index, in order; a repeat block is written out, one row per layer per
/// copy, each with its own index. Example: examples/mlp_basics.cpp
template <class Net>
constexpr network_summary<detail::summary_rows_v<Net>> summary() {
    using T = typename Net::value_type;
    using Seq = typename Net::sequence;
    network_summary<detail::summary_rows_v<Net>> s{};
    detail::summary_walker<T> w{s.rows.data()};
    w.template walk<Seq>(0, 0, 0);
    s.value_size = sizeof(T);
    s.input_shape = detail::summary_shape_of(Seq::shapes[0]);
    s.output_shape = detail::summary_shape_of(Seq::shapes[Seq::count]);
    s.parameter_count = Seq::parameter_count;
    s.parameter_bytes = Seq::parameter_count * sizeof(T);
    s.activation_bytes = Seq::activation_size * sizeof(T);
    s.work_bytes = Seq::scratch_size * sizeof(T);
    return s;
}

}  // namespace typenet

// SPDX-License-Identifier: BSL-1.0
// Defines layer_table<Net>(): the network's parameterised leaf layers as a person names them
// ("3", "2.0", "4.shortcut"), with where their parameters lie in the flat parameter buffer.
#pragma once

#include <typenet/nn/detail/parameter_info.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace typenet::detail {

/// One parameter tensor of a layer: its state_dict name, where it lies, and whether it is a
/// bias (its own name starts with "bias": "bias", "bias_ih", ...); everything else counts as a weight.
struct parameter_slice {
    std::string name;
    std::size_t offset = 0, size = 0;
    bool bias = false;
};

/// A parameterised leaf layer: its state_dict prefix (the name before the last '.') and its
/// parameters, which are contiguous: [offset, offset + count) of the flat buffer.
struct layer_entry {
    std::string name;
    std::size_t offset = 0, count = 0;
    std::vector<parameter_slice> parameters;
};

/// The table in state_dict (forward) order. Built from the sequence's own walk, so a nested
/// block (repeat, residual) contributes its inner layers under their full names.
template <class Net>
std::vector<layer_entry> layer_table() {
    std::vector<layer_entry> table;
    Net::sequence::for_each_parameter("", 0, 0, 0, [&](const std::string& name, const parameter_info& p, std::size_t off) {
        if (!p.trainable) return;
        const std::size_t dot = name.rfind('.');
        const std::string prefix = dot == std::string::npos ? std::string() : name.substr(0, dot);
        const std::string own = dot == std::string::npos ? name : name.substr(dot + 1);
        if (table.empty() || table.back().name != prefix) table.push_back({prefix, off, 0, {}});
        layer_entry& e = table.back();
        e.offset = std::min(e.offset, off);
        e.count = std::max(e.offset + e.count, off + p.size()) - e.offset;
        e.parameters.push_back({name, off, p.size(), own.rfind("bias", 0) == 0});
    });
    return table;
}

/// The index of the entry holding parameter offset `offset` (table.size() when none does).
inline std::size_t layer_at(const std::vector<layer_entry>& table, std::size_t offset) noexcept {
    auto it = std::upper_bound(table.begin(), table.end(), offset,
                               [](std::size_t o, const layer_entry& e) { return o < e.offset; });
    if (it == table.begin()) return table.size();
    --it;
    return offset < it->offset + it->count ? static_cast<std::size_t>(it - table.begin()) : table.size();
}

}  // namespace typenet::detail

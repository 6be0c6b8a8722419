// SPDX-License-Identifier: BSL-1.0
// Defines npz_archive (reading .npz files) and save_npz / load_npz (parameters <-> .npz, with
// PyTorch state_dict names).
#pragma once

#include <typenet/io/detail/files.hpp>
#include <typenet/io/fwd.hpp>
#include <typenet/io/npy.hpp>
#include <typenet/io/zip.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace typenet {

namespace detail {
template <class Ref>
using parameter_value_t = typename std::remove_cvref_t<decltype(std::declval<const Ref&>().values)>::element_type;
}  // namespace detail

class npz_archive {
public:
    /// Opens and checks the whole archive (see the declaration in io/fwd.hpp).
    explicit npz_archive(const std::filesystem::path& path) : npz_archive(path, detail::operation_name{"npz_archive"}) {}

    // Used by load_npz so that messages name the operation the user called.
    npz_archive(const std::filesystem::path& path, detail::operation_name op)
        : path_(path), prefix_("typenet: " + std::string(op.value) + ": " + path.string()) {
        file_ = detail::read_file(path, prefix_);
        const std::vector<detail::zip_entry> entries = detail::zip_directory(file_, prefix_);
        members_.reserve(entries.size());
        for (const detail::zip_entry& e : entries) {
            const std::string_view name = e.name;
            if (name.size() < 4 || name.substr(name.size() - 4) != ".npy")
                throw io_error(prefix_ + ": member \"" + e.name + "\" is not an .npy array (an .npz holds only <name>.npy members)");
            member m;
            const std::span<const std::byte> bytes = detail::zip_extract(file_, e, m.inflated, prefix_);
            m.stored = e.method == 0;
            m.info.name = std::string(name.substr(0, name.size() - 4));
            const detail::npy_header_info h = detail::parse_npy_header(bytes, prefix_ + ": array \"" + m.info.name + "\"");
            m.info.dtype = h.dtype;
            m.info.shape = h.shape;
            m.offset = static_cast<std::size_t>(bytes.data() - (m.stored ? file_.data() : m.inflated.data())) + h.data_offset;
            if (!index_.emplace(m.info.name, members_.size()).second)
                throw io_error(prefix_ + ": holds two arrays named \"" + m.info.name + "\"");
            infos_.push_back(m.info);
            members_.push_back(std::move(m));
        }
        // Inflated members keep their own buffers; once all are read, drop the compressed file.
        if (std::none_of(members_.begin(), members_.end(), [](const member& m) { return m.stored; })) {
            file_.clear();
            file_.shrink_to_fit();
        }
    }

    /// Every array, in archive order.
    const std::vector<npy_array_info>& arrays() const noexcept { return infos_; }
    /// Whether an array of that name (without ".npy") exists.
    bool contains(std::string_view name) const { return index_.count(std::string(name)) != 0; }
    /// The array's name, dtype and shape; throws tn::io_error if there is none of that name.
    const npy_array_info& info(std::string_view name) const { return find(name).info; }
    /// The file this archive was read from.
    const std::filesystem::path& path() const noexcept { return path_; }

    /// The array's values in C order, converted to T (float or double) as load_npz converts.
    template <class T>
    std::vector<T> read(std::string_view name) const {
        std::vector<T> out(info(name).size());
        read_into(name, std::span<T>(out));
        return out;
    }

    /// Writes the array's values into `out`, whose size must equal the array's.
    template <class T>
    void read_into(std::string_view name, std::span<T> out) const {
        static_assert(detail::npy_value<T>, "typenet: npz_archive: the value type must be float or double");
        const member& m = find(name);
        if (out.size() != m.info.size())
            throw io_error(prefix_ + ": array \"" + m.info.name + "\" holds " + std::to_string(m.info.size()) +
                           " values, not the " + std::to_string(out.size()) + " asked for");
        const std::byte* base = m.stored ? file_.data() : m.inflated.data();
        detail::decode_values(base + m.offset, m.info.dtype, out, prefix_ + ": array \"" + m.info.name + "\"");
    }

private:
    struct member {
        npy_array_info info;
        std::vector<std::byte> inflated;  // a deflated member's bytes; a stored one stays in file_
        bool stored = true;
        std::size_t offset = 0;  // of the first value, in file_ or inflated
    };

    const member& find(std::string_view name) const {
        const auto it = index_.find(std::string(name));
        if (it == index_.end()) throw io_error(prefix_ + ": has no array named \"" + std::string(name) + "\"");
        return members_[it->second];
    }

    std::filesystem::path path_;
    std::string prefix_;
    std::vector<std::byte> file_;
    std::vector<member> members_;
    std::vector<npy_array_info> infos_;
    std::unordered_map<std::string, std::size_t> index_;
};

template <class P>
    requires parameter_set<const P>
void save_npz(const P& params, const std::filesystem::path& path, npz_compression compression) {
    const std::string prefix = "typenet: save_npz: " + path.string();
    detail::write_file_atomically(path, prefix, [&](std::ostream& out) {
        detail::zip_writer zip(out, prefix);
        std::vector<std::byte> storage;
        params.for_each_parameter([&](const auto& p) {
            using T = std::remove_const_t<detail::parameter_value_t<std::remove_cvref_t<decltype(p)>>>;
            static_assert(detail::npy_value<T>, "typenet: save_npz: parameters must be float or double");
            const std::span<const T> values = p.values;
            const std::string header = detail::npy_header(detail::dtype_of<T>, p.shape);
            zip.add(p.name + ".npy", {std::as_bytes(std::span<const char>(header)), detail::encode_values(values, storage)},
                    compression);
        });
        zip.finish();
    });
}

template <class P>
    requires parameter_set<P>
void load_npz(P& params, const std::filesystem::path& path) {
    const npz_archive archive(path, detail::operation_name{"load_npz"});
    const std::string file = path.string();
    // Check everything first (PyTorch's strict load_state_dict); write only if all is well.
    std::vector<std::string> problems;
    std::set<std::string> seen;
    params.for_each_parameter([&](const auto& p) {
        using U = detail::parameter_value_t<std::remove_cvref_t<decltype(p)>>;
        static_assert(!std::is_const_v<U>,
                      "typenet: load_npz: the parameters must be writable (a trainer's gradients() view is read-only)");
        seen.insert(p.name);
        if (!archive.contains(p.name)) {
            problems.push_back("parameter \"" + p.name + "\" " + detail::shape_text(p.shape) + " is missing from " + file);
        } else if (const npy_array_info& a = archive.info(p.name); a.shape != p.shape) {
            problems.push_back("parameter \"" + p.name + "\" has shape " + detail::shape_text(p.shape) +
                               " in the model but " + detail::shape_text(a.shape) + " in " + file);
        }
    });
    for (const npy_array_info& a : archive.arrays())
        if (!seen.count(a.name))
            problems.push_back(file + " has an array \"" + a.name + "\" " + detail::shape_text(a.shape) +
                               " that is not a parameter of the model");
    if (!problems.empty()) {
        std::string what = "typenet: load_npz: ";
        for (std::size_t i = 0; i < problems.size(); ++i) what += (i ? "; " : "") + problems[i];
        throw io_error(what + " (nothing was loaded)");
    }
    params.for_each_parameter([&](const auto& p) { archive.read_into(p.name, p.values); });
}

}  // namespace typenet

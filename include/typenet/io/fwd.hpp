// SPDX-License-Identifier: BSL-1.0
// Declares every public name of typenet's io layer (.npy and .npz files), with its documentation.
#pragma once

#include <concepts>
#include <cstddef>
#include <filesystem>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace typenet {

/// A file that cannot be read or written as asked: missing, truncated, corrupted (bad CRC-32,
/// broken deflate stream), not float32/float64, or not matching the model it is loaded into.
/// `what()` always names the operation and the file, e.g.
/// `typenet: load_npz: parameter "0.weight" has shape (256, 784) in the model but (128, 784) in mlp.npz`.
struct io_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// How save_npz stores each array: `none` is `numpy.savez` (ZIP method 0, stored), `deflate` is
/// `numpy.savez_compressed` (ZIP method 8, zlib's raw deflate at the default level).
enum class npz_compression { none, deflate };

/// The element types typenet reads: little-endian IEEE float32 (`'<f4'`) and float64
/// (`'<f8'`), which it also writes, and int64 (`'<i8'`), read only where every value converts
/// exactly (PyTorch saves batch norm's num_batches_tracked as int64).
enum class npy_dtype { float32, float64, int64 };

/// One array of an .npz archive as `np.load(path)` lists it: its name without the `.npy`
/// suffix, its dtype and its shape (C order).
struct npy_array_info {
    std::string name;
    npy_dtype dtype;
    std::vector<std::size_t> shape;
    /// The number of values, the product of the extents (1 for a 0-d array).
    std::size_t size() const noexcept {
        std::size_t n = 1;
        for (std::size_t e : shape) n *= e;
        return n;
    }
};

/// The contents of one .npy file as load_npy returns it: shape and values in C order.
template <class T>
struct npy_array {
    std::vector<std::size_t> shape;
    std::vector<T> values;
};

namespace detail {
// Stands in for the visitor in parameter_set; accepts whatever for_each_parameter passes.
struct parameter_probe {
    template <class Ref>
    void operator()(const Ref&) const noexcept {}
};
// The operation named by npz_archive's messages when load_npz opens it.
struct operation_name {
    std::string_view value;
};
template <class T>
concept npy_value = std::same_as<T, float> || std::same_as<T, double>;
}  // namespace detail

/// Anything that lists named parameters: `p.for_each_parameter(f)` calls `f` with a
/// `tn::parameter_ref<T>` {name, shape, values} per parameter, in a fixed order. A network
/// (`basic_network<T, ...>`) and the `parameter_view` a trainer's `gradients()` returns are both
/// parameter sets. T is float or double; the names are PyTorch state_dict names.
template <class P>
concept parameter_set = requires(P& p, detail::parameter_probe f) { p.for_each_parameter(f); };

/// An .npz archive opened for reading, as `np.load(path)` would see it. The constructor reads the
/// whole file, inflates deflated members, verifies every CRC-32 and parses every .npy header, so
/// a truncated, corrupted or non-float file throws tn::io_error here and never later. Every
/// member must be an `<name>.npy` array of dtype `'<f4'` or `'<f8'` in C order. ZIP64 archives
/// (which `numpy.savez` always writes) and the stored and deflate methods are read.
/// Example: tests/io/npz_test.cpp (listing a file written by numpy)
class npz_archive;

/// Writes `params` to `path` as an .npz archive: one member `<name>.npy` per parameter, in the
/// parameter order, each a version 1.0 .npy array of the parameter's own dtype (`'<f4'` for a
/// float network, `'<f8'` for a double one) with its shape, in C order. numpy's `np.load` and
/// PyTorch's `load_state_dict` (after `torch.from_numpy`) read it. The file is written to
/// `<path>.tmp` and renamed over `path` only when complete, so a process that dies while
/// writing never leaves a half-written `path`.
/// `tn::save_npz(model, "mlp.npz")`, `tn::save_npz(fit.gradients(), "grads.npz")`.
/// Throws tn::io_error naming the file if it cannot be written. See docs/io.md.
template <class P>
    requires parameter_set<const P>
void save_npz(const P& params, const std::filesystem::path& path,
              npz_compression compression = npz_compression::none);

/// Loads every parameter of `params` from the .npz archive at `path` (as written by save_npz,
/// `numpy.savez` or `numpy.savez_compressed` from a PyTorch state_dict). Strict, like PyTorch's
/// `load_state_dict(strict=True)`: the archive must hold exactly the model's parameter names,
/// each with the model's shape; a missing parameter, an extra array and a shape mismatch are all
/// errors, listed together in one tn::io_error, e.g.
/// `typenet: load_npz: parameter "0.weight" has shape (256, 784) in the model but (128, 784) in mlp.npz`.
/// Conversion: a float64 array loads into a float model rounded to nearest (values beyond
/// float's range become +-inf, as `astype(np.float32)` does); a float32 array loads into a
/// double model exactly. Everything is read and checked before anything is written, so on any
/// error `params` is unchanged.
template <class P>
    requires parameter_set<P>
void load_npz(P& params, const std::filesystem::path& path);

/// Writes one array to an .npy file (version 1.0, `'<f4'` or `'<f8'`, C order), through
/// `<path>.tmp` and a rename. `values` is a contiguous range of float or double whose size is the
/// product of `shape`: `tn::save_npy("w.npy", model.parameter("0.weight"), {256, 784})`.
template <std::ranges::contiguous_range R>
    requires detail::npy_value<std::remove_cv_t<std::ranges::range_value_t<R>>>
void save_npy(const std::filesystem::path& path, const R& values, const std::vector<std::size_t>& shape);

/// Reads an .npy file (versions 1.0, 2.0 and 3.0; `'<f4'` or `'<f8'`; C order) converting to T
/// as load_npz does. Throws tn::io_error naming the file otherwise.
template <class T>
npy_array<T> load_npy(const std::filesystem::path& path);

}  // namespace typenet

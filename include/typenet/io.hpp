// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the opt-in umbrella over typenet's files, .npy/.npz (PyTorch state_dict names)
// and IDX (MNIST). Not part of <typenet/typenet.hpp>, because <filesystem>, <fstream>, <ranges>
// and zlib cost about 1 s of compiler CPU in every translation unit (docs/performance.md).
#pragma once

#include <typenet/io/fwd.hpp>
#include <typenet/io/idx.hpp>
#include <typenet/io/npy.hpp>
#include <typenet/io/npz.hpp>
#include <typenet/io/zip.hpp>

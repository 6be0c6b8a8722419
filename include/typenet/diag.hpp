// SPDX-License-Identifier: BSL-1.0
// Defines nothing: the opt-in umbrella over typenet's gradient diagnostics: the trainer policy
// tn::diagnostics<>, its tables, CSV files and SVG charts. Not part of <typenet/typenet.hpp>,
// because writing files pulls in <filesystem> and <fstream> (docs/performance.md).
#pragma once

#include <typenet/diag/csv.hpp>
#include <typenet/diag/diagnostics.hpp>
#include <typenet/diag/fwd.hpp>
#include <typenet/diag/gradient_chart.hpp>
#include <typenet/diag/level.hpp>
#include <typenet/diag/svg.hpp>
#include <typenet/diag/table.hpp>

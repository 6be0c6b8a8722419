// SPDX-License-Identifier: BSL-1.0
// Declares the public names of typenet's diag layer (gradient-flow diagnostics and their outputs).
#pragma once

#include <typenet/diag/level.hpp>

// What lives where:
//   diagnostics.hpp     tn::diagnostics<Level> (trainer policy), diag::options, step_record,
//                       layer_norms, finding, detect(), recorder (trainer::diagnostics())
//   table.hpp           diag::format_table: one step as a fixed-width text table
//   csv.hpp             diag::format_csv, diag::write_csv: every kept step, a row per layer
//   svg.hpp             diag::series, panel, chart, to_svg, write_svg: log-scale line charts
//   gradient_chart.hpp  diag::layer_series, gradient_chart: recorded norms as chart lines
// The NaN/Inf guard policies are trainer policies: typenet/train/nan_guard.hpp.
namespace typenet {
template <diag::level Level>
struct diagnostics;
namespace diag {
struct options;
struct layer_norms;
struct step_record;
struct finding;
struct series;
struct panel;
struct chart;
template <class Net, level Level>
class recorder;
}  // namespace diag
}  // namespace typenet

// CSV output of runs: values at round-trip precision (17 significant digits for float64, 9 for
// float32, exact integers for int64) so two runs can be compared bit for bit from their files.
#pragma once

#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

// Header "t,<names...>", one row per sample. With `final_only`, one row: the final time and state
// (names = `state_names`). Returns the number of rows written. Throws DynlibError on I/O errors.
size_t write_results_csv(const std::string& path, const Results& r,
                         const std::vector<std::string>& state_names, bool final_only);

// "out.csv" -> "out.events.csv"
std::string events_csv_path(const std::string& out);

// Header "event,t,<every logged field, first-seen order>", one row per firing (empty cells for
// fields an event does not log). Writes nothing (and removes a stale file) when no event fired.
size_t write_events_csv(const std::string& path, const Results& r);

// Formats one value of a model of dtype `d` at round-trip precision.
std::string format_number(DType d, double v);

}  // namespace dynlib::cli

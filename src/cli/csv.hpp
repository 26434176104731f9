// CSV output of runs: values at round-trip precision (17 significant digits for float64, 9 for
// float32, exact integers for int64) so two runs can be compared bit for bit from their files.
// Writers take a run's results part by part: a streamed run (Sim::set_record_sink) hands over
// its samples as its buffer fills, and the final Results holds the rest.
#pragma once

#include <string>
#include <vector>

#include "cli/output_file.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

// Header "t,<names...>" (once), then one row per sample of each part.
class SamplesCsv {
 public:
  explicit SamplesCsv(OutputFile& out) : out_(out) {}
  void add(const Results& part);
  size_t rows() const { return rows_; }

 private:
  OutputFile& out_;
  bool header_ = false;
  size_t rows_ = 0;
};

// Header "event,t,<every logged field, first-seen order>", then one row per firing of each part,
// chronological (ties in event declaration order), empty cells for fields an event does not log.
// A logged field named like a fixed column is headed "log.<name>" so no column name repeats.
class EventsCsv {
 public:
  explicit EventsCsv(OutputFile& out) : out_(out) {}
  void add(const Results& part);
  size_t firings() const { return firings_; }

 private:
  OutputFile& out_;
  std::vector<std::string> fields_;
  bool header_ = false;
  size_t firings_ = 0;
};

// One row: the final time and state (names = `state_names`).
void write_final_state_csv(OutputFile& out, const Results& r,
                           const std::vector<std::string>& state_names);

// The whole of `r` to `path` (header "t,<names...>"); returns the number of rows.
size_t write_results_csv(const std::string& path, const Results& r);

// "out.csv" -> "out.events.csv"
std::string events_csv_path(const std::string& out);

// Formats one value of a model of dtype `d` at round-trip precision.
std::string format_number(DType d, double v);

}  // namespace dynlib::cli

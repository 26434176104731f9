// dynlib analyze URI ...: run a model and print the trajectory statistics of recorded variables
// (dynlib/trajectory_stats.hpp), one row per variable, as a table or CSV.

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/run_flags.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/trajectory_stats.hpp"

namespace dynlib::cli {
namespace {

struct AnalyzeArgs {
  RunFlags run;
  std::optional<std::string> vars;
  std::vector<double> percentiles;
  std::optional<double> threshold;
  bool csv = false;
};

// One row per variable: the summary, where the extrema are, the asked percentiles and, with a
// threshold, the crossings each way and the time on each side.
std::vector<std::vector<std::string>> table(const MultiVarAnalyzer& stats, const AnalyzeArgs& a,
                                            DType dtype) {
  std::vector<std::string> header{"var"};
  for (const auto& key : summary_keys()) header.push_back(key);
  header.insert(header.end(), {"t_min", "t_max"});
  for (double q : a.percentiles) header.push_back(fmt::format("p{}", q));
  if (a.threshold) header.insert(header.end(), {"up", "down", "time_above", "time_below"});

  // CSV at round-trip precision: samples (min, max, initial, final) in the model's dtype,
  // computed values (means, interpolated times, ...) as float64. The table at 6 digits.
  auto sample = [&](double v) {
    return a.csv ? format_number(dtype, v) : fmt::format("{:.6g}", v);
  };
  auto real = [&](double v) {
    return a.csv ? format_number(DType::Float64, v) : fmt::format("{:.6g}", v);
  };
  std::vector<std::vector<std::string>> rows{header};
  for (const TrajectoryAnalyzer& x : stats.analyzers()) {
    std::vector<std::string> row{x.name()};
    for (const auto& [key, value] : x.summary().entries())
      row.push_back(key == "min" || key == "max" || key == "initial" || key == "final"
                        ? sample(value)
                        : real(value));
    row.push_back(real(x.argmin().t));
    row.push_back(real(x.argmax().t));
    for (double q : a.percentiles) row.push_back(real(x.percentile(q)));
    if (a.threshold) {
      row.push_back(std::to_string(x.crossing_times(*a.threshold, CrossingDirection::Up).size()));
      row.push_back(std::to_string(x.crossing_times(*a.threshold, CrossingDirection::Down).size()));
      row.push_back(real(x.time_above(*a.threshold)));
      row.push_back(real(x.time_below(*a.threshold)));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void print_table(const std::vector<std::vector<std::string>>& rows, bool csv) {
  if (csv) {
    for (const auto& r : rows) {
      std::string line;
      for (size_t c = 0; c < r.size(); ++c) line += (c ? "," : "") + r[c];
      fmt::print("{}\n", line);
    }
    return;
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  for (const auto& r : rows) {
    std::string line = fmt::format("{:<{}}", r[0], width[0]);
    for (size_t c = 1; c < r.size(); ++c) line += fmt::format("  {:>{}}", r[c], width[c]);
    fmt::print("{}\n", line);
  }
}

int analyze(const AnalyzeArgs& a) {
  for (double q : a.percentiles)
    if (!(q >= 0.0 && q <= 100.0))
      throw DynlibError(fmt::format("--percentile: q must be in [0, 100]; got {}", q));
  Sim sim = setup_sim(a.run);
  const ModelInfo& info = sim.model().spec();
  RunOptions ro = run_options(a.run, info);
  std::optional<std::vector<std::string>> names;
  if (a.vars) {
    names = split_list(*a.vars);
    if (names->empty()) throw DynlibError("--vars: name at least one variable");
    ro.record_vars = names;  // record exactly what is analyzed (aux are not recorded by default)
  }
  // Ctrl+C stops the run; the statistics of what it computed are still printed.
  const Results& r = run_with_progress(sim, ro, /*quiet=*/false);
  if (r.status() != Status::Done)
    fmt::print(stderr, "dynlib: {}: {}\n", r.status() == Status::EarlyExit ? "warning" : "stopped",
               r.message());
  const MultiVarAnalyzer stats = names ? MultiVarAnalyzer(r, *names) : MultiVarAnalyzer(r);
  if (r.size() == 0) throw DynlibError("nothing to analyze: the run recorded no samples");
  if (!a.csv)
    fmt::print("model {} ({}, stepper {}, {}): {} samples, t = {} .. {}\n", info.name, info.kind,
               sim.model().stepper_name(), dtype_name(r.dtype()), r.size(), r.t().front(),
               r.t().back());
  print_table(table(stats, a, r.dtype()), a.csv);
  return run_exit_code(r.status());
}

}  // namespace

void add_analyze_commands(CLI::App& app) {
  auto a = std::make_shared<AnalyzeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Simulate a model and print statistics of its trajectories (docs/trajectory-stats.md)");
  add_run_flags(*cmd, a->run, "Model URI or path", /*recording=*/false);
  cmd->add_option("--vars", a->vars,
                  "Comma-separated states/aux to analyze (default: the recorded states)");
  cmd->add_option("--percentile", a->percentiles, "Add the Q-th percentile (0-100); repeatable");
  cmd->add_option("--threshold", a->threshold,
                  "Add crossings of X each way (up, down) and the time above/below X");
  cmd->add_flag("--csv", a->csv, "Print CSV at round-trip precision instead of a table");
  cmd->callback([a] { set_action([a] { return analyze(*a); }); });
}

}  // namespace dynlib::cli

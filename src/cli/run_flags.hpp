// The flags of one simulation run on the command line (`dynlib run`, `dynlib plot URI`): how the
// model is built, the run options, --set; and the run itself with a progress bar and Ctrl+C.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

struct RunFlags {
  std::string uri;
  BuildFlags build;
  std::optional<double> T;
  std::optional<long long> N;
  std::optional<double> dt, t0, transient, atol, rtol;
  ImplicitFlags implicit;
  std::vector<std::string> sets;
  std::optional<std::string> preset;
  std::optional<std::string> record_vars;
  std::optional<long long> record_interval;
  bool no_record = false;
  std::optional<long long> max_steps;
  bool stepper_given() const { return build.stepper.has_value(); }
};

// Registers the positional URI (described by `uri_help`) and every run flag above on `cmd`;
// without `recording`, leaves out --record-vars and --no-record (for commands that choose what is
// recorded themselves).
void add_run_flags(CLI::App& cmd, RunFlags& flags,
                   const std::string& uri_help = "Model URI or path", bool recording = true);

// The Sim of flags.uri built as the flags say, with --preset applied.
Sim setup_sim(const RunFlags& flags);

// The run options the flags give; --set names a state (initial value) or else a param.
RunOptions run_options(const RunFlags& flags, const ModelInfo& info);

// Runs with a progress bar (unless quiet); Ctrl+C stops the run, which returns what it computed.
// Returns the results and the wall time in seconds.
const Results& run_with_progress(Sim& sim, const RunOptions& options, bool quiet,
                                 double* wall_seconds = nullptr);

// The exit status of a command whose run ended with `s`: 0 done (max_steps is a warning, not a
// failure), 130 interrupted, 3 failed part-way (what it computed was still written).
int run_exit_code(Status s);

}  // namespace dynlib::cli

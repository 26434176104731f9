// dynlib sweep URI --param NAME=A:B:K ...: one run per grid point on all cores (run_batch), one
// CSV with the grid values, time and recorded variables: the bifurcation-diagram workload.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/grid.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/ensemble.hpp"

namespace dynlib::cli {
namespace {

struct SweepArgs {
  std::string uri;
  std::vector<std::string> grids;  // --param NAME=A:B:K | NAME=v1,v2,...
  BuildFlags build;
  std::optional<std::string> preset, record_vars, out;
  std::optional<double> T, dt, t0, transient, atol, rtol;
  ImplicitFlags implicit;
  std::optional<long long> N, record_interval, max_steps;
  std::vector<std::string> sets;
  int threads = 0;
  bool final_only = false;
  bool quiet = false;
};

// Header: the grid columns, t, then the recorded variables (with --final-only: every state); one
// row per sample (per trajectory), at round-trip precision.
size_t write_sweep_csv(OutputFile& out, const std::vector<Grid>& grids,
                       const std::vector<std::vector<double>>& rows_of_grid, const BatchResults& b,
                       DType d, bool final_only) {
  fmt::memory_buffer buf;
  for (const auto& g : grids) fmt::format_to(std::back_inserter(buf), "{},", g.column);
  fmt::format_to(std::back_inserter(buf), "t");
  for (const auto& v : final_only ? b.state_names : b.names)
    fmt::format_to(std::back_inserter(buf), ",{}", v);
  buf.push_back('\n');
  auto time = [&](double t) {
    return d == DType::Float32 ? fmt::format("{:.9g}", t) : fmt::format("{:.17g}", t);
  };
  size_t rows = 0;
  const size_t s = b.state_names.size();
  for (size_t i = 0; i < b.n; ++i) {
    std::string prefix;
    for (size_t j = 0; j < grids.size(); ++j) prefix += format_number(d, rows_of_grid[i][j]) + ",";
    if (final_only) {
      if (b.counts[i] == 0 && std::isnan(b.final_time[i])) continue;  // never started
      fmt::format_to(std::back_inserter(buf), "{}{}", prefix, time(b.final_time[i]));
      for (size_t v = 0; v < s; ++v)
        fmt::format_to(std::back_inserter(buf), ",{}", format_number(d, b.final_state[i * s + v]));
      buf.push_back('\n');
      ++rows;
    }
    for (size_t k = 0; k < b.counts[i] && !final_only; ++k) {
      fmt::format_to(std::back_inserter(buf), "{}{}", prefix, time(b.t[i * b.n_time + k]));
      for (size_t v = 0; v < b.n_var; ++v)
        fmt::format_to(std::back_inserter(buf), ",{}", format_number(d, b.at(i, k, v)));
      buf.push_back('\n');
      ++rows;
    }
    if (buf.size() > (1 << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
  return rows;
}

int sweep(const SweepArgs& a) {
  Sim base = setup(a.uri, build_options(a.build));
  if (a.preset) base.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, base.model().dtype());
    base.assign(name, value);
  }
  const ModelInfo& info = base.model().spec();

  // The grid: the cartesian product of every --param, the last one varying fastest.
  std::vector<Grid> grids;
  for (const auto& text : a.grids) grids.push_back(parse_grid(text));
  size_t n = 1;
  for (const auto& g : grids) {
    if (n > 100000000 / std::max<size_t>(g.values.size(), 1))
      throw DynlibError("dynlib sweep: the grid has more than 1e8 points");
    n *= g.values.size();
  }
  std::vector<std::vector<double>> point(n, std::vector<double>(grids.size()));
  for (size_t i = 0; i < n; ++i) {
    size_t rest = i;
    for (size_t j = grids.size(); j-- > 0;) {
      point[i][j] = grids[j].values[rest % grids[j].values.size()];
      rest /= grids[j].values.size();
    }
  }

  BatchOptions o;
  for (size_t j = 0; j < grids.size(); ++j) {
    std::vector<double> column(n);
    for (size_t i = 0; i < n; ++i) column[i] = point[i][j];
    const bool is_state = std::find(info.state_names.begin(), info.state_names.end(),
                                    grids[j].name) != info.state_names.end();
    grids[j].column = is_state ? "ic." + grids[j].name : grids[j].name;
    auto& target = is_state ? o.ic : o.params;
    if (!target.emplace(grids[j].name, std::move(column)).second)
      throw DynlibError(fmt::format("--param {} is given twice", grids[j].name));
  }
  o.T = a.T;
  o.N = a.N;
  o.dt = a.dt;
  o.t0 = a.t0;
  o.record_interval = a.record_interval;
  if (a.record_vars) o.record_vars = split_list(*a.record_vars);
  o.transient = a.transient;
  o.max_steps = a.max_steps;
  o.atol = a.atol;
  o.rtol = a.rtol;
  a.implicit.apply(o);
  o.threads = a.threads;
  o.final_only = a.final_only;
  o.stop = InterruptScope::stop_flag();

  OutputFile out(a.out);  // before the work: an unwritable path fails fast
  BatchResults b;
  {
    InterruptScope interrupt;
    b = run_batch(base, o);
  }
  out.honour_interrupts();

  const size_t rows = write_sweep_csv(out, grids, point, b, base.model().dtype(), a.final_only);
  out.commit();

  int code = 0;
  size_t failed = 0, first = n;
  for (size_t i = 0; i < n; ++i) {
    if (b.status[i] == Status::Done) continue;
    ++failed;
    if (first == n) first = i;
    if (b.status[i] == Status::UserBreak)
      code = 130;
    else if (b.status[i] != Status::EarlyExit && code == 0)
      code = 3;
  }
  if (failed > 0) {
    std::string where;
    for (size_t j = 0; j < grids.size(); ++j)
      where += fmt::format("{}{}={}", j ? ", " : "", grids[j].name, point[first][j]);
    fmt::print(stderr,
               "dynlib: warning: {} of {} trajectories did not finish; the first ({}): {}\n",
               failed, n, where, b.message[first]);
  }
  if (a.out && !a.quiet)
    fmt::print("wrote {} row{} ({} trajectories, {} thread{}) to {}\n", rows, rows == 1 ? "" : "s",
               n, b.threads, b.threads == 1 ? "" : "s", *a.out);
  return code;
}

}  // namespace

void add_sweep_commands(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a model over a grid of params/initial states on all cores; write CSV");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--param", a->grids,
                  "NAME=A:B:K (K points from A to B) or NAME=V1,V2,...; a param or a state; "
                  "repeat for a grid (the last varies fastest)")
      ->required();
  auto* T = cmd->add_option("-T,--T", a->T, "End time");
  auto* N = cmd->add_option("-N,--N", a->N, "Number of steps (maps: iterations)");
  T->excludes(N);
  cmd->add_option("--dt", a->dt, "Step (initial step for adaptive steppers)");
  cmd->add_option("--t0", a->t0, "Start time");
  cmd->add_option("--stepper", a->build.stepper,
                  "Stepper name or alias (see: dynlib steppers list)");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--set", a->sets,
                  "NAME=VALUE for every trajectory (a state's initial value or a param); "
                  "arrays as NAME=[1,2,3]; repeatable");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--record-vars", a->record_vars,
                  "Comma-separated states/aux to record (default: all; empty: time only)");
  cmd->add_option("--record-interval", a->record_interval, "Record every K-th step")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--transient", a->transient,
                  "Warm up each run for X (time; maps: iterations) before recording");
  cmd->add_option("--max-steps", a->max_steps, "Stop each trajectory after K steps")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--atol", a->atol, "Absolute tolerance (adaptive steppers)");
  cmd->add_option("--rtol", a->rtol, "Relative tolerance (adaptive steppers)");
  add_implicit_flags(*cmd, a->implicit);
  cmd->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--final-only", a->final_only,
                "One row per grid point: the final time and every state");
  cmd->add_option("--out", a->out, "Write the CSV to FILE (default: standard output)");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return sweep(*a); }); });
}

}  // namespace dynlib::cli

// dynlib bifurcation URI --param r=A:B:K --var x [--tail N | --final | --extrema KIND |
// --poincare VAR=LEVEL[:DIR]]: a traj_sweep over one param on all cores, reduced to the points of
// a bifurcation diagram, written as CSV (param value, variable value).

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/grid.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "cli/progress_bar.hpp"
#include "dynlib/bifurcation.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/ensemble.hpp"
#include "dynlib/sweep.hpp"

namespace dynlib::cli {
namespace {

struct BifurcationArgs {
  std::string uri;
  std::string grid;  // --param NAME=A:B:K | NAME=v1,v2,...
  std::string var;
  BuildFlags build;
  std::optional<std::string> preset, out;
  std::optional<double> T, dt, t0, transient, atol, rtol;
  std::optional<long long> N, record_interval, max_steps;
  std::vector<std::string> sets;
  // the reduction (at most one; none: every recorded sample)
  std::optional<long long> tail;
  bool final = false;
  std::optional<std::string> extrema, poincare;
  long long max_points = 50;
  int threads = 0;
  bool quiet = false;
};

// Ctrl+C stops the sweep; the runs that finished are still reduced and written.

// "x=0.5" (upward, as the reference's default), "x=0.5:down", "x=0:both".
PoincareSection parse_section(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(
        fmt::format("--poincare expects VAR=LEVEL or VAR=LEVEL:up|down|both, got '{}'", text));
  PoincareSection s;
  s.var = text.substr(0, eq);
  std::string level = text.substr(eq + 1);
  if (const auto colon = level.find(':'); colon != std::string::npos) {
    s.direction = parse_crossing_direction(level.substr(colon + 1));
    level = level.substr(0, colon);
  }
  s.level = parse_number("--poincare " + s.var, level);
  return s;
}

BifurcationResult reduce(const BifurcationExtractor& bif, const BifurcationArgs& a,
                         const std::optional<PoincareSection>& section) {
  const size_t max_points = static_cast<size_t>(a.max_points);
  if (a.tail) return bif.tail(static_cast<size_t>(*a.tail));
  if (a.final) return bif.final();
  if (a.extrema)
    return bif.extrema({.kind = parse_extrema_kind(*a.extrema), .max_points = max_points});
  if (section) {
    PoincareSection s = *section;
    s.max_points = max_points;
    return bif.poincare(s);
  }
  return bif.all();
}

int bifurcation(const BifurcationArgs& a) {
  Sim base = setup(a.uri, build_options(a.build));
  if (a.preset) base.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, base.model().dtype());
    base.assign(name, value);
  }
  const Grid grid = parse_grid(a.grid);
  // Checked before any work: the mode's names and numbers.
  std::optional<PoincareSection> section;
  if (a.poincare) section = parse_section(*a.poincare);
  if (a.extrema) parse_extrema_kind(*a.extrema);
  std::vector<std::string> record_vars = {a.var};
  if (section && section->var != a.var) record_vars.push_back(section->var);

  ProgressBar bar(!a.quiet);
  BatchOptions o{.T = a.T,
                 .N = a.N,
                 .dt = a.dt,
                 .t0 = a.t0,
                 .record_interval = a.record_interval,
                 .transient = a.transient,
                 .max_steps = a.max_steps,
                 .atol = a.atol,
                 .rtol = a.rtol,
                 .threads = a.threads,
                 .progress =
                     [&bar](size_t done, size_t n) {
                       bar.update(static_cast<double>(done) / static_cast<double>(n));
                     },
                 .stop = InterruptScope::stop_flag()};

  OutputFile out(a.out);
  SweepResult s;
  try {
    InterruptScope interrupt;
    s = traj_sweep(base, grid.name, grid.values, record_vars, o);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  out.honour_interrupts();

  // Only runs that finished make points: a run cut short by Ctrl+C or a failure describes no
  // attractor. (EarlyExit is --max-steps: the run did what it was asked.)
  const TrajectoryPayload& p = *s.trajectories;
  std::vector<RunSamples> runs;
  size_t failed = 0, first = s.size();
  int code = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.status[i] == Status::Done || s.status[i] == Status::EarlyExit) {
      runs.push_back({s.values[i], p.run_t(i), p.run_data(i), p.counts[i]});
      continue;
    }
    ++failed;
    if (first == s.size()) first = i;
    if (s.status[i] == Status::UserBreak)
      code = 130;
    else if (code == 0)
      code = 3;
  }
  const BifurcationExtractor bif(s.param_name, s.values, p.record_vars, runs, a.var,
                                 s.model_kind == "map");
  const BifurcationResult d = reduce(bif, a, section);

  const DType dtype = base.model().dtype();
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "{},{}\n", grid.name, a.var);
  for (size_t j = 0; j < d.size(); ++j) {
    fmt::format_to(std::back_inserter(buf), "{},{}\n", format_number(dtype, d.p[j]),
                   format_number(dtype, d.y[j]));
    if (buf.size() > (1 << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
  out.commit();

  if (failed > 0)
    fmt::print(stderr,
               "dynlib: warning: {} of {} runs did not finish and are left out; the first ({}={}): "
               "{}\n",
               failed, s.size(), grid.name, s.values[first], s.message[first]);
  if (a.out && !a.quiet)
    fmt::print("wrote {} point{} ({} runs, {}, {} thread{}) to {}\n", d.size(),
               d.size() == 1 ? "" : "s", runs.size(), d.mode, s.threads, s.threads == 1 ? "" : "s",
               *a.out);
  return code;
}

}  // namespace

void add_bifurcation_commands(CLI::App& app) {
  auto a = std::make_shared<BifurcationArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bifurcation",
      "Sweep one param on all cores and write the points of a bifurcation diagram as CSV");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--param", a->grid, "NAME=A:B:K (K points from A to B) or NAME=V1,V2,...")
      ->required();
  cmd->add_option("--var", a->var, "The variable on the diagram's y axis (a state or aux)")
      ->required();
  auto* tail =
      cmd->add_option("--tail", a->tail, "Each run's last N samples")->check(CLI::PositiveNumber);
  auto* final = cmd->add_flag("--final", a->final, "Each run's last sample");
  auto* extrema = cmd->add_option("--extrema", a->extrema,
                                  "Local extrema: max, min or both (flows: parabola vertices)");
  auto* poincare =
      cmd->add_option("--poincare", a->poincare,
                      "Crossings of VAR=LEVEL[:up|down|both] (default up; flows: interpolated)");
  tail->excludes(final, extrema, poincare);
  final->excludes(extrema, poincare);
  extrema->excludes(poincare);
  cmd->add_option("--max-points", a->max_points,
                  "--extrema/--poincare: keep each run's last K points (default 50)")
      ->check(CLI::PositiveNumber);
  auto* T = cmd->add_option("-T,--T", a->T, "End time");
  auto* N = cmd->add_option("-N,--N", a->N, "Number of steps (maps: iterations)");
  T->excludes(N);
  cmd->add_option("--dt", a->dt, "Step (initial step for adaptive steppers)");
  cmd->add_option("--t0", a->t0, "Start time");
  cmd->add_option("--transient", a->transient,
                  "Warm up each run for X (time; maps: iterations) before recording");
  cmd->add_option("--record-interval", a->record_interval, "Record every K-th step")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-steps", a->max_steps, "Stop each run after K steps")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--stepper", a->build.stepper,
                  "Stepper name or alias (see: dynlib steppers list)");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--set", a->sets,
                  "NAME=VALUE for every run (a state's initial value or a param); repeatable");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--atol", a->atol, "Absolute tolerance (adaptive steppers)");
  cmd->add_option("--rtol", a->rtol, "Relative tolerance (adaptive steppers)");
  cmd->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", a->out, "Write the CSV to FILE (default: standard output)");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return bifurcation(*a); }); });
}

}  // namespace dynlib::cli

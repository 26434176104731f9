// dynlib lyapunov URI [--spectrum K] [--param NAME=A:B:K]: Lyapunov exponents of one run (with
// the running estimate as CSV), or of a sweep over one param on all cores (one CSV row per value).

#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/grid.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "cli/progress_bar.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/lyapunov.hpp"

namespace dynlib::cli {
namespace {

struct LyapunovArgs {
  std::string uri;
  std::optional<int> spectrum;      // --spectrum K; else the largest exponent only
  std::optional<std::string> grid;  // --param NAME=A:B:K | NAME=v1,v2,...
  BuildFlags build;
  std::optional<std::string> preset, out, mode;
  std::optional<double> T, dt, t0, transient, atol, rtol;
  ImplicitFlags implicit;
  std::optional<long long> N, max_steps, trace_interval, renorm_every;
  std::vector<std::string> sets;
  int threads = 0;
  bool quiet = false;
};

// Ctrl+C (InterruptScope): a single run stops and keeps its estimate; a sweep keeps the finished
// runs.

std::vector<std::string> exponent_names(const LyapunovArgs& a) {
  if (!a.spectrum) return {"mle"};
  std::vector<std::string> names;
  for (int j = 0; j < *a.spectrum; ++j) names.push_back(fmt::format("lyap{}", j));
  return names;
}

int status_code(Status s) {
  return s == Status::UserBreak ? 130 : (s == Status::Done ? 0 : 3);
}

// One run: prints the exponents; --out writes the running estimate (t, step, exponents).
int single_run(Sim& sim, const LyapunovArgs& a) {
  RunOptions o{.T = a.T,
               .N = a.N,
               .dt = a.dt,
               .t0 = a.t0,
               .record = false,
               .transient = a.transient,
               .max_steps = a.max_steps,
               .atol = a.atol,
               .rtol = a.rtol};
  a.implicit.apply(o);
  const long long every = a.trace_interval.value_or(a.out ? 1 : 0);
  const std::string mode = a.mode.value_or("auto");
  ObserverSpec spec = a.spectrum ? lyapunov_spectrum_observer(*a.spectrum, every, mode)
                                 : lyapunov_mle_observer(every, mode);
  spec.renorm_every = a.renorm_every.value_or(1);
  o.observers = {spec};
  OutputFile out(a.out);
  ProgressBar bar(!a.quiet);
  sim.set_progress([&](double fraction, long long) { bar.update(fraction); }, 0.1);
  const Results* res = nullptr;
  {
    InterruptScope interrupt(&sim);
    try {
      res = &sim.run(o);
    } catch (...) {
      bar.finish();
      throw;
    }
  }
  bar.finish();
  out.honour_interrupts();
  const ObserverResult& ly = res->observer(spec.name);
  const DType dtype = DType::Float64;
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "t,step");
  for (const auto& n : ly.trace_names) fmt::format_to(std::back_inserter(buf), ",{}", n);
  fmt::format_to(std::back_inserter(buf), "\n");
  for (size_t r = 0; r < ly.trace_rows && a.out; ++r) {
    fmt::format_to(std::back_inserter(buf), "{},{}", format_number(dtype, ly.trace_time[r]),
                   ly.trace_steps[r]);
    for (size_t j = 0; j < ly.trace_names.size(); ++j)
      fmt::format_to(std::back_inserter(buf), ",{}",
                     format_number(dtype, ly.trace[r * ly.trace_names.size() + j]));
    fmt::format_to(std::back_inserter(buf), "\n");
  }
  if (a.out) out.write(buf);
  out.commit();

  if (!a.quiet || !a.out) {
    for (const auto& n : exponent_names(a))
      fmt::print("{} = {}\n", n, format_number(dtype, ly.output(n)));
    if (a.spectrum) fmt::print("sum = {}\n", format_number(dtype, ly.output("sum")));
    fmt::print("# {} over {} ({} steps, {} renormalisations), stepper {}\n",
               ly.meta.at("mode") == "map" ? "per iteration" : "per unit time",
               format_number(dtype, ly.output("denom")), static_cast<long long>(ly.output("steps")),
               static_cast<long long>(ly.output("renormalisations")), ly.meta.at("stepper"));
  }
  if (!res->ok()) fmt::print(stderr, "dynlib: warning: {}\n", res->message());
  if (a.out && !a.quiet) fmt::print("wrote {} trace rows to {}\n", ly.trace_rows, *a.out);
  return status_code(res->status());
}

// A sweep: one CSV row per value (NAME, exponents..., [sum], steps).
int sweep(Sim& base, const LyapunovArgs& a) {
  const Grid grid = parse_grid(*a.grid);
  ProgressBar bar(!a.quiet);
  BatchOptions o{.T = a.T,
                 .N = a.N,
                 .dt = a.dt,
                 .t0 = a.t0,
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
  a.implicit.apply(o);
  const LyapunovSweepOptions ly{.record_interval = 0,
                                .renorm_every = a.renorm_every.value_or(1),
                                .mode = a.mode.value_or("auto")};
  OutputFile out(a.out);
  SweepResult s;
  {
    InterruptScope interrupt;
    try {
      s = a.spectrum ? lyapunov_spectrum_sweep(base, grid.name, grid.values, *a.spectrum, o, ly)
                     : lyapunov_mle_sweep(base, grid.name, grid.values, o, ly);
    } catch (...) {
      bar.finish();
      throw;
    }
  }
  bar.finish();
  out.honour_interrupts();
  std::vector<std::string> columns = exponent_names(a);
  if (a.spectrum) columns.push_back("sum");
  columns.push_back("steps");
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "{},{}\n", grid.name, fmt::join(columns, ","));
  const DType dtype = DType::Float64;
  size_t failed = 0, first = s.size();
  int code = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    fmt::format_to(std::back_inserter(buf), "{}", format_number(dtype, s.values[i]));
    for (const auto& c : columns)
      fmt::format_to(std::back_inserter(buf), ",{}", format_number(dtype, s.output(c).data[i]));
    fmt::format_to(std::back_inserter(buf), "\n");
    if (s.status[i] != Status::Done) {
      ++failed;
      if (first == s.size()) first = i;
      code = std::max(code, status_code(s.status[i]));
    }
  }
  out.write(buf);
  out.commit();
  if (failed > 0)
    fmt::print(stderr,
               "dynlib: warning: {} of {} runs did not finish (their exponents are nan); the first "
               "({}={}): {}\n",
               failed, s.size(), grid.name, s.values[first], s.message[first]);
  if (a.out && !a.quiet)
    fmt::print("wrote {} rows ({} thread{}) to {}\n", s.size(), s.threads,
               s.threads == 1 ? "" : "s", *a.out);
  return code;
}

int lyapunov(const LyapunovArgs& a) {
  Sim sim = setup(a.uri, build_options(a.build));
  if (a.preset) sim.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, sim.model().dtype());
    sim.assign(name, value);
  }
  return a.grid ? sweep(sim, a) : single_run(sim, a);
}

}  // namespace

void add_lyapunov_commands(CLI::App& app) {
  auto a = std::make_shared<LyapunovArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lyapunov",
      "Lyapunov exponents of a run (largest, or --spectrum K), or over a param sweep on all cores");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--spectrum", a->spectrum, "The K largest exponents (QR method)")
      ->check(CLI::PositiveNumber);
  cmd->add_option(
      "--param", a->grid,
      "Sweep NAME=A:B:K (K points from A to B) or NAME=V1,V2,...: one CSV row per value");
  auto* T = cmd->add_option("-T,--T", a->T, "End time");
  auto* N = cmd->add_option("-N,--N", a->N, "Number of steps (maps: iterations)");
  T->excludes(N);
  cmd->add_option("--dt", a->dt, "Step (initial step for adaptive steppers)");
  cmd->add_option("--t0", a->t0, "Start time");
  cmd->add_option("--transient", a->transient,
                  "Warm up for X (time; maps: iterations) before averaging");
  cmd->add_option("--max-steps", a->max_steps, "Stop each run after K steps")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--trace-interval", a->trace_interval,
                  "Single run: a trace row every K steps in --out (default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--renorm-every", a->renorm_every, "Renormalise the tangents every K steps")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--mode", a->mode, "flow (per unit time), map (per iteration) or auto");
  cmd->add_option("--stepper", a->build.stepper,
                  "Stepper name or alias (see: dynlib steppers list); not cvode");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--set", a->sets, "NAME=VALUE (a state's initial value or a param); repeatable");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--atol", a->atol, "Absolute tolerance (adaptive steppers)");
  cmd->add_option("--rtol", a->rtol, "Relative tolerance (adaptive steppers)");
  add_implicit_flags(*cmd, a->implicit);
  cmd->add_option("--threads", a->threads, "Sweep: worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", a->out,
                  "Write CSV to FILE: the running estimate (single run) or one row per value "
                  "(sweep; default: standard output)");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return lyapunov(*a); }); });
}

}  // namespace dynlib::cli

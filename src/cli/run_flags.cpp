// The flags of one simulation run, shared by `dynlib run` and `dynlib plot URI`.

#include "cli/run_flags.hpp"

#include <algorithm>
#include <chrono>

#include "cli/interrupt.hpp"
#include "cli/progress_bar.hpp"

namespace dynlib::cli {

void add_run_flags(CLI::App& cmd, RunFlags& f, const std::string& uri_help, bool recording) {
  cmd.add_option("uri", f.uri, uri_help)->required();
  cmd.add_option("--stepper", f.build.stepper, "Stepper name or alias (see: dynlib steppers list)");
  auto* T = cmd.add_option("-T,--T", f.T, "End time");
  auto* N = cmd.add_option("-N,--N", f.N, "Number of steps (maps: iterations)");
  T->excludes(N);
  cmd.add_option("--dt", f.dt, "Step (initial step for adaptive steppers)");
  cmd.add_option("--t0", f.t0, "Start time");
  cmd.add_option("--set", f.sets,
                 "NAME=VALUE for a state (initial value) or param; "
                 "arrays as NAME=[1,2,3]; repeatable");
  cmd.add_option("--preset", f.preset, "Apply a named preset first");
  if (recording)
    cmd.add_option("--record-vars", f.record_vars,
                   "Comma-separated states/aux to record (empty: time only)");
  cmd.add_option("--record-interval", f.record_interval, "Record every K-th step")
      ->check(CLI::PositiveNumber);
  if (recording) cmd.add_flag("--no-record", f.no_record, "Record nothing but the final state");
  cmd.add_option("--max-steps", f.max_steps, "Stop after K steps")->check(CLI::PositiveNumber);
  cmd.add_option("--transient", f.transient,
                 "Warm up for X (time; iterations for maps) before the recorded run");
  cmd.add_option("--atol", f.atol, "Absolute tolerance (adaptive steppers)");
  cmd.add_option("--rtol", f.rtol, "Relative tolerance (adaptive steppers)");
  add_implicit_flags(cmd, f.implicit);
  add_build_flags(cmd, f.build);
}

Sim setup_sim(const RunFlags& f) {
  Sim sim = setup(f.uri, build_options(f.build));
  if (f.preset) sim.apply_preset(*f.preset);
  return sim;
}

RunOptions run_options(const RunFlags& f, const ModelInfo& info) {
  RunOptions ro;
  ro.T = f.T;
  ro.N = f.N;
  ro.dt = f.dt;
  ro.t0 = f.t0;
  ro.transient = f.transient;
  ro.atol = f.atol;
  ro.rtol = f.rtol;
  f.implicit.apply(ro);
  ro.max_steps = f.max_steps;
  ro.record_interval = f.record_interval;
  if (f.no_record) ro.record = false;
  if (f.record_vars) ro.record_vars = split_list(*f.record_vars);
  for (const auto& s : f.sets) {
    auto [name, value] = parse_assignment(s, info.dtype);
    const bool is_state =
        std::find(info.state_names.begin(), info.state_names.end(), name) != info.state_names.end();
    if (is_state)
      ro.ic[name] = value;
    else
      ro.params[name] = value;  // unknown names get a did-you-mean from the run
  }
  return ro;
}

const Results& run_with_progress(Sim& sim, const RunOptions& options, bool quiet,
                                 double* wall_seconds) {
  ProgressBar bar(!quiet);
  sim.set_progress([&](double fraction, long long) { bar.update(fraction); }, 0.1);
  const auto start = std::chrono::steady_clock::now();
  struct Restore {  // also when the run throws
    Sim& sim;
    ProgressBar& bar;
    ~Restore() {
      sim.set_progress({});  // the bar dies with this scope
      bar.finish();
    }
  } restore{sim, bar};
  InterruptScope interrupt(&sim);  // Ctrl+C: the run stops and returns what it computed
  const Results& r = sim.run(options);
  if (wall_seconds)
    *wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

int run_exit_code(Status s) {
  switch (s) {
    case Status::Done:
    case Status::EarlyExit:
      return 0;
    case Status::UserBreak:
      return 130;
    default:
      return 3;
  }
}

}  // namespace dynlib::cli

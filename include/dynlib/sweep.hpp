// Parameter sweeps: one run per value of one param, on run_batch's threads, reduced to a scalar
// per value (scalar_sweep) or kept as trajectories (traj_sweep). See docs/sweeps.md.
//
//   dynlib::Sim sim = dynlib::setup("builtin://map/logistic");
//   dynlib::SweepResult s = dynlib::traj_sweep(sim, "r", r_values, {"x"},
//                                              {.N = 600, .transient = 500});
//   dynlib::BifurcationResult d = dynlib::BifurcationExtractor(s, "x").tail(50);
//
// THE SHAPE OF A SWEEP RESULT, shared by every sweep (these, and the Lyapunov sweeps that fill
// the same struct with kind "mle" / "spectrum"):
//
//   kind          what was computed: "scalar", "trajectory", "mle", "spectrum", ...
//   param_name    the swept param, as given ("r", or "w[2]" for an element of an array param)
//   values        the M sweep values, in the order given; run i used values[i]
//   outputs       ordered; each a name and a table [M, columns] (row-major): one row per sweep
//                 value. columns = 1 for a scalar per value ("y", "mle", "steps", "lyap0", ...),
//                 k for a vector per value ("spectrum", "log_r").
//   traces        ordered; each a name and M vectors of any length (one per run), e.g. the
//                 convergence trace of an exponent recorded every few steps.
//   trajectories  traj_sweep only (null otherwise): record_vars and, per run, sample times and
//                 values (TrajectoryPayload below).
//   status, message  per run, as Results::status()/message() (why a run stopped early).
//   model_kind, stepper, threads, wall_seconds  what ran, and how.
//
// Runs are exactly run_batch's trajectories (docs/ensembles.md), so every number in a result is
// bit for bit independent of the thread count.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/ensemble.hpp"

namespace dynlib {

// A per-sweep-value output: `columns` values for each of the M sweep values, row-major.
struct SweepOutput {
  std::string name;
  size_t columns = 1;
  std::vector<double> data;  // [M, columns]
};

// A per-run series of any length (one vector per sweep value).
struct SweepTrace {
  std::string name;
  std::vector<std::vector<double>> runs;  // [M][samples of run i]
};

// The recorded samples of every run of a traj_sweep, padded to the longest run as run_batch
// packs them: run i has counts[i] samples; rows past that are NaN.
struct TrajectoryPayload {
  std::vector<std::string> record_vars;  // column order, as given to traj_sweep
  size_t n_time = 0;                     // rows per run: the largest count
  std::vector<size_t> counts;            // [M]
  std::vector<double> t;                 // [M, n_time]
  std::vector<double> data;              // [M, n_time, n_var]

  size_t n_runs() const { return counts.size(); }
  size_t n_var() const { return record_vars.size(); }
  double at(size_t run, size_t k, size_t v) const { return data[(run * n_time + k) * n_var() + v]; }
  const double* run_t(size_t run) const { return t.data() + run * n_time; }
  const double* run_data(size_t run) const { return data.data() + run * n_time * n_var(); }
  // Column of a recorded variable; DynlibError with a did-you-mean for others.
  size_t var_index(const std::string& name) const;
  // True when every run has the same number of samples, so `data` is a [M, n_time, n_var] stack.
  bool stackable() const;
};

struct SweepResult {
  std::string kind;
  std::string param_name;
  std::vector<double> values;
  std::vector<SweepOutput> outputs;
  std::vector<SweepTrace> traces;
  std::shared_ptr<const TrajectoryPayload> trajectories;  // traj_sweep; null otherwise

  std::vector<Status> status;        // [M]
  std::vector<std::string> message;  // [M]
  std::string model_kind;            // "ode" | "map"
  std::string stepper;
  int threads = 0;
  double wall_seconds = 0.0;

  size_t size() const { return values.size(); }
  // The output named `name`; DynlibError with a did-you-mean among the outputs otherwise.
  const SweepOutput& output(const std::string& name) const;
  const SweepTrace& trace(const std::string& name) const;
  // Appends an output, checking that `data` has columns values per sweep value.
  void add_output(std::string name, std::vector<double> data, size_t columns = 1);
  bool all_ok() const;  // every run ended with Status::Done
};

// How scalar_sweep reduces a run's recorded samples of `var` to one number.
enum class ScalarMode {
  Final,  // the last recorded sample
  Mean,   // the mean of the recorded samples (summed in time order)
  Max,
  Min,
};
const char* scalar_mode_name(ScalarMode mode);  // "final", "mean", "max", "min"
// Parses those names; DynlibError with a did-you-mean otherwise.
ScalarMode parse_scalar_mode(const std::string& text);

// `options` carries the shared run options (T, N, dt, t0, transient, record_interval, max_steps,
// tolerances, ...), and threads, progress and stop, exactly as for run_batch; its per-trajectory
// inputs, record_vars, record and final_only must be left empty (the sweep sets them).
// The Sim overloads start every run from sim's current state and params (run_batch(const Sim&));
// the FullModel ones from the model's defaults.
//
// Errors (DynlibError, before any run): an unknown param (with a did-you-mean) or a whole array
// param, no values, an unknown variable, bad options (every run records at least its first
// sample: a transient is a warm-up before it). A run that failed
// (NaN, step failure, Ctrl+C) gets NaN in scalar outputs and keeps what it recorded.
//
// kind "scalar": outputs {"y"}: one value per sweep value.
SweepResult scalar_sweep(const Sim& sim, const std::string& param,
                         const std::vector<double>& values, const std::string& var,
                         ScalarMode mode = ScalarMode::Final, const BatchOptions& options = {});
SweepResult scalar_sweep(const FullModel& model, const std::string& param,
                         const std::vector<double>& values, const std::string& var,
                         ScalarMode mode = ScalarMode::Final, const BatchOptions& options = {});
// kind "trajectory": no outputs; trajectories holds every run's samples of record_vars.
SweepResult traj_sweep(const Sim& sim, const std::string& param, const std::vector<double>& values,
                       const std::vector<std::string>& record_vars,
                       const BatchOptions& options = {});
SweepResult traj_sweep(const FullModel& model, const std::string& param,
                       const std::vector<double>& values,
                       const std::vector<std::string>& record_vars,
                       const BatchOptions& options = {});

// The checked name of a sweepable param ("r", or "w[2]": an element of an array param), for
// every sweep (the Lyapunov sweeps too): DynlibError "<context>: unknown param ..." with a
// did-you-mean, or for a whole array param.
std::string sweep_param_name(const Layout& layout, const std::string& param,
                             const std::string& context);

}  // namespace dynlib

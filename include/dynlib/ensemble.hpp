// Thread-parallel ensembles and parameter sweeps: n independent runs of one model, each with its
// own params and/or initial state, on k threads, packed into arrays shaped [n, time, var].
//
//   dynlib::FullModel m = dynlib::build("builtin://map/logistic");
//   std::vector<double> r = ...;                       // n values
//   dynlib::BatchResults b = dynlib::run_batch(m, {.params = {{"r", r}}, .N = 1000,
//                                                  .record_vars = {{"x"}}, .transient = 500});
//   double x = b.at(i, k, 0);                          // trajectory i, sample k, variable 0
//
// Trajectory i is exactly the run a fresh Sim over the same model would make with the same
// options and row i of the inputs, so the results are bit for bit independent of the thread count
// and of how trajectories were scheduled. See docs/ensembles.md.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/layout.hpp"

namespace dynlib {

struct BatchOptions {
  // ---- per-trajectory inputs: every input given has n rows, and all must agree on n ----
  // Params as a row-major table [n, p]: column j sets the param named param_names[j]. An element
  // of an array param is named "w[k]".
  std::vector<std::string> param_names{};
  std::vector<double> param_values{};
  // Params by name, n values each (may be combined with the table; a name may not be in both).
  std::map<std::string, std::vector<double>> params{};
  // Initial states as a row-major table [n, s]: columns ic_names, or, when ic_names is empty,
  // every state in model order.
  std::vector<std::string> ic_names{};
  std::vector<double> ic_values{};
  // Initial states by name, n values each.
  std::map<std::string, std::vector<double>> ic{};

  // ---- shared by every trajectory; the meaning of RunOptions (docs/simulation.md) ----
  std::optional<double> T{};
  std::optional<long long> N{};
  std::optional<double> dt{};
  std::optional<double> t0{};
  std::optional<bool> record{};
  std::optional<long long> record_interval{};
  std::optional<std::vector<std::string>> record_vars{};
  std::optional<double> transient{};
  std::optional<long long> max_steps{};
  std::optional<double> atol{}, rtol{}, dt_min{}, dt_max{}, safety{}, min_factor{}, max_factor{};
  std::optional<long long> max_rejects{};
  std::optional<std::string> controller{};
  std::optional<double> newton_tol{}, jac_eps{};
  std::optional<long long> newton_max_iter{}, max_order{};
  std::optional<std::string> jacobian_mode{};
  std::optional<std::string> linear_solver{};
  // Lyapunov observers run with every trajectory (observers.hpp); callbacks are not allowed here
  // (they would be called from the worker threads). Results in BatchResults::observers.
  std::vector<ObserverSpec> observers{};

  // ---- execution ----
  int threads = 0;          // worker threads; 0: std::thread::hardware_concurrency()
  bool final_only = false;  // record nothing: final states, times, statuses and steps only
  // Called after each finished trajectory with (trajectories done, n), from worker threads but
  // never concurrently. An exception it throws aborts the batch and propagates from run_batch.
  std::function<void(size_t done, size_t n)> progress{};
  // Setting *stop (from any thread or a signal handler) stops the batch: running trajectories end
  // as Status::UserBreak with what they computed, unstarted ones are reported as not run.
  const std::atomic<bool>* stop = nullptr;
};

// Recorded values are widened to double (exact for float32; int64 exact up to 2^53). Trajectories
// may record different numbers of samples (adaptive steppers, NaN, max_steps, stop): arrays have
// room for the longest, counts[i] says how many samples trajectory i has, and the rest of its
// rows are NaN.
struct BatchResults {
  size_t n = 0;                    // trajectories
  size_t n_time = 0;               // samples per trajectory in the arrays: the largest count
  size_t n_var = 0;                // recorded variables
  std::vector<std::string> names;  // recorded variables in column order, as Results::names()
  std::vector<double> data;        // [n, n_time, n_var] row-major; NaN past counts[i]
  std::vector<double> t;           // [n, n_time] sample times; NaN past counts[i]
  std::vector<size_t> counts;      // [n] samples recorded by each trajectory
  // [n_time]: the common sample times when the times of every trajectory are a prefix of it
  // (fixed-step steppers and maps); empty when they differ (adaptive steppers) or n_time == 0.
  std::vector<double> time;

  std::vector<std::string> state_names;       // columns of final_state: every state, model order
  std::vector<double> final_state;            // [n, s]; NaN for trajectories that never started
  std::vector<double> final_time;             // [n]; NaN for trajectories that never started
  std::vector<long long> steps;               // [n]
  std::vector<Status> status;                 // [n]
  std::vector<std::string> message;           // [n] as Results::message()
  std::vector<std::vector<EventLog>> events;  // [n][event]; empty with final_only
  // [n]: what each trajectory's observers computed (BatchOptions::observers); empty without.
  std::vector<std::map<std::string, ObserverResult>> observers;

  Layout layout;              // the model's names (what var_index() resolves against)
  int threads = 0;            // worker threads used
  double wall_seconds = 0.0;  // of the whole batch

  double at(size_t i, size_t k, size_t v) const { return data[(i * n_time + k) * n_var + v]; }
  // Column of a recorded variable ("x", "aux.energy" or a bare aux name); throws DynlibError
  // with a did-you-mean for other names.
  size_t var_index(const std::string& name) const;
  bool all_ok() const;  // every trajectory ended with Status::Done
};

// Runs every trajectory from the model's defaults, overridden by row i of the inputs.
// Bad input (shapes, unknown or repeated names, bad options) throws DynlibError before any work
// starts; an exception in a worker stops the batch and the first one (lowest trajectory index)
// is rethrown after every thread has joined.
BatchResults run_batch(const FullModel& model, const BatchOptions& options);
// The same over base.model(), starting from base's current state (Sim::state()) and params
// instead of the model's defaults. base is only read; its config() defaults do not apply.
BatchResults run_batch(const Sim& base, const BatchOptions& options);

}  // namespace dynlib

// Lyapunov sweeps: the largest exponent (lyapunov_mle_sweep) or the k largest
// (lyapunov_spectrum_sweep) at each value of one param, one observed run per value on
// run_batch's threads (observers.hpp, docs/lyapunov.md).
//
//   dynlib::Sim sim = dynlib::setup("builtin://map/logistic");
//   dynlib::SweepResult s = dynlib::lyapunov_mle_sweep(sim, "r", r_values,
//                                                      {.N = 100000, .transient = 1000});
//   const std::vector<double>& mle = s.output("mle").data;     // one per r
//
// Results (sweep.hpp's SweepResult):
//   kind "mle":      outputs mle, log_growth, steps; trace "mle" per run (record_interval > 0)
//   kind "spectrum": outputs spectrum [M, k], log_r [M, k], steps, lyap0..lyap{k-1}, sum;
//                    traces lyap0.. per run (record_interval > 0)
// A run that failed (NaN, step failure, Ctrl+C) gets NaN outputs and says why in message[i].
#pragma once

#include <string>
#include <vector>

#include "dynlib/ensemble.hpp"
#include "dynlib/observers.hpp"
#include "dynlib/sweep.hpp"

namespace dynlib {

struct LyapunovSweepOptions {
  long long record_interval = 0;  // a trace row every this many steps (0: no traces)
  long long renorm_every = 1;
  std::string mode = "auto";         // "flow" | "map" | "auto"
  std::vector<double> init_basis{};  // spectrum: k vectors of n values
};

// `options` as for scalar_sweep (sweep.hpp): the shared run options, threads, progress, stop;
// per-trajectory inputs, record_vars, record, final_only and observers must be left empty.
// The Sim overloads start every run from sim's current state and params.
SweepResult lyapunov_mle_sweep(const Sim& sim, const std::string& param,
                               const std::vector<double>& values, const BatchOptions& options = {},
                               const LyapunovSweepOptions& lyapunov = {});
SweepResult lyapunov_mle_sweep(const FullModel& model, const std::string& param,
                               const std::vector<double>& values, const BatchOptions& options = {},
                               const LyapunovSweepOptions& lyapunov = {});
SweepResult lyapunov_spectrum_sweep(const Sim& sim, const std::string& param,
                                    const std::vector<double>& values, int k,
                                    const BatchOptions& options = {},
                                    const LyapunovSweepOptions& lyapunov = {});
SweepResult lyapunov_spectrum_sweep(const FullModel& model, const std::string& param,
                                    const std::vector<double>& values, int k,
                                    const BatchOptions& options = {},
                                    const LyapunovSweepOptions& lyapunov = {});

}  // namespace dynlib

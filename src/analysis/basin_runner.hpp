// What basin_known and basin_auto share: how a trajectory is run and sampled (in chunks through
// the public Sim API: a fresh run, then resumed runs, so the samples are exactly those of one long
// run, whatever the chunk sizes), the worker Sims, and the thread pool that hands out initial
// conditions in index order.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/basins.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib::analysis_detail {

// How every trajectory of an analysis is sampled: one sample per step of dt (ODEs need a
// fixed-step stepper), at most max_samples samples after the initial state.
struct BasinSampling {
  bool is_map = false;
  double dt = 1.0;
  double t0 = 0.0;
  long long max_samples = 1;
};

// Checks mode ("auto", or the model's kind), dt_obs (> 0; default the model's [sim] dt; maps
// default 1) and, for ODEs, that the stepper has a fixed step. DynlibError "<context>: ..." else.
BasinSampling basin_sampling(const Sim& sim, const std::string& mode,
                             const std::optional<double>& dt_obs, long long max_samples,
                             const std::string& context);

// A Sim over sim's model with sim's current params, then `overrides` (names of params).
Sim basin_worker_sim(const Sim& base, const std::map<std::string, double>& overrides = {});

// State indices of `names` (DynlibError with a did-you-mean, or for a name given twice).
std::vector<int> basin_state_indices(const FullModel& model, const std::vector<std::string>& names,
                                     const std::string& context);

// The `params` option of basin_known / basin_auto (one flat parameter vector per initial
// condition, or one for all): its number of rows, 0 when empty, 1 or n. DynlibError naming the
// expected shape otherwise.
size_t basin_param_rows(const FullModel& model, const std::vector<double>& params, size_t n,
                        const std::string& context);

// Worker threads for n items: `requested`, or the hardware's count, at most n, at least 1.
int basin_threads(int requested, size_t n);

// Calls body(worker, i) for every i in [0, n) on `threads` threads, claiming indices in order;
// after each item calls progress(done + progress_offset, progress_total) under a lock (when set).
// The first exception (lowest index) is rethrown after every thread has joined; later items are
// skipped once one has thrown.
void basin_parallel(size_t n, int threads, const std::function<void(int, size_t)>& body,
                    const BasinProgressFn& progress, size_t progress_offset, size_t progress_total);

enum class TrajectoryEnd { Classified, Exhausted, NonFinite, Failed, Stopped };
struct TrajectoryRun {
  TrajectoryEnd end = TrajectoryEnd::Exhausted;
  long long samples = 0;  // samples seen (the step of the last one)
};

// One worker's runner: a Sim and its buffers.
class BasinTrajectory {
 public:
  BasinTrajectory(Sim sim, const BasinSampling& sampling);

  // Runs from the full state y0 (with the flat parameter vector `params`, when given: every
  // param, Layout::param_value_labels order; else the worker Sim's params) and calls visit(k, y)
  // for samples k = 1, 2, ... (y: every state, as double) until visit returns true (Classified),
  // max_samples were seen (Exhausted), a state is not finite (NonFinite: visit is not called for
  // it), the run fails (Failed), or *stop is set between chunks (Stopped).
  template <class Visit>
  TrajectoryRun run(const double* y0, Visit&& visit, const std::atomic<bool>* stop,
                    const double* params = nullptr) {
    RunOptions fresh = base_;
    for (size_t j = 0; j < names_.size(); ++j) fresh.ic[names_[j]] = y0[j];
    if (params) set_params(fresh, params);
    long long seen = 0;
    size_t rows_seen = 0;
    // The first chunk is as long as the last trajectory took (neighbouring initial conditions
    // take similar times): fewer run() calls, few wasted steps. Chunk sizes never change samples.
    long long chunk = first_chunk_;
    bool first = true;
    const auto done = [&](TrajectoryEnd end, long long samples) {
      first_chunk_ = std::clamp<long long>(
          std::bit_ceil(static_cast<unsigned long long>(std::max<long long>(samples, 1))), 32,
          1024);
      return TrajectoryRun{end, samples};
    };
    while (seen < s_.max_samples) {
      if (stop && stop->load(std::memory_order_relaxed)) return done(TrajectoryEnd::Stopped, seen);
      RunOptions o = first ? fresh : resume_;
      o.N = seen + std::min(chunk, s_.max_samples - seen);  // N counts from the fresh start
      const Results& res = sim_.run(o);
      first = false;
      const size_t rows = res.size();
      const std::vector<long long>& steps = res.step();
      for (size_t r = rows_seen; r < rows; ++r) {
        if (steps[r] == 0) continue;  // the initial state
        read_row(res, r);
        seen = steps[r];
        for (double v : row_)
          if (!std::isfinite(v)) return done(TrajectoryEnd::NonFinite, seen);
        if (visit(seen, static_cast<const double*>(row_.data())))
          return done(TrajectoryEnd::Classified, seen);
      }
      rows_seen = rows;
      if (res.status() == Status::NanDetected) return done(TrajectoryEnd::NonFinite, res.steps());
      if (res.status() != Status::Done) return done(TrajectoryEnd::Failed, res.steps());
      seen = res.steps();
      chunk = std::min<long long>(chunk * 2, 1024);
    }
    return done(TrajectoryEnd::Exhausted, seen);
  }

 private:
  void read_row(const Results& res, size_t r);
  void set_params(RunOptions& o, const double* params) const;

  Sim sim_;
  BasinSampling s_;
  std::vector<std::string> names_;
  DType dtype_;
  RunOptions base_, resume_;
  std::vector<double> row_;
  long long first_chunk_ = 32;
};

}  // namespace dynlib::analysis_detail

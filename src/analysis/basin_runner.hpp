// What basin_known and basin_auto share: how a trajectory is run and sampled (one run through the
// public Sim API, watched by a block observer, so nothing is recorded and the run ends within a
// block of the step that classifies it), the worker Sims, and the thread pool that hands out
// initial conditions in index order.
#pragma once

#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
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

// Per-worker state (a runner, a classifier), built on the worker's own thread the first time it
// is asked for: each thread then allocates from its own malloc arena, so what two workers write on
// every sample never shares a cache line. Built on the calling thread, the two workers' small
// buffers sat side by side and the basin benchmark ran 1.7x slower (docs/PERFORMANCE.md).
template <class T>
class PerWorker {
 public:
  PerWorker(int workers, std::function<std::unique_ptr<T>()> make)
      : items_(static_cast<size_t>(workers)), make_(std::move(make)) {}
  T& operator[](int w) {
    std::unique_ptr<T>& item = items_[static_cast<size_t>(w)];
    if (!item) item = make_();
    return *item;
  }

 private:
  std::vector<std::unique_ptr<T>> items_;
  std::function<std::unique_ptr<T>()> make_;
};

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
  // param, Layout::param_value_labels order; else the worker Sim's params) and hands the samples
  // to visit(first, y, rows) a block at a time: `rows` samples of every state (as double,
  // row-major), row r being step first + r; the initial state (step 0) is among them, and is not
  // a sample. visit returns the index of the row that classified the trajectory, or `rows`. The
  // run ends when a row classified it (Classified), max_samples were seen (Exhausted), a state is
  // not finite (NonFinite: visit is not handed that row or any after it), the run fails
  // (Failed), or *stop is set (Stopped: checked after every block).
  template <class Visit>
  TrajectoryRun run(const double* y0, Visit&& visit, const std::atomic<bool>* stop,
                    const double* params = nullptr) {
    if (stop && stop->load(std::memory_order_relaxed)) return {TrajectoryEnd::Stopped, 0};
    RunOptions o = base_;
    for (size_t j = 0; j < names_.size(); ++j) o.ic[names_[j]] = y0[j];
    if (params) set_params(o, params);
    TrajectoryRun out;
    bool ended = false;
    if (observed_) {
      // The samples are watched inside the one run, a block of steps at a time, so a trajectory
      // costs one run() and no recording, and stops within a block of the step that classifies
      // it (the samples after that step are not looked at: labels and counts are those of a
      // step-by-step check).
      o.observers.push_back(block_observer(
          "basin",
          [&](const ObserverBlock& b) {
            ended = visit_rows(b.first_step, b.rows, b.y, visit, out);
            if (!ended && stop && stop->load(std::memory_order_relaxed)) {
              out.end = TrajectoryEnd::Stopped;
              ended = true;
            }
            return ended;
          },
          kBlockRows));
      const Results& res = sim_.run(o);
      if (ended) return out;
      return unclassified(res);
    }
    // Integer models cannot be observed: the whole run is recorded, then read.
    const Results& res = sim_.run(o);
    const long long* data = res.raw_data<long long>();  // every state, steps 0, 1, ...
    const std::vector<double> rows(data, data + res.size() * res.width());
    if (!rows.empty() && visit_rows(0, res.size(), rows.data(), visit, out)) return out;
    return unclassified(res);
  }

 private:
  static constexpr long long kBlockRows = 128;

  // Hands `rows` samples (row r is step first + r) to visit up to the first non-finite one; true
  // once the trajectory has ended, and `out` says how.
  template <class Visit>
  bool visit_rows(long long first, size_t rows, const double* y, Visit& visit,
                  TrajectoryRun& out) const {
    const size_t n = names_.size();
    // The kernel commits finite states only (a step to a non-finite one ends the run instead), so
    // only an event's action or the initial state can leave one in the rows.
    bool all_finite = true;
    if (events_)
      for (size_t i = 0; i < rows * n; ++i) all_finite &= std::isfinite(y[i]);
    else if (first == 0)
      for (size_t j = 0; j < n; ++j) all_finite &= std::isfinite(y[j]);
    size_t finite = all_finite ? rows : 0;  // rows before the first non-finite value
    while (finite < rows) {
      bool ok = true;
      for (size_t j = 0; j < n; ++j) ok &= std::isfinite(y[finite * n + j]);
      if (!ok) break;
      ++finite;
    }
    const size_t r = finite > 0 ? visit(first, y, finite) : 0;
    if (r < finite) {
      out = {TrajectoryEnd::Classified, first + static_cast<long long>(r)};
      return true;
    }
    if (finite < rows) {
      out = {TrajectoryEnd::NonFinite, first + static_cast<long long>(finite)};
      return true;
    }
    out.samples = first + static_cast<long long>(rows) - 1;
    return false;
  }
  // A run that ended without a classification: how it ended.
  static TrajectoryRun unclassified(const Results& res) {
    if (res.status() == Status::NanDetected) return {TrajectoryEnd::NonFinite, res.steps()};
    if (res.status() != Status::Done) return {TrajectoryEnd::Failed, res.steps()};
    return {TrajectoryEnd::Exhausted, res.steps()};
  }
  void set_params(RunOptions& o, const double* params) const;

  Sim sim_;
  BasinSampling s_;
  std::vector<std::string> names_;
  bool observed_ = true;  // float models: watched by a block observer; int64: recorded
  bool events_ = false;   // the model has events
  RunOptions base_;
};

}  // namespace dynlib::analysis_detail

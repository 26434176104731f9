// Statistics of recorded trajectories: extrema and where they occur, moments, quantiles,
// threshold crossings and time spent above or below a level, for one recorded variable of a run
// (TrajectoryAnalyzer) or several at once (MultiVarAnalyzer).
//
//   const dynlib::Results& res = sim.run({.T = 20.0});
//   dynlib::TrajectoryAnalyzer x(res, "x");
//   double peak = x.max();
//   dynlib::TimedValue first_peak = x.argmax();               // {t, value}
//   std::vector<double> ups = x.zero_crossings(dynlib::CrossingDirection::Up);
//   double above = x.time_above(0.5);
//
// The definitions follow the reference Python dynlib (numpy's conventions): std and variance are
// population moments (ddof = 0), percentile is numpy's default "linear" method, crossing times
// are linearly interpolated between samples, and time_above integrates the indicator
// `value >= threshold` over the piecewise-linear interpolant of the samples. See
// docs/trajectory-stats.md, which also says what NaN samples do.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/crossing.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib {

// Which crossings of a threshold count: from below to at-or-above (Up), from at-or-above to below
// (Down), or both (Any).

// A sample: its time and the variable's value there.
struct TimedValue {
  double t = 0.0;
  double value = 0.0;
};

// The reference's summary(): these eight statistics, in this order (summary_keys()).
struct TrajectorySummary {
  double min = 0.0, max = 0.0, mean = 0.0, std = 0.0, median = 0.0, range = 0.0, initial = 0.0,
         final = 0.0;
  // {key, value} in the order of summary_keys().
  std::vector<std::pair<std::string, double>> entries() const;
};
const std::vector<std::string>& summary_keys();  // min max mean std median range initial final

// One variable's trajectory. Holds copies of the sample times and values (any dtype, as double),
// so it outlives the Results it was made from. Every method is const and thread-safe.
//
// Statistics of the values (max ... final, summary) throw DynlibError when there are no samples;
// crossing_times is then empty and time_above / time_below are 0.
class TrajectoryAnalyzer {
 public:
  // The recorded column `name` ("x", "aux.energy" or a bare aux name) of `results`. Throws
  // DynlibError with a did-you-mean for an unknown or unrecorded name.
  TrajectoryAnalyzer(const Results& results, const std::string& name);
  // Samples from elsewhere (e.g. a Python array): t and values must have the same length.
  TrajectoryAnalyzer(std::string name, std::vector<double> t, std::vector<double> values);

  const std::string& name() const { return name_; }
  const std::vector<double>& t() const { return t_; }
  const std::vector<double>& values() const { return values_; }
  size_t size() const { return values_.size(); }

  // ---- statistics of the values ----
  double max() const;
  double min() const;
  double mean() const;
  double std() const;       // population standard deviation, sqrt(variance())
  double variance() const;  // mean of squared deviations from the mean (ddof = 0)
  double median() const;
  double percentile(double q) const;  // q in [0, 100], else DynlibError
  double range() const;               // max() - min()

  // ---- extrema with their times: the first sample that attains them ----
  TimedValue argmax() const;
  TimedValue argmin() const;

  // ---- first and last samples ----
  double initial() const;
  double final() const;

  // ---- crossings and residence times ----
  // Times at which the samples cross `threshold`, linearly interpolated inside the interval
  // where the side changes ("above" means value >= threshold). Ascending when t is.
  std::vector<double> crossing_times(double threshold,
                                     CrossingDirection direction = CrossingDirection::Any) const;
  std::vector<double> zero_crossings(CrossingDirection direction = CrossingDirection::Any) const;
  // Total time with value >= threshold (resp. < threshold) under linear interpolation between
  // samples; time_above + time_below = t.back() - t.front() when no sample is NaN.
  double time_above(double threshold) const;
  double time_below(double threshold) const;

  TrajectorySummary summary() const;

 private:
  void require_samples(const char* statistic) const;
  // Time with value >= threshold, and time in intervals with a NaN end (neither above nor below).
  std::pair<double, double> time_above_and_unknown(double threshold) const;

  std::string name_;
  std::vector<double> t_;
  std::vector<double> values_;
};

// Several variables of one run; each statistic returns one entry per variable, in names() order.
class MultiVarAnalyzer {
 public:
  // The recorded states, or the recorded aux when no state was recorded (the reference's
  // res.analyze()). Throws DynlibError when nothing but time was recorded.
  explicit MultiVarAnalyzer(const Results& results);
  // These recorded columns (may be empty); unknown names throw as TrajectoryAnalyzer's do.
  MultiVarAnalyzer(const Results& results, const std::vector<std::string>& names);
  explicit MultiVarAnalyzer(std::vector<TrajectoryAnalyzer> analyzers);

  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return analyzers_.size(); }
  const std::vector<TrajectoryAnalyzer>& analyzers() const { return analyzers_; }
  // The analyzer of variable `name` as named in names(); DynlibError with a did-you-mean.
  const TrajectoryAnalyzer& operator[](const std::string& name) const;

  std::vector<double> max() const;
  std::vector<double> min() const;
  std::vector<double> mean() const;
  std::vector<double> std() const;
  std::vector<double> variance() const;
  std::vector<double> median() const;
  std::vector<double> percentile(double q) const;
  std::vector<double> range() const;
  std::vector<TimedValue> argmax() const;
  std::vector<TimedValue> argmin() const;
  std::vector<double> initial() const;
  std::vector<double> final() const;
  std::vector<std::vector<double>> crossing_times(
      double threshold, CrossingDirection direction = CrossingDirection::Any) const;
  std::vector<std::vector<double>> zero_crossings(
      CrossingDirection direction = CrossingDirection::Any) const;
  std::vector<double> time_above(double threshold) const;
  std::vector<double> time_below(double threshold) const;
  std::vector<TrajectorySummary> summary() const;

 private:
  template <class F>
  auto each(F&& statistic) const;

  std::vector<std::string> names_;
  std::vector<TrajectoryAnalyzer> analyzers_;
};

}  // namespace dynlib

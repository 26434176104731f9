// Trajectory statistics (dynlib/trajectory_stats.hpp): the reference dynlib's numpy definitions,
// computed in one or two passes over a copy of the samples.

#include "dynlib/trajectory_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "analysis/not_a_value.hpp"
#include "dynlib/errors.hpp"
#include "support/text.hpp"

namespace dynlib {

namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

bool any_nan(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

// Neumaier's compensated sum of term(x) over v: the mean of a long trajectory of similar values
// stays accurate to the last bits instead of losing log2(n) of them. Infinite terms make the sum
// infinite (the compensation of an overflowed sum would be inf - inf).
template <class Term>
double compensated_sum(const std::vector<double>& v, Term term) {
  double sum = 0.0, compensation = 0.0;
  for (double x : v) {
    const double addend = term(x);
    const double next = sum + addend;
    if (std::isfinite(next)) {
      compensation +=
          std::fabs(sum) >= std::fabs(addend) ? (sum - next) + addend : (addend - next) + sum;
    }
    sum = next;
  }
  return std::isfinite(sum) ? sum + compensation : sum;
}

// Index of the first sample that is the extreme by `better`, or of the first NaN (numpy's
// argmax/argmin: NaN is treated as the extreme).
template <class Better>
size_t extreme_index(const std::vector<double>& v, Better better) {
  size_t best = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) return i;
    if (better(v[i], v[best])) best = i;
  }
  return best;
}

// The k-th smallest of `values` (k < size), which are partially sorted in place around it.
double kth_smallest(std::vector<double>& values, size_t k) {
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// After kth_smallest(v, k): the (k+1)-th smallest is the least element right of k.
double next_smallest(const std::vector<double>& partitioned, size_t k) {
  return *std::min_element(partitioned.begin() + static_cast<std::ptrdiff_t>(k) + 1,
                           partitioned.end());
}

}  // namespace

const std::vector<std::string>& summary_keys() {
  static const std::vector<std::string> keys{"min",    "max",   "mean",    "std",
                                             "median", "range", "initial", "final"};
  return keys;
}

std::vector<std::pair<std::string, double>> TrajectorySummary::entries() const {
  const double values[] = {min, max, mean, std, median, range, initial, final};
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < summary_keys().size(); ++i) out.emplace_back(summary_keys()[i], values[i]);
  return out;
}

// ---- TrajectoryAnalyzer ----

TrajectoryAnalyzer::TrajectoryAnalyzer(const Results& results, const std::string& name)
    : name_(name), t_(results.t()), values_(results.column_as_double(name)) {}

TrajectoryAnalyzer::TrajectoryAnalyzer(std::string name, std::vector<double> t,
                                       std::vector<double> values)
    : name_(std::move(name)), t_(std::move(t)), values_(std::move(values)) {
  if (t_.size() != values_.size())
    throw DynlibError("trajectory '" + name_ + "': " + std::to_string(values_.size()) +
                      " values but " + std::to_string(t_.size()) +
                      " sample times; they must have the same length");
}

void TrajectoryAnalyzer::require_samples(const char* statistic) const {
  if (values_.empty())
    throw DynlibError(std::string(statistic) + " of '" + name_ +
                      "': the results hold no samples (was recording off, or the run empty?)");
}

double TrajectoryAnalyzer::max() const {
  require_samples("max");
  return values_[extreme_index(values_, [](double a, double b) { return a > b; })];
}

double TrajectoryAnalyzer::min() const {
  require_samples("min");
  return values_[extreme_index(values_, [](double a, double b) { return a < b; })];
}

TimedValue TrajectoryAnalyzer::argmax() const {
  require_samples("argmax");
  const size_t i = extreme_index(values_, [](double a, double b) { return a > b; });
  return {t_[i], values_[i]};
}

TimedValue TrajectoryAnalyzer::argmin() const {
  require_samples("argmin");
  const size_t i = extreme_index(values_, [](double a, double b) { return a < b; });
  return {t_[i], values_[i]};
}

double TrajectoryAnalyzer::range() const {
  require_samples("range");
  return max() - min();
}

double TrajectoryAnalyzer::mean() const {
  require_samples("mean");
  return compensated_sum(values_, [](double x) { return x; }) / static_cast<double>(values_.size());
}

double TrajectoryAnalyzer::variance() const {
  require_samples("variance");
  // Two passes (deviations from the mean), as numpy: no cancellation of E[x^2] - E[x]^2.
  const double m = mean();
  return compensated_sum(values_, [m](double x) { return (x - m) * (x - m); }) /
         static_cast<double>(values_.size());
}

double TrajectoryAnalyzer::std() const {
  require_samples("std");
  return std::sqrt(variance());
}

double TrajectoryAnalyzer::median() const {
  require_samples("median");
  if (any_nan(values_)) return kNaN;
  std::vector<double> copy = values_;
  const size_t n = copy.size();
  const size_t upper = n / 2;
  const double upper_value = kth_smallest(copy, upper);
  if (n % 2 == 1) return upper_value;
  // numpy: the mean of the two middle values; the lower one is the largest left of `upper`.
  const double lower_value =
      *std::max_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(upper));
  return (lower_value + upper_value) / 2.0;
}

double TrajectoryAnalyzer::percentile(double q) const {
  if (!(q >= 0.0 && q <= 100.0))
    throw DynlibError("percentile q must be in [0, 100]; got " + number_text(q));
  require_samples("percentile");
  if (any_nan(values_)) return kNaN;
  std::vector<double> copy = values_;
  const size_t n = copy.size();
  // numpy's "linear" method (Hyndman & Fan 7), with its exact arithmetic: virtual index
  // (n - 1) * q / 100, and the interpolation anchored at the nearer neighbour.
  const double virtual_index = static_cast<double>(n - 1) * (q / 100.0);
  if (virtual_index >= static_cast<double>(n - 1)) return kth_smallest(copy, n - 1);
  const double below_index = std::floor(virtual_index);
  const size_t k = static_cast<size_t>(below_index);
  const double below = kth_smallest(copy, k);
  const double above = next_smallest(copy, k);
  const double gamma = virtual_index - below_index;
  const double difference = above - below;
  return gamma >= 0.5 ? above - difference * (1.0 - gamma) : below + difference * gamma;
}

double TrajectoryAnalyzer::initial() const {
  require_samples("initial");
  return values_.front();
}

double TrajectoryAnalyzer::final() const {
  require_samples("final");
  return values_.back();
}

std::vector<double> TrajectoryAnalyzer::crossing_times(double threshold,
                                                       CrossingDirection direction) const {
  if (std::isnan(threshold)) throw DynlibError("crossing_times: the threshold is NaN");
  std::vector<double> times;
  for (size_t i = 0; i + 1 < values_.size(); ++i) {
    const double v0 = values_[i], v1 = values_[i + 1];
    if (std::isnan(v0) || std::isnan(v1)) continue;  // unknown side: no crossing is claimed
    const bool above0 = v0 >= threshold, above1 = v1 >= threshold;
    if (above0 == above1) continue;
    if (direction == CrossingDirection::Up && above0) continue;
    if (direction == CrossingDirection::Down && !above0) continue;
    // Sides differ, so v1 != v0; same expression order as the reference for equal results.
    const double fraction = (threshold - v0) / (v1 - v0);
    times.push_back(t_[i] + fraction * (t_[i + 1] - t_[i]));
  }
  return times;
}

std::vector<double> TrajectoryAnalyzer::zero_crossings(CrossingDirection direction) const {
  return crossing_times(0.0, direction);
}

std::pair<double, double> TrajectoryAnalyzer::time_above_and_unknown(double threshold) const {
  if (std::isnan(threshold)) throw DynlibError("time_above/time_below: the threshold is NaN");
  double above = 0.0, unknown = 0.0;
  for (size_t i = 0; i + 1 < values_.size(); ++i) {
    const double v0 = values_[i], v1 = values_[i + 1];
    const double t0 = t_[i], t1 = t_[i + 1];
    const double dt = t1 - t0;
    if (std::isnan(v0) || std::isnan(v1)) {
      unknown += dt;
      continue;
    }
    const bool above0 = v0 >= threshold, above1 = v1 >= threshold;
    if (above0 && above1) {
      above += dt;
    } else if (above0 != above1) {
      // The interpolant crosses once: apportion the interval at the crossing.
      const double crossing = t0 + (threshold - v0) / (v1 - v0) * dt;
      above += above0 ? crossing - t0 : t1 - crossing;
    }
  }
  return {above, unknown};
}

double TrajectoryAnalyzer::time_above(double threshold) const {
  return time_above_and_unknown(threshold).first;
}

double TrajectoryAnalyzer::time_below(double threshold) const {
  const auto [above, unknown] = time_above_and_unknown(threshold);
  if (t_.size() < 2) return 0.0;
  return (t_.back() - t_.front()) - above - unknown;
}

TrajectorySummary TrajectoryAnalyzer::summary() const {
  require_samples("summary");
  TrajectorySummary s;
  s.min = min();
  s.max = max();
  s.mean = mean();
  s.std = std();
  s.median = median();
  s.range = range();
  s.initial = initial();
  s.final = final();
  return s;
}

// ---- MultiVarAnalyzer ----

namespace {

std::vector<std::string> recorded_variables(const Results& results) {
  const std::vector<std::string>& names =
      results.state_names().empty() ? results.aux_names() : results.state_names();
  if (names.empty())
    throw DynlibError(
        "no recorded variables to analyze: the run recorded only time (record_vars=[]); record "
        "some or name them");
  return names;
}

}  // namespace

MultiVarAnalyzer::MultiVarAnalyzer(const Results& results)
    : MultiVarAnalyzer(results, recorded_variables(results)) {}

MultiVarAnalyzer::MultiVarAnalyzer(const Results& results, const std::vector<std::string>& names) {
  for (const auto& name : names) analyzers_.emplace_back(results, name);
  names_ = names;
}

MultiVarAnalyzer::MultiVarAnalyzer(std::vector<TrajectoryAnalyzer> analyzers)
    : analyzers_(std::move(analyzers)) {
  for (const auto& a : analyzers_) names_.push_back(a.name());
}

const TrajectoryAnalyzer& MultiVarAnalyzer::operator[](const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return analyzers_[i];
  std::string message = "'" + name + "' is not one of the analyzed variables";
  const std::string hint = support::did_you_mean(name, names_);
  if (!hint.empty()) message += " (" + hint + ")";
  throw DynlibError(message);
}

template <class F>
auto MultiVarAnalyzer::each(F&& statistic) const {
  std::vector<decltype(statistic(analyzers_.front()))> out;
  out.reserve(analyzers_.size());
  for (const auto& a : analyzers_) out.push_back(statistic(a));
  return out;
}

std::vector<double> MultiVarAnalyzer::max() const {
  return each([](const TrajectoryAnalyzer& a) { return a.max(); });
}
std::vector<double> MultiVarAnalyzer::min() const {
  return each([](const TrajectoryAnalyzer& a) { return a.min(); });
}
std::vector<double> MultiVarAnalyzer::mean() const {
  return each([](const TrajectoryAnalyzer& a) { return a.mean(); });
}
std::vector<double> MultiVarAnalyzer::std() const {
  return each([](const TrajectoryAnalyzer& a) { return a.std(); });
}
std::vector<double> MultiVarAnalyzer::variance() const {
  return each([](const TrajectoryAnalyzer& a) { return a.variance(); });
}
std::vector<double> MultiVarAnalyzer::median() const {
  return each([](const TrajectoryAnalyzer& a) { return a.median(); });
}
std::vector<double> MultiVarAnalyzer::percentile(double q) const {
  return each([q](const TrajectoryAnalyzer& a) { return a.percentile(q); });
}
std::vector<double> MultiVarAnalyzer::range() const {
  return each([](const TrajectoryAnalyzer& a) { return a.range(); });
}
std::vector<TimedValue> MultiVarAnalyzer::argmax() const {
  return each([](const TrajectoryAnalyzer& a) { return a.argmax(); });
}
std::vector<TimedValue> MultiVarAnalyzer::argmin() const {
  return each([](const TrajectoryAnalyzer& a) { return a.argmin(); });
}
std::vector<double> MultiVarAnalyzer::initial() const {
  return each([](const TrajectoryAnalyzer& a) { return a.initial(); });
}
std::vector<double> MultiVarAnalyzer::final() const {
  return each([](const TrajectoryAnalyzer& a) { return a.final(); });
}
std::vector<std::vector<double>> MultiVarAnalyzer::crossing_times(
    double threshold, CrossingDirection direction) const {
  return each([&](const TrajectoryAnalyzer& a) { return a.crossing_times(threshold, direction); });
}
std::vector<std::vector<double>> MultiVarAnalyzer::zero_crossings(
    CrossingDirection direction) const {
  return crossing_times(0.0, direction);
}
std::vector<double> MultiVarAnalyzer::time_above(double threshold) const {
  return each([threshold](const TrajectoryAnalyzer& a) { return a.time_above(threshold); });
}
std::vector<double> MultiVarAnalyzer::time_below(double threshold) const {
  return each([threshold](const TrajectoryAnalyzer& a) { return a.time_below(threshold); });
}
std::vector<TrajectorySummary> MultiVarAnalyzer::summary() const {
  return each([](const TrajectoryAnalyzer& a) { return a.summary(); });
}

}  // namespace dynlib

// BifurcationExtractor: recorded runs -> (param value, y) points; the extrema and section
// crossings of flows interpolated between samples, those of maps read off the iterates
// (dynlib/bifurcation.hpp says exactly how).
#include "dynlib/bifurcation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace dynlib {

namespace {

// Keeps candidate sample indices (ascending) at least `distance` apart, earlier ones first, then
// the last `max_points` of them.
std::vector<size_t> thin(const std::vector<size_t>& candidates, size_t distance,
                         size_t max_points) {
  std::vector<size_t> kept;
  for (size_t i : candidates)
    if (kept.empty() || i - kept.back() >= distance) kept.push_back(i);
  if (kept.size() > max_points)
    kept.erase(kept.begin(), kept.end() - static_cast<long>(max_points));
  return kept;
}

// The vertex of the parabola through (t0, y0), (t1, y1), (t2, y2) (any spacing), in Newton's
// form p(t) = y0 + d01 (t - t0) + c (t - t0)(t - t1). For a detected extremum c != 0 and the
// vertex lies within [t0, t2]. Returns false when the arithmetic does not give a finite vertex.
bool parabola_vertex(double t0, double t1, double t2, double y0, double y1, double y2, double& t,
                     double& y) {
  const double d01 = (y1 - y0) / (t1 - t0);
  const double d12 = (y2 - y1) / (t2 - t1);
  const double c = (d12 - d01) / (t2 - t0);
  if (c == 0.0 || !std::isfinite(c)) return false;
  const double tv = 0.5 * (t0 + t1) - d01 / (2.0 * c);
  const double yv = y0 + d01 * (tv - t0) + c * (tv - t0) * (tv - t1);
  if (!std::isfinite(tv) || !std::isfinite(yv)) return false;
  t = tv;
  y = yv;
  return true;
}

}  // namespace

const char* extrema_kind_name(ExtremaKind kind) {
  switch (kind) {
    case ExtremaKind::Max:
      return "max";
    case ExtremaKind::Min:
      return "min";
    case ExtremaKind::Both:
      return "both";
  }
  return "?";
}

ExtremaKind parse_extrema_kind(const std::string& text) {
  for (ExtremaKind k : {ExtremaKind::Max, ExtremaKind::Min, ExtremaKind::Both})
    if (text == extrema_kind_name(k)) return k;
  throw DynlibError(with_suggestion(fmt::format("extrema: unknown kind '{}'", text), text,
                                    {"max", "min", "both"}, "kinds"));
}

BifurcationExtractor::BifurcationExtractor(std::string param_name, std::vector<double> values,
                                           std::vector<std::string> names,
                                           std::vector<RunSamples> runs, const std::string& var,
                                           bool is_map)
    : param_name_(std::move(param_name)),
      values_(std::move(values)),
      names_(std::move(names)),
      runs_(std::move(runs)),
      var_(var),
      is_map_(is_map) {
  var_column_ = column(var, "variable");
}

BifurcationExtractor::BifurcationExtractor(const SweepResult& sweep, const std::string& var)
    : param_name_(sweep.param_name), values_(sweep.values), var_(var) {
  if (!sweep.trajectories)
    throw DynlibError(fmt::format(
        "BifurcationExtractor needs the trajectories of a traj_sweep; a '{}' sweep has none",
        sweep.kind));
  const TrajectoryPayload& p = *sweep.trajectories;
  if (p.n_runs() != sweep.values.size())
    throw DynlibError(fmt::format("BifurcationExtractor: {} runs for {} sweep values", p.n_runs(),
                                  sweep.values.size()));
  names_ = p.record_vars;
  for (size_t i = 0; i < p.n_runs(); ++i)
    runs_.push_back({sweep.values[i], p.run_t(i), p.run_data(i), p.counts[i]});
  owner_ = sweep.trajectories;
  is_map_ = sweep.model_kind == "map";
  var_column_ = column(var, "variable");
}

BifurcationExtractor::BifurcationExtractor(const Results& run, const std::string& var, bool is_map,
                                           double param_value, const std::string& param_name)
    : param_name_(param_name),
      values_{param_value},
      names_(run.names()),
      var_(var),
      is_map_(is_map) {
  // Copied as doubles: any dtype, and the extractor does not depend on `run` staying alive.
  auto table = std::make_shared<std::pair<std::vector<double>, std::vector<double>>>();
  const size_t n = run.size(), width = names_.size();
  table->first = run.t();
  table->second.resize(n * width);
  for (size_t j = 0; j < width; ++j) {
    const std::vector<double> column = run.column_as_double(names_[j]);
    for (size_t k = 0; k < n; ++k) table->second[k * width + j] = column[k];
  }
  runs_.push_back({param_value, table->first.data(), table->second.data(), n});
  owner_ = table;
  var_column_ = column(var, "variable");
}

size_t BifurcationExtractor::column(const std::string& name, const char* what) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) return static_cast<size_t>(it - names_.begin());
  throw DynlibError(with_suggestion(
      fmt::format("BifurcationExtractor: unknown {} '{}' (not recorded)", what, name), name, names_,
      "recorded variables"));
}

BifurcationResult BifurcationExtractor::start(const char* mode) const {
  BifurcationResult r;
  r.param_name = param_name_;
  r.values = values_;
  r.mode = mode;
  r.var = var_;
  return r;
}

// Runs without samples (a run that failed before recording anything) contribute no points.
BifurcationResult BifurcationExtractor::all() const {
  BifurcationResult r = tail(static_cast<size_t>(-1));
  r.mode = "all";
  return r;
}

BifurcationResult BifurcationExtractor::tail(size_t n) const {
  if (n == 0) throw DynlibError("BifurcationExtractor.tail: n must be positive");
  BifurcationResult r = start("tail");
  const size_t width = names_.size();
  for (size_t i = 0; i < runs_.size(); ++i) {
    const RunSamples& s = runs_[i];
    for (size_t k = s.count - std::min(n, s.count); k < s.count; ++k) {
      r.p.push_back(s.param_value);
      r.y.push_back(s.data[k * width + var_column_]);
      r.t.push_back(s.t[k]);
      r.run.push_back(i);
    }
  }
  return r;
}

BifurcationResult BifurcationExtractor::final() const {
  BifurcationResult r = tail(1);
  r.mode = "final";
  return r;
}

BifurcationResult BifurcationExtractor::extrema(const ExtremaOptions& o) const {
  if (o.tail && *o.tail == 0)
    throw DynlibError("BifurcationExtractor.extrema: tail must be positive");
  if (o.max_points == 0)
    throw DynlibError("BifurcationExtractor.extrema: max_points must be positive");
  if (o.min_peak_distance == 0)
    throw DynlibError("BifurcationExtractor.extrema: min_peak_distance must be positive");
  BifurcationResult r = start("extrema");
  const size_t width = names_.size();
  const bool want_max = o.kind != ExtremaKind::Min, want_min = o.kind != ExtremaKind::Max;
  for (size_t i = 0; i < runs_.size(); ++i) {
    const RunSamples& s = runs_[i];
    const size_t first = o.tail ? s.count - std::min(*o.tail, s.count) : 0;
    auto y = [&](size_t k) { return s.data[k * width + var_column_]; };
    std::vector<size_t> found;
    for (size_t k = first + 1; k + 1 < s.count; ++k) {
      const double a = y(k - 1), b = y(k), c = y(k + 1);
      if ((want_max && a < b && b >= c) || (want_min && a > b && b <= c)) found.push_back(k);
    }
    for (size_t k : thin(found, o.min_peak_distance, o.max_points)) {
      double tk = s.t[k], yk = y(k);
      if (!is_map_) {
        double tv = 0.0, yv = 0.0;
        if (parabola_vertex(s.t[k - 1], s.t[k], s.t[k + 1], y(k - 1), y(k), y(k + 1), tv, yv)) {
          tk = tv;
          yk = yv;
        }
      }
      r.p.push_back(s.param_value);
      r.y.push_back(yk);
      r.t.push_back(tk);
      r.run.push_back(i);
    }
  }
  return r;
}

BifurcationResult BifurcationExtractor::poincare(const PoincareSection& section) const {
  const size_t sc = column(section.var, "section variable");
  if (section.tail && *section.tail == 0)
    throw DynlibError("BifurcationExtractor.poincare: tail must be positive");
  if (section.max_points == 0)
    throw DynlibError("BifurcationExtractor.poincare: max_points must be positive");
  if (section.min_section_distance == 0)
    throw DynlibError("BifurcationExtractor.poincare: min_section_distance must be positive");
  if (!std::isfinite(section.level))
    throw DynlibError("BifurcationExtractor.poincare: the level must be a finite number");
  BifurcationResult r = start("poincare");
  const size_t width = names_.size();
  const double level = section.level;
  const bool up = section.direction != CrossingDirection::Down;
  const bool down = section.direction != CrossingDirection::Up;
  for (size_t i = 0; i < runs_.size(); ++i) {
    const RunSamples& s = runs_[i];
    const size_t first = section.tail ? s.count - std::min(*section.tail, s.count) : 0;
    auto at = [&](size_t k, size_t col) { return s.data[k * width + col]; };
    std::vector<size_t> found;  // k: the crossing lies between samples k and k + 1
    for (size_t k = first; k + 1 < s.count; ++k) {
      const double d0 = at(k, sc) - level, d1 = at(k + 1, sc) - level;
      if ((up && d0 < 0 && d1 >= 0) || (down && d0 > 0 && d1 <= 0)) found.push_back(k);
    }
    for (size_t k : thin(found, section.min_section_distance, section.max_points)) {
      double tk = s.t[k + 1], yk = at(k + 1, var_column_);
      if (!is_map_) {
        // The section variable changes sign across the level, so the denominator is not zero.
        const double frac = (level - at(k, sc)) / (at(k + 1, sc) - at(k, sc));
        tk = s.t[k] + frac * (s.t[k + 1] - s.t[k]);
        yk = at(k, var_column_) + frac * (at(k + 1, var_column_) - at(k, var_column_));
      }
      r.p.push_back(s.param_value);
      r.y.push_back(yk);
      r.t.push_back(tk);
      r.run.push_back(i);
    }
  }
  return r;
}

}  // namespace dynlib

// Bifurcation diagrams from recorded trajectories: every run of a traj_sweep (or one Results)
// reduced to points (param value, y) ready to scatter. See docs/sweeps.md.
//
//   dynlib::SweepResult s = dynlib::traj_sweep(sim, "r", r_values, {"x"}, {.N = 600,
//                                                                         .transient = 500});
//   dynlib::BifurcationExtractor bif(s, "x");
//   dynlib::BifurcationResult d = bif.tail(50);    // d.p[j], d.y[j]: one point each
//
// Flows (ODEs) and maps differ in what lies between two samples: a flow's trajectory continues
// between them, so extrema and section crossings are interpolated; a map has nothing between two
// iterates, so they are read off the iterates themselves:
//   extrema   a sample strictly above its predecessor and not below its successor is a local
//             maximum (mirrored for minima). Flows: the vertex of the parabola through the three
//             samples around it (its time and value); maps: the iterate itself.
//   poincare  a crossing of `section.var = level` between samples k and k+1 (up: from below to
//             at-or-above; down: the mirror). Flows: t and the swept variable linearly
//             interpolated to where the section variable equals the level; maps: the iterate
//             k+1, the first on or past the section.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/crossing.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/sweep.hpp"

namespace dynlib {

struct BifurcationResult {
  std::string param_name;
  std::vector<double> values;  // the sweep grid (M values)
  std::string mode;            // "all", "tail", "final", "extrema", "poincare"
  std::string var;             // the variable on the y axis
  // One entry per point: the param value, the variable, the time (interpolated for flows'
  // extrema and crossings), and the index of the run it came from.
  std::vector<double> p, y, t;
  std::vector<size_t> run;
  size_t size() const { return p.size(); }
};

enum class ExtremaKind { Max, Min, Both };
const char* extrema_kind_name(ExtremaKind kind);  // "max", "min", "both"
ExtremaKind parse_extrema_kind(const std::string& text);

struct ExtremaOptions {
  ExtremaKind kind = ExtremaKind::Both;
  std::optional<size_t> tail{};  // look only at each run's last `tail` samples
  size_t max_points = 50;        // keep each run's last max_points extrema
  size_t min_peak_distance = 1;  // in samples, between kept extrema (earlier ones win)
};

struct PoincareSection {
  std::string var;  // the section variable (recorded)
  double level = 0.0;
  CrossingDirection direction = CrossingDirection::Up;
  std::optional<size_t> tail{};
  size_t max_points = 50;           // keep each run's last max_points crossings
  size_t min_section_distance = 1;  // in samples, between kept crossings (earlier ones win)
};

// One run's samples, borrowed: `count` times and a row-major [count, width] table of values.
struct RunSamples {
  double param_value = 0.0;
  const double* t = nullptr;
  const double* data = nullptr;
  size_t count = 0;
};

class BifurcationExtractor {
 public:
  // Every run of a traj_sweep result (DynlibError for other sweep kinds); `var` must be one of
  // its record_vars. Shares ownership of the trajectories: the sweep result may go away.
  BifurcationExtractor(const SweepResult& sweep, const std::string& var);
  // One run (any dtype; the columns are copied as doubles). `is_map` says how to read between
  // samples (see above); the points' param value is `param_value`.
  BifurcationExtractor(const Results& run, const std::string& var, bool is_map,
                       double param_value = std::numeric_limits<double>::quiet_NaN(),
                       const std::string& param_name = "");
  // The general form (for bindings): borrowed runs whose tables have the columns `names`; the
  // caller keeps them alive while the extractor is used.
  BifurcationExtractor(std::string param_name, std::vector<double> values,
                       std::vector<std::string> names, std::vector<RunSamples> runs,
                       const std::string& var, bool is_map);

  const std::string& var() const { return var_; }
  bool is_map() const { return is_map_; }

  BifurcationResult all() const;           // every recorded sample
  BifurcationResult tail(size_t n) const;  // each run's last n samples (fewer if it has fewer)
  BifurcationResult final() const;         // each run's last sample
  BifurcationResult extrema(const ExtremaOptions& options = {}) const;
  BifurcationResult poincare(const PoincareSection& section) const;

 private:
  size_t column(const std::string& name, const char* what) const;
  BifurcationResult start(const char* mode) const;

  std::string param_name_;
  std::vector<double> values_;
  std::vector<std::string> names_;
  std::vector<RunSamples> runs_;
  std::shared_ptr<const void> owner_;  // keeps borrowed tables alive
  std::string var_;
  size_t var_column_ = 0;
  bool is_map_ = false;
};

}  // namespace dynlib

// The initial conditions of a basin analysis: axes (basin_axis, basin_values), point lists
// (basin_points), and their resolution into full state vectors in grid order ('ij': the first
// axis slowest), with what a plot needs to put the labels back on the grid.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "dynlib/basins.hpp"

namespace dynlib {

std::string basin_label_name(int label, const std::vector<std::string>& attractor_names) {
  if (label == BASIN_BLOWUP) return "blowup";
  if (label == BASIN_OUTSIDE) return "outside";
  if (label == BASIN_UNRESOLVED) return "unresolved";
  if (label >= 0 && static_cast<size_t>(label) < attractor_names.size() &&
      !attractor_names[static_cast<size_t>(label)].empty())
    return attractor_names[static_cast<size_t>(label)];
  return fmt::format("attractor {}", label);
}

BasinAxis basin_axis(std::string var, double min, double max, long long n,
                     const std::string& sample) {
  if (n < 1) throw DynlibError(fmt::format("basin_axis '{}': n = {} must be >= 1", var, n));
  if (!std::isfinite(min) || !std::isfinite(max) || !(max > min))
    throw DynlibError(
        fmt::format("basin_axis '{}': max ({}) must be greater than min ({})", var, max, min));
  if (sample != "edge" && sample != "center")
    throw DynlibError(
        fmt::format("basin_axis '{}': sample must be 'edge' or 'center', got '{}'", var, sample));
  BasinAxis a;
  a.var = std::move(var);
  a.sample = sample;
  a.min = min;
  a.max = max;
  a.values.resize(static_cast<size_t>(n));
  if (sample == "center") {
    const double step = (max - min) / static_cast<double>(n);
    for (long long k = 0; k < n; ++k)
      a.values[static_cast<size_t>(k)] = min + (static_cast<double>(k) + 0.5) * step;
  } else if (n == 1) {
    a.values[0] = min;
  } else {
    // numpy.linspace: min + k * step, the last point exactly max
    const double step = (max - min) / static_cast<double>(n - 1);
    for (long long k = 0; k < n; ++k)
      a.values[static_cast<size_t>(k)] = min + static_cast<double>(k) * step;
    a.values.back() = max;
  }
  return a;
}

BasinAxis basin_values(std::string var, std::vector<double> values) {
  if (values.empty())
    throw DynlibError(fmt::format("basin_values '{}': give at least one value", var));
  BasinAxis a;
  a.var = std::move(var);
  a.sample = "values";
  a.min = values.front();
  a.max = values.front();
  for (double v : values) {
    a.min = std::min(a.min, v);
    a.max = std::max(a.max, v);
  }
  a.values = std::move(values);
  return a;
}

BasinIC basin_points(std::vector<std::vector<double>> points, std::vector<std::string> vars,
                     std::map<std::string, double> fixed) {
  BasinIC ic;
  ic.points = std::move(points);
  ic.point_vars = std::move(vars);
  ic.fixed = std::move(fixed);
  return ic;
}

BasinInitialStates resolve_basin_ic(const FullModel& model, const BasinIC& ic) {
  const Layout& layout = model.layout();
  const size_t n_state = static_cast<size_t>(layout.n_state());
  BasinInitialStates out;
  out.state_names = layout.state_names();
  std::vector<double> base = model.spec().initial_state;

  std::set<int> used;
  auto state_index = [&](const std::string& name, const char* what) {
    const NameRef ref = layout.resolve(name, {NameKind::State}, fmt::format("basin ic ({})", what));
    if (!used.insert(ref.index).second)
      throw DynlibError(fmt::format(
          "basin ic: state '{}' is given twice (swept, fixed or a point column)", name));
    return static_cast<size_t>(ref.index);
  };

  const bool grid = !ic.axes.empty();
  const bool points = !ic.points.empty() || !ic.point_vars.empty();
  if (grid == points)
    throw DynlibError(
        grid ? "basin ic: give either axes (a grid) or points, not both"
             : "basin ic: give axes (basin_axis / basin_values per swept state) or points");

  std::vector<size_t> swept;
  if (grid) {
    for (const BasinAxis& a : ic.axes) {
      if (a.values.empty())
        throw DynlibError(fmt::format("basin ic: the axis of '{}' has no values", a.var));
      swept.push_back(state_index(a.var, "axes"));
    }
  } else {
    if (ic.point_vars.empty())
      throw DynlibError("basin ic: points need point_vars (the state each column sets)");
    if (ic.points.empty()) throw DynlibError("basin ic: point_vars given but no points");
    for (const auto& v : ic.point_vars) swept.push_back(state_index(v, "point_vars"));
  }
  for (const auto& [name, value] : ic.fixed) base[state_index(name, "fixed")] = value;

  for (size_t j = 0; j < n_state; ++j)
    if (std::find(swept.begin(), swept.end(), j) == swept.end())
      out.fixed[out.state_names[j]] = base[j];

  if (grid) {
    out.kind = "grid";
    size_t n = 1;
    for (const BasinAxis& a : ic.axes) {
      if (n > 100000000 / a.values.size())
        throw DynlibError("basin ic: the grid has more than 1e8 initial conditions");
      out.shape.push_back(a.values.size());
      out.ic_vars.push_back(out.state_names[swept[out.ic_vars.size()]]);
      out.axis_values.push_back(a.values);
      out.axis_sample.push_back(a.sample);
      double lo = a.min, hi = a.max;
      if (a.sample == "values" || !(hi > lo)) {
        lo = *std::min_element(a.values.begin(), a.values.end());
        hi = *std::max_element(a.values.begin(), a.values.end());
      }
      out.bounds.emplace_back(lo, hi);
      n *= a.values.size();
    }
    out.n = n;
    out.states.resize(n * n_state);
    std::vector<size_t> idx(ic.axes.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      double* row = out.states.data() + i * n_state;
      std::copy(base.begin(), base.end(), row);
      for (size_t a = 0; a < ic.axes.size(); ++a) row[swept[a]] = ic.axes[a].values[idx[a]];
      for (size_t a = ic.axes.size(); a-- > 0;) {  // the last axis fastest
        if (++idx[a] < ic.axes[a].values.size()) break;
        idx[a] = 0;
      }
    }
  } else {
    out.kind = "points";
    out.n = ic.points.size();
    out.shape = {out.n};
    for (size_t j : swept) out.ic_vars.push_back(out.state_names[j]);
    out.states.resize(out.n * n_state);
    for (size_t i = 0; i < out.n; ++i) {
      if (ic.points[i].size() != swept.size())
        throw DynlibError(fmt::format("basin ic: point {} has {} values, but point_vars names {}",
                                      i, ic.points[i].size(), swept.size()));
      double* row = out.states.data() + i * n_state;
      std::copy(base.begin(), base.end(), row);
      for (size_t c = 0; c < swept.size(); ++c) row[swept[c]] = ic.points[i][c];
    }
  }
  return out;
}

}  // namespace dynlib

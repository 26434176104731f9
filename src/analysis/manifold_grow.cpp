// Growing one branch of a 1-D manifold with arc-length and angle control (docs/manifolds.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "analysis/manifold_internal.hpp"

namespace dynlib::analysis {

namespace {

double distance(const double* a, const double* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

// The angle between the chords prev -> last and last -> next (0 when one has no length).
double turning_angle(const double* prev, const double* last, const double* next, int n) {
  double dot = 0, a2 = 0, b2 = 0;
  for (int i = 0; i < n; ++i) {
    const double a = last[i] - prev[i], b = next[i] - last[i];
    dot += a * b;
    a2 += a * a;
    b2 += b * b;
  }
  if (a2 == 0 || b2 == 0) return 0;
  const double c = std::clamp(dot / std::sqrt(a2 * b2), -1.0, 1.0);
  return std::acos(c);
}

bool all_finite(const double* x, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

bool inside(const double* x, const std::vector<std::pair<double, double>>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!(x[i] >= bounds[i].first && x[i] <= bounds[i].second)) return false;
  return true;
}

}  // namespace

void grow_branch(ManifoldBranch& branch, const std::vector<double>& fp,
                 const std::vector<double>& seed, const ManifoldOptions& o,
                 const GrowLimits& limits, const ManifoldAdvance& advance) {
  const int n = static_cast<int>(fp.size());
  branch.n_state = n;
  branch.points = fp;
  branch.param = {-std::numeric_limits<double>::infinity()};
  auto append = [&](const double* x, double u) {
    branch.points.insert(branch.points.end(), x, x + n);
    branch.param.push_back(u);
  };
  if (!inside(seed.data(), o.bounds)) {
    branch.stop = "bounds";
    return;
  }
  append(seed.data(), 0);
  branch.arclength = distance(fp.data(), seed.data(), n);

  std::vector<double> candidate(static_cast<size_t>(n));
  double u = 0;
  double du = limits.du_start;
  bool at_resolution = false;
  for (;;) {
    if (static_cast<long long>(branch.count()) >= o.max_points) {
      branch.stop = "max_points";
      return;
    }
    if (u >= limits.u_max) {
      branch.stop = limits.u_max_reason;
      return;
    }
    const double step = std::min(du, limits.u_max - u);
    const size_t count = branch.count();
    const double* last = branch.points.data() + (count - 1) * static_cast<size_t>(n);
    const double* prev = last - n;
    std::string stop;
    if (!advance(u, last, step, candidate.data(), stop)) {
      branch.stop = stop;
      return;
    }
    const bool can_halve = step / 2 >= o.min_step;
    if (!all_finite(candidate.data(), n)) {
      if (can_halve) {
        du = step / 2;
        continue;
      }
      branch.stop = "not_finite";
      return;
    }
    const double d = distance(last, candidate.data(), n);
    if (d == 0) {
      // The step is below the parameter's resolution (a map's point deep in the iterates moves
      // only when its base point changes by a rounding unit): take larger steps, and accept the
      // next distinct point even if it breaks the limits.
      at_resolution = true;
      u += step;
      du = step * 2;
      continue;
    }
    const double angle = turning_angle(prev, last, candidate.data(), n);
    const bool good = d <= o.hmax && angle <= o.alpha_max;
    if (!good && can_halve && !at_resolution) {
      du = step / 2;
      continue;
    }
    at_resolution = false;
    if (!good) ++branch.forced;
    if (!inside(candidate.data(), o.bounds)) {
      branch.stop = "bounds";
      return;
    }
    append(candidate.data(), u + step);
    u += step;
    branch.arclength += d;
    if (branch.arclength >= o.max_arclength) {
      branch.stop = "max_arclength";
      return;
    }
    if (d <= o.hmax / 2 && angle <= o.alpha_max / 2) du = std::min(step * 2, limits.du_max);
  }
}

}  // namespace dynlib::analysis

// Growing one branch of a map's 1-D manifold with arc-length and angle control, in pieces where
// the curve leaves the margin box and comes back (docs/manifolds.md).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

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

// Bisections locating where the curve crosses into or out of the margin box: the parameter is
// then known to 2^-40 of the step, far below any point spacing.
constexpr int kBisections = 40;

}  // namespace

void grow_branch(ManifoldBranch& branch, const std::vector<double>& fp, const ManifoldOptions& o,
                 const GrowLimits& limits, const ManifoldPointFn& point) {
  const int n = static_cast<int>(fp.size());
  const size_t nn = fp.size();
  branch.n_state = n;
  branch.points = fp;
  branch.param = {-std::numeric_limits<double>::infinity()};
  branch.piece_begin = {0};
  auto append = [&](const double* x, double u) {
    branch.points.insert(branch.points.end(), x, x + n);
    branch.param.push_back(u);
  };
  auto at = [&](size_t i) { return branch.points.data() + i * nn; };
  const long long max_points = o.max_points ? *o.max_points : std::numeric_limits<long long>::max();

  std::vector<double> candidate(nn), probe(nn), found(nn);
  std::string stop;
  switch (point(0, candidate.data(), stop)) {
    case CurvePoint::Stop:
      branch.stop = stop;
      return;
    case CurvePoint::Lost:
      branch.stop = "bounds";
      return;
    case CurvePoint::Point:
      break;
  }
  append(candidate.data(), 0);
  branch.arclength = distance(fp.data(), candidate.data(), n);

  // The last parameter in (lo, hi) whose point is not lost (lo's is not, hi's is), into `found`;
  // lo itself when no bisection moves it. False (with branch.stop) when `point` ends the branch.
  auto bisect = [&](double lo, double hi, bool want_inside_end, double& result) {
    double in = want_inside_end ? lo : hi;  // the side whose point is not lost
    double out = want_inside_end ? hi : lo;
    for (int it = 0; it < kBisections && std::abs(in - out) > o.min_step; ++it) {
      const double mid = (in + out) / 2;
      const CurvePoint c = point(mid, probe.data(), stop);
      if (c == CurvePoint::Stop) {
        branch.stop = stop;
        return false;
      }
      if (c == CurvePoint::Point) {
        in = mid;
        found = probe;
      } else {
        out = mid;
      }
    }
    result = in;
    return true;
  };

  double u = 0;
  double du = limits.du_start;
  bool at_resolution = false;
  for (;;) {
    const size_t count = branch.count();
    if (static_cast<long long>(count) >= max_points) {
      branch.stop = "max_points";
      return;
    }
    if (count - branch.piece_begin.back() >= static_cast<size_t>(o.max_points_per_segment)) {
      branch.stop = "max_points_per_segment";
      return;
    }
    if (u >= limits.u_max) {
      branch.stop = limits.u_max_reason;
      return;
    }
    const double step = std::min(du, limits.u_max - u);
    const double* last = at(count - 1);
    const bool has_prev = count - 1 > branch.piece_begin.back();
    const CurvePoint c = point(u + step, candidate.data(), stop);
    if (c == CurvePoint::Stop) {
      branch.stop = stop;
      return;
    }
    if (c == CurvePoint::Lost) {
      // The piece ends where the curve leaves the box: its last point that is not lost.
      double u_end = u;
      found.assign(last, last + n);
      if (!bisect(u, u + step, true, u_end)) return;
      if (u_end > u) {
        const double d = distance(last, found.data(), n);
        if (d > o.hmax) ++branch.forced;
        append(found.data(), u_end);
        branch.arclength += d;
      }
      // Where it comes back: the first image u' + 1 past the exit of an accepted point u'.
      const double exit = u + step;
      auto it = std::upper_bound(branch.param.begin() + 1, branch.param.end(), exit - 1);
      double prev_lost = exit;
      bool reentered = false;
      double u_in = 0, du_next = limits.du_start;
      for (; it != branch.param.end() && *it + 1 <= limits.u_max; ++it) {
        const double cand_u = *it + 1;
        if (cand_u <= exit) continue;
        const CurvePoint r = point(cand_u, candidate.data(), stop);
        if (r == CurvePoint::Stop) {
          branch.stop = stop;
          return;
        }
        if (r == CurvePoint::Lost) {
          prev_lost = cand_u;
          continue;
        }
        found = candidate;
        if (!bisect(prev_lost, cand_u, false, u_in)) return;
        if (std::next(it) != branch.param.end()) du_next = *std::next(it) - *it;
        reentered = true;
        break;
      }
      if (!reentered) {
        branch.stop = "bounds";
        return;
      }
      if (static_cast<int>(branch.piece_begin.size()) >= o.max_segments) {
        branch.stop = "max_segments";
        return;
      }
      branch.piece_begin.push_back(branch.count());
      append(found.data(), u_in);
      u = u_in;
      du = std::clamp(du_next, o.min_step, limits.du_max);
      at_resolution = false;
      continue;
    }
    const bool can_halve = step / 2 >= o.min_step;
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
    const double angle = has_prev ? turning_angle(last - n, last, candidate.data(), n) : 0.0;
    const bool good = d <= o.hmax && angle <= o.alpha_max;
    if (!good && can_halve && !at_resolution) {
      du = step / 2;
      continue;
    }
    at_resolution = false;
    if (!good) ++branch.forced;
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

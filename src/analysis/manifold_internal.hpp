// What trace_manifold_1d_map and trace_manifold_1d_ode share: checking the options, refining the
// fixed point and picking the eigen-direction (manifold_setup.cpp), growing a map's branch with
// arc-length and angle control from the curve's points (manifold_grow.cpp), and turning a traced
// branch into output segments (manifold_segments.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/manifolds.hpp"

namespace dynlib::analysis {

// Checks the options, refines the fixed point with find_fixed_points, selects the 1-D direction
// and fills every field of the result but the branches. `function` names the caller in errors.
ManifoldResult manifold_setup(const FullModel& model, const ManifoldOptions& options, bool is_map,
                              const char* function);

// The defaults that differ between maps and ODEs (the reference's).
double manifold_seed_delta(const ManifoldOptions& options, bool is_map);
std::optional<int> manifold_max_points(const ManifoldOptions& options, bool is_map);

// `bounds` grown by clip_margin × extent on every side (empty without bounds).
std::vector<std::pair<double, double>> manifold_clip_box(const ManifoldOptions& options);
bool inside_box(const double* x, const std::vector<std::pair<double, double>>& box);

// What the curve's point at a parameter is: a point, lost (an iterate left the margin box, or is
// not finite), or the end of the branch (with the reason in `stop`).
enum class CurvePoint { Point, Lost, Stop };
using ManifoldPointFn = std::function<CurvePoint(double u, double* out, std::string& stop)>;

struct GrowLimits {
  double du_start = 0;  // first parameter step
  double du_max = 0;    // largest parameter step
  double u_max = 0;     // the branch ends at this parameter
  const char* u_max_reason = "";
};

// Grows `branch` from the fixed point `fp` and the curve's point at u = 0: points are accepted
// when within hmax of the last and turning by at most alpha_max; otherwise the step is halved
// (down to min_step); it is doubled after an easy step. Where the curve is lost it ends a piece
// and continues at the next parameter whose point is not lost, found among the images (u + 1) of
// the points already accepted: a lost point's images are lost, so every point that is not lost
// is the image of one that was not. Stops at max_points, max_points_per_segment, max_segments,
// max_arclength, u_max, or when `point` says so.
void grow_branch(ManifoldBranch& branch, const std::vector<double>& fp, const ManifoldOptions& o,
                 const GrowLimits& limits, const ManifoldPointFn& point);

// Fills branch.segments: each piece cut to its runs of >= 2 points inside options.bounds (the
// pieces themselves without bounds), at most max_segments; each resampled every `resample_h` of
// arc length when given (points and parameters interpolated linearly).
void finish_segments(ManifoldBranch& branch, const ManifoldOptions& options,
                     std::optional<double> resample_h);

}  // namespace dynlib::analysis

// What trace_manifold_1d_map and trace_manifold_1d_ode share: checking the options, refining the
// fixed point and picking the eigen-direction (manifold_setup.cpp), and growing a branch with
// arc-length and angle control from a function that advances the curve's parameter
// (manifold_grow.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dynlib/manifolds.hpp"

namespace dynlib::analysis {

// Checks the options, refines the fixed point with find_fixed_points, selects the 1-D direction
// and fills every field of the result but the branches. `function` names the caller in errors.
ManifoldResult manifold_setup(const FullModel& model, const ManifoldOptions& options, bool is_map,
                              const char* function);

// Computes the curve's point at parameter u_from + du into `out`, knowing the point at u_from
// (`x_from`). Returns false to end the branch, with the reason in `stop`.
using ManifoldAdvance = std::function<bool(double u_from, const double* x_from, double du,
                                           double* out, std::string& stop)>;

struct GrowLimits {
  double du_start = 0;  // first parameter step
  double du_max = 0;    // largest parameter step
  double u_max = 0;     // the branch ends at this parameter
  const char* u_max_reason = "";
};

// Grows `branch` from the fixed point `fp` and the seed point (parameter 0): points are accepted
// when within hmax of the last and turning by at most alpha_max; otherwise the step is halved
// (down to min_step); it is doubled after an easy step. Stops at max_points, max_arclength,
// u_max, the bounds, a non-finite point or when `advance` says so.
void grow_branch(ManifoldBranch& branch, const std::vector<double>& fp,
                 const std::vector<double>& seed, const ManifoldOptions& options,
                 const GrowLimits& limits, const ManifoldAdvance& advance);

}  // namespace dynlib::analysis

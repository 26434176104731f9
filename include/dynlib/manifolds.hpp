// One-dimensional stable and unstable manifolds of saddles, for maps and ODEs
// (docs/manifolds.md).
//
//   dynlib::FullModel m = dynlib::build("builtin://map/henon");
//   dynlib::ManifoldResult r = dynlib::trace_manifold_1d_map(
//       m, {.fp = {0.6314, 0.1894}, .kind = dynlib::ManifoldKind::Unstable,
//           .bounds = {{-2, 2}, {-1, 1}}});
//   for (const auto& b : r.branches) std::cout << b.count() << " points\n";
//
// The fixed point is refined by find_fixed_points (Newton from `fp`) and classified there; the
// manifold's direction is the real eigenvector of the one eigenvalue outside (unstable) or inside
// (stable) the unit circle (maps) or right (unstable) or left (stable) half plane (ODEs). Both
// branches (+v and -v) are grown from the point fp ± seed_delta·v with arc-length and angle
// control: a new point is accepted only when it is at most `hmax` from the last one and the
// curve turns by at most `alpha_max` radians there; otherwise the parameter step is halved.
// Maps: a point of the curve is F^k(fp ± seed_delta·m^s·v) (k = floor(u), s = u - k, m the
// eigenvalue's modulus; its square and F² for a negative eigenvalue), F the forward map
// (unstable) or the inverse (stable: the model's [equations.inverse], else Newton on F).
// ODEs: the flow of f (unstable) or of -f (stable) through FullModel's rhs callable, by RK4.
// The model is evaluated only through FullModel's callables, so both backends give the same bits.
#pragma once

#include <array>
#include <complex>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

namespace dynlib {

enum class ManifoldKind { Stable, Unstable };
// "stable" | "unstable" (DynlibError with a did-you-mean otherwise).
ManifoldKind parse_manifold_kind(const std::string& text);
const char* manifold_kind_name(ManifoldKind kind);

// Maps, stable manifolds: how a preimage is computed.
enum class ManifoldInverse {
  Auto,    // the model's [equations.inverse] when it has one, else Newton
  Model,   // [equations.inverse]; DynlibError when the model has none
  Newton,  // Newton on F(x) = y with the model's Jacobian
};
// "auto" | "model" ("inverse", "inv_rhs") | "newton".
ManifoldInverse parse_manifold_inverse(const std::string& text);
const char* manifold_inverse_name(ManifoldInverse inv);

struct ManifoldOptions {
  // Near the saddle (n_state values; empty: the model's initial state); named_seed() turns
  // {name: value} into one. Newton refines it (tol 1e-12).
  std::vector<double> fp{};
  ManifoldKind kind = ManifoldKind::Stable;  // the reference's default
  // Parameters, as FixedPointOptions: the whole flat vector or overrides by name. Not both.
  std::optional<std::vector<double>> param_values{};
  std::map<std::string, Value> params{};
  std::optional<double> t{};  // evaluation time (default: the model's t0)
  // Per state [min, max]; a branch stops at its first point outside. Empty: no box.
  std::vector<std::pair<double, double>> bounds{};
  double seed_delta = 1e-6;   // distance of the first point from the fixed point
  double hmax = 1e-2;         // largest distance between consecutive points
  double alpha_max = 0.3;     // largest turning angle (radians) at a point
  double max_arclength = 10;  // per branch
  int max_points = 20000;     // per branch
  // Maps: the most iterates (of F, or F² for a negative eigenvalue) applied to the fundamental
  // segment. ODEs: unused.
  int steps = 60;
  // ODEs: the largest RK4 step and the longest time a branch is followed.
  double dt = 0.01;
  double max_time = 100;
  // Smallest parameter step (iterate fraction for maps, time for ODEs): below it a point is
  // accepted even when it breaks hmax or alpha_max (recorded in ManifoldBranch::forced).
  double min_step = 1e-12;
  std::optional<int> eig_rank{};  // which of several stable/unstable eigenvalues (by modulus)
  double eig_unit_tol = 1e-10;    // maps: | |λ| - 1 | at most this is neither
  double eig_real_tol = 1e-10;    // ODEs: |Re λ| at most this is neither
  double eig_imag_tol = 1e-12;    // the eigenvector must be real to this
  FixedPointJacobian jac = FixedPointJacobian::Auto;
  ManifoldInverse inverse = ManifoldInverse::Auto;  // maps, stable
  double newton_tol = 1e-12;                        // Newton preimages: ||F(x) - y||
  int newton_max_iter = 50;
};

struct ManifoldBranch {
  std::vector<double> points;  // count() × n_state, row-major; points[0..n) is the fixed point
  std::vector<double> param;   // per point: u (maps: iterates) or time (ODEs); 0 at fp
  int n_state = 0;
  double arclength = 0;
  int forced = 0;    // points accepted at min_step in spite of hmax/alpha_max
  std::string stop;  // "max_arclength", "max_points", "steps", "max_time", "bounds",
                     // "not_finite", "newton"
  size_t count() const { return n_state ? points.size() / static_cast<size_t>(n_state) : 0; }
};

struct ManifoldResult {
  std::string kind;        // "stable" | "unstable"
  std::string model_kind;  // "map" | "ode"
  std::vector<std::string> state_names;
  std::vector<double> fixed_point;
  std::vector<double> params;  // the flat parameter vector used
  double t = 0;
  std::complex<double> eigenvalue;
  std::vector<double> eigenvector;  // unit length, real
  int eig_index = 0;                // into the Jacobian's eigenvalues (Eigen's order)
  int step_mul = 1;                 // maps: 2 when the eigenvalue is negative (F² is iterated)
  std::string method;               // "forward", "inverse", "newton" (maps); "flow" (ODEs)
  std::array<ManifoldBranch, 2> branches;  // [0]: along +eigenvector, [1]: along -eigenvector
  std::map<std::string, double> meta;      // the options used (seed_delta, hmax, ...)
};

// Throws DynlibError: the wrong model kind or an int64 model, no fixed point near `fp`, a point
// that is not a saddle of the requested kind (the spectrum in the message), a complex
// eigenvector, bad options, unknown param names (did-you-mean).
ManifoldResult trace_manifold_1d_map(const FullModel& model, const ManifoldOptions& options = {});
ManifoldResult trace_manifold_1d_ode(const FullModel& model, const ManifoldOptions& options = {});

}  // namespace dynlib

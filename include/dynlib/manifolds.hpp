// One-dimensional stable and unstable manifolds of saddles, for maps and ODEs
// (docs/manifolds.md).
//
//   dynlib::FullModel m = dynlib::build("builtin://map/henon");
//   dynlib::ManifoldResult r = dynlib::trace_manifold_1d_map(
//       m, {.fp = {0.6314, 0.1894}, .kind = dynlib::ManifoldKind::Unstable,
//           .bounds = {{-2, 2}, {-1, 1}}, .fp_check_tol = std::nullopt});
//   for (const auto& b : r.branches)
//     for (const auto& s : b.segments) std::cout << s.count() << " points\n";
//
// `fp` is checked (|F(fp) - fp| or |f(fp)| at most fp_check_tol, as the reference does), then
// refined by find_fixed_points (Newton) and classified there; the manifold's direction is the
// real eigenvector of the one eigenvalue outside (unstable) or inside (stable) the unit circle
// (maps) or right (unstable) or left (stable) half plane (ODEs). Both branches (+v and -v) start
// at fp ± seed_delta·v.
// Maps: a point of the curve is F^k(fp ± seed_delta·m^s·v) (k = floor(u), s = u - k, m the
// eigenvalue's modulus; its square and F² for a negative eigenvalue), F the forward map
// (unstable) or the inverse (stable: the model's [equations.inverse], else Newton on F), grown
// with arc-length and angle control: a new point is accepted only when it is at most `hmax` from
// the last one and the curve turns by at most `alpha_max` radians there; otherwise the parameter
// step is halved. A point is lost when one of its iterates leaves `bounds` grown by clip_margin
// (the reference drops such images); the curve continues where it comes back, as a new piece.
// ODEs: the orbit of the seed under the flow (unstable) or the backward flow (stable), run by
// the runtime (dynlib::Sim) with the RK4 stepper at the fixed step dt — the model rebuilt with
// with_stepper("rk4") and, for stable manifolds, time_reversed() (dynlib.hpp) — one point per
// step until it leaves the margin box, max_time or max_points; then resampled every resample_h
// of arc length.
// The output segments are the pieces clipped to `bounds` (runs of at least two points inside).
// The model is evaluated only through FullModel's callables and the runtime, so both backends
// give the same bits.
#pragma once

#include <array>
#include <complex>
#include <limits>
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
  // Per state [min, max]: the output is clipped to it. Empty: no box (maps only; the reference
  // requires it, and so do ODEs here).
  std::vector<std::pair<double, double>> bounds{};
  // The tracing box is `bounds` grown by clip_margin × its extent on every side: maps lose the
  // points whose iterates leave it, ODE branches stop there.
  double clip_margin = 0.25;
  // Distance of the first point from the fixed point (default: 1e-7 maps, 1e-6 ODEs, as the
  // reference).
  std::optional<double> seed_delta{};
  double hmax = 2e-3;      // maps: largest distance between consecutive points
  double alpha_max = 0.3;  // maps: largest turning angle (radians) at a point
  double max_arclength = std::numeric_limits<double>::infinity();  // per branch
  // Per branch, the fixed point included (default: none for maps, 50000 for ODEs).
  std::optional<int> max_points{};
  // Maps: the most iterates (of F, or F² for a negative eigenvalue) applied to the fundamental
  // segment. ODEs: unused.
  int steps = 60;
  // ODEs: the RK4 step and the longest time a branch is followed.
  double dt = 0.01;
  double max_time = 100;
  // Maps: smallest parameter step (iterate fraction): below it a point is accepted even when it
  // breaks hmax or alpha_max (recorded in ManifoldBranch::forced).
  double min_step = 1e-12;
  std::optional<int> eig_rank{};  // which of several stable/unstable eigenvalues (by modulus)
  // With eig_rank unset: true refuses a stable/unstable subspace that is not 1-D; false takes
  // the most contracting/expanding eigenvalue (eig_rank 0).
  bool strict_1d = true;
  double eig_unit_tol = 1e-10;  // maps: | |λ| - 1 | at most this is neither
  double eig_real_tol = 1e-10;  // ODEs: |Re λ| at most this is neither
  double eig_imag_tol = 1e-12;  // the eigenvector must be real to this
  FixedPointJacobian jac = FixedPointJacobian::Auto;
  double fd_eps = 1e-6;  // jac = Fd: difference step, scaled by (1 + |x_j|)
  // The given fp must satisfy |F(fp) - fp| (maps) or |f(fp)| (ODEs) <= this before Newton refines
  // it; nullopt skips the check (Newton then finds the fixed point near fp).
  std::optional<double> fp_check_tol = 1e-6;
  // Maps: caps on each piece's points and on the pieces (segments) of a branch.
  int max_points_per_segment = 20000;
  int max_segments = 200;
  // ODEs: output segments resampled to this arc-length spacing (nullopt: the RK4 points as is).
  std::optional<double> resample_h = 0.01;
  ManifoldInverse inverse = ManifoldInverse::Auto;  // maps, stable
  double newton_tol = 1e-12;                        // Newton preimages: ||F(x) - y||
  int newton_max_iter = 50;
};

// A run of points of a branch: count() × n_state values, row-major, with their parameters.
struct ManifoldSegment {
  std::vector<double> points;
  std::vector<double> param;
  int n_state = 0;
  size_t count() const { return n_state ? points.size() / static_cast<size_t>(n_state) : 0; }
};

struct ManifoldBranch {
  // The traced curve, inside the margin box: count() × n_state, row-major; points[0..n) is the
  // fixed point. Maps: pieces one after another (piece_begin: the index of each one's first point;
  // consecutive pieces are not connected).
  std::vector<double> points;
  std::vector<double> param;  // per point: u (maps: iterates) or time (ODEs); -inf at fp
  std::vector<size_t> piece_begin{0};
  int n_state = 0;
  double arclength = 0;  // of the traced curve (pieces' own lengths, summed)
  int forced = 0;        // maps: points accepted at min_step in spite of hmax/alpha_max
  std::string stop;      // "max_arclength", "max_points", "max_points_per_segment",
                         // "max_segments", "steps", "max_time", "bounds", "not_finite", "newton"
  // The output: the pieces clipped to `bounds` (runs of >= 2 points inside; at most max_segments),
  // ODEs resampled by resample_h. Without bounds: the pieces.
  std::vector<ManifoldSegment> segments;
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
  std::vector<std::pair<double, double>> bounds;  // as given
};

// Throws DynlibError: the wrong model kind or an int64 model, fp not a fixed point within
// fp_check_tol, no fixed point near `fp`, a point that is not a saddle of the requested kind (the
// spectrum in the message), a subspace not 1-D with strict_1d, a complex eigenvector, bad
// options, unknown param names (did-you-mean).
ManifoldResult trace_manifold_1d_map(const FullModel& model, const ManifoldOptions& options = {});
ManifoldResult trace_manifold_1d_ode(const FullModel& model, const ManifoldOptions& options = {});

}  // namespace dynlib

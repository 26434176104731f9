// Equilibria of ODEs and fixed/periodic points of maps, found by damped Newton from seeds and
// classified by the eigenvalues of the Jacobian there (docs/fixed-points.md).
//
//   dynlib::FullModel m = dynlib::build("builtin://map/henon");
//   dynlib::FixedPointResult r = dynlib::find_fixed_points(m, {.seeds = {{0.6, 0.2}, {-1, -0.4}}});
//   for (const auto& p : r.points) std::cout << p.x[0] << " " << p.type << "\n";
//
// ODEs: roots of f(x) = 0. Maps: roots of F^k(x) - x for period k (default 1). The model is
// evaluated only through FullModel's callables (rhs, jacobian), by the build's backend.
// A seed that does not converge is reported in `seeds` (with where it ended), never thrown.
#pragma once

#include <atomic>
#include <complex>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"

namespace dynlib {

// Where Newton's Jacobian comes from.
enum class FixedPointJacobian {
  Auto,      // FullModel::jacobian(): the symbolic Jacobian (or [equations.jacobian] when the
             // model was built with BuildOptions::jacobian = "user")
  Fd,        // differences of rhs (fd_eps, fd_central)
  Provided,  // the model's [equations.jacobian]: the model must have one and be built with
             // BuildOptions::jacobian = "user" (the CLI and Python do this for you)
};
// "auto"; "fd" ("finite-diff", "finite_diff"); "provided" ("analytic", "model", "user").
// Throws DynlibError with the accepted names otherwise.
FixedPointJacobian parse_fixed_point_jacobian(const std::string& text);
const char* fixed_point_jacobian_name(FixedPointJacobian jac);

// Called after each seed: seeds done, seeds in total.
using FixedPointProgressFn = std::function<void(size_t done, size_t total)>;

struct FixedPointOptions {
  // Newton starts, n_state values each; empty: the model's initial state. named_seed() turns
  // {name: value} into one.
  std::vector<std::vector<double>> seeds{};
  // Parameters: the whole flat vector (Layout::param_value_labels() order), or overrides by name
  // of the model's defaults (arrays: every element, or "w[k]"). Not both.
  std::optional<std::vector<double>> param_values{};
  std::map<std::string, Value> params{};
  std::optional<double> t{};  // evaluation time (default: the model's t0); maps hold it fixed
  int period = 1;             // maps: look for points of F^period(x) = x
  FixedPointJacobian jac = FixedPointJacobian::Auto;
  double tol = 1e-10;           // converged when ||residual||_2 <= tol
  int max_iter = 50;            // Newton steps per seed
  double unique_tol = 1e-6;     // merge solutions closer than this (<= 0: keep every one)
  double fd_eps = 1e-6;         // difference step, scaled by (1 + |x_j|)
  bool fd_central = false;      // central instead of forward differences (jac = Fd)
  bool classify = true;         // eigenvalues, eigenvectors, stability and type
  double stability_tol = 1e-6;  // |Re λ| (flows) or ||λ| - 1| (maps) at most this is neutral
  FixedPointProgressFn progress{};
  const std::atomic<bool>* stop = nullptr;  // set: the remaining seeds are skipped
};

struct FixedPoint {
  std::vector<double> x;  // the point
  double residual = 0;    // ||f(x)|| (ODE) or ||F^period(x) - x|| (map; `period` below)
  // Jacobian of f (ODE) or of F^period (map; the chain rule along the orbit), n×n row-major,
  // with `period` the point's minimal period.
  std::vector<double> jacobian;
  // With classify: its eigenvalues (Eigen's order) and eigenvectors (column j belongs to
  // eigenvalue j, n×n row-major), the reference's stability label ("stable", "unstable",
  // "saddle", "neutral") and a finer type (docs/fixed-points.md): flows "stable node",
  // "unstable node", "stable focus", "unstable focus", "saddle", "saddle-focus", "centre",
  // "non-hyperbolic"; maps the same by modulus plus "flip" (λ = -1), "fold" (λ = +1) and
  // "neimark-sacker" (a complex pair on the unit circle).
  std::vector<std::complex<double>> eigenvalues;
  std::vector<std::complex<double>> eigenvectors;
  std::string stability, type;
  // Maps: the minimal period of the point (it divides FixedPointOptions::period) and the cycle
  // it belongs to; the points of one cycle are consecutive, in orbit order (x, F(x), ...).
  // ODEs: period 1 and one cycle per point.
  int period = 1;
  int cycle = 0;
  int seed = -1;  // the seed whose solution gave this point (or its cycle)
};

struct FixedPointSeed {
  std::vector<double> start;  // the seed
  std::vector<double> x;      // where Newton ended
  double residual = 0;        // there (NaN when the model's value was not finite)
  bool converged = false;
  int iterations = 0;   // Newton steps taken
  int point = -1;       // index into FixedPointResult::points; -1 when not converged
  std::string message;  // why it did not converge; empty when it did
};

struct FixedPointResult {
  std::string kind;  // "ode" | "map"
  int period = 1;    // asked for
  double t = 0;
  std::vector<double> params;  // the flat parameter vector used
  std::vector<FixedPoint> points;
  std::vector<FixedPointSeed> seeds;  // one per seed, in order
  int cycles = 0;                     // distinct cycles (ODE: == points.size())
  bool stopped = false;               // options.stop was set before every seed ran
};

// Throws DynlibError for an int64 model, seeds of the wrong length, unknown param names (with a
// did-you-mean), a period < 1 or on an ODE, bad tolerances, or jac = Provided on a model without
// [equations.jacobian].
FixedPointResult find_fixed_points(const FullModel& model, const FixedPointOptions& options = {});

// The model's initial state with the states in `values` replaced (names as the Layout spells
// them; unknown names: DynlibError with a did-you-mean).
std::vector<double> named_seed(const FullModel& model, const std::map<std::string, double>& values);

}  // namespace dynlib

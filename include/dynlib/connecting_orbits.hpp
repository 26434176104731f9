// Homoclinic and heteroclinic orbits of ODEs: finders that continue a connection in one
// parameter (scan, then bisection on the sign of a gap) and tracers that follow the orbit at one
// parameter value (docs/connecting-orbits.md).
//
//   dynlib::Sim sim = dynlib::setup("inline:...");  // x' = y, y' = x - x^2 + mu*y
//   dynlib::OrbitFinderResult r = dynlib::homoclinic_finder(
//       sim, {.param = "mu", .param_min = -0.5, .param_max = 0.5, .param_init = 0.1,
//             .source_eq = {0, 0}},
//       dynlib::homoclinic_finder_config("default"));
//   if (r.success) std::cout << r.param_found << "\n";
//
// The source equilibrium (for homoclinic orbits also the target) is refined by find_fixed_points
// and must have exactly one unstable eigenvalue (real, with a real eigenvector v_u). Its unstable
// branch x_eq ± eps·v_u is integrated by the Sim's own stepper (rk45 with the config's tolerances;
// a warning when the Sim has another stepper) in resumed chunks, and every recorded step is
// inspected. The target equilibrium must have exactly one unstable eigenvalue too (its stable
// manifold has codimension one); with its right and left unstable eigenvectors v_u, l_u
// (l_u·v_u = 1) the return section is the tube b(x) = ||(x - x_T) - (l_u·(x - x_T)) v_u|| = r_sec
// around its unstable axis, crossed inwards. The signed gap at the crossing is
// g = l_u·(x - x_T): zero when the branch arrives on the (linearised) stable manifold of the
// target, of opposite signs on its two sides — so a sign change of g along a parameter scan
// brackets a connecting orbit, and bisection refines it. A branch that misses the thin tube but
// passes through a wider ball around the target (r_exit) still gives the sign of the side it
// leaves on (status "exit"), so a coarse scan brackets the connection too. Everything runs
// through the Sim, so the interpreter and native kernels give the same bits.
#pragma once

#include <complex>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

namespace dynlib {

// The stepper settings of a branch (the reference's HomoclinicRK45Config and
// HeteroclinicRK45Config): the Sim's rk45 runs with dt = dt0, dt_min = min_step, dt_max, atol,
// rtol and safety; at most max_steps steps per branch. A fixed-step stepper steps with dt0.
struct OrbitRk45Config {
  double dt0 = 1e-3;
  double min_step = 1e-12;
  double dt_max = 1e-1;
  double atol = 1e-10;
  double rtol = 1e-7;
  double safety = 0.9;
  long long max_steps = 2'000'000;
};

// One branch of an unstable manifold (the reference's HomoclinicBranchConfig and
// HeteroclinicBranchConfig; the heteroclinic one defaults t_min_event to 0.1 and has no r_sec).
struct OrbitBranchConfig {
  double eq_tol = 1e-12;  // Newton on f(x) = 0: ||f|| at most this
  int eq_max_iter = 40;
  // Along a scan an equilibrium may move at most this far between neighbouring parameter values
  // (default 0.25·r_leave), else that value is an "eq_jump".
  std::optional<double> eq_track_max_dist{};
  std::string eps_mode = "leave";  // "leave": eps = r_leave·exp(-λ_u·t_leave_target); "fixed": eps
  double eps = 1e-6;               // the seed's distance from the equilibrium ("fixed", fallback)
  double eps_min = 1e-10, eps_max = 1e-2;  // "leave": eps is clipped to these
  double r_leave = 1e-2;                   // the branch has left the source once this far from it
  double t_leave_target = 0.05;
  double r_sec = 1e-2;       // homoclinic: the return section's radius
  double t_min_event = 0.2;  // no section crossing before this time after the start
  double t_max = 500;        // the longest time a branch is followed
  double s_max = 1e6;        // the longest arc length
  double r_blow = 200;       // a branch ends this far from the source ("blow")
  std::vector<std::pair<double, double>> window{};  // per state [min, max]; outside: "window"
  bool require_leave_before_event = true;
  double eig_real_tol = 1e-10;  // |Re λ| at most this is neither stable nor unstable
  double eig_imag_tol = 1e-12;  // the unstable eigenvalue and eigenvector must be real to this
  bool strict_1d = true;        // exactly one unstable eigenvalue (else: the most unstable one)
  FixedPointJacobian jac = FixedPointJacobian::Auto;  // "auto" | "fd" | "analytic"
  double fd_eps = 1e-6;
  OrbitRk45Config rk{};
  // Finders: a branch that never crosses the section but enters and leaves the ball of this
  // radius around the target still tells on which side of the target's stable manifold it
  // passed (g = l_u·(x - x_T) where it leaves; q > 0). 0: 20·r_leave (at least 2·r_sec).
  double r_exit = 0;
};
OrbitBranchConfig heteroclinic_branch_defaults();  // t_min_event = 0.1

struct HomoclinicFinderConfig {
  OrbitBranchConfig trace{};
  int scan_n = 61;        // parameter values of the scan (linspace over [param_min, param_max])
  int max_bisect = 60;    // bisection steps on a sign change
  double gap_tol = 1e-4;  // success: |g| at most this ...
  double x_tol = 1e-4;    // ... and the miss distance q at most this
  std::string branch_mode = "auto";  // "auto": sign_u = +1, then -1; "fixed": sign_u only
  int sign_u = +1;
};

// The reference's HeteroclinicFinderConfig2D and ...ND (one formulation for every n >= 2).
struct HeteroclinicFinderConfig {
  double eq_tol = 1e-12;
  int eq_max_iter = 40;
  std::optional<double> eq_track_max_dist{};
  OrbitBranchConfig trace_u = heteroclinic_branch_defaults();  // the source's unstable branch
  OrbitBranchConfig trace_s = heteroclinic_branch_defaults();  // the target's eigen-data, r_leave
  int scan_n = 61;
  int max_bisect = 60;
  double x_tol = 1e-4;
  double gap_tol = 1e-4;
  double gap_fac = 2.0;  // success: |g| <= max(gap_tol, gap_fac·q / r_sec)
  std::string branch_mode = "auto";
  int sign_u = +1;
  int sign_s = +1;  // reported only: the tube section is two-sided
  // The section's radius around the target: r_sec, else r_sec_min_mult·trace_s.r_leave. The
  // exit ball's: trace_s.r_exit, else r_sec_mult·trace_s.r_leave (at least 2·r_sec).
  std::optional<double> r_sec{};
  double r_sec_mult = 20.0;
  double r_sec_min_mult = 2.0;
};

// "fast" | "default" | "precise" (DynlibError with a did-you-mean otherwise): the reference's
// presets, shared by homoclinic and heteroclinic orbits.
struct OrbitPreset {
  std::string name;
  OrbitRk45Config rk{};
  OrbitBranchConfig branch{};  // homoclinic defaults (t_min_event 0.2)
  int scan_n = 61, max_bisect = 60;
  double gap_tol = 1e-4, x_tol = 1e-4;
};
OrbitPreset orbit_preset(const std::string& name);
HomoclinicFinderConfig homoclinic_finder_config(const std::string& preset);
HeteroclinicFinderConfig heteroclinic_finder_config(const std::string& preset);

// Which parameter is continued and where the equilibria are.
struct OrbitProblem {
  // The continued parameter: a scalar param's name, or param_index (into the model's params);
  // neither: the model must have exactly one param.
  std::string param{};
  std::optional<int> param_index{};
  double param_min = 0, param_max = 0, param_init = 0;  // finders
  double param_value = 0;                               // tracers
  std::vector<double> source_eq{};  // homoclinic: the saddle; heteroclinic: A (n_state values)
  std::vector<double> target_eq{};  // heteroclinic: B
  int sign_u = +1;                  // tracers: the branch x_eq + sign_u·eps·v_u
  double hit_radius = 1e-2;         // heteroclinic tracer: success within this of B
  // Other params: the whole flat vector, or overrides by name of the Sim's current values.
  std::optional<std::vector<double>> param_values{};
  std::map<std::string, Value> params{};
  std::optional<double> t{};  // evaluation time (default: the model's t0)
};

// One shot of the unstable branch at one parameter value.
struct OrbitMiss {
  bool qualified = false;  // the branch crossed the section or passed the target (g is set)
  double param_value = 0;
  std::vector<double> source_eq, target_eq;
  std::vector<std::complex<double>> source_eigenvalues, target_eigenvalues;
  int sign_u = +1;
  double eps = 0;
  std::vector<double> v_dir, x0;               // the source's unit unstable eigenvector; the seed
  std::vector<double> target_v_u, target_l_u;  // the target's unstable right/left eigenvectors
  double r_sec = 0, r_leave = 0, t_min = 0;
  double t_cross = 0;             // absolute time of x_cross (t_eval + time since the seed)
  std::vector<double> x_cross;    // on the section (the nearest sample when not crossed)
  std::vector<double> x_s_cross;  // x_cross moved along v_u onto the target's stable subspace
  double g = 0;                   // the signed gap (NaN when not crossed)
  double q = 0;                   // 0 when crossed, else min |b(x) - r_sec| over the samples
  // "ok" (crossed the section), "exit" (passed the target: only the sign of g means something);
  // not qualified: "eq_fail", "eq_jump", "saddle_fail", "no_cross", "blow", "window",
  // "smax", "max_steps", "step_fail"
  std::string status;
  std::string integrate_status;  // how the integration ended: "event", "ok", "blow", ...
  std::string fail;              // details of a saddle_fail / eq_fail
  long long steps = 0;           // steps the Sim took for this branch
};

struct OrbitScanPoint {
  double param_value = 0, g = 0, q = 0;
  std::string status;
};

// The reference's `info` dict.
struct OrbitFinderInfo {
  std::string fail;  // "" on success; else why (e.g. "no_sign_change_in_qualified_scan")
  double param_min = 0, param_max = 0, param_init = 0, param_used = 0;
  int scan_n = 0, sign_u = 1, sign_s = 1;
  std::string branch_mode;
  double eq_track_max_dist = 0;
  int qualified_count = 0, eq_jump_count = 0, eq_fail_count = 0;
  std::optional<OrbitScanPoint> best_by_abs_gap, best_by_q;
  int bisection_iters = 0;
  double gap_found = 0, q_found = 0, t_cross = 0, gap_tol_eff_found = 0;  // on success
  double param_candidate = 0, gap_candidate = 0, q_candidate = 0;         // on failure
  bool has_candidate = false;
  std::vector<OrbitScanPoint> scan;  // every scan point of the last branch sign tried
};

struct OrbitFinderResult {
  bool success = false;
  double param_found = 0;  // NaN on failure
  std::optional<OrbitMiss> miss;
  OrbitFinderInfo info;
  std::vector<std::string> warnings;
};

struct OrbitTraceEvent {
  std::string kind;  // "section_cross" (homoclinic) | "target_ball" (heteroclinic)
  double t = 0;
  std::vector<double> x;
  double g = 0, q = 0, d_event = 0;
};

struct OrbitTraceResult {
  std::string kind;  // "homoclinic" | "heteroclinic"
  int n_state = 0;
  std::vector<double> t;  // absolute times (t_eval + time since the seed), one per point
  std::vector<double> X;  // points, row-major: count() × n_state; X[0..n) is the seed
  double param_value = 0;
  std::vector<double> source_eq, target_eq;
  int sign_u = 1;
  double eps_used = 0;
  std::string status;
  bool success = false;
  std::optional<OrbitTraceEvent> event;
  double t_cross = 0;  // homoclinic
  std::vector<double> x_cross;
  double g = 0, q = 0;
  double d_min = 0;  // heteroclinic: the closest approach to the target
  std::string fail;
  std::vector<std::string> warnings;
  size_t count() const { return n_state ? X.size() / static_cast<size_t>(n_state) : 0; }
};

// Throw DynlibError: a map or an int64 model, unknown param names (did-you-mean) or an array
// param, equilibria of the wrong length, param_min >= param_max, bad configs. A search that
// finds nothing is a result with success = false and info.fail set, never an exception.
OrbitFinderResult homoclinic_finder(const Sim& sim, const OrbitProblem& problem,
                                    const HomoclinicFinderConfig& config = {});
OrbitTraceResult homoclinic_tracer(const Sim& sim, const OrbitProblem& problem,
                                   const OrbitBranchConfig& config = {});
OrbitFinderResult heteroclinic_finder(const Sim& sim, const OrbitProblem& problem,
                                      const HeteroclinicFinderConfig& config = {});
OrbitTraceResult heteroclinic_tracer(
    const Sim& sim, const OrbitProblem& problem,
    const OrbitBranchConfig& config = heteroclinic_branch_defaults());

}  // namespace dynlib

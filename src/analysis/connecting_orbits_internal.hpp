// What the homoclinic and heteroclinic finders and tracers share: the problem's context (worker
// Sim, parameter vector, continued parameter; connecting_orbits_context.cpp), equilibria and their
// unstable eigen-data (connecting_orbits_saddle.cpp), one branch integrated through the Sim with
// its section or ball crossing (connecting_orbits_shoot.cpp) and the scan + bisection
// continuation in one parameter (connecting_orbits_continue.cpp).
#pragma once

#include <complex>
#include <functional>
#include <string>
#include <vector>

#include "dynlib/connecting_orbits.hpp"

namespace dynlib::analysis {

struct OrbitContext {
  FullModel model;
  Sim sim;  // the worker: the caller's model and stepper, never the caller's Sim
  std::vector<double> params_base;  // the flat parameter vector
  int param_flat = 0;               // the continued parameter's entry in it
  std::string param_name;
  double t_eval = 0;
  bool adaptive = true;  // the stepper picks its steps (rk.dt0 is its first); else [sim] dt
  std::vector<std::string> warnings;
  std::string function;
  std::vector<double> with_param(double value) const {
    std::vector<double> p = params_base;
    p[static_cast<size_t>(param_flat)] = value;
    return p;
  }
};

// Checks the model (an ODE, floating point) and the problem's param names and equilibria; warns
// (in `warnings`) when the Sim's stepper is not rk45.
OrbitContext orbit_context(const Sim& sim, const OrbitProblem& problem, const char* function,
                           bool heteroclinic);
void check_branch_config(const OrbitBranchConfig& config, size_t n_state, const std::string& where);

struct OrbitEquilibrium {
  bool ok = false;
  std::string status;  // "" | "eq_fail" | "eq_jump"
  std::string fail;
  std::vector<double> x;
  std::vector<std::complex<double>> eigenvalues, eigenvectors;  // eigenvectors n×n, column j
};

// Newton (find_fixed_points) from `guess`; with `prev`, a solution farther than
// track_max_dist from it is an "eq_jump".
OrbitEquilibrium refine_equilibrium(const OrbitContext& ctx, const std::vector<double>& params,
                                    const std::vector<double>& guess,
                                    const std::vector<double>* prev, double eq_tol, int eq_max_iter,
                                    double track_max_dist, const OrbitBranchConfig& branch);

struct UnstableDirection {
  bool ok = false;
  std::string fail;  // "not_index1_saddle", "no_unstable", "no_stable", "complex_unstable_mode"
  double lambda = 0;
  std::vector<double> v;  // unit right eigenvector, largest component positive
  std::vector<double> l;  // left eigenvector with l·v = 1
};
UnstableDirection unstable_direction(const OrbitEquilibrium& eq, const OrbitBranchConfig& branch);

// The exit ball's radius: branch.r_exit, else 20·r_leave; at least twice the section radius.
double exit_radius(const OrbitBranchConfig& branch, double r_sec);

// eps_mode "leave": r_leave·exp(-rate·t_leave_target) within [eps_min, eps_max]; "fixed": eps.
double departure_eps(const OrbitBranchConfig& branch, double rate);

// Where a branch ends: the tube b(x) = r_sec around the target's unstable axis (finders and the
// homoclinic tracer) or the ball of radius `radius` around the target (heteroclinic tracer).
// Tube mode also watches the ball of radius r_exit around the target: a branch that enters it
// (having been outside) and leaves it again without crossing the tube has passed the target on
// one side of its stable manifold, told by the sign of l_u·(x - x_T) where it leaves.
struct OrbitTarget {
  bool ball = false;
  std::vector<double> x, v_u, l_u;
  double radius = 0;
  double r_exit = 0;
};

struct BranchShot {
  std::string status;  // "event", "ok" (t_max), "blow", "window", "smax", "max_steps", "step_fail"
  bool hit = false;
  double t_hit = 0;  // since the seed
  std::vector<double> x_hit;
  double g = 0;         // tube: l_u·(x_hit - x_T)
  bool exited = false;  // tube mode: left the r_exit ball without crossing the tube
  double g_exit = 0;    // l_u·(x - x_T) at the first sample outside the ball
  double q_best = 0;    // tube: min |b - r_sec| over the samples checked
  std::vector<double> x_best;
  double t_best = 0;
  double d_min = 0;  // distance to the target, smallest over the samples
  long long steps = 0;
  std::vector<double> ts, xs;  // the samples (keep_path), seed first
};

// Integrates from x0 with the worker Sim (fresh run, then resumed chunks) and inspects every
// recorded step until the target is hit, t_max, or a stop condition.
BranchShot shoot_branch(OrbitContext& ctx, const std::vector<double>& params,
                        const std::vector<double>& x_source, const std::vector<double>& x0,
                        const OrbitBranchConfig& branch, const OrbitTarget& target, bool keep_path);

struct OrbitGuess {
  std::vector<double> source, target;
};
// One shot at `param_value`: equilibria from `guess` (tracked against `prev`), branch sign_u.
using OrbitMissFn = std::function<OrbitMiss(double param_value, const OrbitGuess& guess,
                                            const OrbitGuess* prev, int sign_u)>;

struct ContinuationSettings {
  double param_min = 0, param_max = 0, param_init = 0;
  int scan_n = 61, max_bisect = 60;
  double gap_tol = 1e-4, x_tol = 1e-4;
  double gap_fac = 0;  // > 0: |g| <= max(gap_tol, gap_fac·q/r_sec)
  std::string branch_mode = "auto";
  int sign_u = 1, sign_s = 1;
  double eq_track_max_dist = 0;
};
double gap_tol_eff(const ContinuationSettings& s, const OrbitMiss& m);
bool orbit_success(const ContinuationSettings& s, const OrbitMiss& m);

// Scans [param_min, param_max] from the point nearest param_init outwards (tracking the
// equilibria), then bisects the bracketing sign change of g with the smallest |g| at its ends.
OrbitFinderResult continue_orbit(const ContinuationSettings& settings, const OrbitGuess& start,
                                 const OrbitMissFn& miss);

}  // namespace dynlib::analysis

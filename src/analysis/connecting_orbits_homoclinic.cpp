// homoclinic_finder and homoclinic_tracer: the unstable branch of a saddle shot until it comes
// back through the tube section around the saddle's own unstable axis (docs/connecting-orbits.md).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "analysis/connecting_orbits_internal.hpp"
#include "analysis/not_a_value.hpp"

namespace dynlib {

namespace {

double track_distance(const std::optional<double>& given, double r_leave) {
  return given ? *given : 0.25 * r_leave;  // the reference's default
}

OrbitMiss unqualified(double pv, int sign, const std::vector<double>& eq,
                      const OrbitBranchConfig& b, std::string status, std::string fail) {
  OrbitMiss m;
  m.param_value = pv;
  m.sign_u = sign;
  m.source_eq = m.target_eq = eq;
  m.eps = b.eps;
  m.v_dir = std::vector<double>(eq.size(), 0.0);
  m.x0 = eq;
  m.r_sec = b.r_sec;
  m.r_leave = b.r_leave;
  m.t_min = b.t_min_event;
  m.t_cross = kNaN;
  m.x_cross = m.x_s_cross = eq;
  m.g = kNaN;
  m.q = kInf;
  m.status = std::move(status);
  m.fail = std::move(fail);
  return m;
}

// Shoots the branch sign·v_u of the saddle refined from `guess` and measures the return.
OrbitMiss homoclinic_miss(analysis::OrbitContext& ctx, const OrbitBranchConfig& b, double pv,
                          const std::vector<double>& guess, const std::vector<double>* prev,
                          int sign, analysis::BranchShot* path) {
  // The tracer follows the branch to t_max when it misses: no exit ball there.
  const std::vector<double> params = ctx.with_param(pv);
  const analysis::OrbitEquilibrium eq =
      analysis::refine_equilibrium(ctx, params, guess, prev, b.eq_tol, b.eq_max_iter,
                                   track_distance(b.eq_track_max_dist, b.r_leave), b);
  if (!eq.ok) return unqualified(pv, sign, eq.x, b, eq.status, eq.fail);
  const analysis::UnstableDirection dir = analysis::unstable_direction(eq, b);
  if (!dir.ok) {
    OrbitMiss m = unqualified(pv, sign, eq.x, b, "saddle_fail", dir.fail);
    m.source_eigenvalues = m.target_eigenvalues = eq.eigenvalues;
    return m;
  }
  const size_t n = eq.x.size();
  OrbitMiss m = unqualified(pv, sign, eq.x, b, "", "");
  m.source_eigenvalues = m.target_eigenvalues = eq.eigenvalues;
  m.eps = analysis::departure_eps(b, dir.lambda);
  m.v_dir = dir.v;
  m.target_v_u = dir.v;
  m.target_l_u = dir.l;
  for (size_t i = 0; i < n; ++i) m.x0[i] = eq.x[i] + (sign >= 0 ? 1.0 : -1.0) * m.eps * dir.v[i];
  const analysis::OrbitTarget target{
      false, eq.x, dir.v, dir.l, b.r_sec, path ? 0.0 : analysis::exit_radius(b, b.r_sec)};
  analysis::BranchShot shot =
      analysis::shoot_branch(ctx, params, eq.x, m.x0, b, target, path != nullptr);
  m.steps = shot.steps;
  m.integrate_status = shot.status;
  m.qualified = shot.hit;
  if (shot.hit) {
    m.t_cross = ctx.t_eval + shot.t_hit;
    m.x_cross = shot.x_hit;
    m.g = shot.g;
    m.q = 0;
    m.status = "ok";
    for (size_t i = 0; i < n; ++i) m.x_s_cross[i] = m.x_cross[i] - m.g * dir.v[i];
  } else if (shot.exited) {
    m.qualified = true;
    m.t_cross = ctx.t_eval + shot.t_hit;
    m.x_cross = shot.x_hit;
    m.g = shot.g_exit;
    m.q = shot.q_best;
    m.status = "exit";
  } else {
    m.t_cross = ctx.t_eval + shot.t_best;
    m.x_cross = shot.x_best;
    m.q = shot.q_best;
    m.status = (shot.status == "ok" || shot.status == "max_steps") ? "no_cross" : shot.status;
  }
  if (path) *path = std::move(shot);
  return m;
}

void check_finder(const OrbitProblem& p, int scan_n, int max_bisect, double gap_tol, double x_tol,
                  const std::string& branch_mode, const char* fn) {
  if (!(p.param_min < p.param_max))
    throw DynlibError(fmt::format("{}: param_min must be < param_max, got [{}, {}]", fn,
                                  p.param_min, p.param_max));
  if (!std::isfinite(p.param_min) || !std::isfinite(p.param_max) || !std::isfinite(p.param_init))
    throw DynlibError(fmt::format("{}: param_min, param_max and param_init must be finite", fn));
  if (scan_n < 2) throw DynlibError(fmt::format("{}: scan_n must be >= 2, got {}", fn, scan_n));
  if (max_bisect < 0)
    throw DynlibError(fmt::format("{}: max_bisect must be >= 0, got {}", fn, max_bisect));
  if (!(gap_tol >= 0) || !(x_tol >= 0))
    throw DynlibError(fmt::format("{}: gap_tol and x_tol must be >= 0", fn));
  if (branch_mode != "auto" && branch_mode != "fixed")
    throw DynlibError(
        fmt::format("{}: branch_mode must be 'auto' or 'fixed', got '{}'", fn, branch_mode));
}

}  // namespace

OrbitFinderResult homoclinic_finder(const Sim& sim, const OrbitProblem& problem,
                                    const HomoclinicFinderConfig& cfg) {
  const char* fn = "homoclinic_finder";
  check_finder(problem, cfg.scan_n, cfg.max_bisect, cfg.gap_tol, cfg.x_tol, cfg.branch_mode, fn);
  analysis::OrbitContext ctx = analysis::orbit_context(sim, problem, fn, false);
  analysis::check_branch_config(cfg.trace, problem.source_eq.size(), fn);
  analysis::ContinuationSettings s;
  s.param_min = problem.param_min;
  s.param_max = problem.param_max;
  s.param_init = problem.param_init;
  s.scan_n = cfg.scan_n;
  s.max_bisect = cfg.max_bisect;
  s.gap_tol = cfg.gap_tol;
  s.x_tol = cfg.x_tol;
  s.branch_mode = cfg.branch_mode;
  s.sign_u = cfg.sign_u;
  s.eq_track_max_dist = track_distance(cfg.trace.eq_track_max_dist, cfg.trace.r_leave);
  OrbitFinderResult r = analysis::continue_orbit(
      s, {problem.source_eq, problem.source_eq},
      [&](double pv, const analysis::OrbitGuess& guess, const analysis::OrbitGuess* prev,
          int sign) {
        return homoclinic_miss(ctx, cfg.trace, pv, guess.source, prev ? &prev->source : nullptr,
                               sign, nullptr);
      });
  r.warnings = ctx.warnings;
  return r;
}

OrbitTraceResult homoclinic_tracer(const Sim& sim, const OrbitProblem& problem,
                                   const OrbitBranchConfig& cfg) {
  const char* fn = "homoclinic_tracer";
  analysis::OrbitContext ctx = analysis::orbit_context(sim, problem, fn, false);
  analysis::check_branch_config(cfg, problem.source_eq.size(), fn);
  const int sign = problem.sign_u >= 0 ? 1 : -1;
  analysis::BranchShot shot;
  const OrbitMiss m =
      homoclinic_miss(ctx, cfg, problem.param_value, problem.source_eq, nullptr, sign, &shot);
  const size_t n = problem.source_eq.size();
  OrbitTraceResult r;
  r.kind = "homoclinic";
  r.n_state = static_cast<int>(n);
  r.param_value = problem.param_value;
  r.source_eq = r.target_eq = m.source_eq;
  r.sign_u = sign;
  r.eps_used = m.status == "eq_fail" || m.status == "saddle_fail" ? kNaN : m.eps;
  r.status = m.status;
  r.fail = m.fail;
  r.success = m.qualified && m.status == "ok";
  r.g = m.g;
  r.q = m.q;
  r.x_cross = m.x_cross;
  r.t_cross = r.success ? m.t_cross : kNaN;
  if (shot.ts.empty()) {  // no branch was shot: the equilibrium alone
    r.t = {ctx.t_eval};
    r.X = m.source_eq;
  } else {
    r.t = shot.ts;
    r.X = shot.xs;
    if (shot.hit) {  // end on the section, not on the step past it
      r.t.back() = shot.t_hit;
      std::copy(shot.x_hit.begin(), shot.x_hit.end(), r.X.end() - static_cast<long>(n));
    }
    for (double& t : r.t) t += ctx.t_eval;
  }
  if (r.success) r.event = OrbitTraceEvent{"section_cross", r.t_cross, m.x_cross, m.g, m.q, 0};
  r.warnings = ctx.warnings;
  return r;
}

}  // namespace dynlib

// heteroclinic_finder and heteroclinic_tracer: the unstable branch of a saddle A shot towards an
// equilibrium B whose stable manifold has codimension one; the finder measures the signed gap on
// the tube section around B's unstable axis, the tracer follows the branch into a ball around B
// (docs/connecting-orbits.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/connecting_orbits_internal.hpp"
#include "analysis/not_a_value.hpp"

namespace dynlib {

namespace {

// The tube's radius: r_sec, else r_sec_min_mult·trace_s.r_leave. The reference's larger
// r_sec_mult·trace_s.r_leave sizes the exit ball instead (unless trace_s.r_exit is set): a wide
// capture for the sign, a thin section for the gap (its bias grows like r_sec^3).
double section_radius(const HeteroclinicFinderConfig& c) {
  return c.r_sec ? *c.r_sec : c.r_sec_min_mult * c.trace_s.r_leave;
}

double exit_ball(const HeteroclinicFinderConfig& c, double r_sec) {
  const double r = c.trace_s.r_exit > 0 ? c.trace_s.r_exit : c.r_sec_mult * c.trace_s.r_leave;
  return std::max(r, 2 * r_sec);
}

double track_distance(const HeteroclinicFinderConfig& c) {
  return c.eq_track_max_dist ? *c.eq_track_max_dist : 0.25 * c.trace_u.r_leave;
}

struct Pair {
  analysis::OrbitEquilibrium a, b;
  analysis::UnstableDirection da, db;
};

OrbitMiss base_miss(double pv, int sign, const Pair& e, double r_sec, const OrbitBranchConfig& bu) {
  OrbitMiss m;
  m.param_value = pv;
  m.sign_u = sign;
  m.source_eq = e.a.x;
  m.target_eq = e.b.x;
  m.source_eigenvalues = e.a.eigenvalues;
  m.target_eigenvalues = e.b.eigenvalues;
  m.eps = bu.eps;
  m.v_dir = std::vector<double>(e.a.x.size(), 0.0);
  m.x0 = e.a.x;
  m.r_sec = r_sec;
  m.r_leave = bu.r_leave;
  m.t_min = bu.t_min_event;
  m.t_cross = kNaN;
  m.x_cross = e.a.x;
  m.x_s_cross = e.b.x;
  m.g = kNaN;
  m.q = kInf;
  return m;
}

OrbitMiss heteroclinic_miss(analysis::OrbitContext& ctx, const HeteroclinicFinderConfig& c,
                            double pv, const analysis::OrbitGuess& guess,
                            const analysis::OrbitGuess* prev, int sign) {
  const std::vector<double> params = ctx.with_param(pv);
  const double r_sec = section_radius(c);
  Pair e;
  e.a = analysis::refine_equilibrium(ctx, params, guess.source, prev ? &prev->source : nullptr,
                                     c.eq_tol, c.eq_max_iter, track_distance(c), c.trace_u);
  e.b = analysis::refine_equilibrium(ctx, params, guess.target, prev ? &prev->target : nullptr,
                                     c.eq_tol, c.eq_max_iter, track_distance(c), c.trace_s);
  if (!e.a.ok || !e.b.ok) {
    OrbitMiss m = base_miss(pv, sign, e, r_sec, c.trace_u);
    m.status = (e.a.status == "eq_jump" || e.b.status == "eq_jump") ? "eq_jump" : "eq_fail";
    m.fail = !e.a.ok ? "source: " + e.a.fail : "target: " + e.b.fail;
    return m;
  }
  e.da = analysis::unstable_direction(e.a, c.trace_u);
  e.db = analysis::unstable_direction(e.b, c.trace_s);
  if (!e.da.ok || !e.db.ok) {
    OrbitMiss m = base_miss(pv, sign, e, r_sec, c.trace_u);
    m.status = "saddle_fail";
    m.fail = !e.da.ok ? "source: " + e.da.fail : "target: " + e.db.fail;
    return m;
  }
  const size_t n = e.a.x.size();
  OrbitMiss m = base_miss(pv, sign, e, r_sec, c.trace_u);
  m.eps = analysis::departure_eps(c.trace_u, e.da.lambda);
  m.v_dir = e.da.v;
  m.target_v_u = e.db.v;
  m.target_l_u = e.db.l;
  for (size_t i = 0; i < n; ++i) m.x0[i] = e.a.x[i] + (sign >= 0 ? 1.0 : -1.0) * m.eps * e.da.v[i];
  const analysis::OrbitTarget target{false, e.b.x, e.db.v, e.db.l, r_sec, exit_ball(c, r_sec)};
  const analysis::BranchShot shot =
      analysis::shoot_branch(ctx, params, e.a.x, m.x0, c.trace_u, target, false);
  m.steps = shot.steps;
  m.integrate_status = shot.status;
  m.qualified = shot.hit;
  if (shot.hit) {
    m.t_cross = ctx.t_eval + shot.t_hit;
    m.x_cross = shot.x_hit;
    m.g = shot.g;
    m.q = 0;
    m.status = "ok";
    for (size_t i = 0; i < n; ++i) m.x_s_cross[i] = m.x_cross[i] - m.g * e.db.v[i];
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
    m.status =
        (shot.status == "ok" || shot.status == "max_steps") ? "no_cross" : "u_" + shot.status;
  }
  return m;
}

}  // namespace

OrbitFinderResult heteroclinic_finder(const Sim& sim, const OrbitProblem& problem,
                                      const HeteroclinicFinderConfig& c) {
  const std::string fn = "heteroclinic_finder";
  if (!(problem.param_min < problem.param_max))
    throw DynlibError(fmt::format("{}: param_min must be < param_max, got [{}, {}]", fn,
                                  problem.param_min, problem.param_max));
  if (c.scan_n < 2) throw DynlibError(fmt::format("{}: scan_n must be >= 2, got {}", fn, c.scan_n));
  if (c.max_bisect < 0)
    throw DynlibError(fmt::format("{}: max_bisect must be >= 0, got {}", fn, c.max_bisect));
  if (!(c.gap_tol >= 0) || !(c.x_tol >= 0) || !(c.gap_fac >= 0))
    throw DynlibError(fmt::format("{}: gap_tol, x_tol and gap_fac must be >= 0", fn));
  if (c.branch_mode != "auto" && c.branch_mode != "fixed")
    throw DynlibError(
        fmt::format("{}: branch_mode must be 'auto' or 'fixed', got '{}'", fn, c.branch_mode));
  if (!(c.eq_tol > 0) || c.eq_max_iter <= 0)
    throw DynlibError(fmt::format("{}: eq_tol and eq_max_iter must be positive", fn));
  if (c.r_sec && !(*c.r_sec > 0))
    throw DynlibError(fmt::format("{}: r_sec must be positive, got {}", fn, *c.r_sec));
  analysis::OrbitContext ctx = analysis::orbit_context(sim, problem, fn.c_str(), true);
  analysis::check_branch_config(c.trace_u, problem.source_eq.size(), fn + " (trace_u)");
  analysis::check_branch_config(c.trace_s, problem.source_eq.size(), fn + " (trace_s)");
  analysis::ContinuationSettings s;
  s.param_min = problem.param_min;
  s.param_max = problem.param_max;
  s.param_init = problem.param_init;
  s.scan_n = c.scan_n;
  s.max_bisect = c.max_bisect;
  s.gap_tol = c.gap_tol;
  s.x_tol = c.x_tol;
  s.gap_fac = c.gap_fac;
  s.branch_mode = c.branch_mode;
  s.sign_u = c.sign_u;
  s.sign_s = c.sign_s;
  s.eq_track_max_dist = track_distance(c);
  OrbitFinderResult r = analysis::continue_orbit(
      s, {problem.source_eq, problem.target_eq},
      [&](double pv, const analysis::OrbitGuess& guess, const analysis::OrbitGuess* prev,
          int sign) { return heteroclinic_miss(ctx, c, pv, guess, prev, sign); });
  r.warnings = ctx.warnings;
  return r;
}

OrbitTraceResult heteroclinic_tracer(const Sim& sim, const OrbitProblem& problem,
                                     const OrbitBranchConfig& b) {
  const std::string fn = "heteroclinic_tracer";
  analysis::OrbitContext ctx = analysis::orbit_context(sim, problem, fn.c_str(), true);
  analysis::check_branch_config(b, problem.source_eq.size(), fn);
  if (!(problem.hit_radius > 0) || !std::isfinite(problem.hit_radius))
    throw DynlibError(
        fmt::format("{}: hit_radius must be positive, got {}", fn, problem.hit_radius));
  const int sign = problem.sign_u >= 0 ? 1 : -1;
  const size_t n = problem.source_eq.size();
  const std::vector<double> params = ctx.with_param(problem.param_value);
  OrbitTraceResult r;
  r.kind = "heteroclinic";
  r.n_state = static_cast<int>(n);
  r.param_value = problem.param_value;
  r.sign_u = sign;
  r.eps_used = kNaN;
  r.t_cross = kNaN;
  r.g = kNaN;
  r.q = kNaN;
  r.warnings = ctx.warnings;
  const analysis::OrbitEquilibrium a = analysis::refine_equilibrium(
      ctx, params, problem.source_eq, nullptr, b.eq_tol, b.eq_max_iter, 0, b);
  const analysis::OrbitEquilibrium tb = analysis::refine_equilibrium(
      ctx, params, problem.target_eq, nullptr, b.eq_tol, b.eq_max_iter, 0, b);
  r.source_eq = a.x;
  r.target_eq = tb.ok ? tb.x : problem.target_eq;
  auto only_eq = [&](std::string status, std::string fail) {
    r.status = std::move(status);
    r.fail = std::move(fail);
    r.t = {ctx.t_eval};
    r.X = r.source_eq;
    r.d_min = kNaN;
    return r;
  };
  if (!a.ok) return only_eq("eq_fail", "source: " + a.fail);
  if (!tb.ok) return only_eq("eq_fail", "target: " + tb.fail);
  const analysis::UnstableDirection da = analysis::unstable_direction(a, b);
  if (!da.ok) return only_eq("eig_fail", da.fail);
  r.eps_used = analysis::departure_eps(b, da.lambda);
  std::vector<double> x0 = a.x;
  for (size_t i = 0; i < n; ++i) x0[i] += sign * r.eps_used * da.v[i];
  const analysis::OrbitTarget target{true, tb.x, {}, {}, problem.hit_radius};
  analysis::BranchShot shot = analysis::shoot_branch(ctx, params, a.x, x0, b, target, true);
  r.status = shot.status;
  r.t = shot.ts;
  r.X = shot.xs;
  r.d_min = shot.d_min;
  if (shot.hit) {
    r.success = true;
    r.t.back() = shot.t_hit;
    std::copy(shot.x_hit.begin(), shot.x_hit.end(), r.X.end() - static_cast<long>(n));
    r.d_min = std::min(r.d_min, problem.hit_radius);
    for (double& t : r.t) t += ctx.t_eval;
    r.event =
        OrbitTraceEvent{"target_ball", r.t.back(), shot.x_hit, kNaN, kNaN, problem.hit_radius};
    return r;
  }
  // No hit: the orbit up to its closest approach to B (afterwards it leaves along B's
  // unstable manifold, which is not part of the connection).
  size_t best = 0;
  double d_best = kInf;
  for (size_t k = 0; k < r.t.size(); ++k) {
    double d2 = 0;
    for (size_t j = 0; j < n; ++j) {
      const double d = r.X[k * n + j] - tb.x[j];
      d2 += d * d;
    }
    if (std::sqrt(d2) < d_best) {
      d_best = std::sqrt(d2);
      best = k;
    }
  }
  r.t.resize(best + 1);
  r.X.resize((best + 1) * n);
  r.d_min = d_best;
  r.success = d_best <= problem.hit_radius;
  for (double& t : r.t) t += ctx.t_eval;
  return r;
}

}  // namespace dynlib

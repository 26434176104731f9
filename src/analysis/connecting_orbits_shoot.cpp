// One unstable branch integrated by the worker Sim (DESIGN rule 10: the model's own stepper, a
// fresh run and then resumed chunks cut by N, so the steps are those of one long run) and
// inspected step by step: stop conditions, and the first crossing of the target's tube section or
// ball, located exactly on the chord between two recorded steps
// (analysis/connecting_orbits_internal.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/connecting_orbits_internal.hpp"

namespace dynlib::analysis {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

// The part of x - x_T in the target's stable subspace (along v_u projected out).
std::vector<double> stable_part(const OrbitTarget& tg, const std::vector<double>& x) {
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i) d[i] = x[i] - tg.x[i];
  const double a = dot(tg.l_u, d);
  for (size_t i = 0; i < x.size(); ++i) d[i] -= a * tg.v_u[i];
  return d;
}

// The smallest alpha in [0, 1] with ||p0 + alpha (p1 - p0)|| = r, given ||p0|| > r >= ||p1||
// (or p0 and p1 straddling the sphere from outside): the entry root of a quadratic.
double entry_alpha(const std::vector<double>& p0, const std::vector<double>& p1, double r) {
  double a = 0, b = 0, c = -r * r;
  for (size_t i = 0; i < p0.size(); ++i) {
    const double d = p1[i] - p0[i];
    a += d * d;
    b += 2 * d * p0[i];
    c += p0[i] * p0[i];
  }
  if (c <= 0) return 0;
  if (a <= 0) return 0;
  const double disc = b * b - 4 * a * c;
  if (disc < 0) return -1;  // the chord misses the sphere
  const double alpha = (-b - std::sqrt(disc)) / (2 * a);
  return alpha >= 0 && alpha <= 1 ? alpha : -1;
}

void read_row(const Results& res, size_t r, DType dtype, std::vector<double>& row) {
  const size_t w = res.width();
  if (dtype == DType::Float32) {
    const float* p = res.raw_data<float>() + r * w;
    for (size_t j = 0; j < row.size(); ++j) row[j] = static_cast<double>(p[j]);
  } else {
    const double* p = res.raw_data<double>() + r * w;
    for (size_t j = 0; j < row.size(); ++j) row[j] = p[j];
  }
}

}  // namespace

BranchShot shoot_branch(OrbitContext& ctx, const std::vector<double>& params,
                        const std::vector<double>& x_source, const std::vector<double>& x0,
                        const OrbitBranchConfig& b, const OrbitTarget& tg, bool keep_path) {
  const Layout& layout = ctx.model.layout();
  const std::vector<std::string>& names = layout.state_names();
  const size_t n = names.size();
  const double T = ctx.t_eval + b.t_max;

  RunOptions fresh;
  fresh.t0 = ctx.t_eval;
  fresh.T = T;
  if (ctx.adaptive) fresh.dt = b.rk.dt0;  // else the model's [sim] dt
  fresh.atol = b.rk.atol;
  fresh.rtol = b.rk.rtol;
  fresh.dt_min = b.rk.min_step;
  fresh.dt_max = b.rk.dt_max;
  fresh.safety = b.rk.safety;
  fresh.record = true;
  fresh.record_interval = 1;
  fresh.record_vars = names;
  fresh.transient = 0.0;
  fresh.max_steps = b.rk.max_steps + 1;  // the model's [sim] max_steps must not cut a branch
  for (size_t j = 0; j < n; ++j) fresh.ic[names[j]] = x0[j];
  for (const Layout::Variable& p : layout.params()) {
    const auto first = params.begin() + p.offset;
    if (p.is_array)
      fresh.params[p.name] = Value(std::vector<double>(first, first + p.size));
    else
      fresh.params[p.name] = Value(*first);
  }
  RunOptions resume;
  resume.resume = true;
  resume.T = T;
  resume.record = true;
  resume.record_interval = 1;
  resume.max_steps = fresh.max_steps;

  BranchShot shot;
  shot.q_best = std::numeric_limits<double>::infinity();
  shot.d_min = distance(x0, tg.x);
  shot.x_best = x0;
  if (keep_path) {
    shot.ts.push_back(0.0);
    shot.xs.insert(shot.xs.end(), x0.begin(), x0.end());
  }
  const bool has_window = !b.window.empty();
  bool left = false;
  // The exit ball: entered after having been outside it (the homoclinic seed starts inside).
  bool been_out = tg.ball || distance(x0, tg.x) >= tg.r_exit, inside = false;
  std::vector<double> prev = x0, x(n);
  std::vector<double> p_prev = tg.ball ? std::vector<double>{} : stable_part(tg, x0);
  double s_prev = tg.ball ? 0 : std::sqrt(dot(p_prev, p_prev)) - tg.radius;
  double t_prev = 0, arclength = 0;

  long long seen = 0;
  size_t rows_seen = 0;
  long long chunk = 512;
  bool first = true;
  auto finish = [&](const char* status) {
    shot.status = status;
    shot.steps = seen;
    return shot;
  };
  while (true) {
    RunOptions o = first ? fresh : resume;
    first = false;
    o.N = std::min(seen + chunk, b.rk.max_steps);
    const Results& res = ctx.sim.run(o);
    const std::vector<double>& times = res.t();
    const std::vector<long long>& steps = res.step();
    for (size_t r = rows_seen; r < res.size(); ++r) {
      if (steps[r] == 0) continue;  // the seed
      seen = steps[r];
      read_row(res, r, ctx.model.dtype(), x);
      const double t = times[r] - ctx.t_eval;
      bool finite = true;
      for (double v : x) finite = finite && std::isfinite(v);
      if (!finite) return finish("blow");
      if (keep_path) {
        shot.ts.push_back(t);
        shot.xs.insert(shot.xs.end(), x.begin(), x.end());
      }
      arclength += distance(prev, x);
      const double d_source = distance(x, x_source);
      if (d_source >= b.r_leave) left = true;
      if (d_source > b.r_blow) return finish("blow");
      if (has_window)
        for (size_t j = 0; j < n; ++j)
          if (x[j] < b.window[j].first || x[j] > b.window[j].second) return finish("window");
      const double d_target = distance(x, tg.x);
      shot.d_min = std::min(shot.d_min, d_target);
      const bool armed = t >= b.t_min_event && (left || !b.require_leave_before_event);
      if (tg.ball) {
        if (armed) {
          std::vector<double> q0(n), q1(n);
          for (size_t j = 0; j < n; ++j) {
            q0[j] = prev[j] - tg.x[j];
            q1[j] = x[j] - tg.x[j];
          }
          const double alpha = entry_alpha(q0, q1, tg.radius);
          if (alpha >= 0) {
            shot.hit = true;
            shot.t_hit = t_prev + alpha * (t - t_prev);
            shot.x_hit.resize(n);
            for (size_t j = 0; j < n; ++j) shot.x_hit[j] = prev[j] + alpha * (x[j] - prev[j]);
            return finish("event");
          }
        }
      } else {
        const std::vector<double> p = stable_part(tg, x);
        const double s = std::sqrt(dot(p, p)) - tg.radius;
        if (armed) {
          if (std::abs(s) < shot.q_best) {
            shot.q_best = std::abs(s);
            shot.x_best = x;
            shot.t_best = t;
          }
          if (s_prev > 0 && s <= 0) {
            // The stable part is linear in x, so on the chord it is linear in alpha.
            const double alpha = std::max(0.0, entry_alpha(p_prev, p, tg.radius));
            shot.hit = true;
            shot.t_hit = t_prev + alpha * (t - t_prev);
            shot.x_hit.resize(n);
            for (size_t j = 0; j < n; ++j) shot.x_hit[j] = prev[j] + alpha * (x[j] - prev[j]);
            std::vector<double> d(n);
            for (size_t j = 0; j < n; ++j) d[j] = shot.x_hit[j] - tg.x[j];
            shot.g = dot(tg.l_u, d);
            shot.q_best = 0;
            return finish("event");
          }
        }
        p_prev = p;
        s_prev = s;
        if (tg.r_exit > 0) {
          if (d_target >= tg.r_exit) {
            if (inside) {
              std::vector<double> d(n);
              for (size_t j = 0; j < n; ++j) d[j] = x[j] - tg.x[j];
              shot.exited = true;
              shot.g_exit = dot(tg.l_u, d);
              shot.t_hit = t;
              shot.x_hit = x;
              return finish("exit");
            }
            been_out = true;
          } else if (been_out && armed) {
            inside = true;
          }
        }
      }
      if (arclength > b.s_max) return finish("smax");
      prev = x;
      t_prev = t;
    }
    rows_seen = res.size();
    seen = res.steps();
    if (res.status() == Status::NanDetected) return finish("blow");
    if (res.status() != Status::Done) return finish("step_fail");
    if (seen < *o.N) return finish("ok");  // t_max reached
    if (seen >= b.rk.max_steps) return finish("max_steps");
    chunk = std::min<long long>(chunk * 2, 16384);
  }
}

}  // namespace dynlib::analysis

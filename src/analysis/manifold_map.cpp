// trace_manifold_1d_map: a branch is the images of a fundamental segment of the eigen-direction
// under the forward map (unstable) or its inverse (stable: [equations.inverse], or Newton on the
// forward map), grown with arc-length and angle control (docs/manifolds.md).
#include <fmt/format.h>
#include <Eigen/Dense>

#include <cmath>
#include <limits>

#include "analysis/fixed_point_system.hpp"
#include "analysis/manifold_internal.hpp"

namespace dynlib {

namespace {

bool model_has_inverse(const FullModel& model, double t, const std::vector<double>& x,
                       const std::vector<double>& params) {
  std::vector<double> out(x.size());
  try {
    model.evaluate(ModelFunction::Inverse, t, x.data(), params.data(), nullptr, out.data());
  } catch (const DynlibError&) {
    return false;
  }
  return true;
}

// x with F(x) = y by Newton from `guess`, with the Jacobian of FixedPointSystem (model or
// differences, as options.jac says). False when it does not converge.
bool newton_preimage(const analysis::FixedPointSystem& system, const double* y, const double* guess,
                     const ManifoldOptions& o, double* x) {
  const int n = system.n();
  Eigen::VectorXd xv = Eigen::Map<const Eigen::VectorXd>(guess, n);
  Eigen::VectorXd f(n);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> J(n, n);
  for (int it = 0; it <= o.newton_max_iter; ++it) {
    system.apply(xv.data(), f.data());
    for (int i = 0; i < n; ++i) f[i] -= y[i];
    if (!f.allFinite()) return false;
    if (f.norm() <= o.newton_tol) {
      for (int i = 0; i < n; ++i) x[i] = xv[i];
      return true;
    }
    if (it == o.newton_max_iter) break;
    system.dynamics_jacobian(xv.data(), 1, J.data());
    const Eigen::VectorXd dx = J.fullPivLu().solve(f);
    if (!dx.allFinite()) return false;
    xv -= dx;
  }
  return false;
}

}  // namespace

ManifoldResult trace_manifold_1d_map(const FullModel& model, const ManifoldOptions& o) {
  ManifoldResult r = analysis::manifold_setup(model, o, true, "trace_manifold_1d_map");
  const int n = static_cast<int>(r.fixed_point.size());
  const bool stable = o.kind == ManifoldKind::Stable;

  FixedPointOptions fo;
  fo.jac = o.jac;
  const analysis::FixedPointSystem system(model, r.t, r.params, fo);

  // Which map is iterated.
  if (!stable) {
    r.method = "forward";
  } else if (o.inverse == ManifoldInverse::Newton) {
    r.method = "newton";
  } else if (model_has_inverse(model, r.t, r.fixed_point, r.params)) {
    r.method = "inverse";
  } else if (o.inverse == ManifoldInverse::Model) {
    throw DynlibError(fmt::format(
        "trace_manifold_1d_map: model '{}' has no [equations.inverse]; use inverse = 'newton' "
        "or 'auto' (Newton on the forward map)",
        model.spec().name));
  } else {
    r.method = "newton";
  }
  // The linear preimage at the fixed point, the first Newton guess: fp + J(fp)^-1 (y - fp).
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> J0(n, n);
  system.dynamics_jacobian(r.fixed_point.data(), 1, J0.data());
  const auto lu0 = J0.fullPivLu();

  // One application of the iterated map; false (with `stop`) when Newton fails.
  auto apply = [&](const double* x, double* out, std::string& stop) {
    if (r.method == "forward") {
      system.apply(x, out);
      return true;
    }
    if (r.method == "inverse") {
      model.evaluate(ModelFunction::Inverse, r.t, x, r.params.data(), nullptr, out);
      return true;
    }
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d[i] = x[i] - r.fixed_point[static_cast<size_t>(i)];
    Eigen::VectorXd guess = lu0.solve(d);
    for (int i = 0; i < n; ++i) guess[i] += r.fixed_point[static_cast<size_t>(i)];
    if (newton_preimage(system, x, guess.data(), o, out)) return true;
    if (newton_preimage(system, x, x, o, out)) return true;
    stop = "newton";
    return false;
  };

  // The iterated map's multiplier along v: |λ| (unstable) or 1/|λ| (stable), squared when F² is
  // iterated (a negative eigenvalue keeps the branch's side only every second iterate).
  const double modulus = stable ? 1 / std::abs(r.eigenvalue) : std::abs(r.eigenvalue);
  const double m = std::pow(modulus, r.step_mul);
  r.meta["multiplier"] = m;
  const int per_step = r.step_mul;

  const double seed_delta = analysis::manifold_seed_delta(o, true);
  const auto box = analysis::manifold_clip_box(o);
  auto in_box = [&](const std::vector<double>& x) {
    for (double v : x)
      if (!std::isfinite(v)) return false;
    return analysis::inside_box(x.data(), box);
  };
  for (int b = 0; b < 2; ++b) {
    const double sign = b == 0 ? 1.0 : -1.0;
    ManifoldBranch& br = r.branches[static_cast<size_t>(b)];
    // The fundamental segment runs from q = fp + sign·seed_delta·v to its image q1 = G^step_mul(q)
    // (on the eigenvector line for a linear map; within O(seed_delta²) of the manifold
    // otherwise), so that the curve is continuous where u crosses an integer.
    std::vector<double> q(static_cast<size_t>(n)), q1(static_cast<size_t>(n)),
        tmp(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
      q[static_cast<size_t>(i)] = r.fixed_point[static_cast<size_t>(i)] +
                                  sign * seed_delta * r.eigenvector[static_cast<size_t>(i)];
    q1 = q;
    std::string first_stop;
    bool seed_ok = true;
    for (int it = 0; it < per_step && seed_ok; ++it) {
      seed_ok = apply(q1.data(), tmp.data(), first_stop);
      q1.swap(tmp);
    }
    if (!seed_ok) {
      br.n_state = n;
      br.points = r.fixed_point;
      br.param = {-std::numeric_limits<double>::infinity()};
      br.stop = first_stop;
      continue;
    }
    // The curve at parameter u: G^(k·step_mul)(q + w(s)·(q1 - q)), k = floor(u), s = u - k,
    // w(s) = (m^s - 1)/(m - 1): for a linear map exactly fp + sign·seed_delta·m^s·v, so the
    // parameter is geometric near the saddle; u = k + 1 is the image of u = k. The point is lost
    // when an iterate (after each G^step_mul, as the reference masks its images) leaves the
    // margin box.
    std::vector<double> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
    auto point = [&](double u, double* out, std::string& stop) {
      const double k = std::floor(u);
      const double s = u - k;
      const double w = (std::pow(m, s) - 1) / (m - 1);
      for (size_t i = 0; i < x.size(); ++i) x[i] = q[i] + w * (q1[i] - q[i]);
      if (!in_box(x)) return analysis::CurvePoint::Lost;
      const long long blocks = static_cast<long long>(k);
      for (long long blk = 0; blk < blocks; ++blk) {
        for (int it = 0; it < per_step; ++it) {
          if (!apply(x.data(), y.data(), stop)) return analysis::CurvePoint::Stop;
          x.swap(y);
        }
        if (!in_box(x)) return analysis::CurvePoint::Lost;
      }
      for (int i = 0; i < n; ++i) out[i] = x[static_cast<size_t>(i)];
      return analysis::CurvePoint::Point;
    };
    analysis::GrowLimits limits;
    limits.du_start = 1.0 / 16;
    limits.du_max = 1;
    limits.u_max = o.steps;
    limits.u_max_reason = "steps";
    analysis::grow_branch(br, r.fixed_point, o, limits, point);
  }
  for (ManifoldBranch& br : r.branches) analysis::finish_segments(br, o, std::nullopt);
  r.meta["uses_inverse"] = r.method == "inverse" ? 1 : 0;
  return r;
}

}  // namespace dynlib

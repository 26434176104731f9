// trace_manifold_1d_ode: a branch is the orbit of a point on the eigen-direction under the flow of
// f (unstable) or of -f (stable: backward time), integrated by classic RK4 through FullModel's
// rhs callable, its step chosen by arc-length and angle control (docs/manifolds.md).
#include <cmath>

#include "analysis/manifold_internal.hpp"

namespace dynlib {

ManifoldResult trace_manifold_1d_ode(const FullModel& model, const ManifoldOptions& o) {
  ManifoldResult r = analysis::manifold_setup(model, o, false, "trace_manifold_1d_ode");
  const int n = static_cast<int>(r.fixed_point.size());
  const size_t nn = static_cast<size_t>(n);
  const double direction = o.kind == ManifoldKind::Stable ? -1.0 : 1.0;
  r.method = "flow";

  // The field integrated: direction · f(t0 + direction · u, x) (the model's clock runs backward
  // for the stable manifold; autonomous models do not see it).
  auto field = [&](double u, const double* x, double* out) {
    model.evaluate(ModelFunction::Rhs, r.t + direction * u, x, r.params.data(), nullptr, out);
    for (size_t i = 0; i < nn; ++i) out[i] *= direction;
  };
  std::vector<double> k1(nn), k2(nn), k3(nn), k4(nn), tmp(nn);
  auto rk4 = [&](double u, const double* x, double h, double* out) {
    field(u, x, k1.data());
    for (size_t i = 0; i < nn; ++i) tmp[i] = x[i] + h / 2 * k1[i];
    field(u + h / 2, tmp.data(), k2.data());
    for (size_t i = 0; i < nn; ++i) tmp[i] = x[i] + h / 2 * k2[i];
    field(u + h / 2, tmp.data(), k3.data());
    for (size_t i = 0; i < nn; ++i) tmp[i] = x[i] + h * k3[i];
    field(u + h, tmp.data(), k4.data());
    for (size_t i = 0; i < nn; ++i) out[i] = x[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  };

  for (int b = 0; b < 2; ++b) {
    const double sign = b == 0 ? 1.0 : -1.0;
    std::vector<double> seed(nn);
    for (size_t i = 0; i < nn; ++i)
      seed[i] = r.fixed_point[i] + sign * o.seed_delta * r.eigenvector[i];
    analysis::GrowLimits limits;
    limits.du_start = o.dt;
    limits.du_max = o.dt;
    limits.u_max = o.max_time;
    limits.u_max_reason = "max_time";
    analysis::grow_branch(
        r.branches[static_cast<size_t>(b)], r.fixed_point, seed, o, limits,
        [&](double u_from, const double* x_from, double du, double* out, std::string&) {
          rk4(u_from, x_from, du, out);
          return true;
        });
  }
  return r;
}

}  // namespace dynlib

// Equilibria of a connecting-orbit problem (find_fixed_points, tracked along a scan) and their one
// unstable direction: the right eigenvector that seeds the branch and the left one that measures
// the signed gap (analysis/connecting_orbits_internal.hpp).
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/connecting_orbits_internal.hpp"

namespace dynlib::analysis {

OrbitEquilibrium refine_equilibrium(const OrbitContext& ctx, const std::vector<double>& params,
                                    const std::vector<double>& guess,
                                    const std::vector<double>* prev, double eq_tol, int eq_max_iter,
                                    double track_max_dist, const OrbitBranchConfig& branch) {
  FixedPointOptions fo;
  fo.seeds = {guess};
  fo.param_values = params;
  fo.t = ctx.t_eval;
  fo.jac = branch.jac;
  fo.fd_eps = branch.fd_eps;
  fo.tol = eq_tol;
  fo.max_iter = eq_max_iter;
  fo.classify = true;
  const FixedPointResult fr = find_fixed_points(ctx.model, fo);
  const FixedPointSeed& seed = fr.seeds.at(0);
  OrbitEquilibrium eq;
  eq.x = seed.x;
  if (!seed.converged) {
    eq.status = "eq_fail";
    eq.fail = seed.message;
    return eq;
  }
  const FixedPoint& p = fr.points.at(static_cast<size_t>(seed.point));
  eq.x = p.x;
  eq.eigenvalues = p.eigenvalues;
  eq.eigenvectors = p.eigenvectors;
  if (prev) {
    double d2 = 0;
    for (size_t i = 0; i < eq.x.size(); ++i) d2 += (eq.x[i] - (*prev)[i]) * (eq.x[i] - (*prev)[i]);
    if (std::sqrt(d2) > track_max_dist) {
      eq.status = "eq_jump";
      eq.fail = fmt::format("the equilibrium moved {:.3g} > eq_track_max_dist = {:.3g}",
                            std::sqrt(d2), track_max_dist);
      return eq;
    }
  }
  eq.ok = true;
  return eq;
}

UnstableDirection unstable_direction(const OrbitEquilibrium& eq, const OrbitBranchConfig& b) {
  UnstableDirection d;
  const int n = static_cast<int>(eq.x.size());
  std::vector<int> unstable;
  int stable = 0;
  for (int j = 0; j < n; ++j) {
    const double re = eq.eigenvalues[static_cast<size_t>(j)].real();
    if (re > b.eig_real_tol) unstable.push_back(j);
    if (re < -b.eig_real_tol) ++stable;
  }
  if (b.strict_1d && unstable.size() != 1) {
    d.fail = fmt::format("not_index1_saddle ({} unstable eigenvalues)", unstable.size());
    return d;
  }
  if (unstable.empty()) {
    d.fail = "no_unstable";
    return d;
  }
  if (stable < 1) {
    d.fail = "no_stable";
    return d;
  }
  // Without strict_1d, the most unstable direction.
  const int j = *std::max_element(unstable.begin(), unstable.end(), [&](int a, int c) {
    return eq.eigenvalues[static_cast<size_t>(a)].real() <
           eq.eigenvalues[static_cast<size_t>(c)].real();
  });
  const std::complex<double> lambda = eq.eigenvalues[static_cast<size_t>(j)];
  using CMatrix = Eigen::Matrix<std::complex<double>, Eigen::Dynamic, Eigen::Dynamic>;
  CMatrix V(n, n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) V(r, c) = eq.eigenvectors[static_cast<size_t>(r * n + c)];
  double im = std::abs(lambda.imag());
  for (int r = 0; r < n; ++r) im = std::max(im, std::abs(V(r, j).imag()));
  if (im > b.eig_imag_tol) {
    d.fail = "complex_unstable_mode_not_supported";
    return d;
  }
  // Row j of V^-1 is the left eigenvector dual to column j (it is real for a real mode).
  const CMatrix W = V.partialPivLu().inverse();
  std::vector<double> v(static_cast<size_t>(n)), l(static_cast<size_t>(n));
  double norm = 0;
  for (int r = 0; r < n; ++r) {
    v[static_cast<size_t>(r)] = V(r, j).real();
    l[static_cast<size_t>(r)] = W(j, r).real();
    norm += V(r, j).real() * V(r, j).real();
  }
  norm = std::sqrt(norm);
  if (!(norm > 1e-300) || !std::isfinite(norm)) {
    d.fail = "unstable_vector_norm_bad";
    return d;
  }
  size_t big = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (std::abs(v[i]) > std::abs(v[big])) big = i;
  const double scale = (v[big] < 0 ? -1.0 : 1.0) / norm;
  for (double& x : v) x *= scale;
  double lv = 0;
  for (int r = 0; r < n; ++r) lv += l[static_cast<size_t>(r)] * v[static_cast<size_t>(r)];
  if (!(std::abs(lv) > 1e-14) || !std::isfinite(lv)) {
    d.fail = "projection_normalization_failed";
    return d;
  }
  for (double& x : l) x /= lv;
  d.ok = true;
  d.lambda = lambda.real();
  d.v = std::move(v);
  d.l = std::move(l);
  return d;
}

double exit_radius(const OrbitBranchConfig& b, double r_sec) {
  return std::max(b.r_exit > 0 ? b.r_exit : 20 * b.r_leave, 2 * r_sec);
}

double departure_eps(const OrbitBranchConfig& b, double rate) {
  double eps = b.eps;
  if (b.eps_mode == "leave") {
    rate = std::abs(rate);
    if (std::isfinite(rate) && rate > 1e-15) eps = b.r_leave * std::exp(-rate * b.t_leave_target);
    eps = std::clamp(eps, b.eps_min, b.eps_max);
  }
  return eps;
}

}  // namespace dynlib::analysis

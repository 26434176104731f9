#include "analysis/fixed_point_system.hpp"

#include <fmt/format.h>
#include <Eigen/Dense>
#include <cmath>
#include <limits>

namespace dynlib::analysis {

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

double norm2(const std::vector<double>& v) {
  return Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size())).norm();
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

FixedPointSystem::FixedPointSystem(const FullModel& model, double t, std::vector<double> params,
                                   const FixedPointOptions& options)
    : model_(model),
      t_(t),
      params_(std::move(params)),
      n_(model.layout().n_state()),
      is_map_(model.spec().kind == "map"),
      jac_(options.jac),
      fd_eps_(options.fd_eps),
      fd_central_(options.fd_central) {}

void FixedPointSystem::apply(const double* x, double* out) const {
  model_.evaluate(ModelFunction::Rhs, t_, x, params_.data(), nullptr, out);
}

void FixedPointSystem::iterate(const double* x, int iterations, double* out) const {
  std::vector<double> y(x, x + n_);
  for (int i = 0; i < iterations; ++i) {
    apply(y.data(), out);
    std::copy(out, out + n_, y.begin());
  }
  std::copy(y.begin(), y.end(), out);
}

void FixedPointSystem::residual(const double* x, int iterations, double* out) const {
  if (!is_map_) {
    apply(x, out);
    return;
  }
  iterate(x, iterations, out);
  for (int i = 0; i < n_; ++i) out[i] -= x[i];
}

void FixedPointSystem::model_jacobian(const double* x, double* out) const {
  model_.evaluate(ModelFunction::Jacobian, t_, x, params_.data(), nullptr, out);
}

void FixedPointSystem::difference_jacobian(const double* x, int iterations, double* out) const {
  // Column j of dG/dx from G at x ± h e_j, h scaled by the size of x_j so large and small
  // coordinates get comparable relative steps.
  std::vector<double> base(n_), plus(n_), minus(n_), shifted(x, x + n_);
  if (!fd_central_) residual(x, iterations, base.data());
  for (int j = 0; j < n_; ++j) {
    const double h = fd_eps_ * (1.0 + std::fabs(x[j]));
    shifted[j] = x[j] + h;
    residual(shifted.data(), iterations, plus.data());
    if (fd_central_) {
      shifted[j] = x[j] - h;
      residual(shifted.data(), iterations, minus.data());
    }
    shifted[j] = x[j];
    for (int i = 0; i < n_; ++i)
      out[i * n_ + j] = fd_central_ ? (plus[i] - minus[i]) / (2 * h) : (plus[i] - base[i]) / h;
  }
}

void FixedPointSystem::residual_jacobian(const double* x, int iterations, double* out) const {
  if (jac_ == FixedPointJacobian::Fd) {
    difference_jacobian(x, iterations, out);
    return;
  }
  dynamics_jacobian(x, iterations, out);
  if (is_map_)
    for (int i = 0; i < n_; ++i) out[i * n_ + i] -= 1.0;
}

void FixedPointSystem::dynamics_jacobian(const double* x, int iterations, double* out) const {
  if (jac_ == FixedPointJacobian::Fd) {
    difference_jacobian(x, iterations, out);
    if (is_map_)
      for (int i = 0; i < n_; ++i) out[i * n_ + i] += 1.0;
    return;
  }
  if (!is_map_) {
    model_jacobian(x, out);
    return;
  }
  // The chain rule along the orbit: D(F^k)(x) = DF(x_{k-1}) ... DF(x_1) DF(x_0).
  Matrix product = Matrix::Identity(n_, n_), step(n_, n_);
  std::vector<double> y(x, x + n_), next(n_);
  for (int i = 0; i < iterations; ++i) {
    model_jacobian(y.data(), step.data());
    product = (step * product).eval();
    if (i + 1 < iterations) {
      apply(y.data(), next.data());
      y.swap(next);
    }
  }
  std::copy(product.data(), product.data() + n_ * n_, out);
}

NewtonOutcome solve_newton(const FixedPointSystem& system, const std::vector<double>& seed,
                           int iterations, double tol, int max_iter) {
  const int n = system.n();
  NewtonOutcome o;
  o.x = seed;
  std::vector<double> g(n), trial(n), g_trial(n), jac(static_cast<size_t>(n) * n);
  system.residual(o.x.data(), iterations, g.data());
  double r = norm2(g);
  for (int it = 0;; ++it) {
    o.iterations = it;
    o.residual = r;
    if (!std::isfinite(r)) {
      o.residual = std::numeric_limits<double>::quiet_NaN();
      o.message = fmt::format("the model's value is not finite after {} Newton step{}", it,
                              it == 1 ? "" : "s");
      return o;
    }
    if (r <= tol) {
      o.converged = true;
      return o;
    }
    if (it == max_iter) break;

    system.residual_jacobian(o.x.data(), iterations, jac.data());
    if (!all_finite(jac)) {
      o.message =
          fmt::format("the Jacobian is not finite after {} Newton step{}", it, it == 1 ? "" : "s");
      return o;
    }
    const Eigen::Map<const Matrix> J(jac.data(), n, n);
    const Eigen::Map<const Vector> G(g.data(), n);
    Vector step;
    Eigen::FullPivLU<Matrix> lu(J);
    if (lu.isInvertible())
      step = lu.solve(-G);
    else  // singular: the least-squares step of minimal norm
      step = J.completeOrthogonalDecomposition().solve(-G);

    // Backtracking on ||G||: accept the first step length that decreases it enough.
    double alpha = 1.0, best_alpha = 0.0, best_r = std::numeric_limits<double>::infinity();
    std::vector<double> best_g;
    bool accepted = false;
    for (int halving = 0; halving <= 10; ++halving, alpha *= 0.5) {
      for (int i = 0; i < n; ++i) trial[i] = o.x[i] + alpha * step[i];
      system.residual(trial.data(), iterations, g_trial.data());
      const double r_trial = norm2(g_trial);
      if (!std::isfinite(r_trial)) continue;
      if (r_trial < best_r) {
        best_r = r_trial;
        best_alpha = alpha;
        best_g = g_trial;
      }
      if (r_trial <= (1.0 - 1e-4 * alpha) * r) {
        accepted = true;
        best_r = r_trial;
        best_alpha = alpha;
        best_g = g_trial;
        break;
      }
    }
    if (!accepted && !std::isfinite(best_r)) {
      o.message = fmt::format(
          "every Newton step from the iterate after {} step{} reaches "
          "non-finite values",
          it, it == 1 ? "" : "s");
      return o;
    }
    for (int i = 0; i < n; ++i) o.x[i] += best_alpha * step[i];
    g = best_g;
    r = best_r;
  }
  o.message = fmt::format("no convergence in {} Newton steps (residual {:.3g} > tol {:.3g})",
                          max_iter, o.residual, tol);
  return o;
}

}  // namespace dynlib::analysis

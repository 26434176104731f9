// The equations find_fixed_points() solves, G(x) = 0 with G = f (ODE) or G = F^k - id (map), and
// their Jacobians, evaluated through FullModel's public callables only.
#pragma once

#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

namespace dynlib::analysis {

class FixedPointSystem {
 public:
  // `params` is the flat parameter vector. The map's power k is an argument of each call.
  FixedPointSystem(const FullModel& model, double t, std::vector<double> params,
                   const FixedPointOptions& options);

  int n() const { return n_; }
  bool is_map() const { return is_map_; }

  // One application of the model: f(x) (ODE) or F(x) (map).
  void apply(const double* x, double* out) const;
  // F^iterations(x) (maps).
  void iterate(const double* x, int iterations, double* out) const;
  // G(x) for F^iterations (maps) or f (ODEs).
  void residual(const double* x, int iterations, double* out) const;
  // dG/dx, n×n row-major: the model's Jacobian (chained along the orbit for maps, minus I) or
  // differences of residual() when jac = Fd.
  void residual_jacobian(const double* x, int iterations, double* out) const;
  // The Jacobian of the dynamics there: df/dx (ODE) or d(F^iterations)/dx (map).
  void dynamics_jacobian(const double* x, int iterations, double* out) const;

 private:
  void model_jacobian(const double* x, double* out) const;
  void difference_jacobian(const double* x, int iterations, double* out) const;

  const FullModel& model_;
  double t_;
  std::vector<double> params_;
  int n_;
  bool is_map_;
  FixedPointJacobian jac_;
  double fd_eps_;
  bool fd_central_;
};

// What damped Newton did from one seed.
struct NewtonOutcome {
  std::vector<double> x;
  double residual = 0;
  bool converged = false;
  int iterations = 0;
  std::string message;  // why it did not converge
};

// Damped Newton on G(x) = 0 for F^iterations: the Newton step solved by LU (least squares when
// the Jacobian is singular), halved until ||G|| decreases enough (Armijo, at most 10 halvings;
// otherwise the trial with the smallest ||G||). Converged when ||G||_2 <= tol.
NewtonOutcome solve_newton(const FixedPointSystem& system, const std::vector<double>& seed,
                           int iterations, double tol, int max_iter);

}  // namespace dynlib::analysis

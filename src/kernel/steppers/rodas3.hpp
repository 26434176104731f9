// rodas3: a 4-stage Rosenbrock method of order 3, stiffly accurate and L-stable, with an embedded
// order-2 solution (Sandu et al., "Benchmarking stiff ODE solvers for atmospheric chemistry
// problems II: Rosenbrock solvers", Atmos. Environ. 31, 1997; the RODAS3 coefficients). No Newton
// iteration: each stage solves one linear system with M = I - g h J, g = 1/2,
//
//   M K_i = g h ( f(t + a_i h, y + sum_j A_ij K_j) + sum_j C_ij K_j / h + h G_i df/dt ),
//   y_new = y + sum_i m_i K_i,   error = K_4 (the difference to the embedded solution),
//
// so it is cheap at moderate stiffness. Rosenbrock methods need the exact Jacobian at (t, y): it
// is evaluated once per step (by jacobian_mode), M is factorised once per attempt. df/dt comes
// from one forward difference in t. Stage 2 reuses f(t, y) (a_2 = 0, A_21 = 0): 3 rhs per attempt
// plus 2 per step (f(t, y), df/dt).
#pragma once

#include "newton.hpp"
#include "step_control.hpp"

namespace dynlib::kernel {

struct Rodas3 {
  static constexpr StepperInfo info = {
      "rodas3",
      {"rosenbrock", "rodas", nullptr, nullptr},
      KIND_ODE,
      true,
      true,
      3,
      2,
      true,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN,
      kNewtonWorkPerState + 8,
      kNewtonWorkExtra,
      kNewtonWorkSq,
      1,
      "Rosenbrock RODAS3, order 3(2), adaptive, L-stable: no Newton iteration, cheap at "
      "moderate stiffness"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    newton_reset(c, c.work);
  }

  // One-step: no history for a variational run's rebase, so its Jacobian and LU stay valid
  // (they depend on the state, not on the tangents).
  template <class Real, class Fn>
  static void for_each_history(StepCtx<Real>&, Fn&&) {}

  template <class Model, class Real, class Time>
  static Time initial_step(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Time span) {
    return implicit_initial_step(m, c, t, y, span, 3);
  }

  template <class Model, class Real, class Time>
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time& h_next, const Real* y,
                  Real* y_new) {
    constexpr Time g = Time(1) / 2;
    constexpr Time c21 = 4, c31 = 1, c32 = -1, c41 = 1, c42 = -1, c43 = Time(-8) / 3;
    constexpr Time g1 = Time(1) / 2, g2 = Time(3) / 2;  // G_3 = G_4 = 0
    const int n = c.n;
    NewtonWork<Real> w(c, c.work);
    Real* v = c.work + newton_block_size(n);
    Real* k1 = v;
    Real* k2 = v + n;
    Real* k3 = v + 2 * n;
    Real* k4 = v + 3 * n;
    Real* ys = v + 4 * n;
    Real* f0 = v + 5 * n;
    Real* ft = v + 6 * n;
    Real* f = v + 7 * n;

    if (const int bad = eval_jacobian(m, c, t, y, w.J, w.s1, w.s2, w.s3)) {
      c.fail_reason = bad;
      return STEPFAIL;
    }
    m.rhs(t, y, c.p, c.lag, f0);
    const Time dt_fd = math::sqrt(epsilon_of<Time>()) * math::max((Time)1e-5, math::abs(t));
    m.rhs(t + dt_fd, y, c.p, c.lag, ft);
    c.n_rhs += 2;
    const Time dt_exact = (t + dt_fd) - t;
    for (int i = 0; i < n; ++i) ft[i] = (ft[i] - f0[i]) / (Real)dt_exact;

    int rejects = 0;
    for (;;) {
      const Time hg = g * h;
      int verdict;
      if (!factor_iteration_matrix(c, w, hg)) {
        verdict = reject_step(c, t, (Time)0.25, rejects, h);
        if (verdict == STEP_FAIL) c.fail_reason = EXIT_SINGULAR;
      } else {
        const Real ih = (Real)(1 / h);
        auto solve = [&](Real* k) {
          for (int i = 0; i < n; ++i) k[i] *= (Real)hg;
          linalg::lu_solve(w.lu, n, w.piv, k);
        };
        for (int i = 0; i < n; ++i) k1[i] = f0[i] + (Real)(h * g1) * ft[i];
        solve(k1);
        for (int i = 0; i < n; ++i) k2[i] = f0[i] + (Real)c21 * ih * k1[i] + (Real)(h * g2) * ft[i];
        solve(k2);
        for (int i = 0; i < n; ++i) ys[i] = y[i] + 2 * k1[i];
        m.rhs(t + h, ys, c.p, c.lag, f);
        for (int i = 0; i < n; ++i) k3[i] = f[i] + ((Real)c31 * k1[i] + (Real)c32 * k2[i]) * ih;
        solve(k3);
        for (int i = 0; i < n; ++i) ys[i] = y[i] + 2 * k1[i] + k3[i];
        m.rhs(t + h, ys, c.p, c.lag, f);
        c.n_rhs += 2;
        for (int i = 0; i < n; ++i)
          k4[i] = f[i] + ((Real)c41 * k1[i] + (Real)c42 * k2[i] + (Real)c43 * k3[i]) * ih;
        solve(k4);
        for (int i = 0; i < n; ++i) y_new[i] = ys[i] + k4[i];
        const Real err = error_norm(c, k4, y, y_new);
        verdict = control_step(c, t, err, 3, c.max_factor, rejects, h, h_next);
      }
      if (verdict == STEP_ACCEPT) return 0;
      if (verdict == STEP_FAIL) return STEPFAIL;
    }
  }
};

}  // namespace dynlib::kernel

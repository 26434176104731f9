// tr-bdf2a: TR-BDF2, adaptive (Bank et al. 1985; Hosea & Shampine 1996). One step of size h is a
// trapezoidal stage to t + g h followed by a BDF2 stage to t + h, g = 2 - sqrt(2), both solving
// z - d h f(ts, z) = r with d = g / 2 on one iteration matrix:
//
//   z  = y + d h (f_n + f(t + g h, z))
//   y1 = y + w h (f_n + f_z) + d h f(t + h, y1),    w = sqrt(2) / 4
//
// Order 2, L-stable. Error estimate: the difference to the embedded third-order solution on the
// same stages (Hosea & Shampine), h ((4w - 1)/3 f_n - 1/3 f_z + 2d/3 f_1), passed through
// (I - d h J)^-1 so stiff components do not inflate it. Stage derivatives f_z and f_1 come from
// the solved stages ((z - r) / (d h)); f_n = f(t, y) is evaluated once per step.
// Newton failure with a fresh Jacobian counts as a rejection and quarters h.
#pragma once

#include "newton.hpp"
#include "step_control.hpp"

namespace dynlib::kernel {

// One TR-BDF2 attempt of size h from (t, y), f_n = f(t, y), into y_new with the error norm in
// *err. v: 5n scratch. Returns 0, EXIT_NEWTON_FAILED / EXIT_SINGULAR (with a fresh Jacobian:
// the caller shrinks h) or EXIT_NO_JACOBIAN.
template <class Model, class Real, class Time>
int trbdf2_attempt(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Real* v, Time t, Time h,
                   const Real* y, const Real* fn, Real* y_new, Real* err, Real* theta) {
  const int n = c.n;
  constexpr Time g = (Time)0.58578643762690495119831127579030;   // 2 - sqrt(2)
  constexpr Time d = (Time)0.29289321881345247559915563789515;   // g / 2
  constexpr Time wq = (Time)0.35355339059327376220042218105242;  // sqrt(2) / 4
  const Time dh = d * h;
  Real* wt = v;
  Real* r = v + n;
  Real* f = v + 2 * n;
  Real* dz = v + 3 * n;
  Real* z = v + 4 * n;
  newton_weights(c, y, true, wt);
  bool force_jac = false;
  for (;;) {
    const int bad = newton_prepare(m, c, w, t, y, dh, force_jac, false);
    bool ok = bad == 0;
    Real th1 = 0, th2 = 0;
    if (ok) {
      for (int i = 0; i < n; ++i) {
        r[i] = y[i] + (Real)dh * fn[i];
        z[i] = y[i] + (Real)(g * h) * fn[i];
      }
      ok = newton_solve(m, c, w, t + g * h, dh, r, wt, z, f, dz, &th1);
    }
    if (ok) {
      for (int i = 0; i < n; ++i) {
        y_new[i] = y[i] + (z[i] - y[i]) / (Real)g;  // predictor: the secant through y and z
        z[i] = (z[i] - r[i]) / (Real)dh;            // f_z
        r[i] = y[i] + (Real)(wq * h) * (fn[i] + z[i]);
      }
      ok = newton_solve(m, c, w, t + h, dh, r, wt, y_new, f, dz, &th2);
    }
    if (ok) {
      constexpr Time e_n = (4 * wq - 1) / 3, e_z = Time(-1) / 3, e_1 = 2 * d / 3;
      for (int i = 0; i < n; ++i) {
        const Real f1 = (y_new[i] - r[i]) / (Real)dh;
        f[i] = (Real)h * ((Real)e_n * fn[i] + (Real)e_z * z[i] + (Real)e_1 * f1);
      }
      linalg::lu_solve(w.lu, n, w.piv, f);
      *err = error_norm(c, f, y, y_new);
      *theta = math::max(th1, th2);
      return 0;
    }
    if (bad == EXIT_NO_JACOBIAN) return bad;
    if (!(w.flags & NEWTON_JAC_FRESH)) {
      force_jac = true;
      continue;
    }
    return bad ? bad : EXIT_NEWTON_FAILED;
  }
}

// An adaptive TR-BDF2 step (also bdf2a's starter): retries until accepted or failed. v: 6n
// scratch (the attempt's 5n, then f_n).
template <class Model, class Real, class Time>
int trbdf2_adaptive_step(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Real* v, Time t,
                         Time& h, Time& h_next, const Real* y, Real* y_new) {
  Real* fn = v + 5 * c.n;
  m.rhs(t, y, c.p, c.lag, fn);
  ++c.n_rhs;
  int rejects = 0;
  for (;;) {
    Real err = 0, theta = 0;
    const int bad = trbdf2_attempt(m, c, w, v, t, h, y, fn, y_new, &err, &theta);
    if (bad == EXIT_NO_JACOBIAN) {
      c.fail_reason = bad;
      return STEPFAIL;
    }
    const int verdict = bad ? reject_step(c, t, (Time)0.25, rejects, h)
                            : control_step(c, t, err, 3, c.max_factor, rejects, h, h_next);
    if (verdict == STEP_ACCEPT) {
      newton_after_step(w, theta);
      return 0;
    }
    if (verdict == STEP_FAIL) {
      if (bad) c.fail_reason = bad;  // say why the steps kept failing
      return STEPFAIL;
    }
  }
}

struct TRBDF2A {
  static constexpr StepperInfo info = {
      "tr-bdf2a",
      {"trbdf2a", "tr_bdf2a", "trbdf2", nullptr},
      KIND_ODE,
      true,
      true,
      2,
      3,
      true,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN,
      kNewtonWorkPerState + 6,
      kNewtonWorkExtra,
      kNewtonWorkSq,
      1,
      "TR-BDF2, adaptive with an embedded third-order estimate, L-stable: the default choice for "
      "stiff ODEs"};
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
    return implicit_initial_step(m, c, t, y, span, 2);
  }

  template <class Model, class Real, class Time>
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time& h_next, const Real* y,
                  Real* y_new) {
    NewtonWork<Real> w(c, c.work);
    return trbdf2_adaptive_step(m, c, w, c.work + newton_block_size(c.n), t, h, h_next, y, y_new);
  }
};

}  // namespace dynlib::kernel

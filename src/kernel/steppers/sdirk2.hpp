// sdirk2: Alexander's 2-stage SDIRK, order 2, L-stable and stiffly accurate (Alexander 1977;
// Hairer & Wanner II, IV.6), fixed step:
//
//   z1 = y + h g f(t + g h, z1),   z2 = y + h (1 - g) k1 + h g f(t + h, z2),   y_new = z2,
//   g = 1 - sqrt(2)/2,  k1 = (z1 - y) / (h g)  (the stage's derivative, without another rhs).
//
// Both stages solve z - h g f(ts, z) = r by simplified Newton on one LU (newton.hpp). A solve
// that fails with an old Jacobian is retried once with a fresh one; a failure then ends the run
// with STEPFAIL (EXIT_NEWTON_FAILED, or EXIT_SINGULAR for a singular I - h g J).
#pragma once

#include "newton.hpp"

namespace dynlib::kernel {

inline constexpr double kSdirk2Gamma = 0.29289321881345247559915563789515;  // 1 - sqrt(2)/2

// One Alexander step of size h from (t, y) into y_new with the workspace's Newton block and
// stepper vectors v (5n: weights, two stages' right-hand sides, f, dz). Returns 0 or an
// ExitReason. `adaptive` selects the Newton weights (see newton.hpp).
template <class Model, class Real, class Time>
int sdirk2_step(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Real* v, Time t, Time h,
                const Real* y, Real* y_new, bool adaptive, Real* theta) {
  const int n = c.n;
  constexpr Time g = (Time)kSdirk2Gamma;
  const Time hg = h * g;
  Real* wt = v;
  Real* r = v + n;
  Real* f = v + 2 * n;
  Real* dz = v + 3 * n;
  newton_weights(c, y, adaptive, wt);
  // Attempts: simplified Newton with the Jacobian at hand; then with a fresh one; then (fixed
  // step, which cannot shrink h) Newton proper.
  bool force_jac = false, full = false;
  for (;;) {
    const int bad = full ? 0 : newton_prepare(m, c, w, t, y, hg, force_jac, !adaptive);
    bool ok = bad == 0;
    Real th1 = 0, th2 = 0;
    if (ok) {
      // Stage 1 from the predictor y.
      for (int i = 0; i < n; ++i) y_new[i] = y[i];
      ok = newton_solve(m, c, w, t + g * h, hg, y, wt, y_new, f, dz, &th1, full);
    }
    if (ok) {
      // Stage 2: r = y + (1 - g)/g (z1 - y); predictor y + (z1 - y)/g (slope k1 over h).
      const Time a = (1 - g) / g;
      for (int i = 0; i < n; ++i) {
        const Real d = y_new[i] - y[i];
        r[i] = y[i] + (Real)a * d;
        y_new[i] = y[i] + d / (Real)g;
      }
      ok = newton_solve(m, c, w, t + h, hg, r, wt, y_new, f, dz, &th2, full);
    }
    if (ok) {
      *theta = math::max(th1, th2);
      return 0;
    }
    if (bad == EXIT_NO_JACOBIAN) return bad;
    if (!full && !(w.flags & NEWTON_JAC_FRESH)) {
      force_jac = true;  // an old Jacobian may be what failed: once more with a new one
      continue;
    }
    if (!full && !adaptive && bad != EXIT_SINGULAR) {
      full = true;
      continue;
    }
    return bad ? bad : EXIT_NEWTON_FAILED;
  }
}

struct SDIRK2 {
  static constexpr StepperInfo info = {
      "sdirk2",
      {"alexander2", "sdirk2_jit", nullptr, nullptr},
      KIND_ODE,
      false,
      true,
      2,
      0,
      true,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN,
      kNewtonWorkPerState + 4,
      kNewtonWorkExtra,
      kNewtonWorkSq,
      1,
      "Alexander's 2-stage SDIRK, order 2, L-stable: fixed step for stiff ODEs (Newton on the "
      "Jacobian)"};
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
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&, const Real* y,
                  Real* y_new) {
    NewtonWork<Real> w(c, c.work);
    Real theta = 0;
    const int bad =
        sdirk2_step(m, c, w, c.work + newton_block_size(c.n), t, h, y, y_new, false, &theta);
    if (bad) {
      c.fail_reason = bad;
      return STEPFAIL;
    }
    newton_after_step(w, theta);
    return 0;
  }
};

}  // namespace dynlib::kernel

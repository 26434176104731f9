// BDF2, fixed (bdf2) and variable step (bdf2a). Both solve the BDF2 corrector
//
//   y_{n+1} - b h f(t_{n+1}, y_{n+1}) = a1 y_n - a2 y_{n-1}
//
// by simplified Newton (newton.hpp), with w = h_n / h_{n-1}: b = (1 + w) / (1 + 2w),
// a1 = (1 + w)^2 / (1 + 2w), a2 = w^2 / (1 + 2w) (w = 1: 2/3, 4/3, 1/3). Order 2, L-stable
// (A-stable, and damps infinitely stiff components in one step).
//
// bdf2 (fixed step): the first step after a (re)start is an L-stable sdirk2 step, whose O(h^3)
// local error keeps the global order 2; the predictor is the linear extrapolation 2 y_n - y_{n-1}.
// A failed solve with a fresh Jacobian ends the run (STEPFAIL, EXIT_NEWTON_FAILED/SINGULAR).
//
// bdf2a (adaptive): the first two steps after a (re)start are adaptive TR-BDF2 steps (which size
// the step and build the history); from then on the predictor P is the quadratic through
// y_{n-2}, y_{n-1}, y_n, and the local error estimate is
//   (y_{n+1} - P) h_n (h_n + h_{n-1}) / ((2 h_n + h_{n-1}) (h_n + h_{n-1} + h_{n-2})),
// the leading term of BDF2's local error with y''' from the third divided difference (constant
// steps: 2/9 (y_{n+1} - P)). Step growth is capped at 2 per step (BDF2 is zero-stable for step
// ratios below 1 + sqrt(2)); a failed solve with a fresh Jacobian quarters the step.
#pragma once

#include "sdirk2.hpp"
#include "trbdf2.hpp"

namespace dynlib::kernel {

struct BDF2 {
  static constexpr StepperInfo info = {
      "bdf2",
      {"bdf2_jit", nullptr, nullptr, nullptr},
      KIND_ODE,
      false,
      true,
      2,
      0,
      true,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN,
      kNewtonWorkPerState + 5,
      kNewtonWorkExtra,
      kNewtonWorkSq,
      1,
      "BDF2, fixed step (sdirk2 start), L-stable: one Newton solve per step for stiff ODEs"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    newton_reset(c, c.work);
    c.state[0] = 0;
  }

  // A variational run's history (variational.hpp): the previous state, when valid.
  template <class Real, class Fn>
  static void for_each_history(StepCtx<Real>& c, Fn&& fn) {
    if (c.state[0]) fn(c.work + newton_block_size(c.n) + 4 * c.n);
  }

  template <class Model, class Real, class Time>
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&, const Real* y,
                  Real* y_new) {
    const int n = c.n;
    NewtonWork<Real> w(c, c.work);
    Real* v = c.work + newton_block_size(n);
    Real* y_prev = v + 4 * n;
    Real theta = 0;
    int bad = 0;
    if (!c.state[0]) {
      bad = sdirk2_step(m, c, w, v, t, h, y, y_new, false, &theta);
    } else {
      Real* wt = v;
      Real* r = v + n;
      Real* f = v + 2 * n;
      Real* dz = v + 3 * n;
      const Time hb = h * (Time)2 / 3;
      newton_weights(c, y, false, wt);
      for (int i = 0; i < n; ++i) {
        r[i] = (4 * y[i] - y_prev[i]) / 3;
        y_new[i] = 2 * y[i] - y_prev[i];
      }
      // As sdirk2: the Jacobian at hand, a fresh one, then Newton proper.
      for (bool force_jac = false, full = false;;) {
        bad = full ? 0 : newton_prepare(m, c, w, t, y, hb, force_jac, true);
        if (!bad && newton_solve(m, c, w, t + h, hb, r, wt, y_new, f, dz, &theta, full)) break;
        if (bad == EXIT_NO_JACOBIAN) break;
        for (int i = 0; i < n; ++i) y_new[i] = 2 * y[i] - y_prev[i];
        if (!full && !(w.flags & NEWTON_JAC_FRESH)) {
          force_jac = true;
          continue;
        }
        if (!full && bad != EXIT_SINGULAR) {
          full = true;
          continue;
        }
        if (!bad) bad = EXIT_NEWTON_FAILED;
        break;
      }
    }
    if (bad) {
      c.fail_reason = bad;
      return STEPFAIL;
    }
    for (int i = 0; i < n; ++i) y_prev[i] = y[i];
    c.state[0] = 1;
    newton_after_step(w, theta);
    return 0;
  }
};

struct BDF2A {
  static constexpr StepperInfo info = {
      "bdf2a",
      {"bdf2a_jit", nullptr, nullptr, nullptr},
      KIND_ODE,
      true,
      true,
      2,
      2,
      true,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN,
      kNewtonWorkPerState + 8,
      kNewtonWorkExtra + 2,
      kNewtonWorkSq,
      1,
      "BDF2, variable step with a local error estimate (TR-BDF2 start), L-stable: one Newton "
      "solve per step for stiff ODEs"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    newton_reset(c, c.work);
    c.state[0] = 0;
  }

  template <class Model, class Real, class Time>
  static Time initial_step(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Time span) {
    return TRBDF2A::initial_step(m, c, t, y, span);
  }

  // A variational run's history (variational.hpp): the two previous states, when valid.
  template <class Real, class Fn>
  static void for_each_history(StepCtx<Real>& c, Fn&& fn) {
    Real* v = c.work + newton_block_size(c.n);
    if (c.state[0] >= 1) fn(v + 6 * c.n);
    if (c.state[0] >= 2) fn(v + 7 * c.n);
  }

  template <class Model, class Real, class Time>
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time& h_next, const Real* y,
                  Real* y_new) {
    const int n = c.n;
    NewtonWork<Real> w(c, c.work);
    Real* v = c.work + newton_block_size(n);
    Real* y1 = v + 6 * n;  // y_{n-1}
    Real* y2 = v + 7 * n;  // y_{n-2}
    Real& h1 = v[8 * n];   // h_{n-1}
    Real& h2 = v[8 * n + 1];
    int& count = c.state[0];
    if (count < 2) {
      if (trbdf2_adaptive_step(m, c, w, v, t, h, h_next, y, y_new)) return STEPFAIL;
    } else if (const int s =
                   corrector(m, c, w, v, t, h, h_next, y, y1, y2, (Time)h1, (Time)h2, y_new)) {
      return s;
    }
    for (int i = 0; i < n; ++i) {
      y2[i] = y1[i];
      y1[i] = y[i];
    }
    h2 = h1;
    h1 = (Real)h;
    if (count < 2) ++count;
    return 0;
  }

 private:
  template <class Model, class Real, class Time>
  static int corrector(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Real* v, Time t,
                       Time& h, Time& h_next, const Real* y, const Real* y1, const Real* y2,
                       Time h1, Time h2, Real* y_new) {
    const int n = c.n;
    Real* wt = v;
    Real* r = v + n;
    Real* f = v + 2 * n;
    Real* dz = v + 3 * n;
    Real* pred = v + 4 * n;
    newton_weights(c, y, true, wt);
    int rejects = 0;
    bool force_jac = false;
    for (;;) {
      const Time om = h / h1;
      const Time den = 1 + 2 * om;
      const Time b = (1 + om) / den, a1 = (1 + om) * (1 + om) / den, a2 = om * om / den;
      const Time hb = b * h;
      // Quadratic through (t - h1 - h2, y2), (t - h1, y1), (t, y), evaluated at t + h.
      const Time l0 = (h + h1) * (h + h1 + h2) / (h1 * (h1 + h2));
      const Time l1 = -h * (h + h1 + h2) / (h1 * h2);
      const Time l2 = h * (h + h1) / ((h1 + h2) * h2);
      for (int i = 0; i < n; ++i) {
        r[i] = (Real)a1 * y[i] - (Real)a2 * y1[i];
        pred[i] = (Real)l0 * y[i] + (Real)l1 * y1[i] + (Real)l2 * y2[i];
        y_new[i] = pred[i];
      }
      Real theta = 0;
      int bad = newton_prepare(m, c, w, t, y, hb, force_jac, false);
      if (!bad && !newton_solve(m, c, w, t + h, hb, r, wt, y_new, f, dz, &theta))
        bad = EXIT_NEWTON_FAILED;
      if (bad == EXIT_NO_JACOBIAN) {
        c.fail_reason = bad;
        return STEPFAIL;
      }
      if (bad && !(w.flags & NEWTON_JAC_FRESH)) {
        force_jac = true;
        continue;
      }
      int verdict;
      if (bad) {
        verdict = reject_step(c, t, (Time)0.25, rejects, h);
      } else {
        const Time scale = h * (h + h1) / ((2 * h + h1) * (h + h1 + h2));
        for (int i = 0; i < n; ++i) f[i] = (y_new[i] - pred[i]) * (Real)scale;
        const Real err = error_norm(c, f, y, y_new);
        verdict = control_step(c, t, err, 3, math::min(c.max_factor, (Time)2), rejects, h, h_next);
      }
      if (verdict == STEP_ACCEPT) {
        newton_after_step(w, theta);
        return 0;
      }
      if (verdict == STEP_FAIL) {
        if (bad) c.fail_reason = bad;
        return STEPFAIL;
      }
    }
  }
};

}  // namespace dynlib::kernel

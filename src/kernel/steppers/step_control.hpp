// Step-size control shared by the adaptive implicit steppers: the weighted RMS error norm and the
// accept/reject decision with the standard controller (rk45 keeps its own, with the PI option).
//
//   accepted (err <= 1): h_next = h * clamp(safety * err^(-1/q), min_factor, max_growth), no growth
//                        right after a rejection, capped at dt_max;
//   rejected:            h *= clamp(safety * err^(-1/q), min_factor, 1) (min_factor when err is
//                        not finite); STEPFAIL after max_rejects consecutive rejections
//                        (EXIT_TOO_MANY_REJECTS) or when h falls below dt_min or no longer moves t
//                        (EXIT_DT_UNDERFLOW).
// q is the order of the error estimate (local error O(h^q)).
#pragma once

#include "../math.hpp"
#include "../status.hpp"
#include "common.hpp"

namespace dynlib::kernel {

// Hairer's initial step guess (Solving ODEs I, II.4) for a method of order `order`: balances
// ||y|| / ||f|| against an estimate of the second derivative; span = remaining interval. Leaves
// f(t, y) in f0; f1 and y1 are scratch. Two rhs evaluations.
template <class Model, class Real, class Time>
Time hairer_initial_step(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Time span,
                         int order, Real* f0, Real* f1, Real* y1) {
  const int n = m.n_state();       // constexpr for generated models: loops unroll
  const int ne = error_states(m);  // the norms cover what the error control covers
  m.rhs(t, y, c.p, c.lag, f0);
  Real dnf = 0, dny = 0;
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < ne; ++i) {
    const Real sk = c.atol + c.rtol * math::abs(y[i]);
    dnf += (f0[i] / sk) * (f0[i] / sk);
    dny += (y[i] / sk) * (y[i] / sk);
  }
  Time h = (dnf <= (Real)1e-10 || dny <= (Real)1e-10) ? (Time)1e-6 : math::sqrt(dny / dnf) / 100;
  Time hmax = span;
  if (c.dt_max > 0 && c.dt_max < hmax) hmax = c.dt_max;
  h = math::min(h, hmax);
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < n; ++i) y1[i] = y[i] + h * f0[i];
  m.rhs(t + h, y1, c.p, c.lag, f1);
  c.n_rhs += 2;
  Real der2 = 0;
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < ne; ++i) {
    const Real sk = c.atol + c.rtol * math::abs(y[i]);
    const Real d = (f1[i] - f0[i]) / sk;
    der2 += d * d;
  }
  der2 = math::sqrt(der2) / h;
  const Real der12 = math::max(math::abs(der2), math::sqrt(dnf));
  const Time h1 = der12 <= (Real)1e-15 ? math::max((Time)1e-6, h / 1000)
                                       : math::pow((Time)0.01 / der12, (Time)1 / (Time)order);
  h = math::min(math::min(100 * h, h1), hmax);
  if (c.dt_min > 0 && h < c.dt_min) h = math::min(c.dt_min, span);
  return h;
}

// sqrt(mean_i (e_i / (atol + rtol * max(|y_i|, |y_new_i|)))^2) over the first c.n_err states
template <class Real>
Real error_norm(const StepCtx<Real>& c, const Real* e, const Real* y, const Real* y_new) {
  Real sum = 0;
  for (int i = 0; i < c.n_err; ++i) {
    const Real sc = (Real)c.atol + (Real)c.rtol * math::max(math::abs(y[i]), math::abs(y_new[i]));
    sum += (e[i] / sc) * (e[i] / sc);
  }
  return math::sqrt(sum / c.n_err);
}

enum StepVerdict : int { STEP_ACCEPT = 0, STEP_RETRY = 1, STEP_FAIL = 2 };

// A rejected attempt (error too large, or a failed Newton solve): h *= fac, or STEP_FAIL with
// c.fail_reason set.
template <class Real, class Time>
int reject_step(StepCtx<Real>& c, Time t, Time fac, int& rejects, Time& h) {
  c.n_rejected += 1;
  ++rejects;
  h = h * fac;
  if (c.max_rejects > 0 && rejects >= c.max_rejects) {
    c.fail_reason = EXIT_TOO_MANY_REJECTS;
    return STEP_FAIL;
  }
  if (h < c.dt_min || !(h > 0) || t + h == t) {
    c.fail_reason = EXIT_DT_UNDERFLOW;
    return STEP_FAIL;
  }
  return STEP_RETRY;
}

template <class Real, class Time>
int control_step(StepCtx<Real>& c, Time t, Real err, int q, Time max_growth, int& rejects, Time& h,
                 Time& h_next) {
  const bool finite = math::isfinite(err);
  const Time expo = Time(-1) / (Time)q;
  if (finite && err <= 1) {
    Time fac = err == 0 ? max_growth : c.safety * math::pow((Time)err, expo);
    fac = math::max(c.min_factor, math::min(max_growth, fac));
    if (rejects > 0 && fac > 1) fac = 1;
    h_next = h * fac;
    if (c.dt_max > 0 && h_next > c.dt_max) h_next = c.dt_max;
    return STEP_ACCEPT;
  }
  return reject_step(
      c, t,
      finite ? math::max(c.min_factor, math::min((Time)1, c.safety * math::pow((Time)err, expo)))
             : c.min_factor,
      rejects, h);
}

}  // namespace dynlib::kernel

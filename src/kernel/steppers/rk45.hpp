// Dormand-Prince 5(4): adaptive, FSAL, local extrapolation (the 5th-order solution is propagated).
// Coefficients from Dormand & Prince (1980) / Hairer-Norsett-Wanner, Solving ODEs I, Table 5.2.
//
// Error norm: RMS over i of err_i / (atol + rtol * max(|y_i|, |y_new_i|)); a step is accepted when
// the norm is <= 1. Controllers (c.controller):
//   standard: h_new = h * clamp(safety * err^(-1/5), min_factor, max_factor), no growth right
//             after a rejection;
//   PI:       Hairer's DOPRI5 stabilised controller, beta = 0.04:
//             h_new = h / clamp(err^(1/5 - 0.75 beta) / err_prev^beta / safety, 1/max_factor,
//             1/min_factor).
// Failure (STEPFAIL): a rejected step would need h < dt_min (EXIT_DT_UNDERFLOW), or max_rejects
// consecutive rejections (EXIT_TOO_MANY_REJECTS).
//
// Workspace: k1..k7 (7n), stage state (n), then err_prev for the PI controller. c.state[0] = FSAL
// valid (k1 holds f(t, y)).
#pragma once

#include "../math.hpp"
#include "../run_args.hpp"
#include "../status.hpp"
#include "common.hpp"
#include "step_control.hpp"

namespace dynlib::kernel {

struct RK45 {
  static constexpr StepperInfo info = {
      "rk45",
      {"dopri5", "dormand_prince", "rkdp", nullptr},
      KIND_ODE,
      true,
      false,
      5,
      4,
      false,
      CAP_EVENTS | CAP_LAG | CAP_FSAL,
      8,
      1,
      0,
      0,
      "Dormand-Prince 5(4), adaptive with FSAL: the default for non-stiff ODEs"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    c.state[0] = 0;
    c.work[8 * c.n] = (Real)1e-4;  // err_prev for the PI controller, as in DOPRI5
  }

  // A variational run's history (variational.hpp): the FSAL derivative, when valid.
  template <class Real, class Fn>
  static void for_each_history(StepCtx<Real>& c, Fn&& fn) {
    if (c.state[0]) fn(c.work);
  }

  // Hairer's initial step guess (step_control.hpp). Leaves f(t, y) in k1 (FSAL valid).
  template <class Model, class Real, class Time>
  static Time initial_step(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Time span) {
    const int n = m.n_state();
    c.state[0] = 1;
    return hairer_initial_step(m, c, t, y, span, 5, c.work, c.work + n, c.work + 7 * n);
  }

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h,
                                       Time& h_next, const Real* y, Real* y_new) {
    // Butcher tableau (c_i, a_ij), 5th-order weights = row 7, error weights e = b5 - b4.
    constexpr Time c2 = Time(1) / 5, c3 = Time(3) / 10, c4 = Time(4) / 5, c5 = Time(8) / 9;
    constexpr Time a21 = Time(1) / 5;
    constexpr Time a31 = Time(3) / 40, a32 = Time(9) / 40;
    constexpr Time a41 = Time(44) / 45, a42 = Time(-56) / 15, a43 = Time(32) / 9;
    constexpr Time a51 = Time(19372) / 6561, a52 = Time(-25360) / 2187, a53 = Time(64448) / 6561,
                   a54 = Time(-212) / 729;
    constexpr Time a61 = Time(9017) / 3168, a62 = Time(-355) / 33, a63 = Time(46732) / 5247,
                   a64 = Time(49) / 176, a65 = Time(-5103) / 18656;
    constexpr Time a71 = Time(35) / 384, a73 = Time(500) / 1113, a74 = Time(125) / 192,
                   a75 = Time(-2187) / 6784, a76 = Time(11) / 84;
    constexpr Time e1 = Time(71) / 57600, e3 = Time(-71) / 16695, e4 = Time(71) / 1920,
                   e5 = Time(-17253) / 339200, e6 = Time(22) / 525, e7 = Time(-1) / 40;
    constexpr Time beta = Time(0.04);
    constexpr Time expo1 = Time(1) / 5 - beta * Time(0.75);

    const int n = m.n_state();       // constexpr for generated models: loops unroll
    const int ne = error_states(m);  // the error norm's states (variational runs: the y part)
    Real* k1 = c.work;
    Real* k2 = k1 + n;
    Real* k3 = k2 + n;
    Real* k4 = k3 + n;
    Real* k5 = k4 + n;
    Real* k6 = k5 + n;
    Real* k7 = k6 + n;
    Real* ys = k7 + n;
    Real& err_prev = c.work[8 * n];

    if (!c.state[0]) {
      m.rhs(t, y, c.p, c.lag, k1);
      c.n_rhs += 1;
      c.state[0] = 1;
    }
    int rejects = 0;
    for (;;) {
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i) ys[i] = y[i] + h * (a21 * k1[i]);
      m.rhs(t + c2 * h, ys, c.p, c.lag, k2);
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i) ys[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
      m.rhs(t + c3 * h, ys, c.p, c.lag, k3);
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i) ys[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
      m.rhs(t + c4 * h, ys, c.p, c.lag, k4);
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i)
        ys[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
      m.rhs(t + c5 * h, ys, c.p, c.lag, k5);
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i)
        ys[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
      m.rhs(t + h, ys, c.p, c.lag, k6);
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i)
        y_new[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
      m.rhs(t + h, y_new, c.p, c.lag, k7);
      c.n_rhs += 6;

      Real sum = 0;
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < ne; ++i) {
        const Real e =
            h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
        const Real sc = c.atol + c.rtol * math::max(math::abs(y[i]), math::abs(y_new[i]));
        sum += (e / sc) * (e / sc);
      }
      const Real err = math::sqrt(sum / ne);
      const bool finite = math::isfinite(err);

      if (finite && err <= 1) {
        Time fac;
        if (c.controller == CONTROLLER_PI) {
          const Time fac11 = math::pow((Time)err, expo1);
          const Time q = fac11 / math::pow((Time)err_prev, beta) / c.safety;
          fac = 1 / math::max(1 / c.max_factor, math::min(1 / c.min_factor, q));
          err_prev = math::max(err, (Real)1e-4);
        } else {
          fac = err == 0 ? c.max_factor : c.safety * math::pow((Time)err, Time(-1) / 5);
          fac = math::max(c.min_factor, math::min(c.max_factor, fac));
        }
        if (rejects > 0 && fac > 1) fac = 1;  // no growth right after a rejection
        h_next = h * fac;
        if (c.dt_max > 0 && h_next > c.dt_max) h_next = c.dt_max;
        DYNLIB_UNROLL_STATES
        for (int i = 0; i < n; ++i) k1[i] = k7[i];  // FSAL
        return 0;
      }

      Time fac = c.min_factor;
      if (finite) {
        if (c.controller == CONTROLLER_PI) {
          fac = 1 / math::min(1 / c.min_factor, math::pow((Time)err, expo1) / c.safety);
        } else {
          fac = math::max(c.min_factor, c.safety * math::pow((Time)err, Time(-1) / 5));
        }
      }
      if (reject_step(c, t, fac, rejects, h) == STEP_FAIL) return STEPFAIL;
    }
  }
};

}  // namespace dynlib::kernel

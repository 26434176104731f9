// Fixed-step explicit one-step methods: map, euler, rk2 (explicit midpoint), rk4 (classic).
// Each writes the new state into y_new; the runner checks it and commits.
#pragma once

#include "common.hpp"

namespace dynlib::kernel {

// Discrete map: y_{n+1} = f(t_n, y_n). Exact for integer states.
struct MapStepper {
  static constexpr StepperInfo info = {"map",
                                       {"discrete", nullptr, nullptr, nullptr},
                                       KIND_MAP,
                                       false,
                                       false,
                                       0,
                                       0,
                                       false,
                                       CAP_EVENTS | CAP_LAG | CAP_INTEGER,
                                       0,
                                       0,
                                       0,
                                       0,
                                       "iterate a discrete map: y_{n+1} = f(t_n, y_n)"};
  template <class Real>
  static constexpr bool supports = true;

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time&, Time&,
                                       const Real* y, Real* y_new) {
    m.rhs(t, y, c.p, c.lag, y_new);
    ++c.n_rhs;
    return 0;
  }
  template <class Real>
  static void reset(StepCtx<Real>&) {}
};

// Forward Euler, order 1.
struct Euler {
  static constexpr StepperInfo info = {
      "euler",
      {"forward_euler", nullptr, nullptr, nullptr},
      KIND_ODE,
      false,
      false,
      1,
      0,
      false,
      CAP_EVENTS | CAP_LAG,
      1,
      0,
      0,
      0,
      "forward Euler, order 1: cheap, for tests and very smooth or noisy-resolution problems"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&,
                                       const Real* y, Real* y_new) {
    const int n = m.n_state();  // constexpr for generated models: loops unroll
    Real* f = c.work;
    m.rhs(t, y, c.p, c.lag, f);
    DYNLIB_UNROLL_STATES
    for (int i = 0; i < n; ++i) y_new[i] = y[i] + h * f[i];
    c.n_rhs += 1;
    return 0;
  }
  template <class Real>
  static void reset(StepCtx<Real>&) {}
};

// Explicit midpoint, order 2.
struct RK2 {
  static constexpr StepperInfo info = {"rk2",
                                       {"midpoint", nullptr, nullptr, nullptr},
                                       KIND_ODE,
                                       false,
                                       false,
                                       2,
                                       0,
                                       false,
                                       CAP_EVENTS | CAP_LAG,
                                       2,
                                       0,
                                       0,
                                       0,
                                       "explicit midpoint Runge-Kutta, order 2"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&,
                                       const Real* y, Real* y_new) {
    const int n = m.n_state();  // constexpr for generated models: loops unroll
    Real* k = c.work;
    Real* tmp = c.work + n;
    const Time h2 = h / 2;
    m.rhs(t, y, c.p, c.lag, k);
    DYNLIB_UNROLL_STATES
    for (int i = 0; i < n; ++i) tmp[i] = y[i] + h2 * k[i];
    m.rhs(t + h2, tmp, c.p, c.lag, k);
    DYNLIB_UNROLL_STATES
    for (int i = 0; i < n; ++i) y_new[i] = y[i] + h * k[i];
    c.n_rhs += 2;
    return 0;
  }
  template <class Real>
  static void reset(StepCtx<Real>&) {}
};

// Classic fourth-order Runge-Kutta. `rk4_step` is shared with the Adams-Bashforth starters so the
// arithmetic is written once; k1 = f(t, y) is supplied by the caller.
template <class Model, class Real, class Time>
DYNLIB_KERNEL_INLINE void rk4_step(const Model& m, StepCtx<Real>& c, Time t, Time h, const Real* y,
                                   const Real* k1, Real* k2, Real* k3, Real* k4, Real* tmp,
                                   Real* y_new) {
  const int n = m.n_state();  // constexpr for generated models: loops unroll
  const Time h2 = h / 2;
  const Time h6 = h / 6;
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < n; ++i) tmp[i] = y[i] + h2 * k1[i];
  m.rhs(t + h2, tmp, c.p, c.lag, k2);
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < n; ++i) tmp[i] = y[i] + h2 * k2[i];
  m.rhs(t + h2, tmp, c.p, c.lag, k3);
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < n; ++i) tmp[i] = y[i] + h * k3[i];
  m.rhs(t + h, tmp, c.p, c.lag, k4);
  DYNLIB_UNROLL_STATES
  for (int i = 0; i < n; ++i) y_new[i] = y[i] + h6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  c.n_rhs += 3;
}

struct RK4 {
  static constexpr StepperInfo info = {
      "rk4",
      {"rk", "runge_kutta", nullptr, nullptr},
      KIND_ODE,
      false,
      false,
      4,
      0,
      false,
      CAP_EVENTS | CAP_LAG,
      5,
      0,
      0,
      0,
      "classic Runge-Kutta, order 4: the default fixed-step method for smooth non-stiff ODEs"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&,
                                       const Real* y, Real* y_new) {
    const int n = m.n_state();  // constexpr for generated models: loops unroll
    Real* k1 = c.work;
    m.rhs(t, y, c.p, c.lag, k1);
    c.n_rhs += 1;
    rk4_step(m, c, t, h, y, k1, k1 + n, k1 + 2 * n, k1 + 3 * n, k1 + 4 * n, y_new);
    return 0;
  }
  template <class Real>
  static void reset(StepCtx<Real>&) {}
};

}  // namespace dynlib::kernel

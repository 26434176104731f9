// Adams-Bashforth 2 and 3 (explicit multistep, fixed step). The first K-1 steps after a (re)start
// are classic RK4 steps, whose local error O(h^5) keeps the global order K. History: the last K
// derivatives in a ring in the workspace; c.state[0] = valid entries, c.state[1] = newest slot.
// Any event action or wrapper reset restarts the history (the derivative jumps there).
#pragma once

#include "explicit_rk.hpp"

namespace dynlib::kernel {

template <int K>
struct AdamsBashforth {
  static_assert(K == 2 || K == 3, "only AB2 and AB3 are provided");
  static constexpr StepperInfo info = {
      K == 2 ? "ab2" : "ab3",
      {K == 2 ? "adams_bashforth2" : "adams_bashforth3", nullptr, nullptr, nullptr},
      KIND_ODE,
      false,
      false,
      K,
      0,
      false,
      CAP_EVENTS | CAP_LAG,
      K + 4,
      0,
      0,
      0,
      K == 2 ? "Adams-Bashforth order 2 (RK4 start): one derivative per step"
             : "Adams-Bashforth order 3 (RK4 start): one derivative per step"};
  template <class Real>
  static constexpr bool supports = is_floating<Real>;

  template <class Model, class Real, class Time>
  DYNLIB_KERNEL_INLINE static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time&,
                                       const Real* y, Real* y_new) {
    const int n = m.n_state();  // constexpr for generated models: loops unroll
    int& count = c.state[0];
    int& head = c.state[1];
    Real* hist = c.work;  // K rows of n
    head = head + 1 == K ? 0 : head + 1;
    Real* f0 = hist + head * n;  // f_n
    m.rhs(t, y, c.p, c.lag, f0);
    c.n_rhs += 1;
    if (count < K) ++count;
    if (count < K) {
      Real* s = hist + K * n;
      rk4_step(m, c, t, h, y, f0, s, s + n, s + 2 * n, s + 3 * n, y_new);
      return 0;
    }
    const Real* f1 = hist + (head == 0 ? K - 1 : head - 1) * n;  // f_{n-1}
    if constexpr (K == 2) {
      const Time h2 = h / 2;
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i) y_new[i] = y[i] + h2 * (3 * f0[i] - f1[i]);
    } else {
      const Real* f2 = hist + (head >= 2 ? head - 2 : head + 1) * n;  // f_{n-2}
      const Time h12 = h / 12;
      DYNLIB_UNROLL_STATES
      for (int i = 0; i < n; ++i) y_new[i] = y[i] + h12 * (23 * f0[i] - 16 * f1[i] + 5 * f2[i]);
    }
    return 0;
  }

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    c.state[0] = 0;
    c.state[1] = 0;
  }

  // A variational run's history (variational.hpp): the stored derivatives (every row of the
  // ring; rows not yet filled are overwritten before they are read).
  template <class Real, class Fn>
  static void for_each_history(StepCtx<Real>& c, Fn&& fn) {
    for (int r = 0; r < K; ++r) fn(c.work + (long long)r * c.n);
  }
};

using AB2 = AdamsBashforth<2>;
using AB3 = AdamsBashforth<3>;

}  // namespace dynlib::kernel

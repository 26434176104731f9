// Hand-written models for the kernel tests. They follow the Model contract in kernel/model.hpp the
// way generated code will: plain structs with inline const methods.
#pragma once

#include "kernel/kernel.hpp"

namespace dynlib::kernel::testing {

// Defaults for models without aux/events/lags; a model overrides what it uses. (CRTP would hide the
// contract; plain base members keep each model readable on its own.)
template <class R>
struct ModelBase {
  using real_t = R;
  using Time = time_t_of<R>;
  int n_aux() const { return 0; }
  int n_event() const { return 0; }
  int lag_depth(int) const { return 0; }
  void aux(Time, const R*, const R*, const LagView<R>&, R*) const {}
  int event_phases(int) const { return 0; }
  bool event_cond(int, Time, const R*, const R*, const LagView<R>&) const { return false; }
  void event_action(int, Time, const R*, const R*, const LagView<R>&, R*, R*) const {}
  int event_log_size(int) const { return 0; }
  void event_log(int, Time, const R*, const R*, const LagView<R>&, R*) const {}
};

// y' = -k y; aux: y^2 (to test aux recording). Exact: y0 exp(-k t).
template <class R = double>
struct ExpDecay : ModelBase<R> {
  using Time = time_t_of<R>;
  int n_state() const { return 1; }
  int n_param() const { return 1; }
  int n_aux() const { return 1; }
  void rhs(Time, const R* y, const R* p, const LagView<R>&, R* out) const { out[0] = -p[0] * y[0]; }
  void aux(Time, const R* y, const R*, const LagView<R>&, R* out) const { out[0] = y[0] * y[0]; }
};

// x' = v, v' = -w^2 x. Energy w^2 x^2 + v^2 is conserved.
struct Harmonic : ModelBase<double> {
  int n_state() const { return 2; }
  int n_param() const { return 1; }
  void rhs(double, const double* y, const double* p, const LagView<double>&, double* out) const {
    out[0] = y[1];
    out[1] = -(p[0] * p[0]) * y[0];
  }
};

// y' = y cos(t): non-autonomous, smooth, exact y0 exp(sin t). Exercises the stage times.
struct SinExp : ModelBase<double> {
  int n_state() const { return 1; }
  int n_param() const { return 0; }
  void rhs(double t, const double* y, const double*, const LagView<double>&, double* out) const {
    out[0] = y[0] * math::cos(t);
  }
};

// Lorenz 63; p = sigma, rho, beta.
template <class R = double>
struct Lorenz : ModelBase<R> {
  using Time = time_t_of<R>;
  int n_state() const { return 3; }
  int n_param() const { return 3; }
  void rhs(Time, const R* y, const R* p, const LagView<R>&, R* out) const {
    out[0] = p[0] * (y[1] - y[0]);
    out[1] = y[0] * (p[1] - y[2]) - y[1];
    out[2] = y[0] * y[1] - p[2] * y[2];
  }
  // J v and J (row-major), for variational runs.
  void jvp(Time, const R* y, const R* p, const LagView<R>&, const R* v, R* out) const {
    out[0] = p[0] * (v[1] - v[0]);
    out[1] = (p[1] - y[2]) * v[0] - v[1] - y[0] * v[2];
    out[2] = y[1] * v[0] + y[0] * v[1] - p[2] * v[2];
  }
  void jacobian(Time, const R* y, const R* p, const LagView<R>&, R* out) const {
    const R j[9] = {-p[0], p[0], 0, p[1] - y[2], -1, -y[0], y[1], y[0], -p[2]};
    for (int i = 0; i < 9; ++i) out[i] = j[i];
  }
};

// Linear ODE y' = A y in 2-D; p = A row-major (a00, a01, a10, a11). Exact: y(t) = expm(A t) y0.
struct Linear2 : ModelBase<double> {
  int n_state() const { return 2; }
  int n_param() const { return 4; }
  void rhs(double, const double* y, const double* p, const LagView<double>&, double* out) const {
    out[0] = p[0] * y[0] + p[1] * y[1];
    out[1] = p[2] * y[0] + p[3] * y[1];
  }
  void jvp(double t, const double* y, const double* p, const LagView<double>& lag, const double* v,
           double* out) const {
    (void)y;
    rhs(t, v, p, lag, out);  // linear: J v = A v
  }
  void jacobian(double, const double*, const double* p, const LagView<double>&, double* out) const {
    for (int i = 0; i < 4; ++i) out[i] = p[i];
  }
};

// The 1-D linear map x -> a x; p = a. J = a.
struct ScaleMap : ModelBase<double> {
  int n_state() const { return 1; }
  int n_param() const { return 1; }
  void rhs(double, const double* y, const double* p, const LagView<double>&, double* out) const {
    out[0] = p[0] * y[0];
  }
  void jvp(double, const double*, const double* p, const LagView<double>&, const double* v,
           double* out) const {
    out[0] = p[0] * v[0];
  }
  void jacobian(double, const double*, const double* p, const LagView<double>&, double* out) const {
    out[0] = p[0];
  }
};

// Leaky integrate-and-fire: v' = (I - v) / tau. Event 0 at phase end: cross_up(v, v_th), i.e.
// lag_v(1) < v_th and v >= v_th; action v = v_reset and spikes += 1; logs v (pre-reset).
// p = I, tau, v_th, v_reset, spikes.
struct LIF : ModelBase<double> {
  int n_state() const { return 1; }
  int n_param() const { return 5; }
  int n_event() const { return 1; }
  int lag_depth(int) const { return 1; }
  void rhs(double, const double* y, const double* p, const LagView<double>&, double* out) const {
    out[0] = (p[0] - y[0]) / p[1];
  }
  int event_phases(int) const { return PHASE_END; }
  bool event_cond(int, double, const double* y, const double* p, const LagView<double>& lag) const {
    return lag(0, 1) < p[2] && y[0] >= p[2];
  }
  void event_action(int, double, const double*, const double* p, const LagView<double>&,
                    double* y_out, double* p_out) const {
    y_out[0] = p[3];
    p_out[4] = p[4] + 1;
  }
  int event_log_size(int) const { return 1; }
  void event_log(int, double, const double* y, const double*, const LagView<double>&,
                 double* out) const {
    out[0] = y[0];
  }
};

// Lags on a map. State 0: a counter c_{n+1} = c_n + 1. State 1: Fibonacci f_{n+1} = f_n +
// lag_f(1). Aux 0 = lag_c(3), aux 1 = lag_f(1). Lag depths 3 and 1, columns 0 (c) and 1 (f).
// With lag = y0 before history exists: aux0 at step n = c0 + max(n - 3, 0).
struct LagMap : ModelBase<long long> {
  int n_state() const { return 2; }
  int n_param() const { return 0; }
  int n_aux() const { return 2; }
  int lag_depth(int s) const { return s == 0 ? 3 : 1; }
  void rhs(double, const long long* y, const long long*, const LagView<long long>& lag,
           long long* out) const {
    out[0] = y[0] + 1;
    out[1] = y[1] + lag(1, 1);
  }
  void aux(double, const long long*, const long long*, const LagView<long long>& lag,
           long long* out) const {
    out[0] = lag(0, 3);
    out[1] = lag(1, 1);
  }
};

// Same lag idea for an ODE: x' = 1, aux = lag_x(2). With fixed dt, aux at step n is
// x0 + max(n - 2, 0) * dt exactly (for dyadic dt).
struct LagOde : ModelBase<double> {
  int n_state() const { return 1; }
  int n_param() const { return 0; }
  int n_aux() const { return 1; }
  int lag_depth(int) const { return 2; }
  void rhs(double, const double*, const double*, const LagView<double>&, double* out) const {
    out[0] = 1;
  }
  void aux(double, const double*, const double*, const LagView<double>& lag, double* out) const {
    out[0] = lag(0, 2);
  }
};

// x_{n+1} = r x_n (1 - x_n); p = r.
template <class R>
struct Logistic : ModelBase<R> {
  using Time = time_t_of<R>;
  int n_state() const { return 1; }
  int n_param() const { return 1; }
  void rhs(Time, const R* y, const R* p, const LagView<R>&, R* out) const {
    out[0] = p[0] * y[0] * (1 - y[0]);
  }
};

// Collatz in int64: n/2 if even, 3n + 1 if odd.
struct Collatz : ModelBase<long long> {
  int n_state() const { return 1; }
  int n_param() const { return 0; }
  void rhs(double, const long long* y, const long long*, const LagView<long long>&,
           long long* out) const {
    out[0] = y[0] % 2 == 0 ? y[0] / 2 : 3 * y[0] + 1;
  }
};

// Event probe on an identity-like map: states x, y, c with x, y held and c counting steps.
//   event 0 (phases = `phases`): c == 3 -> swap x and y (atomic); logs x, y.
//   event 1 (phases = `phases`): c == 3 and x < y -> p1 = x (sees event 0's result: declaration
//                                 order);
//                                 logs c.
// Both conditions are evaluated before either action runs.
struct EventProbe : ModelBase<double> {
  int phases = PHASE_END;
  int n_state() const { return 3; }
  int n_param() const { return 2; }
  int n_event() const { return 2; }
  void rhs(double, const double* y, const double*, const LagView<double>&, double* out) const {
    out[0] = y[0];
    out[1] = y[1];
    out[2] = y[2] + 1;
  }
  int event_phases(int) const { return phases; }
  bool event_cond(int e, double, const double* y, const double*, const LagView<double>&) const {
    return y[2] == 3 && (e == 0 || y[0] < y[1]);
  }
  void event_action(int e, double, const double* y, const double*, const LagView<double>&,
                    double* y_out, double* p_out) const {
    if (e == 0) {
      y_out[0] = y[1];
      y_out[1] = y[0];
    } else {
      p_out[1] = y[0];
    }
  }
  int event_log_size(int e) const { return e == 0 ? 2 : 1; }
  void event_log(int e, double, const double* y, const double*, const LagView<double>&,
                 double* out) const {
    if (e == 0) {
      out[0] = y[0];
      out[1] = y[1];
    } else {
      out[0] = y[2];
    }
  }
};

// Blows up in finite time: y' = y^2 (y0 = 1 -> t = 1), with a second, harmless state.
struct BlowUp : ModelBase<double> {
  int n_state() const { return 2; }
  int n_param() const { return 0; }
  void rhs(double, const double* y, const double*, const LagView<double>&, double* out) const {
    out[0] = 1;
    out[1] = y[1] * y[1];
  }
};

}  // namespace dynlib::kernel::testing

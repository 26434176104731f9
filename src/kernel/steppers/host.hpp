// Host-stepped steppers (cvode, cvode-adams): the step's arithmetic lives in host code (SUNDIALS
// CVODE, src/runtime), but the run does not. The runner drives them like any adaptive stepper —
// events, lags, recording, budgets, interrupts and statuses are the runner's — and each step calls
// RunArgs::host with the model's rhs and Jacobian bound to this run's parameters and lags, as
// plain function pointers. The kernel stays freestanding; the host driver sees no kernel types.
//
// Protocol: step() asks the driver for one internal step from (t, y), never past t_stop (the
// run's t_end). restart != 0 after a (re)start, an event action or any state change: the driver
// reinitialises from (t, y); otherwise its own state is (t, y) already (the runner committed its
// last y_new). The driver returns 0 with y_new, the step taken (*h) and its proposal (*h_next),
// or an ExitReason (the runner ends with STEPFAIL). Only float64 states (CVODE's realtype).
#pragma once

#include "newton.hpp"

namespace dynlib::kernel {

enum HostMethod : int { HOST_CVODE_BDF = 0, HOST_CVODE_ADAMS = 1 };

// The model and options as the driver sees them for one step.
struct HostModelCalls {
  const void* ctx;  // kernel side: the model and the step context
  int n;
  int method;  // HostMethod
  double atol, rtol, dt_min, dt_max;
  int max_order;      // 0: the method's default
  int jacobian_mode;  // JacobianMode
  // out = f(t, y).
  void (*rhs)(const void* ctx, double t, const double* y, double* out);
  // out = df/dy at (t, y), row-major, by jacobian_mode; 0 or EXIT_NO_JACOBIAN.
  int (*jacobian)(const void* ctx, double t, const double* y, double* out);
};

// Counters the driver adds to per step (the kernel adds them to RunArgs' outputs). Jacobian and
// rhs evaluations are counted by the kernel's own thunks.
struct HostStepStats {
  long long n_rejected, n_lu, n_newton;
};

struct HostStepper {
  void* self;
  int (*step)(void* self, const HostModelCalls* calls, int restart, double t, double t_stop,
              const double* y, double* y_new, double* h, double* h_next, HostStepStats* stats);
};

template <int Method>
struct HostStep {
  static constexpr StepperInfo info = {
      Method == HOST_CVODE_BDF ? "cvode" : "cvode-adams",
      {Method == HOST_CVODE_BDF ? "cvode_bdf" : "cvode_adams",
       Method == HOST_CVODE_BDF ? "sundials" : nullptr, nullptr, nullptr},
      KIND_ODE,
      true,
      true,
      Method == HOST_CVODE_BDF ? 5 : 12,
      0,
      Method == HOST_CVODE_BDF,
      CAP_EVENTS | CAP_LAG | CAP_JACOBIAN | CAP_HOST,
      3,
      0,
      0,
      0,
      Method == HOST_CVODE_BDF
          ? "SUNDIALS CVODE, variable-order BDF (1-5) with Newton on the dense Jacobian: the "
            "standard for stiff ODEs"
          : "SUNDIALS CVODE, variable-order Adams-Moulton (1-12) with Newton: smooth non-stiff "
            "ODEs at tight tolerances"};
  template <class Real>
  static constexpr bool supports = sizeof(Real) == sizeof(double) && is_floating<Real>;

  template <class Real>
  static void reset(StepCtx<Real>& c) {
    c.state[0] = 0;
  }

  // CVODE chooses its own first step; the whole span is only the runner's upper bound.
  template <class Model, class Real, class Time>
  static Time initial_step(const Model&, StepCtx<Real>&, Time, const Real*, Time span) {
    return span;
  }

  template <class Model, class Real, class Time>
  static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time& h_next, const Real* y,
                  Real* y_new) {
    struct Ctx {
      const Model* m;
      StepCtx<Real>* c;
    } ctx{&m, &c};
    HostModelCalls calls;
    calls.ctx = &ctx;
    calls.n = c.n;
    calls.method = Method;
    calls.atol = c.atol;
    calls.rtol = c.rtol;
    calls.dt_min = c.dt_min;
    calls.dt_max = c.dt_max;
    calls.max_order = c.max_order;
    calls.jacobian_mode = c.jacobian_mode;
    calls.rhs = [](const void* p, double ts, const double* ys, double* out) {
      const Ctx& x = *static_cast<const Ctx*>(p);
      x.m->rhs(ts, ys, x.c->p, x.c->lag, out);
      ++x.c->n_rhs;
    };
    calls.jacobian = [](const void* p, double ts, const double* ys, double* out) {
      const Ctx& x = *static_cast<const Ctx*>(p);
      Real* s = x.c->work;
      return eval_jacobian(*x.m, *x.c, ts, ys, out, s, s + x.c->n, s + 2 * x.c->n);
    };
    HostStepStats stats{0, 0, 0};
    double h_taken = h, h_prop = h_next;
    const int bad = c.host->step(c.host->self, &calls, c.state[0] == 0, t, c.t_end, y, y_new,
                                 &h_taken, &h_prop, &stats);
    c.n_rejected += stats.n_rejected;
    c.n_lu += stats.n_lu;
    c.n_newton += stats.n_newton;
    if (bad) {
      c.fail_reason = bad;
      return STEPFAIL;
    }
    c.state[0] = 1;
    h = h_taken;
    h_next = h_prop;
    return 0;
  }
};

using CvodeBdf = HostStep<HOST_CVODE_BDF>;
using CvodeAdams = HostStep<HOST_CVODE_ADAMS>;

}  // namespace dynlib::kernel

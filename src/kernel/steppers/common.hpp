// What every stepper shares: its constexpr metadata record and the per-call context the runner
// hands it.
//
// A stepper is a struct with
//   static constexpr StepperInfo info;
//   template <class Real> static constexpr bool supports;  // can it step this state type?
//   template <class Model, class Real>
//   static int step(const Model& m, StepCtx<Real>& c, Time t, Time& h, Time& h_next,
//                   const Real* y, Real* y_new);
//       Advances (t, y) by h into y_new (never writes y). Adaptive steppers may shrink h and
//       return the step actually taken in h, with the proposal for the next step in h_next; fixed
//       steppers leave both alone. Returns 0, or STEPFAIL with c.fail_reason set.
//   template <class Real> static void reset(StepCtx<Real>& c);
//       Forgets history (FSAL derivative, Adams history): after event actions, on wrapper request.
// The stepper's persistent memory is c.work (stepper_work_size Reals), c.iwork (stepper_iwork_size
// ints) and c.state (8 ints); all live in RunArgs, so history survives a YIELD or a buffer growth.
#pragma once

#include "../lag.hpp"
#include "../types.hpp"

namespace dynlib::kernel {

enum StepperKind : int { KIND_ODE = 0, KIND_MAP = 1 };

// Capability bits.
enum StepperCaps : unsigned {
  CAP_EVENTS = 1u,     // runs with start/end events (history restarted after an action)
  CAP_LAG = 2u,        // runs with lagged states
  CAP_DENSE = 4u,      // dense output between steps (none yet)
  CAP_INTEGER = 8u,    // can step long long states exactly
  CAP_FSAL = 16u,      // reuses the last stage as the next first stage
  CAP_JACOBIAN = 32u,  // uses the model's Jacobian (symbolic, the model's own, or differences)
  CAP_HOST = 64u,      // stepped by host code through RunArgs::host (CVODE; see host.hpp)
};

// Where an implicit stepper's Jacobian comes from (RunArgs::jacobian_mode).
enum JacobianMode : int {
  JAC_SYMBOLIC = 0,  // the IR's symbolic derivatives (model.jacobian)
  JAC_ANALYTIC = 1,  // the model file's [equations.jacobian] (model.user_jacobian)
  JAC_FD = 2,        // forward differences of rhs (jac_eps)
};

struct StepperInfo {
  const char* name;
  const char* aliases[4];  // unused entries are null
  int kind;                // StepperKind
  bool adaptive;
  bool implicit;
  int order;
  int embedded_order;  // 0 if no embedded error estimate
  bool stiff;
  unsigned caps;       // StepperCaps
  int work_per_state;  // workspace: work_per_state_sq * n^2 + work_per_state * n + work_extra
  int work_extra;      // Reals, and iwork_per_state * n ints (RunArgs::iwork)
  int work_per_state_sq;
  int iwork_per_state;
  const char* description;
};

constexpr long long stepper_work_size(const StepperInfo& s, int n_state) {
  return (long long)s.work_per_state_sq * n_state * n_state +
         (long long)s.work_per_state * n_state + s.work_extra;
}
constexpr long long stepper_iwork_size(const StepperInfo& s, int n_state) {
  return (long long)s.iwork_per_state * n_state;
}

struct HostStepper;  // host.hpp

// The states an adaptive stepper's error norm covers: all, unless the model says otherwise (a
// variational run controls the trajectory, not its tangents, so it steps exactly as a plain run).
template <class Model>
constexpr int error_states(const Model& m) {
  if constexpr (requires { m.error_size(); })
    return m.error_size();
  else
    return m.n_state();
}

template <class Real>
struct StepCtx {
  using Time = time_t_of<Real>;
  int n;              // states
  int n_err;          // adaptive steppers: the leading states their error norm covers (n, or
                      // the y part of a variational run)
  const Real* p;      // parameters
  LagView<Real> lag;  // past committed states (head moves on every commit)
  Real* work;         // persistent workspace
  int* iwork;         // persistent integer workspace (LU pivots)
  int* state;         // persistent ints (RunArgs::stepper_state)
  // Adaptive options, copied once per call.
  Time atol, rtol, dt_min, dt_max, safety, min_factor, max_factor;
  int max_rejects, controller;
  // Implicit steppers' options (newton.hpp), copied once per call.
  Time newton_tol, jac_eps;
  int newton_max_iter, jacobian_mode, max_order;
  const HostStepper* host;  // host-stepped runs only
  Time t_end;               // adaptive runs: where the run ends (host steppers stop there)
  // Outputs, written back to RunArgs when run() returns.
  int fail_reason;
  long long n_rhs, n_rejected;
  long long n_jac, n_lu, n_newton;  // Jacobians, LU factorisations, Newton iterations
};

}  // namespace dynlib::kernel

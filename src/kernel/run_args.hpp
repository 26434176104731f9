// RunArgs: everything one call of run() reads and writes. It is the ABI between the host library
// and kernels compiled later, possibly by another compiler, so it is plain C layout: scalars,
// pointers and fixed-size scalar arrays only, no constructors. The caller (the wrapper) allocates
// every buffer and owns it; the runner only reads and writes through the pointers and never keeps
// them. Fields marked in/out persist run state across calls: pass the same RunArgs back unchanged
// (apart from grown buffers and the documented knobs) and the run continues exactly as if it had
// never returned.
//
// A fresh run: zero-initialise, set abi_version = kRunArgsAbi, t = t0, step = 0, fill in sizes,
// buffers and options. Set started = 0 to (re)start from y.
//
// Between calls the wrapper may: replace rec_*/evt_* buffers with larger copies (rows kept, caps
// raised; after GROW_REC/GROW_EVT); change step_budget, interrupt, step_end, t_end, max_steps_end;
// change y or p, setting `reset` (RESET_STEPPER whenever y or p changed, since FSAL/Adams history
// holds derivatives of the old values; RESET_LAG to make lags see the new y). Everything else is
// run state and must come back as the runner left it.
#pragma once

#include "types.hpp"

namespace dynlib::kernel {

struct HostStepper;  // steppers/host.hpp

inline constexpr int kRunArgsAbi = 2;  // 2: implicit steppers' options, iwork, host

// Bits for RunArgs::reset: the wrapper sets them when it changed y or p between calls.
enum ResetBits : int {
  RESET_STEPPER = 1,  // forget stepper history (FSAL derivative, Adams history)
  RESET_LAG = 2,      // refill the lag ring with the current state (lag = y from now on)
};

// Controllers for adaptive steppers.
enum Controller : int { CONTROLLER_STANDARD = 0, CONTROLLER_PI = 1 };

template <class Real>
struct RunArgs {
  using Time = time_t_of<Real>;

  int abi_version;  // must equal kRunArgsAbi

  // ---- time (Time values; step counters are absolute, from the start of the run) ----
  Time t0;                  // start time; fixed-step time is t0 + step * dt (no drift)
  Time t;                   // in/out: current time
  Time dt;                  // fixed step, or in/out next step proposal for adaptive (<= 0: guess)
  Time t_end;               // adaptive: end time (the last step lands exactly on it)
  long long step;           // in/out: committed steps so far
  long long step_end;       // fixed-step ODE and maps: run ends when step == step_end
  long long max_steps_end;  // > 0: step == max_steps_end before the end -> EARLY_EXIT/MAX_STEPS

  // ---- model data ----
  Real* y;  // in/out: state, n_state
  Real* p;  // in/out: parameters, n_param (event actions may change them)
  int n_state, n_param, n_aux;

  // ---- persistent run state ----
  int started;           // in/out: 0 -> first entry fills the lag ring and resets the stepper
  int initial_recorded;  // in/out: the step-0 sample was handled
  int reset;             // in: ResetBits, cleared by the runner once applied
  int stepper_state[8];  // in/out: stepper flags/counters (FSAL valid, Adams history...)

  // ---- stepper workspace (persistent: also holds FSAL/Adams history, Jacobian and LU) ----
  Real* work;
  long long work_size;   // >= stepper_work_size(info, n_state), see steppers/common.hpp
  int* iwork;            // LU pivots
  long long iwork_size;  // >= stepper_iwork_size(info, n_state)

  // ---- runner scratch (contents not preserved) ----
  Real* scratch;  // >= runner_scratch_size(n_state, n_param, n_aux)
  long long scratch_size;
  int* evt_fired;  // >= n_event ints

  // ---- lags (see lag.hpp for the layout; lag_layout() computes it from the model) ----
  Real* lag_ring;        // lag_depth x lag_width
  const int* lag_state;  // lag_width entries: state index of each column
  int lag_width;         // number of lagged states (0: no lags, ring unused)
  int lag_depth;         // rows
  int lag_head;          // in/out: row the next push writes

  // ---- recording ----
  int record;                 // 0: record nothing
  long long record_interval;  // every k-th committed step (step % k == 0), step 0 included
  Time t_record_start;        // transient: nothing recorded or logged while t < t_record_start
  int rec_n_state;            // selected states ...
  const int* rec_state_idx;
  int rec_n_aux;  // ... then selected aux, in each row
  const int* rec_aux_idx;
  Time* rec_t;          // rec_cap rows
  long long* rec_step;  // rec_cap rows
  Real* rec_data;       // rec_cap x (rec_n_state + rec_n_aux), row-major
  long long rec_cap;
  long long rec_count;  // in/out: rows written

  // ---- events ----
  int evt_log;               // 0: events act but log nothing
  int evt_width;             // row width of evt_data (>= every event_log_size)
  int* evt_code;             // evt_cap rows: event index
  long long* evt_rec_index;  // rec_count when it fired (row of the sample that follows)
  Time* evt_time;
  Real* evt_data;  // evt_cap x evt_width
  long long evt_cap;
  long long evt_count;  // in/out: rows written

  // ---- limits ----
  long long step_budget;          // > 0: YIELD after this many committed steps in one call
                                  // (each call, incl. after GROW_*, starts a new count)
  const volatile int* interrupt;  // nonzero -> USER_BREAK (checked every step); may be null

  // ---- adaptive options ----
  Time atol, rtol;
  Time dt_min;      // a step below this fails (STEPFAIL / DT_UNDERFLOW); 0 = no limit
  Time dt_max;      // 0 = no limit
  Time safety;      // e.g. 0.9
  Time min_factor;  // step shrink limit per step, e.g. 0.2
  Time max_factor;  // step growth limit per step, e.g. 10
  int max_rejects;  // consecutive rejections before STEPFAIL; 0 = no limit
  int controller;   // Controller

  // ---- implicit steppers (steppers/newton.hpp); explicit steppers ignore them ----
  Time newton_tol;          // Newton stops when its estimated error is below this (mixed abs/rel)
  Time jac_eps;             // JAC_FD: relative perturbation of each state
  int newton_max_iter;      // iterations per solve before it counts as failed
  int jacobian_mode;        // JacobianMode
  int max_order;            // cvode: highest BDF/Adams order (0 = CVODE's default)
  const HostStepper* host;  // host-stepped steppers (CAP_HOST): the driver; null otherwise

  // ---- outputs ----
  int exit_reason;       // ExitReason
  int nan_index;         // NAN_DETECTED: the first non-finite state, else -1
  long long n_accepted;  // in/out counters (accumulate across calls)
  long long n_rejected;
  long long n_rhs;
  long long n_jac;     // Jacobian evaluations (implicit steppers)
  long long n_lu;      // LU factorisations of the iteration matrix
  long long n_newton;  // Newton iterations
};

static_assert(__is_standard_layout(RunArgs<double>) && __is_trivial(RunArgs<double>));
static_assert(__is_standard_layout(RunArgs<float>) && __is_trivial(RunArgs<float>));
static_assert(__is_standard_layout(RunArgs<long long>) && __is_trivial(RunArgs<long long>));

// Scratch the runner needs: aux values, the stepper's new state, and the y/p copies event actions
// write into.
constexpr long long runner_scratch_size(int n_state, int n_param, int n_aux) {
  return (long long)n_aux + 2LL * n_state + n_param;
}

}  // namespace dynlib::kernel

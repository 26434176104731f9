// Status codes returned by the runner and the exit reasons that refine them. The values are part of
// the kernel ABI: never renumber, only append.
#pragma once

namespace dynlib::kernel {

// What run() returns; the wrapper acts on it (DESIGN rule 4).
enum Status : int {
  DONE = 0,        // reached step_end (fixed/map) or t_end (adaptive)
  GROW_REC = 1,    // record buffer full: grow rec_* and call again, nothing was lost
  GROW_EVT = 2,    // event buffer full: grow evt_* and call again, nothing was lost
  EARLY_EXIT = 3,  // stopped before the end: exit_reason says why (MAX_STEPS, OBSERVER, STOP_...)
  STEPFAIL = 4,    // adaptive step could not meet the tolerance (dt < dt_min or max_rejects)
  NAN_DETECTED =
      5,  // a state became non-finite; nan_index says which; the state is the last good one
  USER_BREAK = 6,  // *interrupt was nonzero
  YIELD = 7,       // step_budget committed steps done; call again to continue
  BAD_ARGS = 8,    // RunArgs inconsistent with the model/stepper; exit_reason says what
};

// Why the run stopped; more detail than the status.
enum ExitReason : int {
  EXIT_NONE = 0,
  EXIT_END_REACHED = 1,
  EXIT_MAX_STEPS = 2,
  EXIT_BUDGET = 3,
  EXIT_INTERRUPT = 4,
  EXIT_NONFINITE = 5,
  EXIT_DT_UNDERFLOW = 6,      // the controller asked for a step below dt_min
  EXIT_TOO_MANY_REJECTS = 7,  // max_rejects consecutive rejections
  EXIT_NEED_REC = 8,
  EXIT_NEED_EVT = 9,
  EXIT_OBSERVER = 10,        // EARLY_EXIT: an observer asked to stop (see observer.hpp)
  EXIT_NEWTON_FAILED = 11,   // STEPFAIL: Newton did not converge (fixed step, or at dt_min)
  EXIT_SINGULAR = 12,        // STEPFAIL: the iteration matrix I - h*gamma*J is singular
  EXIT_NO_JACOBIAN = 13,     // STEPFAIL: the jacobian_mode's Jacobian is not in this kernel
  EXIT_HOST_FAILED = 14,     // STEPFAIL: the host stepper (CVODE) failed; it says why
  EXIT_STOP_CONDITION = 15,  // EARLY_EXIT: the model's stop condition ([sim] stop) held
  EXIT_BAD_ABI = 20,         // abi_version does not match this kernel
  EXIT_BAD_SIZES = 21,       // n_state/n_param/n_aux differ from the model
  EXIT_BAD_WORKSPACE = 22,   // stepper workspace or runner scratch missing or too small
  EXIT_BAD_LAG = 23,         // lag ring missing or inconsistent
  EXIT_BAD_RECORD = 24,      // record settings inconsistent (interval < 1, index out of range...)
  EXIT_BAD_EVENTS = 25,      // an event's log is wider than evt_width, or evt buffers missing
  EXIT_BAD_STEP = 26,        // dt <= 0 for a fixed-step stepper, or non-finite time window
  EXIT_BAD_STEPPER = 27,     // stepper cannot run this state type (e.g. rk4 on int64)
};

constexpr const char* status_name(int s) {
  switch (s) {
    case DONE:
      return "DONE";
    case GROW_REC:
      return "GROW_REC";
    case GROW_EVT:
      return "GROW_EVT";
    case EARLY_EXIT:
      return "EARLY_EXIT";
    case STEPFAIL:
      return "STEPFAIL";
    case NAN_DETECTED:
      return "NAN_DETECTED";
    case USER_BREAK:
      return "USER_BREAK";
    case YIELD:
      return "YIELD";
    case BAD_ARGS:
      return "BAD_ARGS";
  }
  return "UNKNOWN";
}

constexpr const char* exit_reason_name(int r) {
  switch (r) {
    case EXIT_NONE:
      return "none";
    case EXIT_END_REACHED:
      return "end reached";
    case EXIT_MAX_STEPS:
      return "max steps";
    case EXIT_BUDGET:
      return "step budget";
    case EXIT_INTERRUPT:
      return "interrupted";
    case EXIT_NONFINITE:
      return "non-finite state";
    case EXIT_DT_UNDERFLOW:
      return "step size below dt_min";
    case EXIT_TOO_MANY_REJECTS:
      return "too many rejected steps";
    case EXIT_NEED_REC:
      return "record buffer full";
    case EXIT_NEED_EVT:
      return "event buffer full";
    case EXIT_OBSERVER:
      return "stopped by an observer";
    case EXIT_NEWTON_FAILED:
      return "Newton iteration did not converge";
    case EXIT_SINGULAR:
      return "singular iteration matrix";
    case EXIT_NO_JACOBIAN:
      return "no Jacobian for this jacobian_mode";
    case EXIT_HOST_FAILED:
      return "host stepper failed";
    case EXIT_STOP_CONDITION:
      return "stop condition held";
    case EXIT_BAD_ABI:
      return "RunArgs ABI version mismatch";
    case EXIT_BAD_SIZES:
      return "sizes differ from the model";
    case EXIT_BAD_WORKSPACE:
      return "workspace missing or too small";
    case EXIT_BAD_LAG:
      return "lag ring missing or inconsistent";
    case EXIT_BAD_RECORD:
      return "record settings inconsistent";
    case EXIT_BAD_EVENTS:
      return "event buffers inconsistent";
    case EXIT_BAD_STEP:
      return "invalid step size or time window";
    case EXIT_BAD_STEPPER:
      return "stepper does not support this state type";
  }
  return "unknown";
}

}  // namespace dynlib::kernel

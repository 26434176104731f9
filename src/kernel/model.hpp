// The Model contract: what a model type must provide so that every stepper and the runner can use
// it. Both backends satisfy it: the interpreter with a struct whose methods run the tape VM, the
// JIT with a generated struct (whose sizes are constexpr so loops fold away).
//
//   struct M {
//     using real_t = float | double | long long;   // long long: exact integer maps
//     // Time below is time_t_of<real_t>: real_t for float/double, double for long long.
//
//     int n_state() const; int n_param() const; int n_aux() const; int n_event() const;
//     int lag_depth(int s) const;          // deepest lag_s(k) used, 0 if state s is never lagged
//
//     // ODE: out = dy/dt. Map: out = next state. Never writes y (out != y always).
//     // lag(c, k): lagged-state column c (see lag.hpp), k >= 1 committed steps ago.
//     void rhs(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//              real_t* out) const;
//     void aux(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//              real_t* out) const;             // all n_aux values
//
//     // Events. Phase bits: PHASE_START (evaluated before a step, on the state about to be
//     // stepped), PHASE_END (after a committed step, where lag(c, 1) is the pre-step state).
//     int  event_phases(int e) const;
//     bool event_cond(int e, Time t, const real_t* y, const real_t* p,
//                     const LagView<real_t>& lag) const;
//     // Atomic by construction: reads only y/p (pre-action values) and writes only y_out/p_out,
//     // which the runner preloads with copies of y/p, so an action assigns just its targets.
//     void event_action(int e, Time t, const real_t* y, const real_t* p,
//                       const LagView<real_t>& lag, real_t* y_out, real_t* p_out) const;
//     int  event_log_size(int e) const;   // values logged per firing (may be 0)
//     void event_log(int e, Time t, const real_t* y, const real_t* p,
//                    const LagView<real_t>& lag, real_t* out) const;
//
//     // Optional, called by the runner when present: the early-exit condition ([sim] stop),
//     // checked on the committed state after each step; true ends the run (EARLY_EXIT,
//     // EXIT_STOP_CONDITION). A model without one may omit both or return false.
//     bool has_stop() const;
//     bool stop_cond(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag) const;
//
//     // Optional (the runner does not call them; analyses and implicit steppers may). Present
//     // when has_derivatives() / has_user_jacobian() / has_inverse() is true:
//     bool has_derivatives() const;    // symbolic derivatives of rhs (ir/derivative.hpp)
//     void jacobian(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//                   real_t* out) const;            // out[i*n_state + j] = d f_i / d y_j
//     void jvp(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//              const real_t* v, real_t* out) const;  // out = J(y) v
//     void dfdp(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//               real_t* out) const;                // out[i*n_param + k] = d f_i / d p_k
//     bool has_user_jacobian() const;  // the model file's [equations.jacobian], as written
//     void user_jacobian(...same as jacobian...) const;
//     bool has_inverse() const;        // maps with [equations.inverse]
//     void inverse(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//                  real_t* out) const;             // the previous state
//   };
//
// All methods are const and must not allocate or throw. rhs/aux/event_* are called on states the
// runner owns; a model never keeps pointers across calls.
#pragma once

#include "lag.hpp"
#include "types.hpp"

namespace dynlib::kernel {

enum EventPhase : int { PHASE_START = 1, PHASE_END = 2 };

}  // namespace dynlib::kernel

// Observers: what the runner calls as the run goes, so that recording, analyses (Lyapunov
// exponents, Poincaré sections, statistics) and user code watch the same loop without a second
// copy of it (DESIGN rule 1). The stepper never knows about them.
//
// An observer is any type with some of these members (every one optional; a missing hook costs
// nothing, it is not even a call):
//
//   // When the runner calls the hooks; `o` is the current point (see Observation below).
//   int on_start(const Model& m, const Observation<Real>& o);   // once per run, initial state
//   int on_step(const Model& m, const Observation<Real>& o);    // after every committed step
//   int on_event(const Model& m, const Observation<Real>& o, int phase, const int* fired);
//       // after the actions of the events that fired in `phase` (PHASE_START: before the step,
//       // o.h == 0; PHASE_END: after the commit, before on_step); fired[e] != 0 for each of them
//   // Each returns a mask of ObserverAction bits: 0 to go on, OBS_STOP to end the run (the runner
//   // returns EARLY_EXIT with exit_reason EXIT_OBSERVER once every observer of the point has seen
//   // it; the step stays committed, re-entering continues after it; from a start-phase on_event
//   // the stop comes after that iteration's step, so re-entry never fires the same events twice),
//   // OBS_STATE_CHANGED if it wrote o.y or o.p (the runner then restarts the stepper's history, as
//   // after an event action), OBS_TANGENTS_REBASED after a linear change of a variational run's
//   // tangents (the runner calls the observer's `void rebase(Real* w)` on each history vector).
//
//   // Capacity, for observers that write into caller-owned buffers (the recorder). Asked before
//   // anything changes; false makes the runner return GROW_REC (EXIT_NEED_REC) and call again
//   // from the same point after the wrapper grew the buffers.
//   bool room_at_start(Time t);             // before on_start
//   bool room_for_step(long long step);     // before the step that will be number `step`
//
// Order at one point: the recorder first, then the user's observer (so records show the state as
// stepped, before an observer rewrites it). Hooks see the runner's own state buffers: y is the
// state the next step starts from. They must not allocate, throw or keep pointers past the call.
// An observer's own members are its state; the caller owns the object and passes the same one
// again when it re-enters after GROW_*/YIELD, so counts and sums continue.
#pragma once

#include "lag.hpp"
#include "types.hpp"

namespace dynlib::kernel {

// Bits an observer hook returns.
enum ObserverAction : int {
  OBS_CONTINUE = 0,
  OBS_STOP = 1,           // end the run: EARLY_EXIT / EXIT_OBSERVER
  OBS_STATE_CHANGED = 2,  // the hook wrote y or p: restart the stepper's history
  // The hook changed the basis of a variational run's tangents linearly (variational.hpp): the
  // runner applies the same change, the observer's rebase(w), to every vector of the stepper's
  // history (Stepper::for_each_history), or restarts a stepper that cannot list it.
  OBS_TANGENTS_REBASED = 4,
};

// The point an observer sees.
template <class Real>
struct Observation {
  using Time = time_t_of<Real>;
  Time t;                    // time of y
  Time h;                    // the step just taken (0 at start and at start-phase events)
  long long step;            // committed steps so far (absolute)
  int n;                     // states (m.n_state())
  Real* y;                   // the run's state, n values (writable: see OBS_STATE_CHANGED)
  Real* p;                   // the run's parameters, m.n_param() values (writable likewise)
  const LagView<Real>* lag;  // past committed states, for calls into the model
};

// The absent observer.
struct NoObserver {};

// Two observers as one: every hook calls `first`, then `second`, and joins their answers. Use it
// to combine observers of your own (the runner already puts the recorder before yours).
template <class A, class B>
struct Both {
  A& first;
  B& second;
};

namespace detail {

template <class O>
inline constexpr bool is_both = false;
template <class A, class B>
inline constexpr bool is_both<Both<A, B>> = true;

template <class O, class Model, class Real>
DYNLIB_KERNEL_INLINE int obs_start(O& o, const Model& m, const Observation<Real>& at) {
  if constexpr (is_both<O>) {
    const int a = obs_start(o.first, m, at);
    return a | obs_start(o.second, m, at);
  } else if constexpr (requires { o.on_start(m, at); }) {
    return o.on_start(m, at);
  } else {
    return OBS_CONTINUE;
  }
}

template <class O, class Model, class Real>
DYNLIB_KERNEL_INLINE int obs_step(O& o, const Model& m, const Observation<Real>& at) {
  if constexpr (is_both<O>) {
    const int a = obs_step(o.first, m, at);
    return a | obs_step(o.second, m, at);
  } else if constexpr (requires { o.on_step(m, at); }) {
    return o.on_step(m, at);
  } else {
    return OBS_CONTINUE;
  }
}

template <class O, class Model, class Real>
DYNLIB_KERNEL_INLINE int obs_event(O& o, const Model& m, const Observation<Real>& at, int phase,
                                   const int* fired) {
  if constexpr (is_both<O>) {
    const int a = obs_event(o.first, m, at, phase, fired);
    return a | obs_event(o.second, m, at, phase, fired);
  } else if constexpr (requires { o.on_event(m, at, phase, fired); }) {
    return o.on_event(m, at, phase, fired);
  } else {
    return OBS_CONTINUE;
  }
}

template <class O, class Real>
DYNLIB_KERNEL_INLINE void obs_rebase(O& o, Real* w) {
  if constexpr (is_both<O>) {
    obs_rebase(o.first, w);
    obs_rebase(o.second, w);
  } else if constexpr (requires { o.rebase(w); }) {
    o.rebase(w);
  }
}

template <class O, class Time>
DYNLIB_KERNEL_INLINE bool obs_room_at_start(O& o, Time t) {
  if constexpr (is_both<O>) {
    return obs_room_at_start(o.first, t) && obs_room_at_start(o.second, t);
  } else if constexpr (requires { o.room_at_start(t); }) {
    return o.room_at_start(t);
  } else {
    return true;
  }
}

template <class O>
DYNLIB_KERNEL_INLINE bool obs_room_for_step(O& o, long long step) {
  if constexpr (is_both<O>) {
    return obs_room_for_step(o.first, step) && obs_room_for_step(o.second, step);
  } else if constexpr (requires { o.room_for_step(step); }) {
    return o.room_for_step(step);
  } else {
    return true;
  }
}

}  // namespace detail

}  // namespace dynlib::kernel

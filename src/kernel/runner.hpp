// The runner: one loop for fixed-step ODEs, adaptive ODEs and maps, written once over
// (Stepper, Model), with observers and the run variant as template parameters. It never allocates
// and never throws (DESIGN rule 4): it returns a Status and the wrapper grows buffers, re-enters,
// reports progress or stops.
//
//   run<Stepper>(m, a)                         ordinary run, recording: what both backends call
//   run<Stepper, RunVariant::V>(m, a)          a variant, no observer of the caller's
//   run<Stepper, RunVariant::V>(m, a, obs)     a variant with the caller's observer `obs`
//
// Variants (RunVariant), one loop for all three:
//   ordinary: records into rec_* (the Recorder observer, recorder.hpp); GROW_REC when full.
//   fast:     records with no capacity checks. The caller preallocated rec_* for the whole run;
//             check_args proves it at entry (rows for every sample up to step_end, or up to
//             max_steps_end, which adaptive runs must set), else BAD_ARGS / EXIT_BAD_RECORD.
//   analysis: no recording (a.record and rec_* are ignored, rec_count is untouched); only the
//             caller's observer sees the run. Events still act, and log if evt_log != 0.
// The caller's observer (observer.hpp) is called after the recorder at each point: once at start,
// after each committed step, after event actions. It may stop the run (EARLY_EXIT with
// EXIT_OBSERVER) or rewrite the state (the stepper's history restarts). With NoObserver (the
// default) every hook compiles away and the loop is the recording loop it always was.
//
// One iteration:
//   1. stop checks: end reached (DONE), max_steps_end (EARLY_EXIT), step_budget (YIELD),
//      *interrupt (USER_BREAK);
//   2. capacity check, before anything changes: room for this step's record row (observers'
//      room_for_step) and for the most event rows this iteration can log; else GROW_REC /
//      GROW_EVT. Re-entering continues exactly as if the run had not returned (no lost or
//      duplicated sample, event or observer call);
//   3. start-phase events on the current state (then observers' on_event; a stop asked there
//      takes effect at the end of the iteration);
//   4. the step, into scratch (y is untouched);
//   5. non-finite guard (float types): NAN_DETECTED, y and t stay at the last good step;
//   6. commit: push the old state into the lag ring, y = y_new, step++, t advances;
//   7. end-phase events (lag(c, 1) is the pre-step state here, so crossings work; then on_event);
//   8. observers' on_step: the recorder samples if step % record_interval == 0 and
//      t >= t_record_start, then the caller's observer.
//   9. the model's stop condition ([sim] stop), if it has one: EARLY_EXIT with
//      EXIT_STOP_CONDITION, the step's sample and events already kept.
// Before the first iteration of a run (initial_recorded == 0): room_at_start, then on_start on the
// initial state (the recorder's step-0 sample), once per run whatever the re-entries.
// Events: all conditions of a phase are evaluated on the same state, then the actions of the
// events that fired run in declaration order, each atomic (see model.hpp). A fired event logs one
// row (code, rec index, time, event_log values of the state after its action) unless t <
// t_record_start or evt_log == 0. Any action restarts the stepper's history.
// Time: fixed-step and map time is t0 + step * dt (no drift); adaptive steps are clipped so the
// last one lands exactly on t_end. Integration runs forward (dt > 0, t_end > t).
#pragma once

#include "lag.hpp"
#include "math.hpp"
#include "model.hpp"
#include "observer.hpp"
#include "recorder.hpp"
#include "run_args.hpp"
#include "status.hpp"
#include "steppers/common.hpp"
#include "types.hpp"

namespace dynlib::kernel {

// The runner's variants (see the top of this file).
enum class RunVariant : int { ordinary = 0, fast = 1, analysis = 2 };

namespace detail {

template <class Real>
inline int bad_args(RunArgs<Real>& a, int reason) {
  a.exit_reason = reason;
  return BAD_ARGS;
}

// Entry checks; O(n_state + n_event + selections), once per call. Returns an ExitReason or 0.
template <class Stepper, RunVariant V, class Model, class Real>
int check_args(const Model& m, const RunArgs<Real>& a) {
  const int n = a.n_state;
  if (n < 1 || n != m.n_state() || a.n_param != m.n_param() || a.n_aux != m.n_aux() ||
      a.n_param < 0 || a.n_aux < 0 || !a.y || (a.n_param > 0 && !a.p))
    return EXIT_BAD_SIZES;
  const long long need_work = stepper_work_size(Stepper::info, n);
  if (a.work_size < need_work || (need_work > 0 && !a.work)) return EXIT_BAD_WORKSPACE;
  const long long need_iwork = stepper_iwork_size(Stepper::info, n);
  if (a.iwork_size < need_iwork || (need_iwork > 0 && !a.iwork)) return EXIT_BAD_WORKSPACE;
  if constexpr ((Stepper::info.caps & CAP_HOST) != 0) {
    if (!a.host) return EXIT_BAD_STEPPER;
  }
  if (a.scratch_size < runner_scratch_size(n, a.n_param, a.n_aux) || !a.scratch ||
      (m.n_event() > 0 && !a.evt_fired))
    return EXIT_BAD_WORKSPACE;

  int width = 0, depth = 0;
  for (int s = 0; s < n; ++s) {
    const int d = m.lag_depth(s);
    if (d <= 0) continue;
    if (width < a.lag_width && (!a.lag_state || a.lag_state[width] != s)) return EXIT_BAD_LAG;
    ++width;
    if (d > depth) depth = d;
  }
  if (width != a.lag_width || (width > 0 && (!a.lag_ring || a.lag_depth < depth || a.lag_head < 0 ||
                                             a.lag_head >= a.lag_depth)))
    return EXIT_BAD_LAG;

  if (V != RunVariant::analysis && a.record) {
    if (a.record_interval < 1 || a.rec_n_state < 0 || a.rec_n_aux < 0 || a.rec_count < 0 ||
        a.rec_count > a.rec_cap ||
        (a.rec_cap > 0 &&
         (!a.rec_t || !a.rec_step || (a.rec_n_state + a.rec_n_aux > 0 && !a.rec_data))))
      return EXIT_BAD_RECORD;
    if ((a.rec_n_state > 0 && !a.rec_state_idx) || (a.rec_n_aux > 0 && !a.rec_aux_idx))
      return EXIT_BAD_RECORD;
    for (int j = 0; j < a.rec_n_state; ++j)
      if (a.rec_state_idx[j] < 0 || a.rec_state_idx[j] >= n) return EXIT_BAD_RECORD;
    for (int j = 0; j < a.rec_n_aux; ++j)
      if (a.rec_aux_idx[j] < 0 || a.rec_aux_idx[j] >= a.n_aux) return EXIT_BAD_RECORD;
    // The fast path never checks room: the buffers must hold every sample up to the last step
    // the run can take (the step-0 sample, then each multiple of record_interval).
    if constexpr (V == RunVariant::fast) {
      long long last = a.max_steps_end;
      if constexpr (Stepper::info.adaptive) {
        if (last <= 0) return EXIT_BAD_RECORD;  // no bound on the number of steps
      } else {
        if (last <= 0 || a.step_end < last) last = a.step_end;
      }
      long long rows = a.initial_recorded ? 0 : 1;
      if (last > a.step) rows += last / a.record_interval - a.step / a.record_interval;
      if (rows > a.rec_cap - a.rec_count) return EXIT_BAD_RECORD;
    }
  }
  if (a.evt_log && m.n_event() > 0) {
    if (a.evt_count < 0 || a.evt_count > a.evt_cap || a.evt_width < 0 ||
        (a.evt_cap > 0 &&
         (!a.evt_code || !a.evt_rec_index || !a.evt_time || (a.evt_width > 0 && !a.evt_data))))
      return EXIT_BAD_EVENTS;
    for (int e = 0; e < m.n_event(); ++e)
      if (m.event_log_size(e) > a.evt_width) return EXIT_BAD_EVENTS;
  }

  if constexpr (Stepper::info.adaptive) {
    if (!math::isfinite(a.t) || !math::isfinite(a.t_end) || !(a.atol >= 0) || !(a.rtol >= 0) ||
        !(a.atol > 0 || a.rtol > 0) || !(a.safety > 0) || !(a.min_factor > 0) ||
        !(a.max_factor >= 1) || !(a.dt_min >= 0) || !(a.dt_max >= 0))
      return EXIT_BAD_STEP;
  } else {
    if (!(a.dt > 0) || !math::isfinite(a.dt) || !math::isfinite(a.t0)) return EXIT_BAD_STEP;
  }
  if constexpr (Stepper::info.implicit) {
    if (!(a.newton_tol > 0) || a.newton_max_iter < 1 || !(a.jac_eps > 0) ||
        a.jacobian_mode < JAC_SYMBOLIC || a.jacobian_mode > JAC_FD)
      return EXIT_BAD_STEP;
  }
  return 0;
}

// The recorder of a variant: none for analysis runs (rec_count then stays what it was).
struct NoRecorder {
  long long count;
  template <class Model, class Real>
  NoRecorder(const Model&, const RunArgs<Real>& a, Real*) : count(a.rec_count) {}
};
template <class Model, RunVariant V>
struct RecorderOf {
  using type = Recorder<Model, V == RunVariant::ordinary>;
};
template <class Model>
struct RecorderOf<Model, RunVariant::analysis> {
  using type = NoRecorder;
};

// The loop proper, on the state `y`, params `p`, stepper workspace `work` and runner `scratch`:
// RunArgs' own buffers, or local copies of them (see run_loop).
template <class Stepper, RunVariant V, class Model, class Observer>
DYNLIB_KERNEL_INLINE int run_loop_on(const Model& m, RunArgs<typename Model::real_t>& a,
                                     typename Model::real_t* y, typename Model::real_t* p,
                                     typename Model::real_t* work, typename Model::real_t* scratch,
                                     Observer& obs) {
  using Real = typename Model::real_t;
  using Time = time_t_of<Real>;
  constexpr bool kAdaptive = Stepper::info.adaptive;
  constexpr long long kNoLimit = 0x7fffffffffffffffLL;

  // Sizes from the model (checked equal to a's): constexpr for generated models, so loops unroll.
  const int n = m.n_state();
  const int n_param = m.n_param();
  Real* const aux = scratch;
  Real* const y_new = aux + m.n_aux();
  Real* const y_out = y_new + n;
  Real* const p_out = y_out + n;

  StepCtx<Real> c;
  c.n = n;
  c.n_err = error_states(m);
  c.p = p;
  c.lag.ring = a.lag_ring;
  c.lag.width = a.lag_width;
  c.lag.depth = a.lag_depth;
  c.lag.head = a.lag_head;
  c.work = work;
  c.iwork = a.iwork;
  c.state = a.stepper_state;
  c.atol = a.atol;
  c.rtol = a.rtol;
  c.dt_min = a.dt_min;
  c.dt_max = a.dt_max;
  c.safety = a.safety;
  c.min_factor = a.min_factor;
  c.max_factor = a.max_factor;
  c.max_rejects = a.max_rejects;
  c.controller = a.controller;
  c.newton_tol = a.newton_tol;
  c.jac_eps = a.jac_eps;
  c.newton_max_iter = a.newton_max_iter;
  c.jacobian_mode = a.jacobian_mode;
  c.max_order = a.max_order;
  c.host = a.host;
  c.t_end = a.t_end;
  c.fail_reason = EXIT_NONE;
  c.n_rhs = 0;
  c.n_rejected = 0;
  c.n_jac = 0;
  c.n_lu = 0;
  c.n_newton = 0;

  const int lag_width = a.lag_width;
  Real* const lag_ring = a.lag_ring;
  const int* const lag_state = a.lag_state;
  auto push_lag = [&](const Real* state) {
    Real* row = lag_ring + c.lag.head * lag_width;
    for (int col = 0; col < lag_width; ++col) row[col] = state[lag_state[col]];
    c.lag.head = c.lag.head + 1 == c.lag.depth ? 0 : c.lag.head + 1;
  };

  if (!a.started) {
    a.reset |= RESET_STEPPER | RESET_LAG;
    a.started = 1;
  }
  if (a.reset & RESET_LAG) {
    c.lag.head = 0;
    for (int r = 0; r < c.lag.depth && lag_width > 0; ++r) push_lag(y);
  }
  if (a.reset & RESET_STEPPER) Stepper::reset(c);
  a.reset = 0;

  Time t = a.t;
  Time dt = a.dt;
  long long step = a.step;
  long long accepted = 0;
  long long evt_count = a.evt_count;
  const Time t0 = a.t0;
  const Time t_end = a.t_end;
  const Time t_rec0 = a.t_record_start;

  // ---- observers: the recorder (ordinary, fast), then the caller's ----
  constexpr bool kRecords = V != RunVariant::analysis;
  typename RecorderOf<Model, V>::type rec(m, a, aux);
  // The point observers see (built where a hook is called; nothing when no hook reads it).
  auto point = [&](Time t_now, Time h_now, long long step_now) DYNLIB_LAMBDA_INLINE {
    return Observation<Real>{t_now, h_now, step_now, n, y, p, &c.lag};
  };
  // Joined answers of the recorder and the caller's observer at one point.
  auto on_start = [&](const Observation<Real>& o) DYNLIB_LAMBDA_INLINE {
    int act = OBS_CONTINUE;
    if constexpr (kRecords) act |= rec.on_start(m, o);
    return act | obs_start(obs, m, o);
  };
  auto on_step = [&](const Observation<Real>& o) DYNLIB_LAMBDA_INLINE {
    int act = OBS_CONTINUE;
    if constexpr (kRecords) act |= rec.on_step(m, o);
    return act | obs_step(obs, m, o);
  };

  auto finish = [&](int status, int reason) {
    a.t = t;
    a.dt = dt;
    a.step = step;
    a.lag_head = c.lag.head;
    if constexpr (kRecords) a.rec_count = rec.count;
    a.evt_count = evt_count;
    a.n_accepted += accepted;
    a.n_rejected += c.n_rejected;
    a.n_rhs += c.n_rhs;
    a.n_jac += c.n_jac;
    a.n_lu += c.n_lu;
    a.n_newton += c.n_newton;
    a.exit_reason = reason;
    return status;
  };
  a.exit_reason = EXIT_NONE;
  a.nan_index = -1;

  // The non-finite guard of a step (float types): the first value of y_new that is not finite,
  // or -1; a rejected step ends the run with nothing committed.
  auto first_nonfinite = [&]() DYNLIB_LAMBDA_INLINE {
    if constexpr (is_floating<Real>) {
      for (int i = 0; i < n; ++i)
        if (!math::isfinite(y_new[i])) return i;
    }
    return -1;
  };
  auto reject_nonfinite = [&](int i) {
    a.nan_index = i;
    Stepper::reset(c);  // its history may hold derivatives of the rejected state
    return finish(NAN_DETECTED, EXIT_NONFINITE);
  };

  if (!a.initial_recorded) {
    if constexpr (kRecords) {
      if (!rec.room_at_start(t)) return finish(GROW_REC, EXIT_NEED_REC);
    }
    if (!obs_room_at_start(obs, t)) return finish(GROW_REC, EXIT_NEED_REC);
    const int act = on_start(point(t, 0, step));
    a.initial_recorded = 1;
    if (act & OBS_STATE_CHANGED) Stepper::reset(c);
    if (act & OBS_STOP) return finish(EARLY_EXIT, EXIT_OBSERVER);
  }

  // ---- the stop condition (optional in the Model contract) ----
  constexpr bool kHasStop = requires {
    m.stop_cond(t, y, p, c.lag);
  };
  bool has_stop = false;
  if constexpr (kHasStop) has_stop = m.has_stop();

  // ---- events ----
  const int n_event = m.n_event();
  int n_start = 0, n_end = 0;
  for (int e = 0; e < n_event; ++e) {
    const int ph = m.event_phases(e);
    n_start += (ph & PHASE_START) != 0;
    n_end += (ph & PHASE_END) != 0;
  }
  const long long evt_rows = a.evt_log ? n_start + n_end : 0;
  int* const fired = a.evt_fired;
  // Returns true if any action ran (the caller then restarts the stepper's history).
  auto fire_events = [&](int phase) {
    int n_fired = 0;
    for (int e = 0; e < n_event; ++e) {
      const bool f = (m.event_phases(e) & phase) && m.event_cond(e, t, y, p, c.lag);
      fired[e] = f;
      n_fired += f;
    }
    if (n_fired == 0) return false;
    const bool log = a.evt_log && !(t < t_rec0);
    for (int e = 0; e < n_event; ++e) {
      if (!fired[e]) continue;
      for (int i = 0; i < n; ++i) y_out[i] = y[i];
      for (int i = 0; i < n_param; ++i) p_out[i] = p[i];
      m.event_action(e, t, y, p, c.lag, y_out, p_out);
      for (int i = 0; i < n; ++i) y[i] = y_out[i];
      for (int i = 0; i < n_param; ++i) p[i] = p_out[i];
      // The log sees the state after this event's action (the reference dynlib's rule).
      if (log) {
        const long long row = evt_count++;
        a.evt_code[row] = e;
        a.evt_rec_index[row] = rec.count;
        a.evt_time[row] = t;
        if (m.event_log_size(e) > 0) m.event_log(e, t, y, p, c.lag, a.evt_data + row * a.evt_width);
      }
    }
    return true;
  };

  // One comparison in the loop covers step_end, max_steps_end and the budget; which one it was is
  // sorted out only when it trips.
  long long limit = kAdaptive ? kNoLimit : a.step_end;
  if (a.max_steps_end > 0) limit = math::min(limit, a.max_steps_end);
  if (a.step_budget > 0 && a.step_budget < kNoLimit - step)
    limit = math::min(limit, step + a.step_budget);
  const volatile int* const interrupt = a.interrupt;
  const long long evt_cap = a.evt_cap;
  // Steps of a burst (below): the interrupt is then read every kBurst steps, microseconds apart.
  constexpr long long kBurst = 4096;

  for (;;) {
    // 1. stop checks
    if constexpr (kAdaptive) {
      if (!(t < t_end)) return finish(DONE, EXIT_END_REACHED);
    }
    if (step >= limit) {
      if (!kAdaptive && step >= a.step_end) return finish(DONE, EXIT_END_REACHED);
      if (a.max_steps_end > 0 && step >= a.max_steps_end) return finish(EARLY_EXIT, EXIT_MAX_STEPS);
      return finish(YIELD, EXIT_BUDGET);
    }
    // An atomic load: the flag is set from other threads and signal handlers (lock-free on int).
    if (interrupt && __atomic_load_n(interrupt, __ATOMIC_RELAXED))
      return finish(USER_BREAK, EXIT_INTERRUPT);

    // 2. capacity
    if constexpr (kRecords) {
      if (!rec.room_for_step(step + 1)) return finish(GROW_REC, EXIT_NEED_REC);
    }
    if (!obs_room_for_step(obs, step + 1)) return finish(GROW_REC, EXIT_NEED_REC);
    if (evt_rows > 0 && evt_count + evt_rows > evt_cap) return finish(GROW_EVT, EXIT_NEED_EVT);

    // A burst: a map with nothing but the recorder between its steps (no events, lags, stop
    // condition or observer of the caller's) takes up to kBurst steps between two rounds of the
    // checks above — what stays per step is what the loop below does anyway, in the same order,
    // so every bit is the same. The burst ends before `limit` and before a step whose row would
    // find no room, so the checks above then trip exactly where they would have. Only maps: their
    // few-flop bodies made the checks most of a step (logistic: 4.45 -> 1.91 ns/step), while an
    // RK4 step measured slower with the loop's second copy (Lorenz 20.0 -> 24.4 ns/step).
    if constexpr (Stepper::info.kind == KIND_MAP && is_same<Observer, NoObserver>) {
      if (n_start == 0 && n_end == 0 && lag_width == 0 && !has_stop) {
        long long burst = math::min(limit - step, kBurst);
        if constexpr (kRecords) burst = rec.steps_with_room(step, burst);
        for (; burst > 0; --burst) {
          Time h = dt, h_next = dt;
          if (const int s = Stepper::step(m, c, t, h, h_next, y, y_new))
            return finish(s, c.fail_reason);
          if (const int i = first_nonfinite(); i >= 0) return reject_nonfinite(i);
          for (int i = 0; i < n; ++i) y[i] = y_new[i];
          ++step;
          ++accepted;
          t = t0 + (Time)step * dt;
          if constexpr (kRecords) rec.on_step(m, point(t, h, step));
        }
        continue;
      }
    }

    // 3. start-phase events. An observer's stop here takes effect after this iteration's step:
    // stopping before it would fire the same events again on re-entry.
    int act = OBS_CONTINUE;
    if (n_start > 0 && fire_events(PHASE_START)) {
      Stepper::reset(c);
      act = obs_event(obs, m, point(t, 0, step), PHASE_START, fired);
      if (act & OBS_STATE_CHANGED) Stepper::reset(c);
      act &= OBS_STOP;
    }

    // 4. step
    Time h = dt, h_next = dt;
    Time h_clip = 0;
    if constexpr (kAdaptive) {
      if (!(h > 0)) h = h_next = Stepper::initial_step(m, c, t, y, t_end - t);
      if (c.dt_max > 0 && h > c.dt_max) h = c.dt_max;
      // Stretch a step that would leave a sliver (< 1%) before t_end, as DOPRI5 does.
      if (t + h * (Time)1.01 >= t_end) h = h_clip = t_end - t;
    }
    if (const int s = Stepper::step(m, c, t, h, h_next, y, y_new)) {
      if constexpr (kAdaptive) dt = h;
      return finish(s, c.fail_reason);
    }

    // 5. non-finite guard: nothing is committed, so y and t are still the last good step.
    if (const int i = first_nonfinite(); i >= 0) return reject_nonfinite(i);

    // 6. commit
    if (lag_width > 0) push_lag(y);
    for (int i = 0; i < n; ++i) y[i] = y_new[i];
    ++step;
    ++accepted;
    if constexpr (kAdaptive) {
      const bool landed = h_clip > 0 && h == h_clip;
      t = landed ? t_end : t + h;
      dt = landed ? math::max(dt, h_next) : h_next;  // a clipped step says little about the next
    } else {
      t = t0 + (Time)step * dt;
    }

    // 7. end-phase events
    if (n_end > 0 && fire_events(PHASE_END)) {
      Stepper::reset(c);
      act |= obs_event(obs, m, point(t, h, step), PHASE_END, fired);
    }

    // 8. observers: the recorder, then the caller's
    act |= on_step(point(t, h, step));
    if (act & OBS_STATE_CHANGED) {
      Stepper::reset(c);
    } else if (act & OBS_TANGENTS_REBASED) {
      auto rebase = [&](Real* w) { obs_rebase(obs, w); };
      if constexpr (requires { Stepper::for_each_history(c, rebase); })
        Stepper::for_each_history(c, rebase);
      else
        Stepper::reset(c);
    }
    if (act & OBS_STOP) return finish(EARLY_EXIT, EXIT_OBSERVER);

    // 9. the model's stop condition, on the committed state after events and recording
    if constexpr (kHasStop) {
      if (has_stop && m.stop_cond(t, y, p, c.lag)) return finish(EARLY_EXIT, EXIT_STOP_CONDITION);
    }
  }
}

// Models with compile-time sizes (generated ones) run on local copies of the state, params,
// stepper workspace and scratch, copied back when the call returns. The compiler then knows that
// stores into stages and scratch never alias the state or the params, so it keeps more of them in
// registers across rhs evaluations (measured on Lorenz RK4: 24.2 -> 22.8 ns/step; the larger gain
// is from unrolling the per-state loops) — the arithmetic, and so every bit, is unchanged. Sizes
// are capped so a huge model never overflows the stack (it uses RunArgs' buffers, as the
// interpreter does).
template <class Model>
concept StaticSizes = requires {
  Model::n_state_v;
  Model::n_param_v;
  Model::n_aux_v;
};

template <class Stepper, RunVariant V, class Model, class Observer>
int run_loop(const Model& m, RunArgs<typename Model::real_t>& a, Observer& obs) {
  using Real = typename Model::real_t;
  if (const int bad = check_args<Stepper, V>(m, a)) return bad_args(a, bad);
  if constexpr (StaticSizes<Model>) {
    constexpr int NS = Model::n_state_v, NP = Model::n_param_v;
    constexpr long long NW = stepper_work_size(Stepper::info, NS);
    constexpr long long NSC = runner_scratch_size(NS, NP, Model::n_aux_v);
    constexpr long long kMaxLocalBytes = 64 * 1024;
    if constexpr ((NS + NP + NW + NSC) * (long long)sizeof(Real) <= kMaxLocalBytes) {
      Real y[NS], p[NP > 0 ? NP : 1], work[NW > 0 ? NW : 1], scratch[NSC > 0 ? NSC : 1] = {};
      for (int i = 0; i < NS; ++i) y[i] = a.y[i];
      for (int i = 0; i < NP; ++i) p[i] = a.p[i];
      for (long long i = 0; i < NW; ++i) work[i] = a.work[i];
      const int status = run_loop_on<Stepper, V>(m, a, y, p, work, scratch, obs);
      for (int i = 0; i < NS; ++i) a.y[i] = y[i];
      for (int i = 0; i < NP; ++i) a.p[i] = p[i];
      for (long long i = 0; i < NW; ++i) a.work[i] = work[i];
      // Scratch is not run state, but after NAN_DETECTED it holds the rejected state the wrapper
      // reports; copying it keeps both backends' buffers alike.
      for (long long i = 0; i < NSC; ++i) a.scratch[i] = scratch[i];
      return status;
    } else {
      return run_loop_on<Stepper, V>(m, a, a.y, a.p, a.work, a.scratch, obs);
    }
  } else {
    return run_loop_on<Stepper, V>(m, a, a.y, a.p, a.work, a.scratch, obs);
  }
}

}  // namespace detail

// Runs `m` with `Stepper` from the state in `a` until the end, a full buffer, the budget, an
// interrupt, an observer's stop or a failure; see the top of this file and status.hpp. Re-enter
// with the same `a` (and the same `obs`).
template <class Stepper, RunVariant V = RunVariant::ordinary, class Model, class Observer>
int run(const Model& m, RunArgs<typename Model::real_t>& a, Observer& obs) {
  using Real = typename Model::real_t;
  a.nan_index = -1;
  if (a.abi_version != kRunArgsAbi) return detail::bad_args(a, EXIT_BAD_ABI);
  if constexpr (!Stepper::template supports<Real>) {
    return detail::bad_args(a, EXIT_BAD_STEPPER);
  } else {
    return detail::run_loop<Stepper, V>(m, a, obs);
  }
}

// Without an observer of the caller's: run<Stepper>(m, a) is the ordinary recording run both
// backends call.
template <class Stepper, RunVariant V = RunVariant::ordinary, class Model>
int run(const Model& m, RunArgs<typename Model::real_t>& a) {
  NoObserver none;
  return run<Stepper, V>(m, a, none);
}

}  // namespace dynlib::kernel

// The recorder: the observer that writes samples into RunArgs' rec_* buffers. Every ordinary and
// fast run has one, placed before the caller's observer; analysis runs have none.
//
// Samples: the initial state (unless t < t_record_start), then every committed step with
// step % record_interval == 0 and t >= t_record_start. A row holds t, step, the selected states and
// the selected aux (computed on the recorded state). With kCheckRoom (ordinary runs) the runner
// asks room_* before anything changes and returns GROW_REC when the buffer is full, so re-entering
// loses or duplicates nothing; without it (the fast path) check_args has proven at entry that the
// buffers hold every sample the run can produce.
#pragma once

#include "math.hpp"
#include "model.hpp"
#include "observer.hpp"
#include "run_args.hpp"
#include "types.hpp"

namespace dynlib::kernel {

template <class Model, bool kCheckRoom>
struct Recorder {
  using Real = typename Model::real_t;
  using Time = time_t_of<Real>;

  bool on;
  long long interval;
  int ns, na, width;
  const int* state_idx;
  const int* aux_idx;
  bool all_states;  // the usual selection, every state in order: copied without the index table
  Time t_rec0;
  Time* rec_t;
  long long* rec_step;
  Real* data;
  long long cap;
  long long count;  // rows written (RunArgs::rec_count while the run is inside the runner)
  long long next;   // the next step number that is sampled
  Real* aux;        // scratch for the model's aux values

  DYNLIB_KERNEL_INLINE Recorder(const Model& m, const RunArgs<Real>& a, Real* aux_scratch)
      : on(a.record != 0),
        interval(a.record != 0 ? a.record_interval : 1),
        ns(a.rec_n_state),
        na(a.rec_n_aux),
        width(a.rec_n_state + a.rec_n_aux),
        state_idx(a.rec_state_idx),
        aux_idx(a.rec_aux_idx),
        all_states(a.rec_n_state == m.n_state()),
        t_rec0(a.t_record_start),
        rec_t(a.rec_t),
        rec_step(a.rec_step),
        data(a.rec_data),
        cap(a.rec_cap),
        count(a.rec_count),
        next((a.step / interval + 1) * interval),
        aux(aux_scratch) {
    for (int j = 0; j < ns && all_states; ++j) all_states = state_idx[j] == j;
  }

  DYNLIB_KERNEL_INLINE bool room_at_start(Time t) const {
    if constexpr (kCheckRoom) {
      return !(on && !(t < t_rec0)) || count < cap;
    } else {
      return true;
    }
  }
  // t_record_start is ignored here: being conservative costs at most one growth.
  DYNLIB_KERNEL_INLINE bool room_for_step(long long step) const {
    if constexpr (kCheckRoom) {
      return !(on && step == next && count >= cap);
    } else {
      return true;
    }
  }

  // How many steps after `step` can be taken with room for every row they record (at least 1
  // when room_for_step(step + 1)); without room checks, or not recording, `most`.
  DYNLIB_KERNEL_INLINE long long steps_with_room(long long step, long long most) const {
    if constexpr (kCheckRoom) {
      if (!on) return most;
      // Steps next, next + interval, ... record; the (cap - count + 1)-th of them finds no room.
      const long long rows_left = cap - count;
      if (rows_left >= (most + step - next) / interval + 1) return most;
      return math::min(most, next + rows_left * interval - 1 - step);
    } else {
      return most;
    }
  }

  DYNLIB_KERNEL_INLINE int on_start(const Model& m, const Observation<Real>& o) {
    if (on && !(o.t < t_rec0)) write(m, o);
    return OBS_CONTINUE;
  }
  DYNLIB_KERNEL_INLINE int on_step(const Model& m, const Observation<Real>& o) {
    if (on && o.step == next) {
      next += interval;
      if (!(o.t < t_rec0)) write(m, o);
    }
    return OBS_CONTINUE;
  }

  DYNLIB_KERNEL_INLINE void write(const Model& m, const Observation<Real>& o) {
    const int n = m.n_state();  // constexpr for generated models: the copy unrolls
    const long long row = count++;
    rec_t[row] = o.t;
    rec_step[row] = o.step;
    Real* r = data + row * width;
    if (all_states) {
      for (int i = 0; i < n; ++i) r[i] = o.y[i];
    } else {
      for (int j = 0; j < ns; ++j) r[j] = o.y[state_idx[j]];
    }
    if (na > 0) {
      m.aux(o.t, o.y, o.p, *o.lag, aux);
      for (int j = 0; j < na; ++j) r[ns + j] = aux[aux_idx[j]];
    }
  }
};

}  // namespace dynlib::kernel

// A minimal wrapper for the tests: owns every buffer (std::vector), starts them tiny, and loops
// run() growing buffers (doubling) on GROW_REC / GROW_EVT and re-entering on YIELD, the way the
// runtime layer will. run_all(obs) runs a runner variant with an observer the same way.
#pragma once

#include <string>
#include <vector>

#include "kernel/kernel.hpp"

namespace dynlib::kernel::testing {

template <class Model>
struct Sim {
  using Real = typename Model::real_t;
  using Time = time_t_of<Real>;

  Model m;
  int stepper = -1;
  RunArgs<Real> a{};
  std::vector<Real> y, p, work, scratch, lag_ring, rec_data, evt_data;
  std::vector<int> fired, lag_state, rec_state_idx, rec_aux_idx, evt_code;
  std::vector<Time> rec_t, evt_time;
  std::vector<long long> rec_step, evt_rec_index;
  int yields = 0, grow_rec = 0, grow_evt = 0;
  bool grow = true;  // false: return GROW_* to the caller instead of growing

  // Records every state and every aux at every step; logs events; fixed step dt for n steps.
  Sim(Model model, const char* stepper_name, std::vector<Real> y0, std::vector<Real> p0,
      long long rec_cap = 1, long long evt_cap = 1)
      : m(model), stepper(find_stepper(stepper_name)), y(std::move(y0)), p(std::move(p0)) {
    a.abi_version = kRunArgsAbi;
    a.n_state = m.n_state();
    a.n_param = m.n_param();
    a.n_aux = m.n_aux();
    a.y = y.data();
    a.p = p.data();
    a.dt = 1;
    a.step_end = 0;
    work.resize(stepper >= 0 ? stepper_work_size(kSteppers[stepper], a.n_state) : 0);
    a.work = work.data();
    a.work_size = (long long)work.size();
    scratch.resize(runner_scratch_size(a.n_state, a.n_param, a.n_aux));
    a.scratch = scratch.data();
    a.scratch_size = (long long)scratch.size();
    fired.resize(m.n_event() + 1);
    a.evt_fired = fired.data();
    lag_state.resize(a.n_state);
    a.lag_width = lag_layout(m, lag_state.data(), a.lag_depth);
    lag_ring.resize((size_t)a.lag_width * a.lag_depth);
    a.lag_ring = lag_ring.data();
    a.lag_state = lag_state.data();
    a.record = 1;
    a.record_interval = 1;
    a.t_record_start = (Time)-1e300;  // -inf for float: no transient
    for (int i = 0; i < a.n_state; ++i) rec_state_idx.push_back(i);
    for (int i = 0; i < a.n_aux; ++i) rec_aux_idx.push_back(i);
    a.evt_log = 1;
    for (int e = 0; e < m.n_event(); ++e) a.evt_width = math::max(a.evt_width, m.event_log_size(e));
    // The library's run defaults live in include/dynlib/run_defaults.hpp (the wrapper sets every
    // field from them); kernel tests pick their own.
    a.atol = (typename RunArgs<Real>::Time)1e-6;
    a.rtol = (typename RunArgs<Real>::Time)1e-6;
    a.dt_min = 0;
    a.dt_max = 0;
    a.safety = (typename RunArgs<Real>::Time)0.9;
    a.min_factor = (typename RunArgs<Real>::Time)0.2;
    a.max_factor = (typename RunArgs<Real>::Time)10;
    a.max_rejects = 100;
    a.controller = CONTROLLER_STANDARD;
    resize_rec(rec_cap);
    resize_evt(evt_cap);
  }

  void fixed(Time t0, Time dt, long long n) {
    a.t0 = a.t = t0;
    a.dt = dt;
    a.step_end = n;
  }
  void adaptive(Time t0, Time t_end, Time tol) {
    a.t0 = a.t = t0;
    a.t_end = t_end;
    a.dt = 0;
    a.atol = a.rtol = tol;
  }

  int rec_width() const { return a.rec_n_state + a.rec_n_aux; }
  void select(std::vector<int> states, std::vector<int> aux) {
    rec_state_idx = std::move(states);
    rec_aux_idx = std::move(aux);
    resize_rec(a.rec_cap);
  }
  void resize_rec(long long cap) {
    a.rec_n_state = (int)rec_state_idx.size();
    a.rec_n_aux = (int)rec_aux_idx.size();
    a.rec_state_idx = rec_state_idx.data();
    a.rec_aux_idx = rec_aux_idx.data();
    rec_t.resize(cap);
    rec_step.resize(cap);
    rec_data.resize(cap * rec_width());
    a.rec_t = rec_t.data();
    a.rec_step = rec_step.data();
    a.rec_data = rec_data.data();
    a.rec_cap = cap;
  }
  void resize_evt(long long cap) {
    evt_code.resize(cap);
    evt_rec_index.resize(cap);
    evt_time.resize(cap);
    evt_data.resize(cap * a.evt_width);
    a.evt_code = evt_code.data();
    a.evt_rec_index = evt_rec_index.data();
    a.evt_time = evt_time.data();
    a.evt_data = evt_data.data();
    a.evt_cap = cap;
  }

  // run<S>(m, a): the call both backends make. Only the explicit steppers: these tests exercise
  // the runner's mechanics (events, lags, buffers, observers) with them, and instantiating the
  // implicit ones too for every test model, variant and observer doubled the build of
  // tests/kernel. The implicit steppers are tested through both backends in tests/runtime.
  int step_once() {
    return dispatch_explicit_stepper(stepper, [&]<class S>() { return run<S>(m, a); });
  }
  // A runner variant with the caller's observer.
  template <RunVariant V, class Observer>
  int step_once(Observer& obs) {
    return dispatch_explicit_stepper(stepper, [&]<class S>() { return run<S, V>(m, a, obs); });
  }

  // Runs to a terminal status (anything but GROW_* / YIELD).
  int run_all() {
    NoObserver none;
    return run_all<RunVariant::ordinary>(none, true);
  }
  template <RunVariant V, class Observer>
  int run_all(Observer& obs, bool plain = false) {
    for (int guard = 0; guard < 1000000; ++guard) {
      const int s = plain ? step_once() : step_once<V>(obs);
      if (s == GROW_REC && grow) {
        ++grow_rec;
        resize_rec(a.rec_cap * 2 + 1);
      } else if (s == GROW_EVT && grow) {
        ++grow_evt;
        resize_evt(a.evt_cap * 2 + 1);
      } else if (s == YIELD) {
        ++yields;
      } else {
        return s;
      }
    }
    return -1;
  }

  long long rows() const { return a.rec_count; }
  Real rec(long long row, int col) const { return rec_data[row * rec_width() + col]; }
  long long events() const { return a.evt_count; }
  Real evt(long long row, int col) const { return evt_data[row * a.evt_width + col]; }
};

}  // namespace dynlib::kernel::testing

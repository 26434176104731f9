// HostObserver<Real>: the part of an observed run that calls the host (ObserveArgs' callback
// every cb_every steps, and its block observer's rows). It copies what it reads per step out of
// the caller's ObserveArgs when it is made, so the loop keeps them in registers (stores into the
// state cannot alias them), and save() writes the cursors back when the kernel returns: the runner
// calls it once per entry, and a re-entry after GROW_*/YIELD goes on where the last one stopped.
// A run without tangents uses it alone; TangentObserver carries one for runs with tangents.
#pragma once

#include "observer.hpp"
#include "types.hpp"

namespace dynlib::kernel {

template <class Real>
struct ObserveArgs;

template <class Real>
struct HostObserver {
  HostObserver(ObserveArgs<Real>& args, int n_state)
      : o(args),
        n(n_state),
        ctx(args.cb_ctx),
        cb_step(args.cb_step),
        cb_every(args.cb_every),
        next_cb(args.next_cb),
        cb_block(args.cb_block),
        blk_y(args.blk_y),
        blk_t(args.blk_t),
        blk_cap(args.blk_cap),
        blk_count(args.blk_count),
        blk_first(args.blk_first) {}

  template <class Model>
  int on_start(const Model&, const Observation<Real>& at) {
    int act = OBS_CONTINUE;
    next_cb = at.step + cb_every;
    if (cb_step) act |= cb_step(ctx, (double)at.t, at.step, at.y, n, at.p);
    if (cb_block) act |= append(at);
    return act;
  }

  template <class Model>
  int on_step(const Model&, const Observation<Real>& at) {
    int act = OBS_CONTINUE;
    if (cb_step && at.step >= next_cb) {
      next_cb = at.step + cb_every;
      act |= cb_step(ctx, (double)at.t, at.step, at.y, n, at.p);
    }
    if (cb_block) act |= append(at);
    return act;
  }

  // The cursors back into ObserveArgs (call when the kernel returns).
  void save() const {
    o.next_cb = next_cb;
    o.blk_count = blk_count;
    o.blk_first = blk_first;
  }

 private:
  // The point as a block row; a full block goes to the host, which reads it from ObserveArgs.
  int append(const Observation<Real>& at) {
    if (blk_count == 0) blk_first = at.step;
    Real* row = blk_y + blk_count * n;
    for (int i = 0; i < n; ++i) row[i] = at.y[i];
    blk_t[blk_count] = (double)at.t;
    if (++blk_count < blk_cap) return OBS_CONTINUE;
    save();
    const int act = cb_block(ctx);
    blk_count = 0;
    return act & OBS_STOP;
  }

  ObserveArgs<Real>& o;
  int n;
  void* ctx;
  int (*cb_step)(void* ctx, double t, long long step, Real* y, int n, Real* p);
  long long cb_every;
  long long next_cb;
  int (*cb_block)(void* ctx);
  Real* blk_y;
  double* blk_t;
  long long blk_cap;
  long long blk_count;
  long long blk_first;
};

}  // namespace dynlib::kernel

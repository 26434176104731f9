// Variational stepping: a model adapter whose state carries k tangent vectors along with the
// trajectory, so that any stepper advances both with the same scheme, and the observer that keeps
// the tangents orthonormal and sums their log stretch: the seam Lyapunov exponents stand on.
//
//   Variational<M>{model, k}: state [y, v_1, ..., v_k] (n (k + 1) values, v_j at y + n j);
//     ODE:  rhs = [f(t, y), J(t, y) v_1, ..., J(t, y) v_k]       (J = df/dy, by M::jvp)
//     map:  rhs = [F(t, y), DF(t, y) v_1, ..., DF(t, y) v_k]     (next state, next tangents)
//   The same formula serves both kinds: for a map, jvp is the product with DF. Because every
//   stage of a stepper is linear in the tangents with J taken at that stage's state, the tangents
//   follow the *discrete* variational equation of the stepper actually used (exact derivatives of
//   its one-step or multistep map), not a separately discretised continuous one.
//   Parameters, aux, events and lags are M's: they see the y part (event actions write y or p
//   only, so tangents pass through unchanged; a lagged state's tangent is taken as if the lag were
//   constant). Adaptive steppers control the error of the y part only (error_size()), and so
//   take exactly the steps of a plain run: the y part is bit for bit the y of running M alone.
//   Implicit steppers solve the tangent stages with the same Newton iteration; their Jacobian of
//   the augmented system is block-diagonal J (the exact one also has d(Jv)/dy below the diagonal:
//   leaving it out changes the iteration's rate, not its solution), and Newton's convergence test
//   looks at the y part, so its iterations, too, are those of a plain run.
//
//   TangentObserver<Real>: the observer of such a run, with its state in a caller-owned
//   ObserveArgs (plain C, the ABI a compiled kernel shares). After every `renorm_every`-th
//   committed step it orthonormalises v_1..v_k (modified Gram-Schmidt, in order: the QR step of
//   Benettin / Shimada-Nagashima; k = 1 is the plain renormalisation of the largest exponent), adds
//   log R_jj to log_growth[j] once the interval lies after t_accum_start (the transient), and
//   counts time (flows) or iterations (maps) in denom: exponent j = log_growth[j] / denom. The
//   rescaling is linear, so instead of restarting the stepper it asks the runner to apply the same
//   change of basis to the stepper's history (OBS_TANGENTS_REBASED: Adams derivatives, BDF past
//   states, the FSAL stage), and multistep runs keep their history exactly. It can also call a host
//   function every cb_every steps, or hand it the states in blocks (custom observers from C++ or
//   Python that need no compiled hook; see ObserveArgs).
#pragma once

#include "host_observer.hpp"
#include "lag.hpp"
#include "math.hpp"
#include "observer.hpp"
#include "types.hpp"

namespace dynlib::kernel {

inline constexpr int kObserveArgsAbi = 2;

// Everything an observed run reads and writes besides RunArgs. Plain C layout; the caller owns
// every buffer and passes the same struct back on re-entry (after GROW_REC/YIELD).
template <class Real>
struct ObserveArgs {
  using Time = time_t_of<Real>;
  int abi_version;  // kObserveArgsAbi

  // ---- tangents (k = 0: none) ----
  int k;
  int per_step;             // 1: exponents per iteration (maps); 0: per unit time (flows)
  long long renorm_every;   // >= 1
  Time t_accum_start;       // growth counts from the first renormalisation interval after this
  double* log_growth;       // in/out, k values: sum of log R_jj, folded from `growth`:
  double* growth;           // in/out, k values: product of the R_jj not yet in log_growth (a log
                            // per renormalisation would cost more than the step); the exponent
                            // sums are log_growth + log(growth)
  double denom;             // in/out: time (flows) or steps (maps) the sums cover
  long long steps_counted;  // in/out: committed steps the sums cover
  long long n_renorm;       // in/out: renormalisations done (transient included)
  Time t_last;              // in/out: time of the last renormalisation (or of the start)
  long long step_last;      // in/out: its step
  long long next_renorm;    // in/out: the step of the next renormalisation (set at start)
  Real* r;                  // k x k scratch: R of the latest renormalisation
  Real* jac_scratch;        // n x n scratch (the augmented Jacobian's diagonal block)

  // ---- trace of the running estimates (trace_stride = 0: none) ----
  long long trace_stride;  // a row every trace_stride committed steps, once growth is counted
  double* trace;           // trace_cap rows of k values: log_growth / denom
  double* trace_time;      // trace_cap
  long long* trace_step;   // trace_cap
  long long trace_cap;
  long long trace_count;  // in/out
  long long next_trace;   // in/out: the step of the next trace row (set at start)

  // ---- a host callback (null: none) ----
  // Called at start (step = a.step) and after every cb_every-th committed step with the model's
  // state (n values) and params. Returns ObserverAction bits: OBS_STOP ends the run (EARLY_EXIT,
  // EXIT_OBSERVER); OBS_STATE_CHANGED if it wrote y or p.
  void* cb_ctx;
  int (*cb_step)(void* ctx, double t, long long step, Real* y, int n, Real* p);
  long long cb_every;
  long long next_cb;  // in/out: the step of the next call (set at start)
  // (Counters rather than step % every: a 64-bit division per step and observer cost more than
  // a small model's whole step.)

  // ---- a host block callback (null: none) ----
  // The state at start and after every committed step is appended to a block of blk_cap rows (n
  // values each, row-major, and its time); when the block is full the runner calls cb_block, which
  // reads the blk_count rows and returns OBS_STOP to end the run (after the block's last step) or
  // 0. Rows are consecutive steps from blk_first. The caller delivers the rows still pending when
  // the run ends. One call per block instead of one per step: a host call costs more than a small
  // model's step.
  int (*cb_block)(void* ctx);
  Real* blk_y;          // blk_cap x n
  double* blk_t;        // blk_cap
  long long blk_cap;    // >= 1
  long long blk_count;  // in/out: rows pending
  long long blk_first;  // in/out: the step of the first pending row
};

template <class M>
struct Variational {
  using real_t = typename M::real_t;
  using Time = time_t_of<real_t>;

  const M& model;
  int k;                // tangent vectors
  real_t* jac_scratch;  // n x n, for jacobian()/user_jacobian()

  int n_model() const { return model.n_state(); }
  int n_state() const { return model.n_state() * (k + 1); }
  int error_size() const { return model.n_state(); }  // adaptive control sees y only
  int n_param() const { return model.n_param(); }
  int n_aux() const { return model.n_aux(); }
  int n_event() const { return model.n_event(); }
  int lag_depth(int s) const { return s < model.n_state() ? model.lag_depth(s) : 0; }

  void rhs(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
           real_t* out) const {
    const int n = model.n_state();
    model.rhs(t, y, p, lag, out);
    for (int j = 1; j <= k; ++j) model.jvp(t, y, p, lag, y + n * j, out + n * j);
  }
  void aux(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
           real_t* out) const {
    model.aux(t, y, p, lag, out);
  }
  int event_phases(int e) const { return model.event_phases(e); }
  bool event_cond(int e, Time t, const real_t* y, const real_t* p,
                  const LagView<real_t>& lag) const {
    return model.event_cond(e, t, y, p, lag);
  }
  void event_action(int e, Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
                    real_t* y_out, real_t* p_out) const {
    model.event_action(e, t, y, p, lag, y_out, p_out);
  }
  // The early-exit condition ([sim] stop) reads the y part, as events do.
  bool has_stop() const requires requires(const M& mm) { mm.has_stop(); }
  { return model.has_stop(); }
  bool stop_cond(Time t, const real_t* y, const real_t* p,
                 const LagView<real_t>& lag) const requires requires(const M& mm) {
    mm.stop_cond(t, y, p, lag);
  }
  { return model.stop_cond(t, y, p, lag); }
  int event_log_size(int e) const { return model.event_log_size(e); }
  void event_log(int e, Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
                 real_t* out) const {
    model.event_log(e, t, y, p, lag, out);
  }

  // The implicit steppers' Jacobian of the augmented system: J on every diagonal block.
  bool has_derivatives() const {
    if constexpr (requires { model.has_derivatives(); })
      return model.has_derivatives();
    else
      return false;
  }
  void jacobian(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
                real_t* out) const {
    if constexpr (requires { model.jacobian(t, y, p, lag, out); }) {
      model.jacobian(t, y, p, lag, jac_scratch);
      block_diagonal(out);
    }
  }
  bool has_user_jacobian() const {
    if constexpr (requires { model.has_user_jacobian(); })
      return model.has_user_jacobian();
    else
      return false;
  }
  void user_jacobian(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
                     real_t* out) const {
    if constexpr (requires { model.user_jacobian(t, y, p, lag, out); }) {
      model.user_jacobian(t, y, p, lag, jac_scratch);
      block_diagonal(out);
    }
  }

 private:
  void block_diagonal(real_t* out) const {
    const int n = model.n_state(), big = n * (k + 1);
    for (long long i = 0; i < (long long)big * big; ++i) out[i] = 0;
    for (int b = 0; b <= k; ++b)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) out[(b * n + i) * big + b * n + j] = jac_scratch[i * n + j];
  }
};

template <class Real>
struct TangentObserver {
  using Time = time_t_of<Real>;
  static_assert(is_floating<Real>, "tangents need a floating-point state");

  ObserveArgs<Real>& o;
  int n;                          // the model's states (the y part)
  HostObserver<Real> host{o, n};  // the host callback and block observer, if any

  // Trace rows and host callbacks happen at fixed steps: ask for room before the step.
  bool room_for_step(long long step) const {
    return !(o.trace_stride > 0 && step >= o.next_trace && o.trace_count >= o.trace_cap);
  }

  template <class Model>
  int on_start(const Model& m, const Observation<Real>& at) {
    int act = OBS_CONTINUE;
    o.next_renorm = at.step + o.renorm_every;
    o.next_trace = at.step + o.trace_stride;
    if (o.k > 0) {
      o.t_last = at.t;
      o.step_last = at.step;
      orthonormalise(at.y);  // the caller's initial basis, normalised (not counted)
      act |= OBS_STATE_CHANGED;
    }
    return act | host.on_start(m, at);
  }

  template <class Model>
  int on_step(const Model& m, const Observation<Real>& at) {
    int act = OBS_CONTINUE;
    if (o.k > 0 && at.step >= o.next_renorm) {
      o.next_renorm = at.step + o.renorm_every;
      const bool count = !(o.t_last < o.t_accum_start);
      orthonormalise(at.y);
      if (count) {
        for (int j = 0; j < o.k; ++j) accumulate(j, (double)o.r[j * o.k + j]);
        o.denom += o.per_step ? (double)(at.step - o.step_last) : (double)(at.t - o.t_last);
        o.steps_counted += at.step - o.step_last;
      }
      o.t_last = at.t;
      o.step_last = at.step;
      ++o.n_renorm;
      act |= OBS_TANGENTS_REBASED;
    }
    if (o.trace_stride > 0 && at.step >= o.next_trace) {
      o.next_trace = at.step + o.trace_stride;
      if (counting() && o.trace_count < o.trace_cap) write_trace_row(at);
    }
    return act | host.on_step(m, at);
  }

  // The change of basis of the latest renormalisation, V_new = V_old R^-1, applied to the
  // tangent blocks of another augmented vector w (a stepper's history): the same recurrence as
  // modified Gram-Schmidt with R's coefficients.
  void rebase(Real* w) const {
    for (int j = 0; j < o.k; ++j) {
      Real* wj = w + n * (j + 1);
      for (int i = 0; i < j; ++i) {
        const Real rij = o.r[i * o.k + j];
        const Real* wi = w + n * (i + 1);
        for (int s = 0; s < n; ++s) wj[s] -= rij * wi[s];
      }
      const Real rjj = o.r[j * o.k + j];
      for (int s = 0; s < n; ++s) wj[s] /= rjj;
    }
  }

 private:
  bool counting() const { return o.denom > 0; }

  // A row of running estimates: the sums over the time (or iterations) counted so far.
  void write_trace_row(const Observation<Real>& at) {
    const long long row = o.trace_count++;
    for (int j = 0; j < o.k; ++j)
      o.trace[row * o.k + j] = (o.log_growth[j] + math::log(o.growth[j])) / o.denom;
    o.trace_time[row] = (double)at.t;
    o.trace_step[row] = at.step;
  }

  // growth *= r, folded into log_growth before the product could leave [1e-200, 1e200] (factors
  // outside [1e-100, 1e100] go straight to the log).
  void accumulate(int j, double r) {
    if (!(r > 1e-100 && r < 1e100)) {
      o.log_growth[j] += math::log(r);
      return;
    }
    double g = o.growth[j] * r;
    if (!(g > 1e-100 && g < 1e100)) {
      o.log_growth[j] += math::log(g);
      g = 1;
    }
    o.growth[j] = g;
  }

  // Modified Gram-Schmidt on the tangents stored after the n trajectory values of y; R into o.r.
  void orthonormalise(Real* y) {
    const int k = o.k;
    for (int j = 0; j < k; ++j) {
      Real* v = y + n * (j + 1);
      for (int i = 0; i < j; ++i) {
        const Real* u = y + n * (i + 1);
        Real dot = 0;
        for (int s = 0; s < n; ++s) dot += u[s] * v[s];
        o.r[i * k + j] = dot;
        for (int s = 0; s < n; ++s) v[s] -= dot * u[s];
      }
      Real norm2 = 0;
      for (int s = 0; s < n; ++s) norm2 += v[s] * v[s];
      const Real norm = math::sqrt(norm2);
      for (int i = j + 1; i < k; ++i) o.r[i * k + j] = 0;
      if (!(norm > 0)) {
        // The direction collapsed (a superstable point: DF v = 0). Its growth is not counted
        // (R_jj = 1, as the reference does), and a fresh unit direction takes its place.
        o.r[j * k + j] = 1;
        for (int s = 0; s < n; ++s) v[s] = s == j % n ? Real(1) : Real(0);
        continue;
      }
      o.r[j * k + j] = norm;
      const Real inv = Real(1) / norm;  // one division per vector, not per component
      for (int s = 0; s < n; ++s) v[s] *= inv;
    }
  }
};

}  // namespace dynlib::kernel

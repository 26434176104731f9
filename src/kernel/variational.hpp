// Variational stepping: a model adapter whose state carries K tangent vectors along with the
// trajectory, so that any stepper advances both with the same scheme, and an observer that keeps
// the tangents orthonormal and sums their log stretch (the seam Lyapunov exponents are built on).
//
//   Variational<M, K>: state [y, v_1, ..., v_K] (n (K + 1) values, v_k at y + n k);
//     ODE:  rhs = [f(t, y), J(t, y) v_1, ..., J(t, y) v_K]       (J = df/dy, by M::jvp)
//     map:  rhs = [F(t, y), DF(t, y) v_1, ..., DF(t, y) v_K]     (next state, next tangents)
//   The same formula serves both kinds: for a map, jvp is the product with DF. Parameters, aux,
//   events and lags are M's: they see the y part (event actions write y or p only, so tangents
//   pass through unchanged; a lagged state's tangent is taken as if the lag were constant).
//   The y part of a fixed-step run is bit for bit the y of running M alone (each state's
//   arithmetic is the same); adaptive steppers control the error of the tangents too.
//
//   M must provide, besides the Model contract (model.hpp),
//     void jvp(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
//              const real_t* v, real_t* out) const;     // out = J(t, y) v, n values
//
//   RenormalizeTangents<Real, K>: an observer for a Variational<M, K> run. At start and after every
//   `every`-th committed step it orthonormalises v_1..v_K (modified Gram–Schmidt, in order) and
//   adds log |v_k| before normalising (the R_kk of a QR step) to log_stretch[k]; it tells the
//   runner the state changed, so stepper history restarts (free for one-step methods).
//   exponent(k) = log_stretch[k] / (t - t_start): for a linear ODE y' = A y it tends to A's
//   eigenvalues' real parts, largest first; for a map per step, divide by steps instead.
#pragma once

#include "lag.hpp"
#include "math.hpp"
#include "observer.hpp"
#include "types.hpp"

namespace dynlib::kernel {

template <class M, int K>
struct Variational {
  static_assert(K >= 1, "at least one tangent vector");
  using real_t = typename M::real_t;
  using Time = time_t_of<real_t>;
  static constexpr int tangents = K;

  const M& model;

  int n_model() const { return model.n_state(); }
  int n_state() const { return model.n_state() * (K + 1); }
  int n_param() const { return model.n_param(); }
  int n_aux() const { return model.n_aux(); }
  int n_event() const { return model.n_event(); }
  int lag_depth(int s) const { return s < model.n_state() ? model.lag_depth(s) : 0; }

  void rhs(Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
           real_t* out) const {
    const int n = model.n_state();
    model.rhs(t, y, p, lag, out);
    for (int k = 1; k <= K; ++k) model.jvp(t, y, p, lag, y + n * k, out + n * k);
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
  int event_log_size(int e) const { return model.event_log_size(e); }
  void event_log(int e, Time t, const real_t* y, const real_t* p, const LagView<real_t>& lag,
                 real_t* out) const {
    model.event_log(e, t, y, p, lag, out);
  }
};

template <class Real, int K>
struct RenormalizeTangents {
  using Time = time_t_of<Real>;
  static_assert(is_floating<Real>, "tangents need a floating-point state");

  long long every = 1;       // renormalise after every `every`-th step (and at start)
  Real log_stretch[K] = {};  // sum of log |v_k| before each normalisation (start excluded)
  Real last[K] = {};         // the latest of those terms
  Time t_start = 0;          // time of the start (on_start)
  Time t_last = 0;           // time of the latest renormalisation
  long long steps = 0;       // committed steps seen
  long long renormalisations = 0;

  // Growth rate of the k-th direction so far (0 before any time has passed).
  Real exponent(int k) const {
    return t_last > t_start ? log_stretch[k] / (Real)(t_last - t_start) : Real(0);
  }

  template <class Model>
  int on_start(const Model& m, const Observation<Real>& o) {
    t_start = t_last = o.t;
    orthonormalise(m.n_model(), o.y, false);
    return OBS_STATE_CHANGED;
  }
  template <class Model>
  int on_step(const Model& m, const Observation<Real>& o) {
    ++steps;
    if (steps % every != 0) return OBS_CONTINUE;
    t_last = o.t;
    ++renormalisations;
    orthonormalise(m.n_model(), o.y, true);
    return OBS_STATE_CHANGED;
  }

  // Modified Gram–Schmidt on the tangents stored after the n trajectory values of y.
  void orthonormalise(int n, Real* y, bool accumulate) {
    for (int k = 0; k < K; ++k) {
      Real* v = y + n * (k + 1);
      for (int j = 0; j < k; ++j) {
        const Real* u = y + n * (j + 1);
        Real dot = 0;
        for (int i = 0; i < n; ++i) dot += u[i] * v[i];
        for (int i = 0; i < n; ++i) v[i] -= dot * u[i];
      }
      Real norm2 = 0;
      for (int i = 0; i < n; ++i) norm2 += v[i] * v[i];
      const Real norm = math::sqrt(norm2);
      if (accumulate) {
        last[k] = math::log(norm);
        log_stretch[k] += last[k];
      }
      for (int i = 0; i < n; ++i) v[i] /= norm;
    }
  }
};

}  // namespace dynlib::kernel

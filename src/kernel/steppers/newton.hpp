// What implicit steppers share: the Jacobian chosen by jacobian_mode, the iteration matrix
// M = I - hg*J with its LU factors kept across steps, and simplified Newton on one stage equation
//
//   z - hg * f(ts, z) = r.
//
// Reuse (Hairer & Wanner, Solving ODEs II, IV.8): J and the LU of M persist in the workspace.
// M is refactored only when hg moved by more than 20% since its last factorisation (fixed-step
// steppers: never) or J was recomputed; J is recomputed only after a Newton failure with an old J,
// after a slow solve (a contraction rate above 0.3), or after a restart (events, new state).
//
// Stopping: with d_k = ||dz_k|| in the weighted max norm below, the rate theta_k = d_k / d_{k-1}
// predicts the remaining error eta_k * d_k, eta_k = theta_k / (1 - theta_k); the solve converges
// when that is <= 1 (the first iteration uses the previous solve's eta, so a good rate can stop
// after one iteration), and fails when theta_k >= 1, when the predicted error after the remaining
// iterations stays above 1, after newton_max_iter iterations, or on a non-finite value.
// Weights: w_i = newton_tol * max(1, |y_i|) (newton_tol is a mixed absolute/relative tolerance);
// adaptive steppers also cap w_i at 0.05 * (atol + rtol * |y_i|), so the Newton error stays a
// small part of the local error the controller accepts; never below 16 epsilon * max(1, |y_i|).
//
// Workspace used here: J (n*n), LU (n*n), three scratch vectors (3n), eta and hg_lu (2 Reals);
// pivots in iwork (n); flags in c.state[kNewtonFlags].
#pragma once

#include "../linalg.hpp"
#include "../math.hpp"
#include "../status.hpp"
#include "common.hpp"
#include "step_control.hpp"

namespace dynlib::kernel {

inline constexpr int kNewtonFlags = 7;  // c.state slot of the flags below
enum NewtonFlags : int {
  NEWTON_JAC_VALID = 1,  // J holds a Jacobian (possibly from an earlier step)
  NEWTON_LU_VALID = 2,   // LU holds the factors of I - hg_lu * J
  NEWTON_JAC_FRESH = 4,  // J was computed at this step's (t, y)
  NEWTON_JAC_STALE = 8,  // recompute J before the next solve (slow convergence, restart)
};
inline constexpr int kNewtonWorkSq = 2;  // n*n Reals: J, LU
inline constexpr int kNewtonWorkPerState = 3;
inline constexpr int kNewtonWorkExtra = 2;
// Where a stepper's own vectors start in c.work, after the Newton block.
constexpr long long newton_block_size(int n) {
  return (long long)kNewtonWorkSq * n * n + (long long)kNewtonWorkPerState * n + kNewtonWorkExtra;
}

template <class Real>
constexpr Real epsilon_of() {
  if constexpr (sizeof(Real) == sizeof(float))
    return __FLT_EPSILON__;
  else
    return __DBL_EPSILON__;
}

// Views of the Newton part of a stepper's workspace, which starts at `base`.
template <class Real>
struct NewtonWork {
  Real* J;
  Real* lu;
  Real* s1;
  Real* s2;
  Real* s3;
  Real* eta;    // the last solve's eta (starts the next solve)
  Real* hg_lu;  // the hg of the current factors
  int* piv;
  int& flags;
  NewtonWork(StepCtx<Real>& c, Real* base)
      : J(base),
        lu(base + c.n * c.n),
        s1(lu + c.n * c.n),
        s2(s1 + c.n),
        s3(s2 + c.n),
        eta(s3 + c.n),
        hg_lu(eta + 1),
        piv(c.iwork),
        flags(c.state[kNewtonFlags]) {}
};

template <class Real>
void newton_reset(StepCtx<Real>& c, Real* base) {
  NewtonWork<Real> w(c, base);
  w.flags = NEWTON_JAC_STALE;
  *w.eta = 1;
}

// J = df/dy at (t, y) by c.jacobian_mode into out (row-major); 0 or EXIT_NO_JACOBIAN. Forward
// differences perturb y_j by d = r * max(1, |y_j|), r = max(jac_eps, sqrt(epsilon)), rounded so
// that y_j + d is exact: n + 1 rhs evaluations (f0, f1, ytmp are scratch).
template <class Model, class Real, class Time>
int eval_jacobian(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Real* out, Real* f0,
                  Real* f1, Real* ytmp) {
  const int n = c.n;
  if (c.jacobian_mode == JAC_SYMBOLIC) {
    if constexpr (requires { m.jacobian(t, y, c.p, c.lag, out), m.has_derivatives(); }) {
      if (m.has_derivatives()) {
        m.jacobian(t, y, c.p, c.lag, out);
        ++c.n_jac;
        return 0;
      }
    }
    return EXIT_NO_JACOBIAN;
  }
  if (c.jacobian_mode == JAC_ANALYTIC) {
    if constexpr (requires { m.user_jacobian(t, y, c.p, c.lag, out), m.has_user_jacobian(); }) {
      if (m.has_user_jacobian()) {
        m.user_jacobian(t, y, c.p, c.lag, out);
        ++c.n_jac;
        return 0;
      }
    }
    return EXIT_NO_JACOBIAN;
  }
  const Real r = math::max((Real)c.jac_eps, math::sqrt(epsilon_of<Real>()));
  m.rhs(t, y, c.p, c.lag, f0);
  for (int j = 0; j < n; ++j) ytmp[j] = y[j];
  for (int j = 0; j < n; ++j) {
    const Real yj = y[j];
    ytmp[j] = yj + r * math::max((Real)1, math::abs(yj));
    const Real d = ytmp[j] - yj;
    m.rhs(t, ytmp, c.p, c.lag, f1);
    for (int i = 0; i < n; ++i) out[i * n + j] = (f1[i] - f0[i]) / d;
    ytmp[j] = yj;
  }
  c.n_rhs += n + 1;
  ++c.n_jac;
  return 0;
}

// Factorises I - hg * J (from w.J) into w.lu / w.piv and records hg; false when singular.
template <class Real, class Time>
bool factor_iteration_matrix(StepCtx<Real>& c, NewtonWork<Real>& w, Time hg) {
  const int n = c.n;
  for (int i = 0; i < n * n; ++i) w.lu[i] = -(Real)hg * w.J[i];
  for (int i = 0; i < n; ++i) w.lu[i * n + i] += 1;
  *w.hg_lu = (Real)hg;
  ++c.n_lu;
  if (!linalg::lu_factor(w.lu, n, w.piv)) {
    w.flags &= ~NEWTON_LU_VALID;
    return false;
  }
  w.flags |= NEWTON_LU_VALID;
  return true;
}

// Hairer's initial step guess for an implicit stepper of order `order`, with the first three
// vectors after the Newton block as scratch.
template <class Model, class Real, class Time>
Time implicit_initial_step(const Model& m, StepCtx<Real>& c, Time t, const Real* y, Time span,
                           int order) {
  Real* v = c.work + newton_block_size(c.n);
  return hairer_initial_step(m, c, t, y, span, order, v, v + c.n, v + 2 * c.n);
}

// Makes the LU of I - hg * J ready for a solve at (t, y). Recomputes J when it is stale or
// missing, or when force_jac (a failed solve with an old J); refactors when J changed or hg moved
// by more than 20% (or at all, when exact). Returns 0, EXIT_NO_JACOBIAN or EXIT_SINGULAR.
template <class Model, class Real, class Time>
int newton_prepare(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Time t, const Real* y,
                   Time hg, bool force_jac, bool exact_hg) {
  bool refactor = !(w.flags & NEWTON_LU_VALID);
  if (force_jac || !(w.flags & NEWTON_JAC_VALID) || (w.flags & NEWTON_JAC_STALE)) {
    if (const int bad = eval_jacobian(m, c, t, y, w.J, w.s1, w.s2, w.s3)) return bad;
    w.flags = (w.flags | NEWTON_JAC_VALID | NEWTON_JAC_FRESH) & ~NEWTON_JAC_STALE;
    refactor = true;
  }
  if (!refactor) {
    const Time ratio = hg / (Time)*w.hg_lu;
    refactor = exact_hg ? ratio != 1 : (ratio > (Time)1.2 || ratio < (Time)(1 / 1.2));
  }
  if (!refactor) return 0;
  return factor_iteration_matrix(c, w, hg) ? 0 : EXIT_SINGULAR;
}

// Tolerance weights for newton_solve (see the top of this file), from the step's start state.
template <class Real>
void newton_weights(const StepCtx<Real>& c, const Real* y, bool adaptive, Real* wt) {
  for (int i = 0; i < c.n; ++i) {
    const Real ay = math::abs(y[i]);
    Real v = (Real)c.newton_tol * math::max((Real)1, ay);
    if (adaptive) v = math::min(v, (Real)0.05 * ((Real)c.atol + (Real)c.rtol * ay));
    // Never below what the state type resolves (float32: newton_tol = 1e-8 is under its ulp).
    wt[i] = math::max(v, 16 * epsilon_of<Real>() * math::max((Real)1, ay));
  }
}

// Solves z - hg * f(ts, z) = r by simplified Newton with the prepared LU (whose hg may differ
// slightly from hg: only the rate suffers). z holds the predictor on entry and the solution on
// success; f and dz are scratch (n). Returns true on convergence; *theta_max is the largest rate.
//
// full: Newton proper, the fixed-step steppers' last resort after simplified Newton failed with a
// fresh Jacobian — J is re-evaluated at every iterate and I - hg J refactorised, and only a
// non-finite value, a singular matrix or newton_max_iter iterations end it (far from the solution
// the first iterations may grow before the quadratic convergence sets in). J then no longer
// belongs to the step's start: it is marked stale.
template <class Model, class Real, class Time>
bool newton_solve(const Model& m, StepCtx<Real>& c, NewtonWork<Real>& w, Time ts, Time hg,
                  const Real* r, const Real* wt, Real* z, Real* f, Real* dz, Real* theta_max,
                  bool full = false) {
  const int n = c.n;
  const int kmax = c.newton_max_iter;
  Real d_prev = 0, eta = math::max(*w.eta, epsilon_of<Real>());
  eta = math::pow(eta, (Real)0.8);
  *theta_max = 0;
  if (full) w.flags = (w.flags | NEWTON_JAC_STALE) & ~NEWTON_JAC_FRESH;
  for (int k = 0; k < kmax; ++k) {
    if (full) {
      if (eval_jacobian(m, c, ts, z, w.J, w.s1, w.s2, w.s3)) return false;
      if (!factor_iteration_matrix(c, w, hg)) return false;
    }
    m.rhs(ts, z, c.p, c.lag, f);
    ++c.n_rhs;
    ++c.n_newton;
    for (int i = 0; i < n; ++i) dz[i] = r[i] - z[i] + (Real)hg * f[i];  // -G(z)
    linalg::lu_solve(w.lu, n, w.piv, dz);
    Real d = 0;
    for (int i = 0; i < n; ++i) z[i] += dz[i];
    // Convergence is judged on the states the error control covers (a variational run's
    // tangents ride along with its trajectory's iterations, which so stay those of a plain run).
    for (int i = 0; i < c.n_err; ++i) d = math::max(d, math::abs(dz[i]) / wt[i]);
    if (!math::isfinite(d)) return false;
    if (k > 0) {
      const Real theta = d / d_prev;
      if (theta > *theta_max) *theta_max = theta;
      if (full) {
        eta = theta < (Real)0.99 ? theta / (1 - theta) : (Real)1e30;
      } else {
        if (!(theta < (Real)0.99)) return false;
        eta = theta / (1 - theta);
        // Predicted error after the remaining iterations still too large: give up early.
        if (math::pow(theta, (Real)(kmax - 1 - k)) * eta > 1 && eta * d > 1) return false;
      }
    }
    // The first iteration may stop on the previous solve's rate only if its correction itself is
    // within the tolerance: the matrix may have changed since (hg moved, J stale), so that rate
    // says little about this solve.
    if (d == 0 || (eta * d <= 1 && (k > 0 || d <= 1))) {
      *w.eta = math::min(eta, (Real)1);
      return true;
    }
    d_prev = d;
  }
  return false;
}

// After a converged step: a slow solve asks for a new J before the next one; J is no longer fresh.
template <class Real>
void newton_after_step(NewtonWork<Real>& w, Real theta_max) {
  w.flags &= ~NEWTON_JAC_FRESH;
  if (theta_max > (Real)0.3) w.flags |= NEWTON_JAC_STALE;
}

}  // namespace dynlib::kernel

// CvodeDriver: one CVODE instance stepped one internal step at a time (see cvode_driver.hpp).
#include "runtime/cvode_driver.hpp"

#include <cvode/cvode.h>
#include <fmt/format.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <cmath>
#include <vector>

#include "dynlib/errors.hpp"
#include "kernel/status.hpp"

static_assert(sizeof(sunrealtype) == sizeof(double), "dynlib needs SUNDIALS built with double");

namespace dynlib::detail {

struct CvodeDriver::Impl {
  int n;
  SUNContext sun = nullptr;
  void* mem = nullptr;
  N_Vector y = nullptr;
  SUNMatrix A = nullptr;
  SUNLinearSolver ls = nullptr;
  kernel::HostStepper host{};
  std::string error;
  const kernel::HostModelCalls* calls = nullptr;  // the step in progress
  std::vector<double> jac;                        // row-major, from the kernel
  bool sparse = false;
  // KLU: the CSC structure (the Jacobian's pattern plus the diagonal, which I - gamma J needs).
  std::vector<sunindextype> col_start, row_index;
  int jac_failure = 0;  // ExitReason of a failed Jacobian
  // Options CVODE was last given, to re-apply only what changed.
  int method = -1, max_order = -1;
  double rtol = -1, atol = -1, dt_min = -1, dt_max = -1;
  // CVODE's counters at the end of the previous step (they restart at zero on CVodeReInit).
  long netf = 0, ncfn = 0, nsetups = 0, nni = 0;
  double stop_set = -1;  // the stop time CVODE holds (-1: none)

  explicit Impl(int n_state) : n(n_state), jac(static_cast<size_t>(n_state) * n_state) {
    if (SUNContext_Create(nullptr, &sun) != 0) throw DynlibError("CVODE: cannot create a context");
    host.self = this;
    host.step = &Impl::step_thunk;
  }
  ~Impl() {
    if (mem) CVodeFree(&mem);
    if (ls) SUNLinSolFree(ls);
    if (A) SUNMatDestroy(A);
    if (y) N_VDestroy(y);
    if (sun) SUNContext_Free(&sun);
  }

  static int rhs(sunrealtype t, N_Vector y, N_Vector ydot, void* self) {
    auto& d = *static_cast<Impl*>(self);
    double* out = N_VGetArrayPointer(ydot);
    d.calls->rhs(d.calls->ctx, t, N_VGetArrayPointer(y), out);
    for (int i = 0; i < d.n; ++i)
      if (!std::isfinite(out[i])) return 1;  // recoverable: CVODE retries with a smaller step
    return 0;
  }

  static int jacobian(sunrealtype t, N_Vector y, N_Vector, SUNMatrix J, void* self, N_Vector,
                      N_Vector, N_Vector) {
    auto& d = *static_cast<Impl*>(self);
    if (const int bad = d.calls->jacobian(d.calls->ctx, t, N_VGetArrayPointer(y), d.jac.data())) {
      d.jac_failure = bad;
      return -1;
    }
    const int n = d.n;
    if (d.sparse) {
      // Rewritten whole each time: CVODE may hand back a matrix whose structure it changed.
      sunindextype* starts = SUNSparseMatrix_IndexPointers(J);
      sunindextype* rows = SUNSparseMatrix_IndexValues(J);
      sunrealtype* data = SUNSparseMatrix_Data(J);
      if (SUNSparseMatrix_NNZ(J) < static_cast<sunindextype>(d.row_index.size())) return -1;
      for (int j = 0; j <= n; ++j) starts[j] = d.col_start[static_cast<size_t>(j)];
      for (int j = 0; j < n; ++j)
        for (sunindextype k = d.col_start[static_cast<size_t>(j)];
             k < d.col_start[static_cast<size_t>(j) + 1]; ++k) {
          const sunindextype i = d.row_index[static_cast<size_t>(k)];
          rows[k] = i;
          data[k] = d.jac[static_cast<size_t>(i) * n + j];
        }
      return 0;
    }
    for (int j = 0; j < n; ++j) {
      sunrealtype* col = SUNDenseMatrix_Column(J, j);
      for (int i = 0; i < n; ++i) col[i] = d.jac[static_cast<size_t>(i) * n + j];
    }
    return 0;
  }

  static void on_error(int code, const char* module, const char* function, char* msg, void* self) {
    auto& d = *static_cast<Impl*>(self);
    d.error = fmt::format("{} in {}: {}", CVodeGetReturnFlagName(code), function ? function : "?",
                          msg ? msg : "");
    (void)module;
  }

  int fail(int flag) {
    if (error.empty()) error = CVodeGetReturnFlagName(flag);
    return jac_failure ? jac_failure : kernel::EXIT_HOST_FAILED;
  }

  // (Re)creates CVODE for the method, or reinitialises it at (t, y0).
  int start(const kernel::HostModelCalls& c, double t, const double* y0) {
    double* yv = N_VGetArrayPointer(y);
    for (int i = 0; i < n; ++i) yv[i] = y0[i];
    int flag;
    if (mem && method == c.method) {
      flag = CVodeReInit(mem, t, y);
    } else {
      if (mem) CVodeFree(&mem);
      mem = CVodeCreate(c.method == kernel::HOST_CVODE_ADAMS ? CV_ADAMS : CV_BDF, sun);
      if (!mem) return fail(CV_MEM_NULL);
      method = c.method;
      flag = CVodeInit(mem, &Impl::rhs, t, y);
      if (flag == CV_SUCCESS) flag = CVodeSetUserData(mem, this);
      if (flag == CV_SUCCESS) flag = CVodeSetErrHandlerFn(mem, &Impl::on_error, this);
      if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(mem, ls, A);
      if (flag == CV_SUCCESS) flag = CVodeSetJacFn(mem, &Impl::jacobian);
    }
    netf = ncfn = nsetups = nni = 0;
    stop_set = -1;
    return flag == CV_SUCCESS ? 0 : fail(flag);
  }

  static int max_order_of(const kernel::HostModelCalls& c) {
    return c.max_order > 0 ? c.max_order : (c.method == kernel::HOST_CVODE_ADAMS ? 12 : 5);
  }
  bool options_changed(const kernel::HostModelCalls& c) const {
    return c.rtol != rtol || c.atol != atol || max_order_of(c) != max_order || c.dt_max != dt_max ||
           c.dt_min != dt_min;
  }

  // Right after start(): CVODE takes tolerances and limits only at (re)initialisation (a new
  // tolerance on a running instance leaves its error weights unset until the next one).
  int apply_options(const kernel::HostModelCalls& c, double h_first) {
    rtol = c.rtol;
    atol = c.atol;
    max_order = max_order_of(c);
    dt_max = c.dt_max;
    dt_min = c.dt_min;
    int flag = CVodeSStolerances(mem, c.rtol, c.atol);
    if (flag == CV_SUCCESS) flag = CVodeSetMaxOrd(mem, max_order);
    if (flag == CV_SUCCESS) flag = CVodeSetMaxStep(mem, c.dt_max);  // 0: no limit, as in RunArgs
    if (flag == CV_SUCCESS) flag = CVodeSetMinStep(mem, c.dt_min);
    if (flag == CV_SUCCESS) flag = CVodeSetInitStep(mem, h_first);  // 0: CVODE estimates it
    return flag == CV_SUCCESS ? 0 : fail(flag);
  }

  int step(const kernel::HostModelCalls& c, int restart, double t, double t_stop, const double* y0,
           double* y_new, double* h, double* h_next, kernel::HostStepStats* stats) {
    calls = &c;
    error.clear();
    jac_failure = 0;
    // A run with no end time (N steps only) has t_stop = the largest double: no stop time then,
    // and CVODE's first-step estimate sees a unit interval instead of an infinite one.
    const bool bounded = t_stop < 1e300;
    if (restart || !mem || options_changed(c)) {
      if (const int bad = start(c, t, y0)) return bad;
      // The runner's step proposal (the run's dt, or the last step before an event) starts
      // CVODE when it fits the interval; else CVODE estimates its first step.
      const double span = bounded ? t_stop - t : 1.0;
      if (const int bad = apply_options(c, *h > 0 && *h < span ? *h : 0.0)) return bad;
    }
    // The stop time is set again only when it moved (or after a restart: a reinitialised CVODE
    // has none); CVODE drops it by itself once it returns there, at the run's end.
    int flag = CV_SUCCESS;
    if (bounded && t_stop != stop_set) {
      flag = CVodeSetStopTime(mem, t_stop);
      if (flag != CV_SUCCESS) return fail(flag);
      stop_set = t_stop;
    }
    sunrealtype t_ret = t;
    flag = CVode(mem, bounded ? t_stop : t + 1.0, y, &t_ret, CV_ONE_STEP);
    if (flag == CV_TSTOP_RETURN) stop_set = -1;  // reached: CVODE no longer holds it
    // Counters first: a failed step still did (and rejected) work. Two calls get them all.
    long v_nst = 0, v_nfe = 0, v_nsetups = 0, v_netf = 0, v_nni = 0, v_ncfn = 0;
    int q_last = 0, q_cur = 0;
    sunrealtype h_used = 0, h_last = 0, h_cur = 0, t_cur = 0;
    CVodeGetIntegratorStats(mem, &v_nst, &v_nfe, &v_nsetups, &v_netf, &q_last, &q_cur, &h_used,
                            &h_last, &h_cur, &t_cur);
    CVodeGetNonlinSolvStats(mem, &v_nni, &v_ncfn);
    stats->n_rejected += (v_netf - netf) + (v_ncfn - ncfn);
    stats->n_lu += v_nsetups - nsetups;
    stats->n_newton += v_nni - nni;
    netf = v_netf, ncfn = v_ncfn, nsetups = v_nsetups, nni = v_nni;
    if (flag < 0) return fail(flag);
    const double* yv = N_VGetArrayPointer(y);
    for (int i = 0; i < n; ++i) y_new[i] = yv[i];
    *h = t_ret - t;
    *h_next = h_cur > 0 ? h_cur : *h;
    return 0;
  }

  static int step_thunk(void* self, const kernel::HostModelCalls* c, int restart, double t,
                        double t_stop, const double* y0, double* y_new, double* h, double* h_next,
                        kernel::HostStepStats* stats) {
    return static_cast<Impl*>(self)->step(*c, restart, t, t_stop, y0, y_new, h, h_next, stats);
  }
};

bool use_klu(LinearSolver choice, int n_state, const std::vector<unsigned char>& pattern) {
  if (choice == LinearSolver::Dense) return false;
  if (choice == LinearSolver::Klu) return true;
  if (n_state < kKluMinStates || pattern.size() != static_cast<size_t>(n_state) * n_state)
    return false;
  size_t nnz = 0;
  for (unsigned char v : pattern) nnz += v != 0;
  return static_cast<double>(nnz) <= kKluMaxDensity * static_cast<double>(pattern.size());
}

CvodeDriver::CvodeDriver(int n_state, LinearSolver solver,
                         const std::vector<unsigned char>& pattern)
    : impl_(std::make_unique<Impl>(n_state)) {
  Impl& d = *impl_;
  const size_t n = static_cast<size_t>(n_state);
  d.y = N_VNew_Serial(n_state, d.sun);
  d.sparse = use_klu(solver, n_state, pattern);
  if (d.sparse) {
    if (pattern.size() != n * n)
      throw DynlibError("linear_solver = \"klu\" needs the model's Jacobian pattern");
    d.col_start.assign(n + 1, 0);
    for (size_t j = 0; j < n; ++j) {
      for (size_t i = 0; i < n; ++i)
        if (pattern[i * n + j] || i == j) d.row_index.push_back(static_cast<sunindextype>(i));
      d.col_start[j + 1] = static_cast<sunindextype>(d.row_index.size());
    }
    d.A = d.y ? SUNSparseMatrix(n_state, n_state, static_cast<sunindextype>(d.row_index.size()),
                                CSC_MAT, d.sun)
              : nullptr;
    d.ls = d.A ? SUNLinSol_KLU(d.y, d.A, d.sun) : nullptr;
  } else {
    d.A = d.y ? SUNDenseMatrix(n_state, n_state, d.sun) : nullptr;
    d.ls = d.A ? SUNLinSol_Dense(d.y, d.A, d.sun) : nullptr;
  }
  if (!d.ls) throw DynlibError(fmt::format("CVODE: cannot allocate for {} states", n_state));
}

CvodeDriver::~CvodeDriver() = default;

const kernel::HostStepper* CvodeDriver::host() const {
  return &impl_->host;
}

const std::string& CvodeDriver::last_error() const {
  return impl_->error;
}

}  // namespace dynlib::detail

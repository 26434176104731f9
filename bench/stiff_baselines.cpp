// CVODE called directly, as in SUNDIALS' own examples (cvRoberts_dns): see stiff_baselines.hpp.
#include "stiff_baselines.hpp"

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <stdexcept>
#include <string>

namespace bench {
namespace {

// Enough for every run here at rtol down to 1e-12 (CVODE's default, 500 per CVode call, is meant
// for output-by-output driving, not one call to t_end).
constexpr long kMaxSteps = 10'000'000;

// The SUNDIALS objects of one run, freed in reverse order of creation.
struct CvodeRun {
  SUNContext ctx = nullptr;
  N_Vector y = nullptr;
  SUNMatrix A = nullptr;
  SUNLinearSolver LS = nullptr;
  void* mem = nullptr;

  ~CvodeRun() {
    if (mem) CVodeFree(&mem);
    if (LS) SUNLinSolFree(LS);
    if (A) SUNMatDestroy(A);
    if (y) N_VDestroy(y);
    if (ctx) SUNContext_Free(&ctx);
  }
};

void check(int flag, const char* what) {
  if (flag != 0)
    throw std::runtime_error(std::string(what) + " failed, flag " + std::to_string(flag));
}

CvodeResult solve(const std::vector<double>& y0, CVRhsFn f, CVLsJacFn jac, void* user_data,
                  double t_end, double rtol, double atol) {
  const auto n = static_cast<sunindextype>(y0.size());
  CvodeRun r;
  check(SUNContext_Create(nullptr, &r.ctx), "SUNContext_Create");
  r.y = N_VNew_Serial(n, r.ctx);
  if (!r.y) throw std::runtime_error("N_VNew_Serial failed");
  double* yd = N_VGetArrayPointer(r.y);
  for (sunindextype i = 0; i < n; ++i) yd[i] = y0[static_cast<size_t>(i)];
  r.A = SUNDenseMatrix(n, n, r.ctx);
  r.LS = SUNLinSol_Dense(r.y, r.A, r.ctx);
  r.mem = CVodeCreate(CV_BDF, r.ctx);
  if (!r.A || !r.LS || !r.mem) throw std::runtime_error("SUNDIALS allocation failed");
  check(CVodeInit(r.mem, f, 0.0, r.y), "CVodeInit");
  check(CVodeSStolerances(r.mem, rtol, atol), "CVodeSStolerances");
  check(CVodeSetUserData(r.mem, user_data), "CVodeSetUserData");
  check(CVodeSetMaxNumSteps(r.mem, kMaxSteps), "CVodeSetMaxNumSteps");
  check(CVodeSetLinearSolver(r.mem, r.LS, r.A), "CVodeSetLinearSolver");
  check(CVodeSetJacFn(r.mem, jac), "CVodeSetJacFn");

  CvodeResult out;
  out.flag = CVode(r.mem, t_end, r.y, &out.t, CV_NORMAL);
  out.y.assign(yd, yd + n);
  CVodeGetNumSteps(r.mem, &out.steps);
  CVodeGetNumRhsEvals(r.mem, &out.nfe);
  CVodeGetNumJacEvals(r.mem, &out.nje);
  CVodeGetNumLinSolvSetups(r.mem, &out.nsetups);
  CVodeGetNumErrTestFails(r.mem, &out.netf);
  CVodeGetNumNonlinSolvConvFails(r.mem, &out.ncfn);
  return out;
}

// ---- Robertson ----

struct RobertsonParams {
  double k1 = 0.04, k2 = 3.0e7, k3 = 1.0e4;
};

int robertson_f(sunrealtype, N_Vector y, N_Vector ydot, void* data) {
  const auto& p = *static_cast<const RobertsonParams*>(data);
  const double* u = N_VGetArrayPointer(y);
  double* du = N_VGetArrayPointer(ydot);
  du[0] = -p.k1 * u[0] + p.k3 * u[1] * u[2];
  du[2] = p.k2 * u[1] * u[1];
  du[1] = p.k1 * u[0] - p.k3 * u[1] * u[2] - du[2];
  return 0;
}

int robertson_jac(sunrealtype, N_Vector y, N_Vector, SUNMatrix J, void* data, N_Vector, N_Vector,
                  N_Vector) {
  const auto& p = *static_cast<const RobertsonParams*>(data);
  const double* u = N_VGetArrayPointer(y);
  SM_ELEMENT_D(J, 0, 0) = -p.k1;
  SM_ELEMENT_D(J, 0, 1) = p.k3 * u[2];
  SM_ELEMENT_D(J, 0, 2) = p.k3 * u[1];
  SM_ELEMENT_D(J, 1, 0) = p.k1;
  SM_ELEMENT_D(J, 1, 1) = -p.k3 * u[2] - 2 * p.k2 * u[1];
  SM_ELEMENT_D(J, 1, 2) = -p.k3 * u[1];
  SM_ELEMENT_D(J, 2, 0) = 0;
  SM_ELEMENT_D(J, 2, 1) = 2 * p.k2 * u[1];
  SM_ELEMENT_D(J, 2, 2) = 0;
  return 0;
}

// ---- Van der Pol ----

int vanderpol_f(sunrealtype, N_Vector y, N_Vector ydot, void* data) {
  const double mu = *static_cast<const double*>(data);
  const double* u = N_VGetArrayPointer(y);
  double* du = N_VGetArrayPointer(ydot);
  du[0] = u[1];
  du[1] = mu * (1 - u[0] * u[0]) * u[1] - u[0];
  return 0;
}

int vanderpol_jac(sunrealtype, N_Vector y, N_Vector, SUNMatrix J, void* data, N_Vector, N_Vector,
                  N_Vector) {
  const double mu = *static_cast<const double*>(data);
  const double* u = N_VGetArrayPointer(y);
  SM_ELEMENT_D(J, 0, 0) = 0;
  SM_ELEMENT_D(J, 0, 1) = 1;
  SM_ELEMENT_D(J, 1, 0) = -2 * mu * u[0] * u[1] - 1;
  SM_ELEMENT_D(J, 1, 1) = mu * (1 - u[0] * u[0]);
  return 0;
}

// ---- HIRES (the test set's literal coefficients) ----

int hires_f(sunrealtype, N_Vector y, N_Vector ydot, void*) {
  const double* u = N_VGetArrayPointer(y);
  double* du = N_VGetArrayPointer(ydot);
  du[0] = -1.71 * u[0] + 0.43 * u[1] + 8.32 * u[2] + 0.0007;
  du[1] = 1.71 * u[0] - 8.75 * u[1];
  du[2] = -10.03 * u[2] + 0.43 * u[3] + 0.035 * u[4];
  du[3] = 8.32 * u[1] + 1.71 * u[2] - 1.12 * u[3];
  du[4] = -1.745 * u[4] + 0.43 * (u[5] + u[6]);
  du[5] = -280 * u[5] * u[7] + 0.69 * u[3] + 1.71 * u[4] - 0.43 * u[5] + 0.69 * u[6];
  du[6] = 280 * u[5] * u[7] - 1.81 * u[6];
  du[7] = -du[6];
  return 0;
}

int hires_jac(sunrealtype, N_Vector y, N_Vector, SUNMatrix J, void*, N_Vector, N_Vector, N_Vector) {
  const double* u = N_VGetArrayPointer(y);
  SUNMatZero(J);
  SM_ELEMENT_D(J, 0, 0) = -1.71;
  SM_ELEMENT_D(J, 0, 1) = 0.43;
  SM_ELEMENT_D(J, 0, 2) = 8.32;
  SM_ELEMENT_D(J, 1, 0) = 1.71;
  SM_ELEMENT_D(J, 1, 1) = -8.75;
  SM_ELEMENT_D(J, 2, 2) = -10.03;
  SM_ELEMENT_D(J, 2, 3) = 0.43;
  SM_ELEMENT_D(J, 2, 4) = 0.035;
  SM_ELEMENT_D(J, 3, 1) = 8.32;
  SM_ELEMENT_D(J, 3, 2) = 1.71;
  SM_ELEMENT_D(J, 3, 3) = -1.12;
  SM_ELEMENT_D(J, 4, 4) = -1.745;
  SM_ELEMENT_D(J, 4, 5) = 0.43;
  SM_ELEMENT_D(J, 4, 6) = 0.43;
  SM_ELEMENT_D(J, 5, 3) = 0.69;
  SM_ELEMENT_D(J, 5, 4) = 1.71;
  SM_ELEMENT_D(J, 5, 5) = -280 * u[7] - 0.43;
  SM_ELEMENT_D(J, 5, 6) = 0.69;
  SM_ELEMENT_D(J, 5, 7) = -280 * u[5];
  SM_ELEMENT_D(J, 6, 5) = 280 * u[7];
  SM_ELEMENT_D(J, 6, 6) = -1.81;
  SM_ELEMENT_D(J, 6, 7) = 280 * u[5];
  SM_ELEMENT_D(J, 7, 5) = -280 * u[7];
  SM_ELEMENT_D(J, 7, 6) = 1.81;
  SM_ELEMENT_D(J, 7, 7) = -280 * u[5];
  return 0;
}

// ---- OREGO ----

constexpr double kOregoS = 77.27, kOregoQ = 8.375e-6, kOregoW = 0.161;

int orego_f(sunrealtype, N_Vector y, N_Vector ydot, void*) {
  const double* u = N_VGetArrayPointer(y);
  double* du = N_VGetArrayPointer(ydot);
  du[0] = kOregoS * (u[1] + u[0] * (1 - kOregoQ * u[0] - u[1]));
  du[1] = (u[2] - (1 + u[0]) * u[1]) / kOregoS;
  du[2] = kOregoW * (u[0] - u[2]);
  return 0;
}

int orego_jac(sunrealtype, N_Vector y, N_Vector, SUNMatrix J, void*, N_Vector, N_Vector, N_Vector) {
  const double* u = N_VGetArrayPointer(y);
  SM_ELEMENT_D(J, 0, 0) = kOregoS * (1 - 2 * kOregoQ * u[0] - u[1]);
  SM_ELEMENT_D(J, 0, 1) = kOregoS * (1 - u[0]);
  SM_ELEMENT_D(J, 0, 2) = 0;
  SM_ELEMENT_D(J, 1, 0) = -u[1] / kOregoS;
  SM_ELEMENT_D(J, 1, 1) = -(1 + u[0]) / kOregoS;
  SM_ELEMENT_D(J, 1, 2) = 1 / kOregoS;
  SM_ELEMENT_D(J, 2, 0) = kOregoW;
  SM_ELEMENT_D(J, 2, 1) = 0;
  SM_ELEMENT_D(J, 2, 2) = -kOregoW;
  return 0;
}

}  // namespace

CvodeResult robertson_cvode(double t_end, double rtol, double atol) {
  RobertsonParams p;
  return solve({1, 0, 0}, robertson_f, robertson_jac, &p, t_end, rtol, atol);
}

CvodeResult vanderpol_cvode(double mu, double t_end, double rtol, double atol) {
  return solve({2, 0}, vanderpol_f, vanderpol_jac, &mu, t_end, rtol, atol);
}

CvodeResult hires_cvode(double t_end, double rtol, double atol) {
  return solve({1, 0, 0, 0, 0, 0, 0, 0.0057}, hires_f, hires_jac, nullptr, t_end, rtol, atol);
}

CvodeResult orego_cvode(double t_end, double rtol, double atol) {
  return solve({1, 2, 3}, orego_f, orego_jac, nullptr, t_end, rtol, atol);
}

}  // namespace bench

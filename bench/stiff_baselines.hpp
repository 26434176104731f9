// Hand-written SUNDIALS CVODE baselines for the stiff benchmarks: each problem solved the way a
// careful C++ programmer calls CVODE directly (BDF, serial N_Vector, dense matrix and dense LU,
// an analytic Jacobian, scalar tolerances, one CVode call to t_end in CV_NORMAL mode).
// This header does not expose SUNDIALS: only stiff_baselines.cpp includes it.
#pragma once

#include <vector>

namespace bench {

// Everything one CVODE run reports. `flag` is CVode's return value (0 = CV_SUCCESS; negative:
// the run failed at time `t`).
struct CvodeResult {
  int flag = 0;
  double t = 0;           // time reached: t_end on success
  std::vector<double> y;  // state at t
  long steps = 0;         // CVodeGetNumSteps
  long nfe = 0;           // CVodeGetNumRhsEvals (the analytic Jacobian costs no f evaluations)
  long nje = 0;           // CVodeGetNumJacEvals
  long nsetups = 0;       // CVodeGetNumLinSolvSetups: Newton matrix builds and LU factorisations
  long netf = 0;          // CVodeGetNumErrTestFails
  long ncfn = 0;          // CVodeGetNumNonlinSolvConvFails
};

// Robertson (k1 = 0.04, k2 = 3e7, k3 = 1e4), y0 = (1, 0, 0), on [0, t_end].
CvodeResult robertson_cvode(double t_end, double rtol, double atol);

// Van der Pol x' = y, y' = mu (1 - x^2) y - x, y0 = (2, 0), on [0, t_end].
CvodeResult vanderpol_cvode(double mu, double t_end, double rtol, double atol);

// HIRES (8 states, the IVP test set's coefficients), y0 = (1, 0, 0, 0, 0, 0, 0, 0.0057).
CvodeResult hires_cvode(double t_end, double rtol, double atol);

// OREGO (Hairer & Wanner's scaled Oregonator), y0 = (1, 2, 3).
CvodeResult orego_cvode(double t_end, double rtol, double atol);

}  // namespace bench

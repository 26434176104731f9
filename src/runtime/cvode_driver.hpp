// CvodeDriver: SUNDIALS CVODE behind the kernel's host-stepper seam (kernel/steppers/host.hpp).
// One driver per run of a host-stepped stepper (cvode, cvode-adams); RunArgs::host points at
// host(). Each kernel step calls it for one CVODE internal step (CV_ONE_STEP, stop time t_end);
// f and J are the calling backend's, passed per step, so interpreter and native runs do the same
// arithmetic. The driver owns CVODE's memory, vectors, matrix and linear solver: dense LU, or
// KLU on a sparse matrix with the Jacobian's structural pattern for large sparse models.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernel/steppers/host.hpp"

namespace dynlib::detail {

// Which linear solver the Newton iteration uses (RunOptions::linear_solver).
enum class LinearSolver { Auto, Dense, Klu };

// The choice Auto makes: KLU when the model is large (n >= kKluMinStates) and its Jacobian sparse
// (at most kKluMaxDensity of the entries structurally nonzero), dense LU otherwise.
inline constexpr int kKluMinStates = 64;
inline constexpr double kKluMaxDensity = 0.2;
bool use_klu(LinearSolver choice, int n_state, const std::vector<unsigned char>& pattern);

class CvodeDriver {
 public:
  // pattern: n x n row-major structural nonzeros of the Jacobian (needed for KLU).
  CvodeDriver(int n_state, LinearSolver solver, const std::vector<unsigned char>& pattern);
  ~CvodeDriver();
  CvodeDriver(const CvodeDriver&) = delete;
  CvodeDriver& operator=(const CvodeDriver&) = delete;

  // What RunArgs::host points at while this driver's run lasts.
  const kernel::HostStepper* host() const;
  // CVODE's own account of the last failure (flag name and message), for the run's message.
  const std::string& last_error() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dynlib::detail

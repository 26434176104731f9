// CvodeDriver: SUNDIALS CVODE behind the kernel's host-stepper seam (kernel/steppers/host.hpp).
// One driver per run of a host-stepped stepper (cvode, cvode-adams); RunArgs::host points at
// host(). Each kernel step calls it for one CVODE internal step (CV_ONE_STEP, stop time t_end);
// f and J are the calling backend's, passed per step, so interpreter and native runs do the same
// arithmetic. The driver owns CVODE's memory, vectors, dense matrix and linear solver.
#pragma once

#include <memory>
#include <string>

#include "kernel/steppers/host.hpp"

namespace dynlib::detail {

class CvodeDriver {
 public:
  explicit CvodeDriver(int n_state);
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

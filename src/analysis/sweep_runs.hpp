// What every sweep (sweep.cpp, lyapunov_sweep.cpp) shares: the check that a caller left the
// sweep's own batch inputs alone, and the common part of a SweepResult.
#pragma once

#include <string>
#include <vector>

#include "dynlib/ensemble.hpp"
#include "dynlib/sweep.hpp"

namespace dynlib::analysis_detail {

// DynlibError "<context>: options.<field> is set by the sweep itself" for per-trajectory inputs,
// record_vars, record or final_only given in `o`.
void check_shared_only(const BatchOptions& o, const std::string& context);

// kind, param, values, per-run statuses and messages, the model's kind and stepper, threads, wall.
SweepResult start_result(const char* kind, const std::string& param,
                         const std::vector<double>& values, const FullModel& model,
                         const BatchResults& b);

}  // namespace dynlib::analysis_detail

// A run's plan: the options of one run() after merging run options > config() > the model's
// [sim] table > dynlib/run_defaults.hpp, with every name checked against the model's layout table
// and turned into indices. Independent of the dtype.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "kernel/steppers/common.hpp"
#include "pipeline/built_model.hpp"

namespace dynlib::detail {

// One value for a state or a flat param entry, checked against the model's dtype: `real` is what
// a float model stores; `integer` is an int64 model's value, exact (a double is exact only up to
// 2^53, so int64 values never pass through one).
struct Scalar {
  double real = 0.0;
  long long integer = 0;
};

struct Plan {
  bool resume = false;
  double t0 = 0.0;             // fresh runs
  std::optional<double> T;     // absolute end time
  std::optional<long long> N;  // steps (from the start of this run)
  std::optional<double> dt;    // options > config > [sim] (fresh); options only (resume)
  bool record = true;
  long long record_interval = 1;
  std::vector<int> rec_state, rec_aux;  // selection (model indices)
  bool rec_vars_given = false;          // record_vars set at some level (else: everything)
  double transient = 0.0;
  std::optional<long long> max_steps;
  std::vector<std::pair<int, Scalar>> ic;      // state index -> value
  std::vector<std::pair<int, Scalar>> params;  // flat param index -> value
  // adaptive
  double atol = defaults::atol, rtol = defaults::rtol;
  std::optional<double> dt_min, dt_max, safety, min_factor, max_factor;
  std::optional<long long> max_rejects;
  int controller = kernel::CONTROLLER_STANDARD;
  // implicit steppers
  double newton_tol = defaults::newton_tol, jac_eps = defaults::jac_eps;
  int newton_max_iter = static_cast<int>(defaults::newton_max_iter);
  int jacobian_mode = kernel::JAC_SYMBOLIC;
  int max_order = 0;
  int linear_solver = 0;  // LinearSolver of runtime/cvode_driver.hpp: 0 auto, 1 dense, 2 klu
  std::vector<ObserverSpec> observers;  // this run's (RunOptions::observers)
};

// kernel::JacobianMode of a jacobian_mode name (the reference's "external"/"internal" included).
int jacobian_mode_id(const std::string& mode);
const char* jacobian_mode_name(int mode);  // the canonical name of a kernel::JacobianMode

inline std::string fmt_num(double v) {
  return fmt::format("{}", v);
}

// The names and values a user passes (ic, params, assign, record_vars, presets' targets), checked
// against the model: unknown names get a did-you-mean, values the dtype cannot hold an error.
class ModelNames {
 public:
  explicit ModelNames(const BuiltModel& m) : mi(m) {}

  // ---- names and values (through the model's one layout table) ----
  const Layout& layout() const { return mi.layout; }
  int state_index(const std::string& name) const;
  int param_index(const std::string& name) const;

  // A number as the model's dtype would store it: int64 models take whole numbers in the int64
  // range only (DynlibError naming `what` otherwise).
  Scalar checked_number(const std::string& what, double v) const;
  Scalar checked_number(const std::string& what, long long v) const;

  Scalar scalar_of(const std::string& what, const Value& v) const;

  // Flat param entries set by `name` = v: a whole param ("a", "w" with a list) or one element of
  // an array param ("w[2]").
  std::vector<std::pair<int, Scalar>> param_values(const std::string& name, const Value& v) const;

  std::pair<int, Scalar> state_value(const std::string& name, const Value& v) const;

  // record_vars -> the recorded states and aux, in the order given.
  void record_selection(const std::vector<std::string>& vars, std::vector<int>& st,
                        std::vector<int>& ax) const;

  // Option resolution: run options > config() > [sim] > defaults. `has_run`: a run to resume.
  Plan resolve(const RunOptions& o, const RunOptions& config, bool has_run) const;

 private:
  const BuiltModel& mi;
};

}  // namespace dynlib::detail

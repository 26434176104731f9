// The one place for run defaults. A run option takes, in order: the value given to run(), the
// Sim's config(), the model's [sim] table, and finally the default below. The front end fills a
// [sim] table's unset fields from here, the runtime resolves options against it, and the docs
// (docs/simulation.md) quote it.
#pragma once

#include <optional>
#include <string>

namespace dynlib {

namespace defaults {
// The reference dynlib's defaults where they are sound (docs/porting.md, "Run semantics").
inline constexpr double t0 = 0.0;
inline constexpr double t_end = 1.0;     // flows run to t = 1 when nothing sets T or N
inline constexpr double flow_dt = 0.01;  // fixed-step flows' step when nothing sets dt
inline constexpr double map_dt = 1.0;    // maps step by 1 unless told otherwise
inline constexpr bool record = true;
inline constexpr long long record_interval = 1;
// Adaptive steppers.
inline constexpr double atol = 1e-8;
inline constexpr double rtol = 1e-5;
inline constexpr double dt_min = 0.0;  // 0: no lower bound beyond what advances t
inline constexpr double dt_max = 0.0;  // 0: no upper bound
inline constexpr double safety = 0.9;
inline constexpr double min_factor = 0.2;
inline constexpr double max_factor = 5.0;
inline constexpr long long max_rejects = 100;  // the reference's max_tries is 10: docs/porting.md
inline constexpr const char* controller = "standard";
// Implicit steppers (docs/steppers.md: Newton's stopping rule and the Jacobian modes).
inline constexpr double newton_tol = 1e-8;
inline constexpr long long newton_max_iter = 10;
inline constexpr double jac_eps = 1e-8;
inline constexpr const char* jacobian_mode = "symbolic";
// The stepper of a model that names none.
inline constexpr const char* ode_stepper = "rk4";
inline constexpr const char* map_stepper = "map";
// jit=auto compiles when a run's estimated remaining interpretation exceeds this many seconds.
inline constexpr double jit_auto_threshold = 0.25;
// jit=auto across runs: runs of a kernel (in this process) before their summed interpretation
// time may start a compile (docs/jit.md, Tiers).
inline constexpr long long jit_auto_min_calls = 3;
// jit=auto: seconds a kernel's runs spend in its tier-1 native code before it is recompiled at
// tier 2 (-O3 -march=native).
inline constexpr double jit_auto_tier_threshold = 2.0;
}  // namespace defaults

// A model's [sim] table: its defaults for runs (unset fields fall back to `defaults`).
struct SimTable {
  double t0 = defaults::t0;
  std::optional<double> t_end{};
  std::optional<double> dt{};
  std::optional<std::string> stepper{};
  bool record = defaults::record;
  long long record_interval = defaults::record_interval;
  std::optional<long long> max_steps{};
  double atol = defaults::atol;
  double rtol = defaults::rtol;
  std::optional<double> dt_min{}, dt_max{}, safety{}, min_factor{}, max_factor{};
  std::optional<long long> max_rejects{};
  std::optional<std::string> controller{};  // "pi" | "standard"
  std::optional<double> newton_tol{}, jac_eps{};
  std::optional<long long> newton_max_iter{}, max_order{};
  std::optional<std::string> jacobian_mode{};  // "symbolic" | "analytic" | "fd"
  std::optional<std::string> linear_solver{};  // cvode: "auto" | "dense" | "klu"
};

}  // namespace dynlib

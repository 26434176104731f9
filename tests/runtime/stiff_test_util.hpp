// Shared by the stiff-stepper tests (test_stiff_*.cpp): the stiff test problems as inline models
// with known exact solutions, and a process-wide cache of built models so that every
// (model, stepper, dtype, backend) is built, and natively compiled, at most once per test binary.
#pragma once

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/runtime_test_util.hpp"

namespace stiff_test {

// Prothero-Robinson: y' = -lam (y - sin t) + cos t, y(0) = 0; exact y = sin t for every lam.
// Every error a stepper makes on it is its own (the exact solution is smooth, the problem stiff).
inline const std::string kVdp = "builtin://ode/vanderpol";

inline const std::string kProtheroRobinson = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "prothero_robinson"
[states]
y = 0.0
[params]
lam = 50.0
[equations.rhs]
y = "-lam * (y - sin(t)) + cos(t)"
)toml");

// A linear 2-state stiff system with eigenvalues -1 and -(a + 1):
//   y1' = -2 y1 + y2 + 2 sin t,  y2' = (a - 1) y1 - a y2 + a (cos t - sin t),  y(0) = (2, 3),
// exact y1 = 2 e^-t + sin t, y2 = 2 e^-t + cos t (for every a).
inline const std::string kLinear2 = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "linear2"
[states]
y1 = 2.0
y2 = 3.0
[params]
a = 99.0
[equations.rhs]
y1 = "-2 * y1 + y2 + 2 * sin(t)"
y2 = "(a - 1) * y1 - a * y2 + a * (cos(t) - sin(t))"
)toml");

inline double linear2_y1(double t) {
  return 2 * std::exp(-t) + std::sin(t);
}
inline double linear2_y2(double t) {
  return 2 * std::exp(-t) + std::cos(t);
}

// Very stiff: y' = -1e6 (y - cos t), y(0) = 0 (an initial layer of width 1e-6, then y ~ cos t).
inline const std::string kVeryStiff = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "very_stiff"
[states]
y = 0.0
[params]
lam = 1e6
[equations.rhs]
y = "-lam * (y - cos(t))"
)toml");

// The exact solution of kVeryStiff: y = c (lam^2 cos t + lam sin t - lam^2 e^{-lam t}), c =
// 1/(lam^2+1).
inline double very_stiff_exact(double t, double lam = 1e6) {
  return (lam * lam * std::cos(t) + lam * std::sin(t) - lam * lam * std::exp(-lam * t)) /
         (lam * lam + 1);
}

// The new steppers.
inline const std::vector<std::string> kStiffKernelSteppers = {"sdirk2", "bdf2", "bdf2a", "tr-bdf2a",
                                                              "rodas3"};
inline const std::vector<std::string> kAllNewSteppers = {
    "sdirk2", "bdf2", "bdf2a", "tr-bdf2a", "rodas3", "cvode", "cvode-adams"};

inline bool is_fixed(const std::string& stepper) {
  return stepper == "sdirk2" || stepper == "bdf2";
}

// One FullModel per (uri, stepper, dtype, jit), built on first use.
inline const dynlib::FullModel& model(const std::string& uri, const std::string& stepper,
                                      const std::string& dtype = "float64", bool jit = false) {
  static std::mutex mu;
  static std::map<std::tuple<std::string, std::string, std::string, bool>, dynlib::FullModel> cache;
  const auto key = std::make_tuple(uri, stepper, dtype, jit);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  dynlib::FullModel m =
      dynlib::build(uri, {.stepper = stepper, .jit = dynlib::Jit(jit), .dtype = dtype});
  std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(key, std::move(m)).first->second;
}

inline dynlib::Sim sim(const std::string& uri, const std::string& stepper,
                       const std::string& dtype = "float64", bool jit = false) {
  return dynlib::Sim(model(uri, stepper, dtype, jit));
}

}  // namespace stiff_test

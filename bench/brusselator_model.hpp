// The 1-D Brusselator of Hairer & Wanner II (BRUSS, IV.10) as model text, for any grid size:
// N points, 2N states, each coupled to its two neighbours only — a large, sparse, stiff problem.
//   u_i' = 1 + u_i^2 v_i - 4 u_i + c (u_{i-1} - 2 u_i + u_{i+1}),
//   v_i' = 3 u_i - u_i^2 v_i + c (v_{i-1} - 2 v_i + v_{i+1}),   c = (N + 1)^2 / 50,
// boundaries u = 1, v = 3; u_i(0) = 1 + sin(2 pi x_i), v_i(0) = 3. Used by the stiff benchmarks
// and by tests/runtime/test_cvode_sparse.cpp (header-only, standard library only).
#pragma once

#include <cmath>
#include <string>

namespace bench {

inline std::string brusselator_model(int n) {
  std::string s = "inline:[model]\ntype = \"ode\"\nname = \"bruss\"\n[states]\n";
  const double pi = 3.14159265358979323846;
  for (int i = 1; i <= n; ++i)
    s +=
        "u" + std::to_string(i) + " = " + std::to_string(1 + std::sin(2 * pi * i / (n + 1))) + "\n";
  for (int i = 1; i <= n; ++i) s += "v" + std::to_string(i) + " = 3.0\n";
  s += "[params]\nc = " + std::to_string((n + 1) * (n + 1) / 50.0) + "\n[equations.rhs]\n";
  auto name = [&](char w, int i) {
    if (i < 1 || i > n) return std::string(w == 'u' ? "1.0" : "3.0");
    return std::string(1, w) + std::to_string(i);
  };
  for (int i = 1; i <= n; ++i) {
    const std::string u = name('u', i), v = name('v', i);
    s += u + " = \"1 + " + u + "**2*" + v + " - 4*" + u + " + c*(" + name('u', i - 1) + " - 2*" +
         u + " + " + name('u', i + 1) + ")\"\n";
    s += v + " = \"3*" + u + " - " + u + "**2*" + v + " + c*(" + name('v', i - 1) + " - 2*" + v +
         " + " + name('v', i + 1) + ")\"\n";
  }
  return s;
}

}  // namespace bench

// Stability of a fixed point from the eigenvalues of the Jacobian of the dynamics there: the
// reference dynlib's coarse label and a finer type (docs/fixed-points.md).
#pragma once

#include <complex>
#include <string>
#include <vector>

namespace dynlib::analysis {

struct Eigensystem {
  std::vector<std::complex<double>> values;
  std::vector<std::complex<double>> vectors;  // n×n row-major; column j belongs to values[j]
};

// Eigen::EigenSolver on the n×n row-major `jacobian`.
Eigensystem eigensystem(const std::vector<double>& jacobian, int n);

// "stable" | "unstable" | "neutral" | "saddle", exactly as the reference decides: flows by Re λ,
// maps by |λ|, with `tol` the neutral margin.
std::string stability_label(bool is_map, const std::vector<std::complex<double>>& eigenvalues,
                            double tol);

// Flows: "stable node", "unstable node", "stable focus", "unstable focus", "saddle",
// "saddle-focus", "centre", "non-hyperbolic". Maps: the same by modulus (|λ| < 1 contracts), and
// on the unit circle "flip" (real λ = -1), "fold" (real λ = +1), "neimark-sacker" (a complex pair)
// or "centre" (every eigenvalue on the circle, none real).
std::string point_type(bool is_map, const std::vector<std::complex<double>>& eigenvalues,
                       double tol);

}  // namespace dynlib::analysis

#include "analysis/fixed_point_classify.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace dynlib::analysis {

Eigensystem eigensystem(const std::vector<double>& jacobian, int n) {
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const Matrix> J(jacobian.data(), n, n);
  Eigen::EigenSolver<Eigen::MatrixXd> solver(Eigen::MatrixXd(J), /*computeEigenvectors=*/true);
  Eigensystem e;
  const auto& values = solver.eigenvalues();
  const auto& vectors = solver.eigenvectors();
  for (int j = 0; j < n; ++j) e.values.push_back(values[j]);
  e.vectors.resize(static_cast<size_t>(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) e.vectors[static_cast<size_t>(i) * n + j] = vectors(i, j);
  return e;
}

namespace {

// The quantity stability turns on: Re λ for flows (0 is neutral), |λ| - 1 for maps.
double growth(bool is_map, std::complex<double> l) {
  return is_map ? std::abs(l) - 1.0 : l.real();
}

bool is_real(std::complex<double> l, double tol) {
  return std::fabs(l.imag()) <= tol;
}

}  // namespace

std::string stability_label(bool is_map, const std::vector<std::complex<double>>& eigenvalues,
                            double tol) {
  const auto all = [&](auto pred) {
    return std::all_of(eigenvalues.begin(), eigenvalues.end(), pred);
  };
  const auto any = [&](auto pred) {
    return std::any_of(eigenvalues.begin(), eigenvalues.end(), pred);
  };
  if (all([&](auto l) { return growth(is_map, l) < -tol; })) return "stable";
  if (all([&](auto l) { return growth(is_map, l) > tol; })) return "unstable";
  if (any([&](auto l) { return std::fabs(growth(is_map, l)) <= tol; })) return "neutral";
  return "saddle";
}

std::string point_type(bool is_map, const std::vector<std::complex<double>>& eigenvalues,
                       double tol) {
  const auto all = [&](auto pred) {
    return std::all_of(eigenvalues.begin(), eigenvalues.end(), pred);
  };
  const auto any = [&](auto pred) {
    return std::any_of(eigenvalues.begin(), eigenvalues.end(), pred);
  };
  const auto neutral = [&](auto l) { return std::fabs(growth(is_map, l)) <= tol; };
  const bool rotates = any([&](auto l) { return !is_real(l, tol); });

  if (any(neutral)) {
    if (is_map) {
      if (any([&](auto l) { return is_real(l, tol) && std::fabs(l.real() + 1.0) <= tol; }))
        return "flip";
      if (any([&](auto l) { return is_real(l, tol) && std::fabs(l.real() - 1.0) <= tol; }))
        return "fold";
      if (all(neutral)) return "centre";
      return "neimark-sacker";
    }
    if (all([&](auto l) { return neutral(l) && !is_real(l, tol); })) return "centre";
    return "non-hyperbolic";
  }
  const bool any_contracting = any([&](auto l) { return growth(is_map, l) < -tol; });
  const bool any_expanding = any([&](auto l) { return growth(is_map, l) > tol; });
  if (!any_expanding) return rotates ? "stable focus" : "stable node";
  if (!any_contracting) return rotates ? "unstable focus" : "unstable node";
  return rotates ? "saddle-focus" : "saddle";
}

}  // namespace dynlib::analysis

// Dense linear algebra for implicit steppers: LU factorisation with partial pivoting and the
// matching solve, in place on row-major n x n matrices. Freestanding (no STL, no allocation), so
// both backends and generated kernels share it and their results agree bit for bit.
#pragma once

#include "math.hpp"

namespace dynlib::kernel::linalg {

// Factorises a (n x n, row-major) in place into L (unit lower, below the diagonal) and U, with the
// row of the k-th pivot in piv[k]. Returns false when a pivot is exactly zero or not finite (the
// matrix is singular to working precision, or holds a NaN); a is then partly factorised.
template <class Real>
bool lu_factor(Real* a, int n, int* piv) {
  for (int k = 0; k < n; ++k) {
    int p = k;
    Real best = math::abs(a[k * n + k]);
    for (int i = k + 1; i < n; ++i) {
      const Real v = math::abs(a[i * n + k]);
      if (v > best) best = v, p = i;
    }
    piv[k] = p;
    if (!(best > 0) || !math::isfinite(best)) return false;
    if (p != k) {
      for (int j = 0; j < n; ++j) {
        const Real tmp = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = tmp;
      }
    }
    const Real inv = Real(1) / a[k * n + k];
    for (int i = k + 1; i < n; ++i) {
      Real& l = a[i * n + k];
      if (l == 0) continue;
      l *= inv;
      for (int j = k + 1; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
    }
  }
  return true;
}

// Solves (LU) x = b in place (b becomes x), with the factors and pivots from lu_factor.
template <class Real>
void lu_solve(const Real* lu, int n, const int* piv, Real* b) {
  for (int k = 0; k < n; ++k) {
    const int p = piv[k];
    if (p != k) {
      const Real tmp = b[k];
      b[k] = b[p];
      b[p] = tmp;
    }
  }
  for (int i = 1; i < n; ++i) {
    Real s = b[i];
    for (int j = 0; j < i; ++j) s -= lu[i * n + j] * b[j];
    b[i] = s;
  }
  for (int i = n - 1; i >= 0; --i) {
    Real s = b[i];
    for (int j = i + 1; j < n; ++j) s -= lu[i * n + j] * b[j];
    b[i] = s / lu[i * n + i];
  }
}

}  // namespace dynlib::kernel::linalg

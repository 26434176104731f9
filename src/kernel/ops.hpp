// The expression language's scalar semantics, defined once. The interpreter's VM, generated
// kernels and the IR's constant folding all call these, so an operation means exactly the same
// thing (to the bit) wherever it runs (DESIGN rule 2). Freestanding: compiler builtins only, which
// lower to single instructions or to the same libm symbols in every backend.
#pragma once

#include "types.hpp"

namespace dynlib::kernel::ops {

// ---- libm, by precision ----
#define DYNLIB_UNARY_LIBM(name)    \
  inline double name(double x) {   \
    return __builtin_##name(x);    \
  }                                \
  inline float name(float x) {     \
    return __builtin_##name##f(x); \
  }
#define DYNLIB_BINARY_LIBM(name)           \
  inline double name(double x, double y) { \
    return __builtin_##name(x, y);         \
  }                                        \
  inline float name(float x, float y) {    \
    return __builtin_##name##f(x, y);      \
  }

DYNLIB_UNARY_LIBM(exp)
DYNLIB_UNARY_LIBM(expm1)
DYNLIB_UNARY_LIBM(log)
DYNLIB_UNARY_LIBM(log10)
DYNLIB_UNARY_LIBM(log2)
DYNLIB_UNARY_LIBM(log1p)
DYNLIB_UNARY_LIBM(sqrt)
DYNLIB_UNARY_LIBM(sin)
DYNLIB_UNARY_LIBM(cos)
DYNLIB_UNARY_LIBM(tan)
DYNLIB_UNARY_LIBM(asin)
DYNLIB_UNARY_LIBM(acos)
DYNLIB_UNARY_LIBM(atan)
DYNLIB_UNARY_LIBM(sinh)
DYNLIB_UNARY_LIBM(cosh)
DYNLIB_UNARY_LIBM(tanh)
DYNLIB_UNARY_LIBM(asinh)
DYNLIB_UNARY_LIBM(acosh)
DYNLIB_UNARY_LIBM(atanh)
DYNLIB_UNARY_LIBM(floor)
DYNLIB_UNARY_LIBM(ceil)
DYNLIB_UNARY_LIBM(trunc)
DYNLIB_UNARY_LIBM(nearbyint)
DYNLIB_UNARY_LIBM(erf)
DYNLIB_UNARY_LIBM(erfc)
DYNLIB_UNARY_LIBM(fabs)
DYNLIB_BINARY_LIBM(atan2)
DYNLIB_BINARY_LIBM(hypot)
DYNLIB_BINARY_LIBM(copysign)
DYNLIB_BINARY_LIBM(pow)
DYNLIB_BINARY_LIBM(fmod)
#undef DYNLIB_UNARY_LIBM
#undef DYNLIB_BINARY_LIBM

// ---- arithmetic with Python's meaning ----

// int64 models wrap around on overflow (two's complement) rather than invoke undefined behaviour;
// for floats these are the plain IEEE operations.
template <class R>
inline R add(R a, R b) {
  if constexpr (is_floating<R>)
    return a + b;
  else
    return static_cast<R>(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
}
template <class R>
inline R sub(R a, R b) {
  if constexpr (is_floating<R>)
    return a - b;
  else
    return static_cast<R>(static_cast<unsigned long long>(a) - static_cast<unsigned long long>(b));
}
template <class R>
inline R mul(R a, R b) {
  if constexpr (is_floating<R>)
    return a * b;
  else
    return static_cast<R>(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
}
template <class R>
inline R neg(R a) {
  if constexpr (is_floating<R>)
    return -a;
  else
    return static_cast<R>(0ULL - static_cast<unsigned long long>(a));
}

// a // b and a % b as CPython computes them for floats (float_divmod): the remainder has the
// divisor's sign and the quotient is the floor, rounded the same way CPython rounds it.
template <class R>
inline R py_mod(R a, R b) {
  if constexpr (is_floating<R>) {
    R mod = fmod(a, b);
    if (mod != 0) {
      if ((b < 0) != (mod < 0)) mod += b;
    } else {
      mod = copysign(R(0), b);
    }
    return mod;
  } else {
    if (b == 0 || b == -1) return 0;  // never trap: x % 0 is 0 (documented); x % -1 is 0 exactly
    R r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <class R>
inline R py_floordiv(R a, R b) {
  if constexpr (is_floating<R>) {
    R mod = fmod(a, b);
    R div = (a - mod) / b;
    if (mod != 0) {
      if ((b < 0) != (mod < 0)) div -= R(1);
    }
    if (div != 0) {
      R floordiv = floor(div);
      if (div - floordiv > R(0.5)) floordiv += R(1);
      return floordiv;
    }
    return copysign(R(0), a / b);
  } else {
    if (b == 0) return 0;        // integer maps must never trap: x // 0 is 0 (documented)
    if (b == -1) return neg(a);  // the one quotient that can overflow: wraps like neg
    R q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

// Python's min/max keep the first of equal arguments and compare with < and >, so a NaN in the
// second position is ignored and one in the first is kept: min(a, b) == (b < a ? b : a).
template <class R>
inline R min2(R a, R b) {
  return b < a ? b : a;
}
template <class R>
inline R max2(R a, R b) {
  return b > a ? b : a;
}

template <class R>
inline R abs(R x) {
  if constexpr (is_floating<R>)
    return fabs(x);
  else
    return x < 0 ? neg(x) : x;
}

template <class R>
inline R sign(R x) {
  return x > 0 ? R(1) : x < 0 ? R(-1) : R(0);
}

template <class R>
inline R truth(bool b) {
  return b ? R(1) : R(0);
}

// ---- the remaining operations, so every IR operation has one function here ----

template <class R>
inline R copy(R x) {
  return x;
}

// Float division is IEEE; int64 models never divide with `/` (the front end rejects it), but the
// integer instantiation must not trap either: x / 0 is 0, and the overflowing quotient wraps.
template <class R>
inline R div(R a, R b) {
  if constexpr (is_floating<R>)
    return a / b;
  else
    return b == 0 ? 0 : b == -1 ? neg(a) : a / b;
}

// Comparisons and logic give 1 or 0 in the model's dtype; nonzero is true.
template <class R>
inline R lt(R a, R b) {
  return truth<R>(a < b);
}
template <class R>
inline R le(R a, R b) {
  return truth<R>(a <= b);
}
template <class R>
inline R gt(R a, R b) {
  return truth<R>(a > b);
}
template <class R>
inline R ge(R a, R b) {
  return truth<R>(a >= b);
}
template <class R>
inline R eq(R a, R b) {
  return truth<R>(a == b);
}
template <class R>
inline R ne(R a, R b) {
  return truth<R>(a != b);
}
template <class R>
inline R logical_not(R a) {
  return truth<R>(a == 0);
}
template <class R>
inline R logical_and(R a, R b) {
  return truth<R>(a != 0 && b != 0);
}
template <class R>
inline R logical_or(R a, R b) {
  return truth<R>(a != 0 || b != 0);
}

}  // namespace dynlib::kernel::ops

// Freestanding math: thin overloads over compiler builtins, so kernel code and generated models
// never include <cmath>. Every function here lowers to one instruction or one libm call; both
// backends reach libm through the same names (DESIGN rule 2).
#pragma once

namespace dynlib::kernel::math {

inline double abs(double x) {
  return __builtin_fabs(x);
}
inline float abs(float x) {
  return __builtin_fabsf(x);
}
inline long long abs(long long x) {
  return x < 0 ? -x : x;
}

inline double sqrt(double x) {
  return __builtin_sqrt(x);
}
inline float sqrt(float x) {
  return __builtin_sqrtf(x);
}

inline double pow(double x, double y) {
  return __builtin_pow(x, y);
}
inline float pow(float x, float y) {
  return __builtin_powf(x, y);
}

inline double exp(double x) {
  return __builtin_exp(x);
}
inline float exp(float x) {
  return __builtin_expf(x);
}
inline double log(double x) {
  return __builtin_log(x);
}
inline float log(float x) {
  return __builtin_logf(x);
}
inline double sin(double x) {
  return __builtin_sin(x);
}
inline float sin(float x) {
  return __builtin_sinf(x);
}
inline double cos(double x) {
  return __builtin_cos(x);
}
inline float cos(float x) {
  return __builtin_cosf(x);
}
inline double floor(double x) {
  return __builtin_floor(x);
}
inline float floor(float x) {
  return __builtin_floorf(x);
}

inline bool isfinite(double x) {
  return __builtin_isfinite(x);
}
inline bool isfinite(float x) {
  return __builtin_isfinite(x);
}
inline bool isfinite(long long) {
  return true;
}

// fmin/fmax ignore a NaN operand (IEEE minNum/maxNum), unlike a plain comparison.
inline double fmin(double a, double b) {
  return __builtin_fmin(a, b);
}
inline float fmin(float a, float b) {
  return __builtin_fminf(a, b);
}
inline double fmax(double a, double b) {
  return __builtin_fmax(a, b);
}
inline float fmax(float a, float b) {
  return __builtin_fmaxf(a, b);
}

template <class T>
constexpr T min(T a, T b) {
  return b < a ? b : a;
}
template <class T>
constexpr T max(T a, T b) {
  return a < b ? b : a;
}

}  // namespace dynlib::kernel::math

// Basic kernel types: the time type that goes with each state type, and small enums shared by the
// steppers, the registry and the runner. Freestanding: no standard headers.
#pragma once

// Stepper bodies and their helpers are forced inline into the runner loop: the hot loop must
// compile to what a hand-written loop would (clang's heuristics otherwise keep rk4_step out of
// line).
#ifndef DYNLIB_KERNEL_INLINE
#define DYNLIB_KERNEL_INLINE inline __attribute__((always_inline))
#endif
// The same for a lambda in the hot loop (placed after its parameter list).
#ifndef DYNLIB_LAMBDA_INLINE
#define DYNLIB_LAMBDA_INLINE __attribute__((always_inline))
#endif

// The steppers' loops over the states are unrolled completely when the state count is a
// compile-time constant (generated models), so stages live in registers instead of memory.
// Unrolling never reorders the arithmetic of an element: the bits stay those of the rolled loop
// (the interpreter's). Only the steppers use it: in the runner's loops it bought no measurable
// speed and cost ~20% of a kernel's compile time.
#ifndef DYNLIB_UNROLL_STATES
#define DYNLIB_UNROLL_STATES _Pragma("GCC unroll 32")
#endif

namespace dynlib::kernel {

// The time type for a state type: float models compute in float throughout (time too); integer
// maps (long long) keep a double clock.
template <class Real>
struct time_of {
  using type = Real;
};
template <>
struct time_of<long long> {
  using type = double;
};
template <class Real>
using time_t_of = typename time_of<Real>::type;

template <class Real>
inline constexpr bool is_floating = false;
template <>
inline constexpr bool is_floating<float> = true;
template <>
inline constexpr bool is_floating<double> = true;

template <class A, class B>
inline constexpr bool is_same = false;
template <class A>
inline constexpr bool is_same<A, A> = true;

}  // namespace dynlib::kernel

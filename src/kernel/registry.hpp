// The stepper registry: a constexpr table of every stepper's metadata (for listing and lookup by
// name or alias) and dispatch from a runtime stepper id to the stepper type.
//
// Ids are the table indices (StepperId); they are stable, append only. Dispatch:
//
//   int status = dispatch_stepper(id, [&]<class S>() { return run<S>(model, args); });
//
// calls the lambda's operator()<S>() with the stepper type for `id` and returns its int result, or
// BAD_ARGS (exit reason untouched) for an unknown id. The interpreter backend uses it to run a
// stepper chosen at run time; generated code names its stepper directly.
#pragma once

#include "status.hpp"
#include "steppers/adams.hpp"
#include "steppers/bdf2.hpp"
#include "steppers/common.hpp"
#include "steppers/explicit_rk.hpp"
#include "steppers/host.hpp"
#include "steppers/rk45.hpp"
#include "steppers/rodas3.hpp"
#include "steppers/sdirk2.hpp"
#include "steppers/trbdf2.hpp"

namespace dynlib::kernel {

enum StepperId : int {
  STEPPER_MAP = 0,
  STEPPER_EULER = 1,
  STEPPER_RK2 = 2,
  STEPPER_RK4 = 3,
  STEPPER_RK45 = 4,
  STEPPER_AB2 = 5,
  STEPPER_AB3 = 6,
  STEPPER_SDIRK2 = 7,
  STEPPER_BDF2 = 8,
  STEPPER_BDF2A = 9,
  STEPPER_TRBDF2A = 10,
  STEPPER_RODAS3 = 11,
  STEPPER_CVODE = 12,
  STEPPER_CVODE_ADAMS = 13,
  STEPPER_COUNT = 14,
};

inline constexpr StepperInfo kSteppers[STEPPER_COUNT] = {
    MapStepper::info, Euler::info,  RK2::info,      RK4::info,        RK45::info,
    AB2::info,        AB3::info,    SDIRK2::info,   BDF2::info,       BDF2A::info,
    TRBDF2A::info,    Rodas3::info, CvodeBdf::info, CvodeAdams::info,
};

// The explicit steppers alone (ids below STEPPER_SDIRK2): for callers that never run an implicit
// one and should not instantiate them (the kernel's runner tests). Other ids return BAD_ARGS.
template <class F>
constexpr int dispatch_explicit_stepper(int id, F&& f) {
  switch (id) {
    case STEPPER_MAP:
      return f.template operator()<MapStepper>();
    case STEPPER_EULER:
      return f.template operator()<Euler>();
    case STEPPER_RK2:
      return f.template operator()<RK2>();
    case STEPPER_RK4:
      return f.template operator()<RK4>();
    case STEPPER_RK45:
      return f.template operator()<RK45>();
    case STEPPER_AB2:
      return f.template operator()<AB2>();
    case STEPPER_AB3:
      return f.template operator()<AB3>();
  }
  return BAD_ARGS;
}

template <class F>
constexpr int dispatch_stepper(int id, F&& f) {
  switch (id) {
    case STEPPER_SDIRK2:
      return f.template operator()<SDIRK2>();
    case STEPPER_BDF2:
      return f.template operator()<BDF2>();
    case STEPPER_BDF2A:
      return f.template operator()<BDF2A>();
    case STEPPER_TRBDF2A:
      return f.template operator()<TRBDF2A>();
    case STEPPER_RODAS3:
      return f.template operator()<Rodas3>();
    case STEPPER_CVODE:
      return f.template operator()<CvodeBdf>();
    case STEPPER_CVODE_ADAMS:
      return f.template operator()<CvodeAdams>();
  }
  return dispatch_explicit_stepper(id, f);
}

namespace detail {
constexpr bool str_eq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
}  // namespace detail

// Id of the stepper named `name` (its name or one of its aliases, exact match), or -1.
constexpr int find_stepper(const char* name) {
  if (!name) return -1;
  for (int id = 0; id < STEPPER_COUNT; ++id) {
    if (detail::str_eq(kSteppers[id].name, name)) return id;
    for (const char* alias : kSteppers[id].aliases)
      if (alias && detail::str_eq(alias, name)) return id;
  }
  return -1;
}

constexpr const StepperInfo* stepper_info(int id) {
  return id >= 0 && id < STEPPER_COUNT ? &kSteppers[id] : nullptr;
}

// The table and the dispatch must agree: each id dispatches to the stepper whose info sits at it.
namespace detail {
struct InfoName {
  template <class S>
  constexpr int operator()() const {
    return find_stepper(S::info.name);
  }
};
constexpr bool registry_consistent() {
  for (int id = 0; id < STEPPER_COUNT; ++id)
    if (dispatch_stepper(id, InfoName{}) != id) return false;
  return true;
}
static_assert(registry_consistent(), "kSteppers and dispatch_stepper disagree");
}  // namespace detail

}  // namespace dynlib::kernel

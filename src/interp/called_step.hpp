// A stepper whose step is a quick kernel's (codegen::generate_functions with an explicit stepper):
// the runner stays the library's, instantiated over InterpModel, and each step is one call into
// native code where the stepper and the model's rhs are compiled together. Everything else of the
// stepper (its info, reset, first step size, multistep history) is S's own, so the run is the same
// as kernel::run<S> over the same model: the same arithmetic in the same order.
#pragma once

#include "kernel/steppers/common.hpp"

namespace dynlib::interp {

template <class S>
struct CalledStep {
  static constexpr kernel::StepperInfo info = S::info;
  template <class Real>
  static constexpr bool supports = S::template supports<Real>;

  // `m` is an InterpModel with a native step (InterpModel::native_step).
  template <class Model, class Real, class Time>
  static int step(const Model& m, kernel::StepCtx<Real>& c, Time t, Time& h, Time& h_next,
                  const Real* y, Real* y_new) {
    return m.native_step(c, t, h, h_next, y, y_new);
  }
  template <class Real>
  static void reset(kernel::StepCtx<Real>& c) {
    S::reset(c);
  }
  template <class Model, class Real, class Time>
  requires requires(const Model& m, kernel::StepCtx<Real>& c, Time t, const Real* y) {
    S::initial_step(m, c, t, y, t);
  }
  static Time initial_step(const Model& m, kernel::StepCtx<Real>& c, Time t, const Real* y,
                           Time span) {
    return S::initial_step(m, c, t, y, span);
  }
  template <class Real, class Fn>
  requires requires(kernel::StepCtx<Real>& c, Fn& fn) { S::for_each_history(c, fn); }
  static void for_each_history(kernel::StepCtx<Real>& c, Fn&& fn) { S::for_each_history(c, fn); }
};

}  // namespace dynlib::interp

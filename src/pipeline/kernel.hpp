// A Kernel: what the runtime drives. One model compiled for one stepper and dtype, by one backend
// (the interpreter's tape VM, or a natively compiled shared object), seen through one interface:
// its sizes, the model's layout table, and entry points (the runner, the model's functions and its
// derivatives). The runtime knows nothing of how a kernel was made: this header includes only the
// freestanding kernel's plain types and the public API.
#pragma once

#include <memory>
#include <type_traits>
#include <vector>

#include "dynlib/dtype.hpp"
#include "dynlib/layout.hpp"
#include "kernel/lag.hpp"
#include "kernel/run_args.hpp"
#include "kernel/types.hpp"
#include "kernel/variational.hpp"

namespace dynlib::pipeline {

// Sizes every backend of a model shares (checked against a native kernel's own exports on load).
struct KernelShape {
  int n_state = 0, n_param = 0, n_aux = 0, n_event = 0;
  std::vector<int> lag_depth;       // per state: deepest lag_s(k) used, 0 if never lagged
  std::vector<int> event_log_size;  // per event: values logged per firing
  // n_state x n_state row-major, 1 = d f_i / d y_j structurally nonzero; empty when the kernels
  // carry no derivatives (ir/derivative.hpp). The cvode driver's sparse solver is built on it.
  std::vector<unsigned char> jac_sparsity;
  int max_event_log_size() const {
    int w = 0;
    for (int s : event_log_size) w = s > w ? s : w;
    return w;
  }
  // The lag ring's columns (kernel/lag.hpp): the state of each column; `depth` gets the deepest.
  std::vector<int> lag_columns(int& depth) const {
    std::vector<int> cols;
    depth = 0;
    for (size_t s = 0; s < lag_depth.size(); ++s) {
      if (lag_depth[s] <= 0) continue;
      cols.push_back(static_cast<int>(s));
      depth = lag_depth[s] > depth ? lag_depth[s] : depth;
    }
    return cols;
  }
};

// The entry points of a kernel in one Real type, with whatever scratch an evaluation needs (the
// interpreter's frame). Not thread-safe: make one per thread (cheap). Time is Real, or double for
// int64 models. `lag` may be an empty view for models that read no lagged state.
template <class Real>
class Entry {
 public:
  using Time = kernel::time_t_of<Real>;
  using Lag = kernel::LagView<Real>;
  virtual ~Entry() = default;

  // kernel::run<Stepper> for the stepper the kernel was built with.
  virtual int run(kernel::RunArgs<Real>& args) = 0;
  // The same stepper over kernel::Variational<Model> with a kernel::TangentObserver
  // (kernel/variational.hpp): args' state holds n (k + 1) values. Only when the kernel has
  // derivatives and a float dtype; otherwise returns kernel::BAD_ARGS.
  virtual int run_observed(kernel::RunArgs<Real>& args, kernel::ObserveArgs<Real>& observe) = 0;
  // ODE: dy/dt; map: the next state (n_state values).
  virtual void rhs(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) = 0;
  virtual void aux(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) = 0;
  // Only when Kernel::has_derivatives(): the symbolic Jacobian (n×n, row-major), J·v, ∂f/∂p
  // (n × n_param, row-major).
  virtual void jacobian(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) = 0;
  virtual void jvp(Time t, const Real* y, const Real* p, const Lag& lag, const Real* v,
                   Real* out) = 0;
  virtual void dfdp(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) = 0;
  // Only when Kernel::has_inverse(): a map's inverse (n_state values).
  virtual void inverse(Time t, const Real* y, const Real* p, const Lag& lag, Real* out) = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual const char* backend() const = 0;  // "interpreter" | "native"
  virtual DType dtype() const = 0;
  virtual bool has_derivatives() const = 0;
  virtual bool has_inverse() const = 0;
  virtual const KernelShape& shape() const = 0;
  virtual const Layout& layout() const = 0;

  // A fresh entry in the kernel's dtype (exactly one of these is non-null).
  virtual std::unique_ptr<Entry<double>> entry_f64() const { return nullptr; }
  virtual std::unique_ptr<Entry<float>> entry_f32() const { return nullptr; }
  virtual std::unique_ptr<Entry<long long>> entry_i64() const { return nullptr; }
  template <class Real>
  std::unique_ptr<Entry<Real>> entry() const {
    if constexpr (std::is_same_v<Real, double>)
      return entry_f64();
    else if constexpr (std::is_same_v<Real, float>)
      return entry_f32();
    else
      return entry_i64();
  }
};

}  // namespace dynlib::pipeline

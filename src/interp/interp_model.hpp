// The interpreter backend's model: satisfies the kernel's Model contract (kernel/model.hpp) by
// running the IR's functions on the tape VM, so the one shared stepper and runner source drives it
// exactly as it drives a generated model (DESIGN rule 1).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "interp/vm.hpp"
#include "ir/ir.hpp"
#include "kernel/lag.hpp"
#include "kernel/model.hpp"

namespace dynlib::interp {

// The prepared programs of one module, shareable between any number of models (read-only).
struct CompiledModule {
  std::shared_ptr<const ir::Module> module;
  Program rhs, aux, user_jacobian, inverse, stop;
  Program jacobian, jvp, dfdp;  // when module->has_derivatives
  struct Event {
    int phases;
    Program cond, action, log;
    int log_size;
  };
  std::vector<Event> events;
  int max_slots = 0;
  // A quick kernel's native step of the model's (explicit) stepper, or null (interp::CalledStep).
  void* step = nullptr;
  // A quick kernel's native functions stay loaded while this lives (null for the tape alone).
  std::shared_ptr<const void> native_code;
};

std::shared_ptr<const CompiledModule> compile(std::shared_ptr<const ir::Module> module);

// The exported name of each function of a quick kernel (codegen::generate_functions): rhs, aux,
// stop, user_jacobian, inverse, jacobian, jvp, dfdp, event<e>_cond, _action, _log, each prefixed
// "dynlib_fn_". Only the functions the module has.
std::vector<std::string> native_function_names(const ir::Module& module);

// `cm` with every function replaced by its native twin: `lookup(name)` gives the address of
// native_function_names()' entries (it throws when one is missing); `step` is the kernel's
// dynlib_step or null; `code` keeps them loaded.
std::shared_ptr<const CompiledModule> with_native_functions(
    const CompiledModule& cm, const std::function<void*(const std::string&)>& lookup, void* step,
    std::shared_ptr<const void> code);

template <class Real>
class InterpModel {
 public:
  using real_t = Real;
  using Time = kernel::time_t_of<Real>;

  // Each InterpModel owns its frame: use one per concurrently running simulation.
  explicit InterpModel(std::shared_ptr<const CompiledModule> cm) : cm_(std::move(cm)) {
    frame_.assign(static_cast<size_t>(cm_->max_slots), Real(0));
    const ir::Module& m = *cm_->module;
    for (size_t i = 0; i < m.n_consts(); ++i)
      frame_[i] = m.dtype == dsl::DType::Int64 ? static_cast<Real>(m.int_consts[i])
                                               : static_cast<Real>(m.consts[i]);
  }

  int n_state() const { return cm_->module->n_state; }
  int n_param() const { return cm_->module->n_param; }
  int n_aux() const { return cm_->module->n_aux; }
  int n_event() const { return static_cast<int>(cm_->events.size()); }
  int lag_depth(int s) const { return cm_->module->lag_depth[static_cast<size_t>(s)]; }

  void rhs(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
           Real* out) const {
    run(cm_->rhs, {t, y, p, &lag, out, nullptr, nullptr});
  }
  void aux(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
           Real* out) const {
    run(cm_->aux, {t, y, p, &lag, out, nullptr, nullptr});
  }
  int event_phases(int e) const { return cm_->events[static_cast<size_t>(e)].phases; }
  bool event_cond(int e, Time t, const Real* y, const Real* p,
                  const kernel::LagView<Real>& lag) const {
    Real fired = 0;
    run(cm_->events[static_cast<size_t>(e)].cond, {t, y, p, &lag, &fired, nullptr, nullptr});
    return fired != 0;
  }
  void event_action(int e, Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
                    Real* y_out, Real* p_out) const {
    run(cm_->events[static_cast<size_t>(e)].action, {t, y, p, &lag, nullptr, y_out, p_out});
  }
  int event_log_size(int e) const { return cm_->events[static_cast<size_t>(e)].log_size; }
  void event_log(int e, Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
                 Real* out) const {
    run(cm_->events[static_cast<size_t>(e)].log, {t, y, p, &lag, out, nullptr, nullptr});
  }
  // Optional parts of the contract (kernel/model.hpp), present when the module has them.
  bool has_stop() const { return cm_->module->has_stop; }
  bool stop_cond(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag) const {
    Real stop = 0;
    run(cm_->stop, {t, y, p, &lag, &stop, nullptr, nullptr});
    return stop != 0;
  }
  bool has_derivatives() const { return cm_->module->has_derivatives; }
  // out[i*n_state + j] = d f_i / d y_j
  void jacobian(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
                Real* out) const {
    run(cm_->jacobian, {t, y, p, &lag, out, nullptr, nullptr});
  }
  // out = J(y) v
  void jvp(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag, const Real* v,
           Real* out) const {
    run(cm_->jvp, {t, y, p, &lag, out, nullptr, nullptr, v});
  }
  // out[i*n_param + k] = d f_i / d p_k
  void dfdp(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
            Real* out) const {
    run(cm_->dfdp, {t, y, p, &lag, out, nullptr, nullptr});
  }
  // The user's [equations.jacobian], as written.
  bool has_user_jacobian() const { return cm_->module->has_user_jacobian; }
  void user_jacobian(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
                     Real* out) const {
    run(cm_->user_jacobian, {t, y, p, &lag, out, nullptr, nullptr});
  }
  bool has_inverse() const { return cm_->module->has_inverse; }
  // One step of the stepper a quick kernel compiled with the model (CompiledModule::step).
  bool has_native_step() const { return cm_->step != nullptr; }
  template <class Ctx>
  int native_step(Ctx& c, Time t, Time& h, Time& h_next, const Real* y, Real* y_new) const {
    using Step = int (*)(void*, Time, Time*, Time*, const Real*, Real*);
    return reinterpret_cast<Step>(cm_->step)(&c, t, &h, &h_next, y, y_new);
  }
  void inverse(Time t, const Real* y, const Real* p, const kernel::LagView<Real>& lag,
               Real* out) const {
    run(cm_->inverse, {t, y, p, &lag, out, nullptr, nullptr});
  }

 private:
  void run(const Program& prog, const CallArgs<Real>& args) const {
    if (prog.native)
      reinterpret_cast<NativeFunction<Real>>(prog.native)(args.t, args.y, args.p, args.lag, args.v,
                                                          args.out, args.y_out, args.p_out);
    else if (prog.plain)
      execute_plain(prog, frame_.data(), args.y, args.p, args.out);
    else
      execute(prog, frame_.data(), args);
  }

  std::shared_ptr<const CompiledModule> cm_;
  mutable std::vector<Real> frame_;  // scratch for the VM; constants in the first slots
};

}  // namespace dynlib::interp

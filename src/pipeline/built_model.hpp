// What build() hands the runtime behind a FullModel: a model's description (info, the layout
// table, initial values, presets, [sim] defaults), the stepper it runs with, and its Kernels —
// the interpreter's always, a native one with jit=on (or once jit=auto has compiled it). Immutable
// once built apart from that one-way switch, so any number of Sims on any threads share one.
//
// The runtime sees only this header and kernel.hpp: the spec, the IR, the generated source and the
// compile request stay inside the pipeline (`Factory`, defined in build.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/layout.hpp"
#include "pipeline/kernel.hpp"

namespace dynlib::detail {

// Hands a model's warnings to the handler set by set_model_warning_handler (model_warnings.cpp).
void report_model_warnings(const std::vector<ModelWarning>& warnings);

struct BuiltModel {
  ModelInfo info;
  Layout layout;
  pipeline::KernelShape shape;
  DType dtype = DType::Float64;  // the dtype it runs in (the model's, or the build override)
  bool is_map = false;
  int stepper_id = -1;       // kernel::StepperId
  std::string stepper_name;  // canonical name (not the alias the user wrote)
  bool adaptive = false;
  // The flat parameter vector's initial values (info.param_values, flattened), widened to double;
  // int64 models also keep their states' and params' initial integers exactly. The initial state
  // of float models is info.initial_state.
  std::vector<double> p0;
  std::vector<long long> y0_i64, p0_i64;  // int64 models
  struct Preset {
    std::string name;
    struct Value {
      NameRef ref;
      std::vector<double> values;
      std::vector<long long> int_values;  // int64 models
    };
    std::vector<Value> values;
  };
  std::vector<Preset> presets;
  BuildOptions options;  // as given to build()
  BuildStats stats;

  std::shared_ptr<const pipeline::Kernel> interpreter;  // always

  // The native kernel if this model runs natively now (jit=on, or jit=auto once compiled).
  std::shared_ptr<const pipeline::Kernel> native() const;
  bool native_failed() const;  // jit=auto: the background compile failed (keep interpreting)
  bool auto_jit() const;
  double auto_threshold() const;  // seconds of estimated remaining interpretation
  // jit=auto: starts the background compile if no one has (thread-safe; returns at once).
  void start_native() const;
  // jit=auto, for tests pinning the switch: waits for the compile started by start_native().
  void wait_native() const;

  // The kernel the model's callables evaluate (rhs, jacobian, jvp, dfdp, inverse): the current
  // backend's, with derivatives, built on first use (thread-safe).
  std::shared_ptr<const pipeline::Kernel> function_kernel() const;

  struct Sources {
    std::string rhs, events, aux, stepper, runner, whole;
  };
  const Sources& sources() const;
  std::vector<std::string> export_sources(const std::string& dir) const;

  // jit_stats() bookkeeping: a run of this model finished.
  void on_run(const RunStats& run) const;

  struct Factory;
  std::shared_ptr<Factory> factory;  // the pipeline's intermediate products (opaque here)
};

}  // namespace dynlib::detail

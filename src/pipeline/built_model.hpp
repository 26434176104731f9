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

  // A native kernel and its tier; a null kernel (tier 0) means the interpreter.
  struct Native {
    std::shared_ptr<const pipeline::Kernel> kernel;
    int tier = 0;
  };
  // The best native kernel ready now: tier 2 once jit=auto recompiled a hot kernel at -O3
  // -march=native (unless measured slower), else tier 1 (jit=on, or jit=auto once compiled).
  Native best_native() const;
  Native tier1_native() const;
  // The kernel a run (or its next kernel call, at a YIELD) should use: best_native(), except that
  // while tier 2 is on trial successive calls alternate between tiers 2 and 1 (tier_trial.hpp).
  Native next_native() const;
  std::shared_ptr<const pipeline::Kernel> native() const { return best_native().kernel; }
  bool auto_jit() const;
  // jit=auto, at the start or a YIELD of a run in `tier` (`current`: its statistics so far,
  // `fraction` its progress or -1, `elapsed` its seconds): starts the next tier's background
  // compile when the run's own estimate or every run of this kernel together say it pays
  // (docs/jit.md, Tiers). Thread-safe; returns at once.
  void consider_tiers(int tier, const RunStats& current, double fraction, double elapsed) const;
  // jit=auto, for tests pinning the switch: compiles `tier` now (if no one has) and waits for it.
  void compile_tier_now(int tier) const;
  // jit=auto, for tests: waits for every background compile started so far.
  void wait_compiles() const;

  // The kernel the model's callables evaluate (rhs, jacobian, jvp, dfdp, inverse): the current
  // backend's, with derivatives, built on first use (thread-safe).
  std::shared_ptr<const pipeline::Kernel> function_kernel() const;

  struct Sources {
    std::string rhs, events, aux, stepper, runner, whole;
  };
  const Sources& sources() const;
  std::vector<std::string> export_sources(const std::string& dir) const;

  // A run of this model finished: jit_stats() bookkeeping, and jit=auto's cross-run rules.
  void on_run(const RunStats& run) const;

  struct Factory;
  std::shared_ptr<Factory> factory;  // the pipeline's intermediate products (opaque here)
};

}  // namespace dynlib::detail

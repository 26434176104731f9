// What build() produces behind a FullModel: the validated spec, the lowered IR compiled for the
// interpreter, the stepper and the dtype. Immutable once built, so any number of Sims (on any
// threads) share one.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codegen/codegen.hpp"
#include "dsl/model_spec.hpp"
#include "dynlib/dynlib.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "jit/jit.hpp"

namespace dynlib::detail {

struct ModelImpl {
  std::shared_ptr<const dsl::ModelSpec> spec;
  ModelInfo info;
  DType dtype = DType::Float64;  // the dtype it runs in (the model's, or the build override)
  int stepper_id = -1;           // kernel::StepperId
  std::string stepper_name;      // canonical name (not the alias the user wrote)
  bool adaptive = false;
  std::shared_ptr<const ir::Module> module;
  std::shared_ptr<const interp::CompiledModule> compiled;

  // The generated C++ (always available, for inspection and export) and, with jit on, the loaded
  // native kernel and its run entry point (kernel::run<Stepper> over the generated model).
  codegen::GeneratedSource source;
  jit::CompileRequest request;  // what the native kernel is (or would be) compiled from
  using NativeRunFn = int (*)(void*);
  std::shared_ptr<const jit::LoadedKernel> kernel;
  NativeRunFn native_run = nullptr;
  BuildOptions options;  // as given to build()
  BuildStats stats;

  // jit=auto: the native kernel, compiled at most once on a background thread and shared by every
  // Sim of this model; each Sim switches to it at its next YIELD once `run` is set.
  struct AutoNative {
    std::mutex mutex;
    bool started = false;
    std::shared_future<void> job;
    std::atomic<NativeRunFn> run{nullptr};
    std::atomic<bool> failed{false};
    std::shared_ptr<const jit::LoadedKernel> kernel;  // written before `run` is published
    ~AutoNative() {
      if (job.valid()) job.wait();  // never leave a compile thread writing into freed memory
    }
  };
  std::shared_ptr<AutoNative> auto_native;  // non-null for jit=auto
  double auto_threshold = 0.25;             // seconds of estimated remaining interpretation

  // The native entry point if this model runs natively now (jit=on, or jit=auto once compiled).
  NativeRunFn current_native() const {
    if (native_run) return native_run;
    return auto_native ? auto_native->run.load(std::memory_order_acquire) : nullptr;
  }

  // Every name a run option may use for a state or aux (for lookups and did-you-mean lists).
  std::vector<std::string> state_names, aux_names, param_names;
  std::vector<int> param_offset, param_size;  // into the flattened parameter vector
};

// "did you mean 'x'?" appended to `msg` when something is close; else the list of valid names.
std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural);

// jit=auto: starts the background compile if no one has (thread-safe; returns at once).
void start_auto_compile(const ModelImpl& mi);

// jit_stats() bookkeeping (stats.cpp).
void stats_on_build(const ModelImpl& mi);
void stats_on_compiled(const ModelImpl& mi, const jit::LoadedKernel& k);
void stats_on_run(const ModelImpl& mi, const RunStats& run);

}  // namespace dynlib::detail

// The pipeline's own view of a built model: the intermediate products the runtime never sees (the
// validated spec, the IR, the interpreter's programs, the generated source and the compile
// request), and the jit=auto background compile. Private to src/pipeline/.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <mutex>

#include "codegen/codegen.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "jit/jit.hpp"
#include "pipeline/built_model.hpp"

namespace dynlib::detail {

struct BuiltModel::Factory {
  std::shared_ptr<const dsl::ModelSpec> spec;
  std::shared_ptr<const ir::Module> module;
  std::shared_ptr<const interp::CompiledModule> compiled;
  codegen::GeneratedSource source;  // always generated: inspectable and exportable in both modes
  Sources sources;
  jit::CompileRequest request;  // what the native kernel is (or would be) compiled from
  std::shared_ptr<const jit::LoadedKernel> loaded;  // jit=on, or jit=auto warm at build()
  std::shared_ptr<const pipeline::Kernel> native;   // jit=on, or jit=auto warm at build()

  // jit=auto: the native kernel, compiled at most once on a background thread and shared by every
  // Sim of this model; each Sim switches to it at its next YIELD once `ready` is set.
  struct AutoNative {
    std::mutex mutex;
    bool started = false;
    std::shared_future<void> job;
    std::shared_ptr<const pipeline::Kernel> kernel;  // written before `ready` is published
    std::atomic<bool> ready{false};
    std::atomic<bool> failed{false};
    ~AutoNative() {
      if (job.valid()) job.wait();  // never leave a compile thread writing into freed memory
    }
  };
  std::unique_ptr<AutoNative> auto_native;  // non-null for jit=auto
  double auto_threshold = 0.5;

  // The callables' kernel (with derivatives), built on first use.
  std::once_flag functions_once;
  std::shared_ptr<const pipeline::Kernel> functions;
};

namespace pipeline_detail {
// The sizes, layout and stepper every kernel of one built model shares.
std::shared_ptr<const pipeline::Kernel> make_interp_kernel(
    const BuiltModel& model, std::shared_ptr<const interp::CompiledModule> compiled);
// Checks that `loaded` computes in the model's dtype with the model's sizes, and exports the run
// entry point of its stepper (and the derivative entry points if `with_derivatives`).
std::shared_ptr<const pipeline::Kernel> make_native_kernel(
    const BuiltModel& model, std::shared_ptr<const jit::LoadedKernel> loaded,
    bool with_derivatives);

// jit_stats() bookkeeping (stats.cpp).
void stats_on_build(const BuiltModel& m);
void stats_on_compiled(const BuiltModel& m, const jit::LoadedKernel& k);
}  // namespace pipeline_detail

}  // namespace dynlib::detail

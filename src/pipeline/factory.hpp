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
#include "pipeline/tier_trial.hpp"

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

  // jit=auto: a native kernel compiled at most once on a background thread and shared by every
  // Sim of this model; each Sim switches to it at its next YIELD (or run start) once `ready`.
  struct BackgroundKernel {
    std::mutex mutex;
    bool started = false;
    std::shared_future<void> job;
    std::shared_ptr<const pipeline::Kernel> kernel;  // written before `ready` is published
    std::atomic<bool> ready{false};
    std::atomic<bool> failed{false};
    ~BackgroundKernel() {
      if (job.valid()) job.wait();  // never leave a compile thread writing into freed memory
    }
  };
  // How much this kernel has run, over every run of it in the process (every build of the same
  // kernel id shares one): what jit=auto's cross-run rules weigh, and its verdict on tier 2
  // (auto_jit.cpp).
  struct KernelHeat {
    struct Totals {
      long long runs = 0;
      double interp_seconds = 0.0;  // tier 0
      TierTime tier1, tier2;        // native at tier 1 and 2
      TierTime trial1, trial2;      // the same, while tier 2 is on trial (tier_trial.hpp)
    };
    std::mutex mutex;
    Totals totals;                         // guarded by `mutex`
    std::atomic<int> tier2_verdict{0};     // TierVerdict
    std::atomic<long long> trial_turn{0};  // alternates the tiers on trial
  };
  struct AutoNative {
    jit::CompileRequest tier2_request;
    std::shared_ptr<KernelHeat> heat;
    double threshold = 0.25;      // seconds of interpretation (one run's estimate, or summed)
    long long min_calls = 3;      // runs before summed interpretation counts
    double tier_threshold = 2.0;  // seconds at tier 1 before tier 2
    // Declared last, so destroyed first: each waits for its compile, which reads tier2_request.
    BackgroundKernel tier1, tier2;  // -O2 (as jit=on builds it), then -O3 -march=native
  };
  std::unique_ptr<AutoNative> auto_native;  // non-null for jit=auto

  // The callables' kernel (with derivatives), built on first use.
  std::once_flag functions_once;
  std::shared_ptr<const pipeline::Kernel> functions;
};

namespace pipeline_detail {
// The sizes, layout and stepper every kernel of one built model shares. `backend` is "native"
// for a quick kernel's programs (their native twins run instead of the tape).
std::shared_ptr<const pipeline::Kernel> make_interp_kernel(
    const BuiltModel& model, std::shared_ptr<const interp::CompiledModule> compiled,
    const char* backend = "interpreter");
// Throws CompileError unless `k` computes in the model's dtype with the model's sizes.
void check_kernel_identity(const BuiltModel& model, const jit::LoadedKernel& k);
// jit=quick (quick_kernel.cpp): `module`'s functions compiled alone (or found in a cache), with
// one step of `stepper` when it is explicit (none for ""), run by the library's runner. `loaded`
// gets the shared object.
std::shared_ptr<const pipeline::Kernel> compile_quick_kernel(
    const BuiltModel& model, std::shared_ptr<const ir::Module> module, const std::string& stepper,
    std::shared_ptr<const jit::LoadedKernel>* loaded = nullptr);
// Checks that `loaded` computes in the model's dtype with the model's sizes, and exports the run
// entry point of its stepper (and the derivative entry points if `with_derivatives`).
std::shared_ptr<const pipeline::Kernel> make_native_kernel(
    const BuiltModel& model, std::shared_ptr<const jit::LoadedKernel> loaded,
    bool with_derivatives);

// jit_stats() bookkeeping (stats.cpp).
void stats_on_build(const BuiltModel& m);
void stats_on_compiled(const BuiltModel& m, const jit::LoadedKernel& k, int tier);
void stats_on_tier2_verdict(const BuiltModel& m, TierVerdict verdict);
// jit=auto (auto_jit.cpp): the heat record every build of kernel `id` shares; the options' tier
// settings resolved against the config file and checked.
std::shared_ptr<BuiltModel::Factory::KernelHeat> kernel_heat(const std::string& id);
void configure_auto_native(BuiltModel& model, const BuildOptions& options);
// After a run of a jit=auto model: adds it to the kernel's heat and starts the next tier's
// compile if every run so far says it pays.
void auto_on_run(const BuiltModel& model, const RunStats& run);
}  // namespace pipeline_detail

}  // namespace dynlib::detail

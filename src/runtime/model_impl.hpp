// What build() produces behind a FullModel: the validated spec, the lowered IR compiled for the
// interpreter, the stepper and the dtype. Immutable once built, so any number of Sims (on any
// threads) share one.
#pragma once

#include <memory>
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
  std::vector<std::string> signatures;  // of the compiled entry points; empty when interpreted
  BuildOptions options;                 // as given to build()
  BuildStats stats;

  // Every name a run option may use for a state or aux (for lookups and did-you-mean lists).
  std::vector<std::string> state_names, aux_names, param_names;
  std::vector<int> param_offset, param_size;  // into the flattened parameter vector
};

// "did you mean 'x'?" appended to `msg` when something is close; else the list of valid names.
std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural);

}  // namespace dynlib::detail

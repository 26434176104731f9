// What build() produces behind a FullModel: the validated spec, the lowered IR compiled for the
// interpreter, the stepper and the dtype. Immutable once built, so any number of Sims (on any
// threads) share one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "dynlib/dynlib.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"

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

  // Every name a run option may use for a state or aux (for lookups and did-you-mean lists).
  std::vector<std::string> state_names, aux_names, param_names;
  std::vector<int> param_offset, param_size;  // into the flattened parameter vector
};

// "did you mean 'x'?" appended to `msg` when something is close; else the list of valid names.
std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural);

}  // namespace dynlib::detail

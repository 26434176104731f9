// Loading a model with mods (docs/modeling.md, Mods): mods change the model's TOML before it is
// validated, so the spec, its hash and every diagnostic are those of the modified model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"

namespace dynlib::dsl {

struct LoadOptions {
  // Mod URIs (a file with a [mod] table, "FILE#mod=NAME", inline:<toml>), applied in order after
  // the model URI's own "#mod=NAME".
  std::vector<std::string> mods;
  // Replaces DYN_MODEL_PATH and the user config's [paths] for the model's and the mods' URIs.
  std::optional<TagTable> tags;
};

// Resolves `uri` and each mod, applies the mods and validates the result.
ModelSpec load_model(const std::string& uri, const LoadOptions& options);

}  // namespace dynlib::dsl

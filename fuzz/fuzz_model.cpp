// libFuzzer target: the whole TOML front end (toml++ parse, schema, resolution, checks, hash).
// Any input must either load or raise a ModelError that points inside the text; a loaded model's
// canonical form must be deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dsl/model_spec.hpp"
#include "dynlib/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const dynlib::dsl::ModelSpec spec = dynlib::dsl::load_model_text(text, "fuzz.toml");
    if (dynlib::dsl::model_hash(spec) != spec.hash) std::abort();
  } catch (const dynlib::ModelError& e) {
    if (e.where().line < 0 || e.where().column < 0) std::abort();
  }
  return 0;
}

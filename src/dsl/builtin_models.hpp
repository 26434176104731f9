// The builtin models (models/{ode,map}/*.toml), embedded into the library at build time.
#pragma once

#include <string_view>
#include <vector>

namespace dynlib::dsl {

struct EmbeddedModel {
  std::string_view path;  // below models/, e.g. "ode/lorenz.toml"
  std::string_view text;
};

const std::vector<EmbeddedModel>& embedded_models();

}  // namespace dynlib::dsl

// The builtin models (models/{ode,map}/*.toml), embedded into the library at build time.
#pragma once

#include <vector>

#include "support/embedded.hpp"

namespace dynlib::dsl {

// Paths are below models/, e.g. "ode/lorenz.toml".
const std::vector<EmbeddedFile>& embedded_models();

}  // namespace dynlib::dsl

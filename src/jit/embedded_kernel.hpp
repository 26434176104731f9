// The kernel headers (src/kernel/**/*.hpp), embedded into the library at build time. The JIT
// writes them next to the generated source, so compiling a kernel needs no source tree or install
// prefix, and the cache key can digest exactly the headers a kernel was compiled with.
#pragma once

#include <vector>

#include "support/embedded.hpp"

namespace dynlib {

// Paths are relative to src/, e.g. "kernel/runner.hpp".
const std::vector<EmbeddedFile>& embedded_kernel_headers();

}  // namespace dynlib

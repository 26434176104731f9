// A file embedded into the library at build time by cmake/embed_files.cmake.
#pragma once

#include <string_view>

namespace dynlib {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedded root, e.g. "ode/lorenz.toml"
  std::string_view text;
};

}  // namespace dynlib

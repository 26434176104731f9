// The scripts of src/cli/scripts/, embedded at build time by cmake/embed_files.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace dynlib::cli {

struct EmbeddedFile {
  std::string_view path;  // relative to src/cli/scripts, e.g. "render_plot.py"
  std::string_view text;
};

const std::vector<EmbeddedFile>& embedded_scripts();

}  // namespace dynlib::cli

// A CSV output file of the analysis commands (bifurcation, lyapunov): opened before the work, so
// that an unwritable path fails fast; standard output when no path is given.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

namespace dynlib::cli {

struct CsvFile {
  explicit CsvFile(const std::optional<std::string>& path);
  ~CsvFile();
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  // Flushes (stdout) or closes the file; DynlibError if anything failed to write.
  void close();
  std::string path;
  FILE* f = nullptr;
};

}  // namespace dynlib::cli

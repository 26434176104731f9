// CsvFile (csv_file.hpp).
#include "cli/csv_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "dynlib/errors.hpp"

namespace dynlib::cli {

CsvFile::CsvFile(const std::optional<std::string>& p) : path(p ? *p : "<stdout>") {
  f = p ? std::fopen(p->c_str(), "w") : stdout;
  if (!f) throw DynlibError(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
}

CsvFile::~CsvFile() {
  if (f && f != stdout) std::fclose(f);
}

void CsvFile::close() {
  const bool bad = std::ferror(f) != 0;
  const int rc = f == stdout ? std::fflush(f) : std::fclose(f);
  f = nullptr;
  if (bad || rc != 0)
    throw DynlibError(fmt::format("error writing '{}': {}", path, std::strerror(errno)));
}

}  // namespace dynlib::cli

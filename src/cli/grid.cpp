// --param NAME=A:B:K | NAME=V1,V2,...

#include "cli/grid.hpp"

#include <fmt/format.h>

#include <cmath>

#include "cli/arguments.hpp"
#include "dynlib/errors.hpp"

namespace dynlib::cli {

Grid parse_grid(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format("--param expects NAME=A:B:K or NAME=V1,V2,..., got '{}'", text));
  Grid g{text.substr(0, eq), {}, {}};
  const std::string spec = text.substr(eq + 1);
  const std::string what = fmt::format("--param {}", g.name);
  if (spec.find(':') != std::string::npos) {
    const auto parts = split_trimmed(spec, ':');
    if (parts.size() != 3)
      throw DynlibError(fmt::format("{}: expected A:B:K (from, to, points), got '{}'", what, spec));
    const double a = parse_number(what, parts[0]), b = parse_number(what, parts[1]);
    const double k = parse_number(what, parts[2]);
    if (!(k >= 1) || k != std::floor(k) || k > 1e9)
      throw DynlibError(fmt::format("{}: the number of points K = {} must be a whole number >= 1",
                                    what, parts[2]));
    const size_t n = static_cast<size_t>(k);
    if (n == 1) {
      g.values.push_back(a);
    } else {
      const double step = (b - a) / static_cast<double>(n - 1);
      for (size_t i = 0; i + 1 < n; ++i) g.values.push_back(static_cast<double>(i) * step + a);
      g.values.push_back(b);
    }
  } else {
    for (const auto& item : split_trimmed(spec, ',')) g.values.push_back(parse_number(what, item));
  }
  return g;
}

}  // namespace dynlib::cli

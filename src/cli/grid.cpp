// --param NAME=A:B:K | NAME=V1,V2,... (and --ic, the same syntax)

#include "cli/grid.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "cli/arguments.hpp"
#include "dynlib/errors.hpp"

namespace dynlib::cli {
namespace {

// What a grid's text says before any value is computed.
struct GridText {
  std::string name, what;
  bool range = false;
  double a = 0, b = 0;
  long long k = 0;                  // range: the number of points
  std::vector<std::string> values;  // list: the items
};

double grid_number(const std::string& what, const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  const bool out_of_range = errno == ERANGE;
  while (*end == ' ') ++end;
  if (end == begin || static_cast<size_t>(end - begin) != text.size())
    throw DynlibError(fmt::format("{}: '{}' is not a number", what, shown_argument(text)));
  if (out_of_range)
    throw DynlibError(
        fmt::format("{}: '{}' is out of range for a double", what, shown_argument(text)));
  return v;
}

GridText read_grid(const std::string& text, const std::string& option) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format("{} expects NAME=A:B:K or NAME=V1,V2,..., got '{}'", option,
                                  shown_argument(text)));
  GridText g;
  g.name = text.substr(0, eq);
  g.what = fmt::format("{} {}", option, shown_argument(g.name));
  const std::string spec = text.substr(eq + 1);
  if (spec.find(':') == std::string::npos) {
    g.values = split_trimmed(spec, ',');
    return g;
  }
  const auto parts = split_trimmed(spec, ':');
  if (parts.size() != 3)
    throw DynlibError(fmt::format("{}: expected A:B:K (from, to, points), got '{}'", g.what,
                                  shown_argument(spec)));
  g.range = true;
  g.a = grid_number(g.what, parts[0]);
  g.b = grid_number(g.what, parts[1]);
  if (!std::isfinite(g.a) || !std::isfinite(g.b))
    throw DynlibError(fmt::format("{}: the ends A and B must be finite numbers", g.what));
  const double k = grid_number(g.what, parts[2]);
  if (!(k >= 1) || k != std::floor(k))
    throw DynlibError(fmt::format("{}: the number of points K = {} must be a whole number >= 1",
                                  g.what, shown_argument(parts[2])));
  if (k > static_cast<double>(kMaxGridPoints))
    throw DynlibError(fmt::format("{}: K = {} points is too many (a grid has at most {})", g.what,
                                  shown_argument(parts[2]), kMaxGridPoints));
  g.k = static_cast<long long>(k);
  return g;
}

}  // namespace

std::string shown_argument(const std::string& text) {
  constexpr size_t kShown = 20;
  std::string out;
  size_t chars = 0, i = 0;
  for (; i < text.size() && chars < kShown; ++chars) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
      ++i;
      continue;
    }
    // One UTF-8 character (continuation bytes follow their lead byte).
    size_t n = 1;
    while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xc0) == 0x80) ++n;
    if (b >= 0x80 && b < 0xc0) n = 1;  // a stray continuation byte
    if (b >= 0x80 && (n == 1 || (b == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0))) {
      for (size_t k = 0; k < n; ++k)
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i + k]));
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  if (i < text.size()) out += fmt::format("… ({} characters)", text.size());
  return out;
}

long long grid_points(const std::string& text, const std::string& option) {
  const GridText g = read_grid(text, option);
  if (g.range) return g.k;
  for (const auto& item : g.values) grid_number(g.what, item);
  return static_cast<long long>(g.values.size());
}

Grid parse_grid(const std::string& text, const std::string& option) {
  const GridText t = read_grid(text, option);
  Grid g{t.name, {}, {}};
  if (!t.range) {
    for (const auto& item : t.values) g.values.push_back(grid_number(t.what, item));
    return g;
  }
  const auto n = static_cast<size_t>(t.k);
  g.values.reserve(n);
  if (n == 1) {
    g.values.push_back(t.a);
  } else {
    const double step = (t.b - t.a) / static_cast<double>(n - 1);
    for (size_t i = 0; i + 1 < n; ++i) g.values.push_back(static_cast<double>(i) * step + t.a);
    g.values.push_back(t.b);
  }
  return g;
}

}  // namespace dynlib::cli

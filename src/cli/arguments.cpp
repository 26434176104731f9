#include "cli/arguments.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <optional>

namespace dynlib::cli {

double parse_number(const std::string& what, const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  while (used < text.size() && text[used] == ' ') ++used;
  if (used == 0 || used != text.size())
    throw DynlibError(fmt::format("{}: '{}' is not a number", what, text));
  return v;
}

std::vector<std::string> split_trimmed(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(sep, start);
    std::string item = text.substr(start, at == std::string::npos ? std::string::npos : at - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    out.push_back(item);
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  for (auto& item : split_trimmed(text, ','))
    if (!item.empty()) out.push_back(std::move(item));
  return out;
}

void add_build_flags(CLI::App& cmd, BuildFlags& flags) {
  cmd.add_flag("--jit{on}", flags.jit,
               "Native kernel: --jit (= on), --jit=off, --jit=auto, --jit=quick (see docs/jit.md)");
  cmd.add_flag("--disk-cache", flags.disk_cache, "Keep compiled kernels on disk across processes");
  cmd.add_flag("--march-native", flags.march_native, "Compile native kernels with -march=native");
  cmd.add_option("--dtype", flags.dtype, "float64 | float32 (default: the model's dtype)");
  cmd.add_option("--mod", flags.mods,
                 "Apply a mod before validation: a mod file, FILE#mod=NAME or inline:[mod]...; "
                 "repeatable, applied in order (docs/modeling.md, Mods)")
      ->allow_extra_args(false);
}

void add_implicit_flags(CLI::App& cmd, ImplicitFlags& flags) {
  cmd.add_option("--newton-tol", flags.newton_tol,
                 "Implicit steppers: Newton tolerance (mixed absolute/relative)");
  cmd.add_option("--newton-max-iter", flags.newton_max_iter,
                 "Implicit steppers: Newton iterations per solve");
  cmd.add_option("--jac-eps", flags.jac_eps,
                 "Implicit steppers: relative perturbation of --jacobian-mode fd");
  cmd.add_option("--jacobian-mode", flags.jacobian_mode,
                 "Implicit steppers: symbolic (default) | analytic ([equations.jacobian]) | fd");
  cmd.add_option("--max-order", flags.max_order, "cvode: highest BDF (1-5) or Adams (1-12) order");
  cmd.add_option("--linear-solver", flags.linear_solver,
                 "cvode: auto (default) | dense | klu (sparse LU, for large sparse models)");
}

BuildOptions build_options(const BuildFlags& flags) {
  BuildOptions bo;
  bo.stepper = flags.stepper;
  bo.mods = flags.mods;
  bo.jit = parse_jit_mode(flags.jit);
  bo.disk_cache = flags.disk_cache;
  bo.march_native = flags.march_native;
  bo.dtype = flags.dtype;
  return bo;
}

namespace {

// `text` as an integer when it is an integer literal that fits int64 (an int64 model takes it
// exactly; a double is exact only up to 2^53). Anything else, 2^63 included, is left to
// parse_number, and the run then says whether the model takes it.
// An int64 model refuses an integer literal beyond int64 here: as a double it could round into
// range (-2^63 - 1 rounds to -2^63).
std::optional<long long> parse_integer(const std::string& what, const std::string& text,
                                       DType dtype) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return std::nullopt;
  const char* first = text.data() + begin;
  const char* last = text.data() + text.find_last_not_of(' ') + 1;
  if (*first == '+') ++first;  // from_chars takes '-' only
  if (first == last || !(std::isdigit(static_cast<unsigned char>(*first)) || *first == '-'))
    return std::nullopt;
  long long v = 0;
  const auto [ptr, ec] = std::from_chars(first, last, v);
  if (ptr != last) return std::nullopt;
  if (ec == std::errc::result_out_of_range && dtype == DType::Int64)
    throw DynlibError(
        fmt::format("{}: {} does not fit int64 (-9223372036854775808 to 9223372036854775807)", what,
                    std::string(text.data() + begin, last)));
  if (ec != std::errc()) return std::nullopt;
  return v;
}

}  // namespace

std::pair<std::string, Value> parse_assignment(const std::string& text, DType dtype) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format("--set expects NAME=VALUE, got '{}'", text));
  const std::string name = text.substr(0, eq), value = text.substr(eq + 1);
  const std::string what = fmt::format("--set {}", name);
  if (!value.empty() && value.front() == '[') {
    if (value.back() != ']') throw DynlibError(fmt::format("{}: missing ']'", what));
    const std::vector<std::string> items = split_list(value.substr(1, value.size() - 2));
    std::vector<long long> integers;
    for (const auto& item : items)
      if (auto v = parse_integer(what, item, dtype)) integers.push_back(*v);
    if (!items.empty() && integers.size() == items.size()) return {name, integers};
    std::vector<double> values;
    for (const auto& item : items) values.push_back(parse_number(what, item));
    return {name, values};
  }
  if (auto v = parse_integer(what, value, dtype)) return {name, *v};
  return {name, parse_number(what, value)};
}

}  // namespace dynlib::cli

#include "cli/arguments.hpp"

#include <fmt/format.h>

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
               "Native kernel: --jit (= on), --jit=off, --jit=auto (see docs/jit.md)");
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

std::pair<std::string, Value> parse_assignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format("--set expects NAME=VALUE, got '{}'", text));
  const std::string name = text.substr(0, eq), value = text.substr(eq + 1);
  const std::string what = fmt::format("--set {}", name);
  if (!value.empty() && value.front() == '[') {
    if (value.back() != ']') throw DynlibError(fmt::format("{}: missing ']'", what));
    std::vector<double> values;
    for (const auto& item : split_list(value.substr(1, value.size() - 2)))
      values.push_back(parse_number(what, item));
    return {name, values};
  }
  return {name, parse_number(what, value)};
}

}  // namespace dynlib::cli

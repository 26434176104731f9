// Parsing of command-line values shared by the sub-commands: numbers, comma lists and --set.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

// A whole string as a number (trailing spaces allowed); DynlibError "<what>: 'x' is not a number".
double parse_number(const std::string& what, const std::string& text);

// `text` split at `sep`, each item trimmed of spaces; empty items are kept.
std::vector<std::string> split_trimmed(const std::string& text, char sep);

// A comma list of names with the empty items dropped ("x, y," -> {"x", "y"}).
std::vector<std::string> split_list(const std::string& text);

// How a sub-command builds its model: --stepper is registered by each command (its help differs);
// the others by add_build_flags().
struct BuildFlags {
  std::optional<std::string> stepper;
  std::string jit = "off";  // --jit (= on), --jit=on|off|auto
  bool disk_cache = false;
  bool march_native = false;
  std::optional<std::string> dtype;
  std::vector<std::string> mods;  // --mod URI, repeatable (BuildOptions::mods)
};
// --jit, --disk-cache, --march-native, --dtype, --mod
void add_build_flags(CLI::App& cmd, BuildFlags& flags);
BuildOptions build_options(const BuildFlags& flags);  // parses --jit (did-you-mean on a typo)

// Implicit steppers' options: --newton-tol, --newton-max-iter, --jac-eps, --jacobian-mode,
// --max-order (run and sweep). apply() copies those given into run options of either kind.
struct ImplicitFlags {
  std::optional<double> newton_tol, jac_eps;
  std::optional<long long> newton_max_iter, max_order;
  std::optional<std::string> jacobian_mode, linear_solver;
  template <class Options>
  void apply(Options& o) const {
    o.linear_solver = linear_solver;
    o.newton_tol = newton_tol;
    o.jac_eps = jac_eps;
    o.newton_max_iter = newton_max_iter;
    o.max_order = max_order;
    o.jacobian_mode = jacobian_mode;
  }
};
void add_implicit_flags(CLI::App& cmd, ImplicitFlags& flags);

// --set NAME=VALUE: "x=1.5" or "w=[1, 2, 3]" (an array param). Integer literals that fit int64
// stay integers (long long alternatives of Value), so int64 models get them exactly; for a model
// of dtype Int64 an integer literal beyond int64 is an error.
std::pair<std::string, Value> parse_assignment(const std::string& text,
                                               DType dtype = DType::Float64);

}  // namespace dynlib::cli

// The `dynlib` command line (shared by the executable and `python3 -m dynlib`). Sub-commands are
// grouped by what they act on: `model ...`, `run`, `steppers ...`; exports and the cache join as
// those layers land.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <iostream>
#include <new>

#include "cli/commands.hpp"
#include "cli/grid.hpp"
#include "cli/interrupt.hpp"
#include "dynlib/cli.hpp"
#include "dynlib/errors.hpp"

#ifndef DYNLIB_VERSION
#define DYNLIB_VERSION "0.0.0"
#endif

namespace dynlib {
namespace {

// CLI11 reads integers with strtoll in base 0: an out-of-range value silently becomes LLONG_MAX
// (a run of 9.2e18 steps) and "010" is octal. Every integer option is checked as a decimal
// integer in range first, and handed on in canonical form.
std::string check_decimal_integer(std::string& text) {
  const std::string shown = text.size() > 40 ? text.substr(0, 37) + "..." : text;
  long long v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc::result_out_of_range)
    return fmt::format("{} is out of range (integers here are at most {})", shown, LLONG_MAX);
  if (ec != std::errc() || p != end) return fmt::format("'{}' is not a whole number", shown);
  text = std::to_string(v);
  return {};
}

void check_integer_options(CLI::App& app) {
  static const CLI::Validator decimal_integer(check_decimal_integer, "");
  for (CLI::Option* o : app.get_options())
    if (const std::string type = o->get_type_name();
        type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0)  // "INT", "INT:POSITIVE", ...
      o->transform(decimal_integer);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    check_integer_options(*sub);
}

}  // namespace

namespace cli {

void add_commands(CLI::App& app) {
  app.set_version_flag("--version", std::string("dynlib ") + DYNLIB_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Models are named by URI: builtin://ode/lorenz, TAG://path, a file path, or inline:<toml>.\n"
      "See docs/cli.md and docs/modeling.md.");

  add_model_commands(app);
  add_run_commands(app);
  add_cache_commands(app);
  add_sweep_commands(app);
  add_bifurcation_commands(app);
  add_analyze_commands(app);
  add_lyapunov_commands(app);
  add_fixed_points_commands(app);
  add_basin_commands(app);
  add_manifold_commands(app);
  add_plot_commands(app);

  check_integer_options(app);
}

int parse_only(int argc, const char* const* argv) {
  CLI::App app{"dynlib", "dynlib"};
  add_commands(app);
  set_action(nullptr);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? 0 : 1;
  }
  set_action(nullptr);  // parsed: the selected command is not run
  return 0;
}

}  // namespace cli

int run_cli(int argc, char** argv) {
  CLI::App app{"dynlib: simulate dynamical systems (ODEs and maps) written as TOML models",
               "dynlib"};
  cli::add_commands(app);
  // CLI11 says only "A subcommand is required" for a misspelt command.
  const std::vector<CLI::App*> commands = app.get_subcommands([](CLI::App*) { return true; });
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(),
                   [&](const CLI::App* sub) { return sub->check_name(argv[1]); })) {
    std::string names;
    for (const CLI::App* sub : commands) names += (names.empty() ? "" : ", ") + sub->get_name();
    const std::string given = argv[1];
    fmt::print(stderr, "dynlib: unknown command '{}' (commands: {})\n",
               cli::shown_argument(given), names);
    return 1;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every argument error is the documented 1 (not CLI11's codes).
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    return cli::run_selected(app);
  } catch (const cli::Interrupted& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dynlib: {}\n", e.what());
    return 130;
  } catch (const DynlibError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    fmt::print(stderr,
               "dynlib: out of memory: this work needs more memory than the machine could give; "
               "make it smaller (fewer points, a larger record interval, fewer recorded "
               "variables)\n");
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dynlib: internal error: {}\n", e.what());
    return 2;
  }
}

}  // namespace dynlib

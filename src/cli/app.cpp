// The `dynlib` command line (shared by the executable and `python3 -m dynlib`). Sub-commands are
// grouped by what they act on: `model ...`, `run`, `steppers ...`; exports and the cache join as
// those layers land.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "dynlib/cli.hpp"
#include "dynlib/errors.hpp"

#ifndef DYNLIB_VERSION
#define DYNLIB_VERSION "0.0.0"
#endif

namespace dynlib {

int run_cli(int argc, char** argv) {
  CLI::App app{"dynlib: simulate dynamical systems (ODEs and maps) written as TOML models",
               "dynlib"};
  app.set_version_flag("--version", std::string("dynlib ") + DYNLIB_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Models are named by URI: builtin://ode/lorenz, TAG://path, a file path, or inline:<toml>.\n"
      "See docs/cli.md and docs/modeling.md.");

  cli::add_model_commands(app);
  cli::add_run_commands(app);
  cli::add_cache_commands(app);
  cli::add_sweep_commands(app);
  cli::add_bifurcation_commands(app);
  cli::add_analyze_commands(app);
  cli::add_lyapunov_commands(app);
  cli::add_fixed_points_commands(app);
  cli::add_basin_commands(app);
  cli::add_manifold_commands(app);
  cli::add_plot_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return cli::run_selected(app);
  } catch (const DynlibError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dynlib: internal error: {}\n", e.what());
    return 2;
  }
}

}  // namespace dynlib

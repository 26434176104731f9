// Sub-command registration for the `dynlib` executable. Each add_*_commands() attaches its
// sub-commands to the app; the one the user selected runs through run_selected().
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace dynlib::cli {

// Registers the action to run when parsing selects a sub-command (called from CLI11 callbacks).
void set_action(std::function<int()> action);
int run_selected(CLI::App& app);

// Every sub-command and option of the `dynlib` executable (run_cli builds its app with this).
void add_commands(CLI::App& app);
// Parses argv as run_cli does and runs nothing: 0, or 1 for an argument error (--help and
// --version are 0). For the command line's fuzzer (fuzz/fuzz_cli_args.cpp).
int parse_only(int argc, const char* const* argv);

void add_model_commands(CLI::App& app);
void add_run_commands(CLI::App& app);
void add_cache_commands(CLI::App& app);
void add_sweep_commands(CLI::App& app);
void add_bifurcation_commands(CLI::App& app);
void add_analyze_commands(CLI::App& app);
void add_lyapunov_commands(CLI::App& app);
void add_fixed_points_commands(CLI::App& app);
void add_basin_commands(CLI::App& app);
void add_manifold_commands(CLI::App& app);
void add_plot_commands(CLI::App& app);

}  // namespace dynlib::cli

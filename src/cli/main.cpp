// The `dynlib` executable: everything lives in the CLI library (cli/app.cpp) so that
// `python3 -m dynlib` runs the very same command line.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return dynlib::cli::run_cli(argc, argv);
}

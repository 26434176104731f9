// The `dynlib` executable: everything lives in the CLI library (cli/app.cpp) so that
// `python3 -m dynlib` runs the very same command line.
#include "dynlib/cli.hpp"

int main(int argc, char** argv) {
  return dynlib::run_cli(argc, argv);
}

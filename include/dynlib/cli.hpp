// The `dynlib` command line as a function, so that programs embedding dynlib (the Python module's
// `python3 -m dynlib`) run exactly the command line of the `dynlib` executable (docs/cli.md).
//
//   char* argv[] = {(char*)"dynlib", (char*)"model", (char*)"show", (char*)"builtin://ode/lorenz"};
//   int status = dynlib::run_cli(4, argv);
#pragma once

namespace dynlib {

// Parses argv (argv[0] is the program name shown in help and errors), runs the selected
// sub-command and returns the exit status docs/cli.md gives for it: 0 success, 1 a user error
// (its diagnostic on stderr), 2 an internal error, 3 / 130 a run that failed part-way / was
// interrupted. Output goes to the C stdout and stderr. While a run or sweep is in progress
// SIGINT stops it (keeping its results) and the previous handler is restored afterwards. One
// call at a time per process: the selected sub-command is process-wide state.
int run_cli(int argc, char** argv);

}  // namespace dynlib

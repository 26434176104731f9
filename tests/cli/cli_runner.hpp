// Test helper shared by the CLI suites: runs the `dynlib` executable of this build with a
// shell-quoted argument string and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace dynlib::testing {

struct CliOutput {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs DYNLIB_CLI_PATH with `args`; stdout and stderr go through files in `dir`.
inline CliOutput run_dynlib_cli(const std::string& args, const std::string& dir) {
  const std::string out_file = dir + "/stdout.txt", err_file = dir + "/stderr.txt";
  const std::string cmd =
      std::string(DYNLIB_CLI_PATH) + " " + args + " >" + out_file + " 2>" + err_file;
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_file), slurp(err_file)};
}

}  // namespace dynlib::testing

// Test helper shared by the CLI suites: runs the `dynlib` executable of this build with a
// shell-quoted argument string and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
// Rows of comma-separated cells (a trailing comma is a last, empty cell).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline double num(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}

inline CliOutput run_dynlib_cli(const std::string& args, const std::string& dir) {
  const std::string out_file = dir + "/stdout.txt", err_file = dir + "/stderr.txt";
  const std::string cmd =
      std::string(DYNLIB_CLI_PATH) + " " + args + " >" + out_file + " 2>" + err_file;
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_file), slurp(err_file)};
}

}  // namespace dynlib::testing

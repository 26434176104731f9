// The grid syntax of --param and --ic, shared by `dynlib sweep`, `dynlib bifurcation`,
// `dynlib lyapunov` and `dynlib basin`.
#pragma once

#include <string>
#include <vector>

namespace dynlib::cli {

struct Grid {
  std::string name;
  std::vector<double> values;
  // CSV header: the name, or "ic.NAME" for a state (the column NAME is its recorded value).
  std::string column;
};

// The most points one grid may have (8 bytes each): more is refused before anything is allocated.
constexpr long long kMaxGridPoints = 100'000'000;

// "r=2.5:4.0:1000": 1000 points from 2.5 to 4.0, both included, spaced as numpy.linspace does
// (A + k * (B - A) / (K - 1), the last point exactly B). "r=3.2,3.5,3.9": those values.
// `option` names the flag in messages ("--param"). Throws DynlibError for anything else, with
// the user's text shown short and escaped (shown_argument).
Grid parse_grid(const std::string& text, const std::string& option = "--param");

// How many points `text` denotes, without building them (the same checks and errors as
// parse_grid), so a product of grids can be checked before any is allocated.
long long grid_points(const std::string& text, const std::string& option = "--param");

// User text as an error message quotes it: control characters as \xHH, and at most 20
// characters, then "…" (a 300-digit number or a pasted file stays one short line).
std::string shown_argument(const std::string& text);

}  // namespace dynlib::cli

// The grid syntax of --param, shared by `dynlib sweep` and `dynlib bifurcation`.
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

// "r=2.5:4.0:1000": 1000 points from 2.5 to 4.0, both included, spaced as numpy.linspace does
// (A + k * (B - A) / (K - 1), the last point exactly B). "r=3.2,3.5,3.9": those values.
// Throws DynlibError for anything else.
Grid parse_grid(const std::string& text);

}  // namespace dynlib::cli

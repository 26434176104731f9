// Pictures on the command line: `dynlib plot` and `dynlib run --plot` hand a CSV to the embedded
// renderer (scripts/render_plot.py, matplotlib) run by the system Python.
#pragma once

#include <optional>
#include <string>

#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

struct PlotRequest {
  std::string data;  // the CSV to draw
  std::string out;   // FILE.png | .svg | .pdf
  std::string kind = "auto";
  std::optional<std::string> x, y, z;  // column names (y: a comma list)
  std::optional<std::string> curve;    // cobweb: CSV "x,f(x)" of the map's graph
  std::optional<std::string> title;
  std::string source;  // names the data in the default title and in errors
  double dpi = 120.0, width = 7.0, height = 4.8;
};

// The picture kinds render_plot.py draws ("auto" infers one from the CSV's header).
const std::vector<std::string>& plot_kinds();

// DynlibError unless `out` ends in .png, .svg or .pdf and its directory exists: checked before
// any work, so a long run is never lost to a typo in the picture's path.
void check_plot_path(const std::string& out);

// Draws the picture. Returns the command's exit status: 0; 1 after the renderer printed why in
// one line (bad input, or matplotlib missing and how to install it); 2 if the renderer crashed.
int render_plot(const PlotRequest& request);

// A directory under $TMPDIR (or /tmp) removed with everything in it when this goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// `dynlib run --plot`: the run's recorded variables as time series beside its phase portrait
// (3-D for three states or more). Prints "wrote FILE" unless quiet. Returns as render_plot.
// `data_csv`: draw that CSV of the run (its --out file, which a streamed run's Results do not
// hold entirely) instead of writing `r` to a temporary one.
int plot_results(const Results& r, const std::string& source, const std::string& out, bool quiet,
                 const std::optional<std::string>& data_csv = std::nullopt);

}  // namespace dynlib::cli

// render_plot, plot_results, TempDir (plot_render.hpp).
#include "cli/plot_render.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cli/csv.hpp"
#include "cli/python_process.hpp"
#include "dynlib/errors.hpp"

namespace dynlib::cli {
namespace {
// Exit statuses of scripts/render_plot.py.
constexpr int kRendererBadInput = 2;
constexpr int kRendererNoMatplotlib = 4;
}  // namespace

const std::vector<std::string>& plot_kinds() {
  static const std::vector<std::string> kinds{
      "auto", "series", "phase", "phase3d", "overview", "bifurcation", "curve", "basin", "cobweb"};
  return kinds;
}

void check_plot_path(const std::string& out) {
  const std::filesystem::path p(out);
  std::string ext = p.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext != ".png" && ext != ".svg" && ext != ".pdf")
    throw DynlibError(fmt::format(
        "cannot draw to '{}': the picture's file name must end in .png, .svg or .pdf", out));
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw DynlibError(
        fmt::format("cannot draw to '{}': directory '{}' does not exist", out, dir.string()));
}

int render_plot(const PlotRequest& q) {
  check_plot_path(q.out);
  std::vector<std::string> args{"--data", q.data, "--out", q.out, "--kind", q.kind};
  auto add = [&](const char* flag, const std::optional<std::string>& v) {
    if (v) args.insert(args.end(), {flag, *v});
  };
  add("--x", q.x);
  add("--y", q.y);
  add("--z", q.z);
  add("--curve", q.curve);
  add("--title", q.title);
  if (!q.source.empty()) args.insert(args.end(), {"--source", q.source});
  args.insert(args.end(), {"--dpi", fmt::format("{}", q.dpi), "--width", fmt::format("{}", q.width),
                           "--height", fmt::format("{}", q.height)});
  const int rc = run_python(embedded_script("render_plot.py"), args);
  switch (rc) {
    case 0:
      return 0;
    case kRendererBadInput:
    case kRendererNoMatplotlib:
      return 1;  // a user error: the renderer said why in one line
    default:     // an uncaught exception (its traceback is above) or a signal
      fmt::print(stderr, "dynlib: internal error: the picture renderer failed (status {})\n", rc);
      return 2;
  }
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/dynlib-plot-XXXXXX";
  if (!mkdtemp(pattern.data()))
    throw DynlibError(fmt::format("cannot create a temporary directory for the picture ({}): {}",
                                  pattern, std::strerror(errno)));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int plot_results(const Results& r, const std::string& source, const std::string& out, bool quiet,
                 const std::optional<std::string>& data_csv) {
  if (r.size() == 0 && !data_csv)
    throw DynlibError(fmt::format("cannot draw '{}': the run recorded no samples", out));
  TempDir tmp;
  PlotRequest q;
  if (data_csv) {
    q.data = *data_csv;
  } else {
    q.data = tmp.file("run.csv");
    write_results_csv(q.data, r);
  }
  q.out = out;
  q.kind = "overview";
  q.source = source;
  q.width = 12.0;
  q.height = 5.0;
  const int rc = render_plot(q);
  if (rc == 0 && !quiet) fmt::print("wrote picture {}\n", out);
  return rc;
}

}  // namespace dynlib::cli

// dynlib plot SOURCE: a picture of a CSV written by run/sweep/bifurcation/lyapunov, or of a
// model URI run first with the run flags.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/plot_render.hpp"
#include "cli/run_flags.hpp"

namespace dynlib::cli {
namespace {

struct PlotArgs {
  RunFlags run;  // run.uri: the CSV or the model
  std::string out;
  std::string kind = "auto";
  std::optional<std::string> x, y, z, title;
  double dpi = 120.0;
  std::vector<double> size;
  bool quiet = false;
};

bool is_csv_path(const std::string& source) {
  const std::string ext = std::filesystem::path(source).extension().string();
  return ext == ".csv" || ext == ".CSV";
}

// The initial state of the run the flags describe: the model's, with --set states applied.
std::vector<double> initial_state(const Sim& sim, const RunOptions& ro, const ModelInfo& info) {
  std::vector<double> y = sim.state();
  for (size_t i = 0; i < info.state_names.size() && i < y.size(); ++i) {
    auto it = ro.ic.find(info.state_names[i]);
    if (it == ro.ic.end()) continue;
    const std::vector<double> v = value_as_doubles(it->second);
    if (v.size() == 1) y[i] = v[0];
  }
  return y;
}

// The flat parameter vector of the run: the model's values, with --set params applied.
std::vector<double> parameter_vector(const Sim& sim, const RunOptions& ro) {
  std::vector<double> p;
  for (const std::string& name : sim.model().layout().param_names()) {
    auto it = ro.params.find(name);
    if (it == ro.params.end()) {
      const std::vector<double> v = sim.param(name);
      p.insert(p.end(), v.begin(), v.end());
    } else {
      const std::vector<double> v = value_as_doubles(it->second);
      p.insert(p.end(), v.begin(), v.end());
    }
  }
  return p;
}

// Writes the graph of the map x -> f(x) for the state `var` (the other states at the run's
// initial values) over the range of the iterates, padded by 5 %: the cobweb's curve.
void write_map_graph(const std::string& path, const Sim& sim, const RunOptions& ro,
                     const std::string& var, const Results& r) {
  const ModelInfo& info = sim.model().spec();
  const auto pos = std::find(info.state_names.begin(), info.state_names.end(), var);
  if (pos == info.state_names.end())
    throw DynlibError(fmt::format("--y {}: a cobweb draws a state; states: {}", var,
                                  fmt::join(info.state_names, ", ")));
  const size_t index = size_t(pos - info.state_names.begin());
  const std::vector<double> iterates = r.column_as_double(var);
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (double v : iterates)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) throw DynlibError(fmt::format("cobweb: no finite iterate of {}", var));
  const double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
  lo -= pad;
  hi += pad;
  std::vector<double> y = initial_state(sim, ro, info);
  const std::vector<double> params = parameter_vector(sim, ro);
  std::vector<double> next(sim.model().output_size(ModelFunction::Rhs));
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw DynlibError(fmt::format("cannot write '{}'", path));
  fmt::print(f, "{0},f({0})\n", var);
  constexpr int kPoints = 400;
  for (int i = 0; i <= kPoints; ++i) {
    y[index] = lo + (hi - lo) * i / kPoints;
    sim.model().evaluate(ModelFunction::Rhs, 0.0, y.data(), params.data(), nullptr, next.data());
    fmt::print(f, "{:.17g},{:.17g}\n", y[index], next[index]);
  }
  if (std::fclose(f) != 0) throw DynlibError(fmt::format("error writing '{}'", path));
}

int plot(const PlotArgs& a) {
  check_plot_path(a.out);
  PlotRequest q;
  q.out = a.out;
  q.kind = a.kind;
  q.x = a.x;
  q.y = a.y;
  q.z = a.z;
  q.title = a.title;
  q.dpi = a.dpi;
  if (a.size.size() == 2) q.width = a.size[0], q.height = a.size[1];
  q.source = a.run.uri;
  int run_status = 0;
  TempDir tmp;
  if (is_csv_path(a.run.uri)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(a.run.uri, ec))
      throw DynlibError(fmt::format("cannot read '{}': no such file", a.run.uri));
    const RunFlags& f = a.run;
    if (f.T || f.N || f.dt || f.t0 || f.transient || !f.sets.empty() || f.preset || f.record_vars ||
        f.stepper_given())
      throw DynlibError(fmt::format(
          "the run flags (-T, -N, --set, ...) apply to a model; '{}' is drawn as it is", f.uri));
    q.data = f.uri;
  } else {
    Sim sim = setup_sim(a.run);
    const ModelInfo& info = sim.model().spec();
    if (a.kind == "cobweb" && info.kind != "map")
      throw DynlibError(
          fmt::format("--kind cobweb draws a map; {} is an {} model", info.name, info.kind));
    const RunOptions ro = run_options(a.run, info);
    const Results& r = run_with_progress(sim, ro, a.quiet);
    if (r.status() != Status::Done)
      fmt::print(stderr, "dynlib: {}: {}\n",
                 r.status() == Status::EarlyExit ? "warning" : "stopped", r.message());
    if (r.size() == 0) throw DynlibError("nothing to draw: the run recorded no samples");
    q.data = tmp.file("run.csv");
    write_results_csv(q.data, r);
    if (a.kind == "cobweb") {
      const std::string var = a.y ? *a.y : info.state_names.front();
      q.curve = tmp.file("graph.csv");
      write_map_graph(*q.curve, sim, ro, var, r);
    }
    if (r.status() == Status::UserBreak) run_status = 130;
  }
  const int rc = render_plot(q);
  if (rc != 0) return rc;
  if (!a.quiet) fmt::print("wrote picture {}\n", a.out);
  return run_status;
}

}  // namespace

void add_plot_commands(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot",
      "Draw a CSV written by run/sweep/bifurcation/lyapunov, or a model run, to PNG/SVG/PDF "
      "(needs matplotlib)");
  add_run_flags(*cmd, a->run,
                "FILE.csv to draw, or a model URI/path to run first (with the run flags)");
  cmd->add_option("--out,-o", a->out, "The picture: FILE.png, FILE.svg or FILE.pdf")->required();
  cmd->add_option("--kind", a->kind,
                  "auto (from the CSV's columns), overview, series, phase, phase3d, "
                  "bifurcation, curve, basin, cobweb")
      ->check(CLI::IsMember(plot_kinds()));
  cmd->add_option("--x", a->x, "Column on the x axis (series: t; phase: a variable)");
  cmd->add_option("--y", a->y, "Column(s) on the y axis, comma-separated (cobweb: the state)");
  cmd->add_option("--z", a->z, "Column on the z axis (phase3d)");
  cmd->add_option("--title", a->title, "The picture's title");
  cmd->add_option("--dpi", a->dpi, "Resolution of PNG output")->check(CLI::Range(10.0, 1200.0));
  cmd->add_option("--size", a->size, "Width and height in inches: --size 8 5")
      ->expected(2)
      ->check(CLI::Range(1.0, 100.0));
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return plot(*a); }); });
}

}  // namespace dynlib::cli

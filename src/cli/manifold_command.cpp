// dynlib manifold URI --fixed-point x=..,y=.. [--stable] [--unstable] --out FILE.csv: the 1-D
// stable and/or unstable manifold of a saddle (trace_manifold_1d_map for maps,
// trace_manifold_1d_ode for ODEs), summarised on the terminal and written as CSV.

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/output_file.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/manifolds.hpp"

namespace dynlib::cli {
namespace {

struct ManifoldArgs {
  std::string uri;
  std::string fixed_point;
  std::vector<std::string> bounds;  // --bounds x=-2:2
  std::vector<std::string> sets;
  std::optional<std::string> preset, out;
  BuildFlags build;
  bool stable = false, unstable = false, quiet = false;
  ManifoldOptions o;
  std::optional<int> eig_rank;
  std::string jac = "auto", inverse = "auto";
  std::optional<double> t;
  std::optional<double> fp_check_tol;  // the CLI refines a rough --fixed-point unless asked
  bool no_resample = false;
};

// "x=1,y=2" (named; the other states keep the initial state) or "1,2" (every state, in order).
std::vector<double> parse_point(const std::string& text, const FullModel& model,
                                std::vector<double> point) {
  const auto items = split_trimmed(text, ',');
  const auto& names = model.layout().state_names();
  const std::string what = fmt::format("--fixed-point {}", text);
  if (text.find('=') != std::string::npos) {
    for (const auto& item : items) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw DynlibError(fmt::format("{}: expected NAME=VALUE items, got '{}'", what, item));
      const NameRef ref =
          model.layout().resolve(item.substr(0, eq), {NameKind::State}, "--fixed-point");
      point[static_cast<size_t>(ref.first())] = parse_number(what, item.substr(eq + 1));
    }
    return point;
  }
  if (items.size() != names.size())
    throw DynlibError(fmt::format("{}: {} value(s) for {} state(s); or name them: {}=...", what,
                                  items.size(), names.size(), names.front()));
  point.clear();
  for (const auto& item : items) point.push_back(parse_number(what, item));
  return point;
}

// "x=-2:2": that state's box.
void parse_bounds(const std::vector<std::string>& texts, const FullModel& model,
                  ManifoldOptions& o) {
  if (texts.empty()) return;
  const size_t n = model.layout().state_names().size();
  o.bounds.assign(n, {-1e300, 1e300});
  for (const auto& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw DynlibError(fmt::format("--bounds expects STATE=MIN:MAX, got '{}'", text));
    const size_t k = static_cast<size_t>(
        model.layout().resolve(text.substr(0, eq), {NameKind::State}, "--bounds").first());
    const auto parts = split_trimmed(text.substr(eq + 1), ':');
    const std::string what = fmt::format("--bounds {}", text);
    if (parts.size() != 2) throw DynlibError(fmt::format("{}: expected MIN:MAX", what));
    o.bounds[k] = {parse_number(what, parts[0]), parse_number(what, parts[1])};
  }
}

void print_summary(const ManifoldResult& r) {
  std::string fp;
  for (size_t i = 0; i < r.fixed_point.size(); ++i)
    fp += fmt::format("{}{}={:.10g}", i ? ", " : "", r.state_names[i], r.fixed_point[i]);
  std::string v;
  for (double x : r.eigenvector) v += fmt::format("{}{:.6g}", v.empty() ? "" : ", ", x);
  fmt::print("{} manifold of the saddle at ({}): eigenvalue {:.8g}, eigenvector ({}), method {}\n",
             r.kind, fp, r.eigenvalue.real(), v, r.method);
  for (size_t b = 0; b < 2; ++b) {
    size_t points = 0;
    for (const ManifoldSegment& seg : r.branches[b].segments) points += seg.count();
    fmt::print("  branch {}: {} points in {} segment(s), traced arc length {:.6g}, stopped by {}\n",
               b == 0 ? "+" : "-", points, r.branches[b].segments.size(), r.branches[b].arclength,
               r.branches[b].stop);
  }
}

// Header: manifold, branch (+1/-1), segment, index, param, the states; one row per point of the
// output segments (clipped to the bounds; ODEs resampled).
void write_csv(const std::string& path, const std::vector<ManifoldResult>& results,
               const FullModel& model) {
  const DType d = model.dtype();
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out, "manifold,branch,segment,index,param");
  for (const auto& n : model.layout().state_names()) fmt::format_to(out, ",{}", n);
  fmt::format_to(out, "\n");
  for (const ManifoldResult& r : results)
    for (size_t b = 0; b < 2; ++b)
      for (size_t g = 0; g < r.branches[b].segments.size(); ++g) {
        const ManifoldSegment& seg = r.branches[b].segments[g];
        for (size_t i = 0; i < seg.count(); ++i) {
          fmt::format_to(out, "{},{},{},{},{:.17g}", r.kind, b == 0 ? 1 : -1, g, i, seg.param[i]);
          for (int k = 0; k < seg.n_state; ++k)
            fmt::format_to(
                out, ",{}",
                format_number(
                    d, seg.points[i * static_cast<size_t>(seg.n_state) + static_cast<size_t>(k)]));
          fmt::format_to(out, "\n");
        }
      }
  OutputFile file(path);
  file.honour_interrupts();
  file.write(buf);
  file.commit();
}

int manifold(const ManifoldArgs& a) {
  ManifoldOptions o = a.o;
  o.jac = parse_fixed_point_jacobian(a.jac);
  o.inverse = parse_manifold_inverse(a.inverse);
  o.eig_rank = a.eig_rank;
  o.t = a.t;
  o.fp_check_tol = a.fp_check_tol;
  if (a.no_resample) o.resample_h.reset();
  BuildOptions bo = build_options(a.build);
  if (o.jac == FixedPointJacobian::Provided) bo.jacobian = "user";
  Sim sim = setup(a.uri, bo);
  if (a.preset) sim.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, sim.model().dtype());
    sim.assign(name, value);
  }
  const FullModel& model = sim.model();
  o.fp = parse_point(a.fixed_point, model, sim.state());
  std::vector<double> params;
  for (const auto& name : model.layout().param_names()) {
    const auto v = sim.param(name);
    params.insert(params.end(), v.begin(), v.end());
  }
  o.param_values = params;
  parse_bounds(a.bounds, model, o);

  std::vector<ManifoldKind> kinds;
  if (a.stable || !a.unstable) kinds.push_back(ManifoldKind::Stable);
  if (a.unstable || !a.stable) kinds.push_back(ManifoldKind::Unstable);
  if (a.out) probe_output(*a.out);  // an unwritable path fails before the work
  std::vector<ManifoldResult> results;
  const bool is_map = model.spec().kind == "map";
  for (ManifoldKind k : kinds) {
    o.kind = k;
    results.push_back(is_map ? trace_manifold_1d_map(model, o) : trace_manifold_1d_ode(model, o));
    if (!a.quiet) print_summary(results.back());
  }
  if (a.out) {
    write_csv(*a.out, results, model);
    if (!a.quiet) fmt::print("wrote {}\n", *a.out);
  }
  return 0;
}

}  // namespace

void add_manifold_commands(CLI::App& app) {
  auto a = std::make_shared<ManifoldArgs>();
  CLI::App* cmd = app.add_subcommand(
      "manifold", "1-D stable/unstable manifolds of a saddle (map or ODE); summary and CSV");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--fixed-point,--fp", a->fixed_point,
                  "Near the saddle (Newton refines it): x=1,y=2 (other states: the initial "
                  "state) or 1,2 (every state)")
      ->required();
  cmd->add_flag("--stable", a->stable, "Trace the stable manifold (default: both)");
  cmd->add_flag("--unstable", a->unstable, "Trace the unstable manifold (default: both)");
  cmd->add_option("--bounds", a->bounds,
                  "STATE=MIN:MAX: the output is clipped to the box; repeatable (unbounded "
                  "states: no limit; ODEs need at least one)");
  cmd->add_option("--clip-margin", a->o.clip_margin,
                  "Trace in the box grown by this fraction of its extent (0.25)");
  cmd->add_option("--set", a->sets, "NAME=VALUE: a param or a state's initial value; repeatable");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--hmax", a->o.hmax, "Maps: largest distance between consecutive points (0.002)");
  cmd->add_option("--alpha-max", a->o.alpha_max,
                  "Maps: largest turning angle at a point, rad (0.3)");
  cmd->add_option("--max-arclength", a->o.max_arclength, "Arc length per branch (no limit)");
  cmd->add_option("--max-points", a->o.max_points,
                  "Points per branch (maps: no limit; ODEs: 50000)");
  cmd->add_option("--max-points-per-segment", a->o.max_points_per_segment,
                  "Maps: points per segment (20000)");
  cmd->add_option("--max-segments", a->o.max_segments, "Maps: segments per branch (200)");
  cmd->add_option("--seed-delta", a->o.seed_delta,
                  "First point's distance from the saddle (maps 1e-7, ODEs 1e-6)");
  cmd->add_option("--steps", a->o.steps, "Maps: most iterates of the fundamental segment (60)");
  cmd->add_option("--dt", a->o.dt, "ODEs: the RK4 step (0.01)");
  cmd->add_option("--max-time", a->o.max_time, "ODEs: longest time per branch (100)");
  cmd->add_option("--resample-h", a->o.resample_h,
                  "ODEs: resample the output every this much arc length (0.01)");
  cmd->add_flag("--no-resample", a->no_resample, "ODEs: output the RK4 points as they are");
  cmd->add_option("--eig-rank", a->eig_rank,
                  "Which stable/unstable eigenvalue when there are several (0: the strongest)");
  cmd->add_option("--strict-1d", a->o.strict_1d,
                  "true: refuse a stable/unstable subspace that is not 1-D unless --eig-rank "
                  "says which; false: take the strongest (true)");
  cmd->add_option("--fp-check-tol", a->fp_check_tol,
                  "Refuse a --fixed-point whose residual exceeds this (default: no check, "
                  "Newton refines it)");
  cmd->add_option("--fd-eps", a->o.fd_eps, "--jac fd: difference step (1e-6)");
  cmd->add_option("--jac", a->jac, "Jacobian: auto | fd | provided");
  cmd->add_option("--inverse", a->inverse,
                  "Maps, stable: auto (the model's inverse, else Newton) | model | newton");
  cmd->add_option("--t", a->t, "Evaluation time (default: the model's t0)");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--out", a->out, "Write the points as CSV to FILE");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return manifold(*a); }); });
}

}  // namespace dynlib::cli

// dynlib basin URI --ic x=A:B:K --ic y=A:B:K (--attractor NAME=X,Y ... | --reference ... |
// --auto) --out basins.csv: basins of attraction over a grid of initial conditions, by
// classification against known attractors (basin_known) or discovery (basin_auto); one CSV row
// per initial condition (the swept states, then `label`) and the summary on standard output.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/grid.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "cli/progress_bar.hpp"
#include "dynlib/basins.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib::cli {
namespace {

struct BasinArgs {
  std::string uri;
  std::vector<std::string> ics;         // --ic NAME=A:B:K | NAME=V1,V2,...
  std::vector<std::string> attractors;  // --attractor NAME=V1,V2[;V1,V2...]
  std::vector<std::string> references;  // --reference NAME=x=1,y=2 | NAME=1,2
  std::vector<std::string> escapes;     // --escape NAME=LO:HI
  bool automatic = false;
  std::vector<std::string> sets;
  std::optional<std::string> preset, out, observe;
  BuildFlags build;
  double radius = 0.05;
  std::optional<double> dt_obs, b_max, tolerance;
  long long max_samples = 1024, transient_samples = 0, signature_samples = 500;
  long long settle = 10;
  bool refine = false;
  long long coarse_factor = 8, boundary_dilation = 1;
  std::optional<long long> outside_limit;
  // --auto
  std::vector<double> obs_min, obs_max;
  std::vector<long long> grid_res{64};
  long long window = 64, recur_windows = 3, p_in = 8, batch_size = 1024, post_detect = 0;
  double u_th = 0.6, s_merge = 0.6;
  int threads = 0;
  bool quiet = false;
};

BasinAxis parse_ic(const std::string& text) {
  if (text.find('=') == std::string::npos)
    throw DynlibError(
        fmt::format("--ic expects NAME=A:B:K or NAME=V1,V2,..., got '{}'", shown_argument(text)));
  const Grid g = parse_grid(text, "--ic");
  if (g.values.empty()) throw DynlibError(fmt::format("--ic {}: no values", shown_argument(text)));
  if (text.find(':') != std::string::npos && g.values.size() > 1)
    return basin_axis(g.name, g.values.front(), g.values.back(),
                      static_cast<long long>(g.values.size()));
  return basin_values(g.name, g.values);
}

// The --ic axes' grid, refused before any axis is built when it has more initial conditions than
// a basin computation takes (the product may not even fit in 64 bits): the size is stated.
void check_ic_grid_size(const std::vector<std::string>& ics) {
  constexpr long long kMaxInitialConditions = 100'000'000;  // basin_ic's limit
  std::vector<long long> sizes;
  long double total = 1;
  for (const auto& text : ics) {
    if (text.find('=') == std::string::npos) continue;  // parse_ic reports it
    sizes.push_back(grid_points(text, "--ic"));
    total *= static_cast<long double>(sizes.back());
  }
  if (total <= kMaxInitialConditions) return;
  std::string product;
  for (long long n : sizes) product += (product.empty() ? "" : " x ") + std::to_string(n);
  throw DynlibError(
      fmt::format("--ic: the grid has {} = {:.3g} initial conditions, more than the "
                  "{} a basin computation takes",
                  product, static_cast<double>(total), kMaxInitialConditions));
}

// "NAME=V1,V2" (a fixed point) or "NAME=V1,V2;V3,V4" (a map cycle), in observed-variable order.
AttractorSpec parse_attractor(const std::string& text, size_t d, double radius) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format(
        "--attractor expects NAME=V1,V2,... (a point) or NAME=V1,V2;V3,V4 (a cycle), got '{}'",
        text));
  const std::string name = text.substr(0, eq);
  const std::string what = fmt::format("--attractor {}", name);
  std::vector<std::vector<double>> points;
  for (const auto& part : split_trimmed(text.substr(eq + 1), ';')) {
    std::vector<double> p;
    for (const auto& item : split_trimmed(part, ',')) p.push_back(parse_number(what, item));
    if (p.size() != d)
      throw DynlibError(fmt::format("{}: a point has {} values, but {} variables are observed",
                                    what, p.size(), d));
    points.push_back(std::move(p));
  }
  if (points.size() == 1) return BasinFixedPoint{name, points[0], {radius}};
  return BasinCycle{name, points, {radius}};
}

// "NAME=x=1,y=2" (named; other states: the model's) or "NAME=1,2" (every state).
AttractorSpec parse_reference(const std::string& text, const FullModel& model) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format(
        "--reference expects NAME=x=1,y=2 or NAME=1,2 (its initial state), got '{}'", text));
  ReferenceRun ref;
  ref.name = text.substr(0, eq);
  const std::string what = fmt::format("--reference {}", ref.name);
  const std::string spec = text.substr(eq + 1);
  ref.ic = model.spec().initial_state;
  const auto items = split_trimmed(spec, ',');
  if (spec.find('=') != std::string::npos) {
    for (const auto& item : items) {
      const auto e = item.find('=');
      if (e == std::string::npos || e == 0)
        throw DynlibError(fmt::format("{}: expected NAME=VALUE items, got '{}'", what, item));
      const NameRef r = model.layout().resolve(item.substr(0, e), {NameKind::State}, what);
      ref.ic[static_cast<size_t>(r.index)] = parse_number(what, item.substr(e + 1));
    }
  } else {
    if (items.size() != ref.ic.size())
      throw DynlibError(fmt::format("{}: {} values for the model's {} states", what, items.size(),
                                    ref.ic.size()));
    for (size_t j = 0; j < items.size(); ++j) ref.ic[j] = parse_number(what, items[j]);
  }
  return ref;
}

void write_csv(const std::optional<std::string>& path, const BasinResult& r, DType d) {
  OutputFile out(path);
  out.honour_interrupts();
  fmt::memory_buffer buf;
  for (const auto& v : r.ic.ic_vars) fmt::format_to(std::back_inserter(buf), "{},", v);
  fmt::format_to(std::back_inserter(buf), "label\n");
  const size_t n_state = r.ic.state_names.size();
  std::vector<size_t> cols;
  for (const auto& v : r.ic.ic_vars)
    cols.push_back(static_cast<size_t>(
        std::find(r.ic.state_names.begin(), r.ic.state_names.end(), v) - r.ic.state_names.begin()));
  for (size_t i = 0; i < r.labels.size(); ++i) {
    for (size_t c : cols)
      fmt::format_to(std::back_inserter(buf), "{},",
                     format_number(d, r.ic.states[i * n_state + c]));
    fmt::format_to(std::back_inserter(buf), "{}\n", r.labels[i]);
    if (buf.size() > (1 << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
  out.commit();
}

int basin(const BasinArgs& a) {
  Sim sim = setup(a.uri, build_options(a.build));
  if (a.preset) sim.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, sim.model().dtype());
    const auto ref = sim.model().layout().find(name);
    if (ref && ref->kind == NameKind::State)
      throw DynlibError(fmt::format(
          "--set {}: '{}' is a state; give it with --ic {}=VALUE (states that are not swept start "
          "at the model's initial value)",
          s, name, name));
    sim.assign(name, value);
  }
  const FullModel& model = sim.model();
  check_ic_grid_size(a.ics);
  BasinIC ic;
  for (const auto& text : a.ics) ic.axes.push_back(parse_ic(text));
  const std::vector<std::string> observe =
      a.observe ? split_list(*a.observe) : model.layout().state_names();
  if (a.automatic == (!a.attractors.empty() || !a.references.empty()))
    throw DynlibError(
        "dynlib basin: give the attractors (--attractor, --reference) or --auto, not both");
  std::vector<std::pair<double, double>> escape;
  if (!a.escapes.empty()) {
    std::map<std::string, std::pair<double, double>> by_name;
    for (const auto& text : a.escapes) {
      const auto eq = text.find('=');
      const auto parts = eq == std::string::npos ? std::vector<std::string>{}
                                                 : split_trimmed(text.substr(eq + 1), ':');
      if (eq == 0 || parts.size() != 2)
        throw DynlibError(fmt::format("--escape expects NAME=LO:HI, got '{}'", text));
      const std::string what = "--escape " + text.substr(0, eq);
      by_name[text.substr(0, eq)] = {parse_number(what, parts[0]), parse_number(what, parts[1])};
    }
    for (const auto& v : observe) {
      const auto it = by_name.find(v);
      if (it == by_name.end())
        throw DynlibError(
            fmt::format("--escape: give a box for every observed variable; '{}' has none", v));
      escape.push_back(it->second);
    }
  }

  ProgressBar bar(!a.quiet);
  auto progress = [&](size_t done, size_t total) {
    bar.update(static_cast<double>(done) / static_cast<double>(total));
  };
  if (a.out) probe_output(*a.out);  // an unwritable path fails before the work

  BasinResult r;
  try {
    InterruptScope interrupt;
    if (a.automatic) {
      BasinAutoOptions o;
      if (a.observe) o.observe_vars = observe;
      o.obs_min = a.obs_min;
      o.obs_max = a.obs_max;
      o.grid_res = a.grid_res;
      o.max_samples = a.max_samples;
      o.transient_samples = a.transient_samples;
      o.window = a.window;
      o.u_th = a.u_th;
      o.recur_windows = a.recur_windows;
      o.s_merge = a.s_merge;
      o.p_in = a.p_in;
      o.b_max = a.b_max;
      if (a.outside_limit) o.outside_limit = *a.outside_limit;
      o.dt_obs = a.dt_obs;
      o.batch_size = a.batch_size;
      o.post_detect_samples = a.post_detect;
      o.threads = a.threads;
      o.progress = progress;
      o.stop = InterruptScope::stop_flag();
      r = basin_auto(sim, ic, o);
    } else {
      std::vector<AttractorSpec> specs;
      for (const auto& t : a.attractors)
        specs.push_back(parse_attractor(t, observe.size(), a.radius));
      for (const auto& t : a.references) specs.push_back(parse_reference(t, model));
      BasinKnownOptions o;
      o.observe_vars = observe;
      o.escape_bounds = escape;
      o.dt_obs = a.dt_obs;
      o.max_samples = a.max_samples;
      o.transient_samples = a.transient_samples;
      o.signature_samples = a.signature_samples;
      if (a.tolerance) o.tolerance = *a.tolerance;
      o.b_max = a.b_max;
      o.outside_limit = a.outside_limit;
      o.fixed_point_settle_steps = a.settle;
      o.refine = a.refine;
      o.coarse_factor = a.coarse_factor;
      o.boundary_dilation = a.boundary_dilation;
      o.threads = a.threads;
      o.progress = progress;
      o.stop = InterruptScope::stop_flag();
      r = basin_known(sim, specs, ic, o);
    }
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();

  write_csv(a.out, r, model.dtype());
  if (!a.quiet && a.out) {
    fmt::print("{}", basin_summary(r, std::nullopt, false));
    fmt::print("wrote {} initial conditions ({} thread{}) to {}\n", r.labels.size(), r.threads,
               r.threads == 1 ? "" : "s", *a.out);
  }
  if (r.stopped) {
    fmt::print(stderr, "dynlib: stopped (Ctrl+C); the rest is labelled unresolved ({})\n",
               BASIN_UNRESOLVED);
    return 130;
  }
  return 0;
}

}  // namespace

void add_basin_commands(CLI::App& app) {
  auto a = std::make_shared<BasinArgs>();
  CLI::App* cmd = app.add_subcommand(
      "basin",
      "Basins of attraction over a grid of initial states (known attractors or --auto); CSV");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--ic", a->ics,
                  "STATE=A:B:K (K points from A to B) or STATE=V1,V2,...; repeat for a grid (the "
                  "first varies slowest); other states keep their initial value")
      ->required();
  cmd->add_option("--attractor", a->attractors,
                  "NAME=V1,V2,...: a fixed point (observed variables in order), or "
                  "NAME=V1,V2;V3,V4: a map's cycle; repeatable; labels 0, 1, ... in order given "
                  "(--attractor first, then --reference)");
  cmd->add_option("--reference", a->references,
                  "NAME=x=1,y=2 (or NAME=1,2): an attractor given by the run from that state "
                  "(limit cycles, chaotic attractors); repeatable");
  cmd->add_flag("--auto", a->automatic, "Discover the attractors (basin_auto, PCR-BM)");
  cmd->add_option("--radius", a->radius, "--attractor: the radius around a point (default 0.05)");
  cmd->add_option("--observe", a->observe,
                  "Comma-separated observed states (default: every state)");
  cmd->add_option("--escape", a->escapes,
                  "NAME=LO:HI per observed variable: leaving the box is OUTSIDE (-2)");
  cmd->add_option("--outside-limit", a->outside_limit,
                  "Samples in a row outside the box before OUTSIDE");
  cmd->add_option("--b-max", a->b_max, "|value| above this is BLOWUP (-1)");
  cmd->add_option("--dt-obs", a->dt_obs,
                  "Sample interval = step (default: the model's [sim] dt; ODEs: fixed-step "
                  "steppers)");
  cmd->add_option("--max-samples", a->max_samples,
                  "Samples per initial condition before UNRESOLVED (-3) (default 1024)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--transient-samples", a->transient_samples,
                  "Samples before matching / detection starts (default 0)");
  cmd->add_option("--signature-samples", a->signature_samples,
                  "--reference: samples in the signature (default 500)");
  cmd->add_option("--tolerance", a->tolerance,
                  "--reference: matching cell size, relative to the signatures' extent (0.1)");
  cmd->add_option("--settle", a->settle,
                  "--attractor: samples in a row within the radius (default 10)");
  cmd->add_flag("--refine", a->refine,
                "Coarse-to-fine: classify a coarse grid, then only near its basin boundaries");
  cmd->add_option("--coarse-factor", a->coarse_factor, "--refine: coarse grid step (default 8)");
  cmd->add_option("--boundary-dilation", a->boundary_dilation,
                  "--refine: coarse cells around a boundary also refined (default 1)");
  cmd->add_option("--obs-min", a->obs_min,
                  "--auto: lower corner of the observation box (one value or one per variable)");
  cmd->add_option("--obs-max", a->obs_max, "--auto: upper corner of the observation box");
  cmd->add_option("--grid-res", a->grid_res, "--auto: cells per observed axis (default 64)");
  cmd->add_option("--window", a->window, "--auto: recurrence window (default 64)");
  cmd->add_option("--u-th", a->u_th, "--auto: distinct cells / window threshold (default 0.6)");
  cmd->add_option("--recur-windows", a->recur_windows,
                  "--auto: recurrent windows in a row (default 3)");
  cmd->add_option("--s-merge", a->s_merge, "--auto: merge similarity (default 0.6)");
  cmd->add_option("--p-in", a->p_in, "--auto: persistence samples (default 8)");
  cmd->add_option("--post-detect-samples", a->post_detect,
                  "--auto: evidence samples taken after a detection (default 0)");
  cmd->add_option("--batch-size", a->batch_size, "--auto: initial conditions per block (1024)");
  cmd->add_option("--set", a->sets,
                  "NAME=VALUE: a param; arrays as NAME=[1,2,3] (states: --ic NAME=VALUE)");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--stepper", a->build.stepper, "Stepper name or alias");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", a->out, "Write the CSV to FILE (default: standard output)");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return basin(*a); }); });
}

}  // namespace dynlib::cli

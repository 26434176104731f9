// dynlib fixed-points URI [--seed ...] [--grid NAME=A:B:K]: equilibria of an ODE or fixed/period-k
// points of a map by damped Newton from seeds (find_fixed_points), printed as a table (point,
// residual, eigenvalues, stability, type) and written as CSV with --out.

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "cli/progress_bar.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

namespace dynlib::cli {
namespace {

struct FixedPointArgs {
  std::string uri;
  std::vector<std::string> seeds;  // --seed x=1,y=2 | 1,2
  std::vector<std::string> grids;  // --grid NAME=A:B:K
  std::vector<std::string> sets;
  std::optional<std::string> preset, out;
  BuildFlags build;
  int period = 1;
  std::string jac = "auto";
  double tol = 1e-10, unique_tol = 1e-6, fd_eps = 1e-6, stability_tol = 1e-6;
  int max_iter = 50;
  bool fd_central = false, no_classify = false, quiet = false;
  std::optional<double> t;
};

// "x=1,y=2" (named; the other states keep the default seed) or "1,2" (every state, in order).
std::vector<double> parse_seed(const std::string& text, const FullModel& model,
                               const std::vector<double>& default_state) {
  const auto items = split_trimmed(text, ',');
  const auto& names = model.layout().state_names();
  const std::string what = fmt::format("--seed {}", text);
  if (text.find('=') != std::string::npos) {
    std::vector<double> seed = default_state;
    for (const auto& item : items) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw DynlibError(fmt::format("{}: expected NAME=VALUE items, got '{}'", what, item));
      const NameRef ref = model.layout().resolve(item.substr(0, eq), {NameKind::State}, "--seed");
      seed[static_cast<size_t>(ref.first())] = parse_number(what, item.substr(eq + 1));
    }
    return seed;
  }
  if (items.size() != names.size()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
    throw DynlibError(fmt::format("{}: {} value{} for {} state{} ({}); or name them: --seed {}=...",
                                  what, items.size(), items.size() == 1 ? "" : "s", names.size(),
                                  names.size() == 1 ? "" : "s", list, names.front()));
  }
  std::vector<double> seed;
  for (const auto& item : items) seed.push_back(parse_number(what, item));
  return seed;
}

struct Axis {
  int state = 0;
  std::vector<double> values;
};

// "x=-2:2:5": 5 values from -2 to 2 (both included) for state x.
Axis parse_search_axis(const std::string& text, const FullModel& model) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DynlibError(fmt::format("--grid expects STATE=A:B:K, got '{}'", text));
  Axis axis;
  axis.state = model.layout().resolve(text.substr(0, eq), {NameKind::State}, "--grid").first();
  const std::string what = fmt::format("--grid {}", text.substr(0, eq));
  const auto parts = split_trimmed(text.substr(eq + 1), ':');
  if (parts.size() != 3)
    throw DynlibError(
        fmt::format("{}: expected A:B:K (from, to, points), got '{}'", what, text.substr(eq + 1)));
  const double a = parse_number(what, parts[0]), b = parse_number(what, parts[1]);
  const double k = parse_number(what, parts[2]);
  if (!(k >= 1) || k != std::floor(k) || k > 1e7)
    throw DynlibError(
        fmt::format("{}: the number of points K = {} must be a whole number >= 1", what, parts[2]));
  const size_t n = static_cast<size_t>(k);
  for (size_t i = 0; i < n; ++i)
    axis.values.push_back(n == 1 ? a
                          : i + 1 == n
                              ? b
                              : a + static_cast<double>(i) * (b - a) / static_cast<double>(n - 1));
  return axis;
}

// Seeds of the grids' cartesian product (the last axis varies fastest).
void add_grid_seeds(const std::vector<Axis>& axes, const std::vector<double>& base,
                    std::vector<std::vector<double>>& seeds) {
  size_t total = 1;
  for (const auto& a : axes) {
    if (total > 10000000 / a.values.size()) throw DynlibError("--grid: more than 1e7 seeds");
    total *= a.values.size();
  }
  for (size_t i = 0; i < total; ++i) {
    std::vector<double> seed = base;
    size_t rest = i;
    for (size_t j = axes.size(); j-- > 0;) {
      seed[static_cast<size_t>(axes[j].state)] = axes[j].values[rest % axes[j].values.size()];
      rest /= axes[j].values.size();
    }
    seeds.push_back(std::move(seed));
  }
}

std::string format_eigenvalue(std::complex<double> l) {
  if (l.imag() == 0) return fmt::format("{:.6g}", l.real());
  return fmt::format("{:.6g}{}{:.6g}i", l.real(), l.imag() < 0 ? "-" : "+", std::fabs(l.imag()));
}

void print_table(const FixedPointResult& r, const FullModel& model) {
  const auto& names = model.layout().state_names();
  size_t converged = 0;
  for (const auto& s : r.seeds) converged += s.converged ? 1 : 0;
  const bool is_map = r.kind == "map";
  fmt::print("model {} ({}{}): {} point{} in {} {} from {} seed{} ({} converged)\n",
             model.spec().name, r.kind, is_map ? fmt::format(", period {}", r.period) : "",
             r.points.size(), r.points.size() == 1 ? "" : "s", r.cycles,
             is_map ? (r.cycles == 1 ? "cycle" : "cycles")
                    : (r.cycles == 1 ? "equilibrium" : "equilibria"),
             r.seeds.size(), r.seeds.size() == 1 ? "" : "s", converged);
  if (r.points.empty()) return;
  fmt::print("{:>4}", "#");
  if (is_map) fmt::print(" {:>5} {:>6}", "cycle", "period");
  for (const auto& n : names) fmt::print(" {:>14}", n);
  fmt::print(" {:>10}  {:<10} {:<15} {}\n", "residual", "stability", "type", "eigenvalues");
  for (size_t i = 0; i < r.points.size(); ++i) {
    const FixedPoint& p = r.points[i];
    fmt::print("{:>4}", i);
    if (is_map) fmt::print(" {:>5} {:>6}", p.cycle, p.period);
    for (double v : p.x) fmt::print(" {:>14.8g}", v);
    std::string eigs;
    for (auto l : p.eigenvalues) eigs += (eigs.empty() ? "" : ", ") + format_eigenvalue(l);
    fmt::print(" {:>10.3g}  {:<10} {:<15} {}\n", p.residual, p.stability, p.type, eigs);
  }
}

// Header: point, cycle, period, the states, residual, stability, type, eig<k>_re, eig<k>_im,
// seed; one row per point at round-trip precision.
void write_csv(const std::string& path, const FixedPointResult& r, const FullModel& model) {
  const DType d = model.dtype();
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out, "point,cycle,period");
  for (const auto& n : model.layout().state_names()) fmt::format_to(out, ",{}", n);
  fmt::format_to(out, ",residual,stability,type");
  for (int k = 0; k < model.layout().n_state(); ++k)
    fmt::format_to(out, ",eig{}_re,eig{}_im", k, k);
  fmt::format_to(out, ",seed\n");
  for (size_t i = 0; i < r.points.size(); ++i) {
    const FixedPoint& p = r.points[i];
    fmt::format_to(out, "{},{},{}", i, p.cycle, p.period);
    for (double v : p.x) fmt::format_to(out, ",{}", format_number(d, v));
    fmt::format_to(out, ",{:.17g},{},{}", p.residual, p.stability, p.type);
    if (p.eigenvalues.empty())
      for (int k = 0; k < model.layout().n_state(); ++k) fmt::format_to(out, ",,");
    for (auto l : p.eigenvalues) fmt::format_to(out, ",{:.17g},{:.17g}", l.real(), l.imag());
    fmt::format_to(out, ",{}\n", p.seed);
  }
  OutputFile file(path);
  file.honour_interrupts();
  file.write(buf);
  file.commit();
}

int fixed_points(const FixedPointArgs& a) {
  FixedPointOptions o;
  o.jac = parse_fixed_point_jacobian(a.jac);
  BuildOptions bo = build_options(a.build);
  if (o.jac == FixedPointJacobian::Provided) bo.jacobian = "user";
  // A Sim applies --preset and --set exactly as `dynlib run` does; its params are the search's
  // and its (initial) state the default seed.
  Sim sim = setup(a.uri, bo);
  if (a.preset) sim.apply_preset(*a.preset);
  for (const auto& s : a.sets) {
    auto [name, value] = parse_assignment(s, sim.model().dtype());
    sim.assign(name, value);
  }
  const FullModel& model = sim.model();
  const std::vector<double> state = sim.state();
  std::vector<double> params;
  for (const auto& name : model.layout().param_names()) {
    const auto v = sim.param(name);
    params.insert(params.end(), v.begin(), v.end());
  }
  for (const auto& s : a.seeds) o.seeds.push_back(parse_seed(s, model, state));
  if (!a.grids.empty()) {
    std::vector<Axis> axes;
    for (const auto& g : a.grids) axes.push_back(parse_search_axis(g, model));
    add_grid_seeds(axes, state, o.seeds);
  }
  o.param_values = params;
  o.t = a.t;
  o.period = a.period;
  o.tol = a.tol;
  o.max_iter = a.max_iter;
  o.unique_tol = a.unique_tol;
  o.fd_eps = a.fd_eps;
  o.fd_central = a.fd_central;
  o.classify = !a.no_classify;
  o.stability_tol = a.stability_tol;
  ProgressBar bar(!a.quiet);
  o.progress = [&](size_t done, size_t total) {
    bar.update(static_cast<double>(done) / static_cast<double>(total));
  };
  o.stop = InterruptScope::stop_flag();

  if (a.out) probe_output(*a.out);  // an unwritable path fails before the work
  FixedPointResult r;
  try {
    InterruptScope interrupt;
    r = find_fixed_points(model, o);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();

  if (!a.quiet) print_table(r, model);
  if (a.out) {
    write_csv(*a.out, r, model);
    if (!a.quiet)
      fmt::print("wrote {} point{} to {}\n", r.points.size(), r.points.size() == 1 ? "" : "s",
                 *a.out);
  }
  size_t failed = 0, first = r.seeds.size();
  for (size_t i = 0; i < r.seeds.size(); ++i)
    if (!r.seeds[i].converged && !r.stopped) {
      ++failed;
      if (first == r.seeds.size()) first = i;
    }
  if (failed > 0)
    fmt::print(stderr,
               "dynlib: warning: {} of {} seeds did not converge; the first (seed {}): {}\n",
               failed, r.seeds.size(), first, r.seeds[first].message);
  if (r.stopped) {
    fmt::print(stderr, "dynlib: stopped (Ctrl+C); the points above are from the seeds done\n");
    return 130;
  }
  return r.points.empty() ? 3 : 0;
}

}  // namespace

void add_fixed_points_commands(CLI::App& app) {
  auto a = std::make_shared<FixedPointArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fixed-points",
      "Equilibria (ODE) or fixed/period-K points (map) by Newton from seeds; table and CSV");
  cmd->add_option("uri", a->uri, "Model URI or path")->required();
  cmd->add_option("--seed", a->seeds,
                  "A Newton start: x=1,y=2 (other states: the initial state) or 1,2 (every "
                  "state); repeatable (default: the initial state)");
  cmd->add_option("--grid", a->grids,
                  "STATE=A:B:K: K seeds from A to B for that state; repeat for a grid of seeds "
                  "(added to any --seed)");
  cmd->add_option("--set", a->sets,
                  "NAME=VALUE: a param (or a state's initial value, the default seed); arrays "
                  "as NAME=[1,2,3]; repeatable");
  cmd->add_option("--preset", a->preset, "Apply a named preset first");
  cmd->add_option("--period", a->period, "Maps: points of F^K(x) = x (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--jac", a->jac,
                  "Newton's Jacobian: auto (symbolic, default) | fd (differences) | provided "
                  "(the model's [equations.jacobian])");
  cmd->add_option("--tol", a->tol, "Converged when ||residual|| <= TOL (default 1e-10)");
  cmd->add_option("--max-iter", a->max_iter, "Newton steps per seed (default 50)");
  cmd->add_option("--unique-tol", a->unique_tol,
                  "Merge solutions closer than this (default 1e-6; 0 keeps every one)");
  cmd->add_option("--fd-eps", a->fd_eps, "--jac fd: relative step (default 1e-6)");
  cmd->add_flag("--fd-central", a->fd_central, "--jac fd: central differences");
  cmd->add_option("--stability-tol", a->stability_tol,
                  "Eigenvalues within this of Re = 0 (ODE) or |l| = 1 (map) are neutral");
  cmd->add_flag("--no-classify", a->no_classify, "Skip eigenvalues and stability");
  cmd->add_option("--t", a->t, "Evaluation time (default: the model's t0)");
  add_build_flags(*cmd, a->build);
  cmd->add_option("--out", a->out, "Write the points as CSV to FILE");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  cmd->callback([a] { set_action([a] { return fixed_points(*a); }); });
}

}  // namespace dynlib::cli

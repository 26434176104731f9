// find_fixed_points(): Newton from every seed, then deduplication (points, or maps' whole cycles),
// minimal periods, Jacobians and classification of what was found.

#include "dynlib/fixed_points.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "analysis/fixed_point_classify.hpp"
#include "analysis/fixed_point_system.hpp"

namespace dynlib {

FixedPointJacobian parse_fixed_point_jacobian(const std::string& text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "auto") return FixedPointJacobian::Auto;
  if (t == "fd" || t == "finite-diff" || t == "finite_diff") return FixedPointJacobian::Fd;
  if (t == "provided" || t == "analytic" || t == "model" || t == "user")
    return FixedPointJacobian::Provided;
  throw DynlibError(fmt::format(
      "jac must be 'auto', 'fd' (finite differences) or 'provided' (also 'analytic': the "
      "model's [equations.jacobian]), got '{}'",
      text));
}

const char* fixed_point_jacobian_name(FixedPointJacobian jac) {
  switch (jac) {
    case FixedPointJacobian::Auto:
      return "auto";
    case FixedPointJacobian::Fd:
      return "fd";
    case FixedPointJacobian::Provided:
      return "provided";
  }
  return "?";
}

std::vector<double> named_seed(const FullModel& model,
                               const std::map<std::string, double>& values) {
  std::vector<double> seed = model.spec().initial_state;
  for (const auto& [name, value] : values) {
    const NameRef ref = model.layout().resolve(name, {NameKind::State}, "seed");
    seed[static_cast<size_t>(ref.first())] = value;
  }
  return seed;
}

namespace {

using analysis::FixedPointSystem;

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_options(const FullModel& model, const FixedPointOptions& o) {
  const ModelInfo& info = model.spec();
  if (model.dtype() == DType::Int64)
    throw DynlibError(fmt::format(
        "find_fixed_points: model '{}' is int64; fixed points need a float64 or float32 model "
        "(Newton steps and Jacobians are real-valued)",
        info.name));
  if (!(o.tol > 0))
    throw DynlibError(fmt::format("find_fixed_points: tol must be > 0, got {}", o.tol));
  if (o.max_iter <= 0)
    throw DynlibError(fmt::format("find_fixed_points: max_iter must be > 0, got {}", o.max_iter));
  if (!(o.fd_eps > 0))
    throw DynlibError(fmt::format("find_fixed_points: fd_eps must be > 0, got {}", o.fd_eps));
  if (!(o.stability_tol >= 0))
    throw DynlibError(
        fmt::format("find_fixed_points: stability_tol must be >= 0, got {}", o.stability_tol));
  if (o.period < 1)
    throw DynlibError(fmt::format("find_fixed_points: period must be >= 1, got {}", o.period));
  if (o.period != 1 && info.kind != "map")
    throw DynlibError(fmt::format(
        "find_fixed_points: period {} asks for periodic points of a map, but model '{}' is an "
        "ODE (its equilibria have no period)",
        o.period, info.name));
  if (o.jac == FixedPointJacobian::Provided && !info.has_jacobian)
    throw DynlibError(fmt::format(
        "find_fixed_points: jac = 'provided' uses the model's [equations.jacobian], but model "
        "'{}' has none; use jac = 'auto' (the symbolic Jacobian) or 'fd'",
        info.name));
}

std::vector<double> resolve_params(const FullModel& model, const FixedPointOptions& o) {
  const Layout& layout = model.layout();
  if (o.param_values) {
    if (!o.params.empty())
      throw DynlibError(
          "find_fixed_points: give params either as the whole vector or by name, not both");
    if (o.param_values->size() != static_cast<size_t>(layout.n_param_values()))
      throw DynlibError(fmt::format(
          "find_fixed_points: the parameter vector has {} values; model '{}' has {} ({})",
          o.param_values->size(), model.spec().name, layout.n_param_values(),
          join(layout.param_value_labels())));
    return *o.param_values;
  }
  std::vector<double> p;
  for (const auto& values : model.spec().param_values)
    p.insert(p.end(), values.begin(), values.end());
  for (const auto& [name, value] : o.params) {
    const NameRef ref = layout.resolve(name, {NameKind::Param}, "find_fixed_points");
    // Integers (Value's exact alternatives) become doubles here: this computes in floating point.
    const std::vector<double> vs = value_as_doubles(value);
    const bool is_scalar =
        std::holds_alternative<double>(value) || std::holds_alternative<long long>(value);
    if (is_scalar) {
      if (ref.count() != 1)
        throw DynlibError(fmt::format(
            "find_fixed_points: param '{}' is an array of {} values; give {} values or one "
            "element as {}[k]",
            name, ref.count(), ref.count(), name));
      p[static_cast<size_t>(ref.first())] = vs[0];
    } else {
      if (vs.size() != static_cast<size_t>(ref.count()))
        throw DynlibError(fmt::format("find_fixed_points: param '{}' takes {} value{}, got {}",
                                      name, ref.count(), ref.count() == 1 ? "" : "s", vs.size()));
      std::copy(vs.begin(), vs.end(), p.begin() + ref.first());
    }
  }
  return p;
}

std::vector<std::vector<double>> resolve_seeds(const FullModel& model, const FixedPointOptions& o) {
  if (o.seeds.empty()) return {model.spec().initial_state};
  const auto& names = model.layout().state_names();
  for (size_t i = 0; i < o.seeds.size(); ++i)
    if (o.seeds[i].size() != names.size())
      throw DynlibError(
          fmt::format("find_fixed_points: seed {} has {} value{}; model '{}' has {} state{} ({})",
                      i, o.seeds[i].size(), o.seeds[i].size() == 1 ? "" : "s", model.spec().name,
                      names.size(), names.size() == 1 ? "" : "s", join(names)));
  return o.seeds;
}

// A solution of F^k(x) = x has minimal period d, the smallest divisor of k with F^d(x) = x to
// within `same` (points closer than that are one point).
int minimal_period(const FixedPointSystem& system, const std::vector<double>& x, int k,
                   double same) {
  std::vector<double> y(x.size());
  for (int d = 1; d < k; ++d) {
    if (k % d != 0) continue;
    system.iterate(x.data(), d, y.data());
    if (distance(x, y) <= same) return d;
  }
  return k;
}

// One distinct solution: an equilibrium, or a map's cycle (its orbit from the first point).
struct Cycle {
  std::vector<std::vector<double>> orbit;
  double residual = 0;
  int seed = -1;
};

}  // namespace

FixedPointResult find_fixed_points(const FullModel& model, const FixedPointOptions& options) {
  check_options(model, options);
  FixedPointResult result;
  const ModelInfo& info = model.spec();
  result.kind = info.kind;
  result.period = options.period;
  result.t = options.t ? *options.t : info.t0;
  result.params = resolve_params(model, options);
  const auto seeds = resolve_seeds(model, options);
  const FixedPointSystem system(model, result.t, result.params, options);
  const bool is_map = system.is_map();
  const int n = system.n();
  const int k = options.period;
  // Two solutions closer than this are the same point; with deduplication off, periods are
  // still told apart at the convergence tolerance.
  const double same = options.unique_tol > 0 ? options.unique_tol : options.tol;

  std::vector<Cycle> cycles;
  std::vector<int> seed_cycle(seeds.size(), -1);
  for (size_t s = 0; s < seeds.size(); ++s) {
    FixedPointSeed& out = result.seeds.emplace_back();
    out.start = seeds[s];
    if (options.stop && options.stop->load()) {
      result.stopped = true;
      out.x = seeds[s];
      out.residual = std::nan("");
      out.message = "not run: stopped";
      continue;
    }
    analysis::NewtonOutcome newton =
        analysis::solve_newton(system, seeds[s], k, options.tol, options.max_iter);
    out.x = newton.x;
    out.residual = newton.residual;
    out.converged = newton.converged;
    out.iterations = newton.iterations;
    out.message = newton.message;
    if (!newton.converged && std::isfinite(newton.residual) && model.dtype() == DType::Float32 &&
        options.tol < 1e-6)
      out.message += "; a float32 model's values are rounded to about 1e-7: use tol ~ 1e-5";
    if (options.progress) options.progress(s + 1, seeds.size());
    if (!newton.converged) continue;

    const int d = is_map ? minimal_period(system, newton.x, k, same) : 1;
    Cycle found{{newton.x}, newton.residual, static_cast<int>(s)};
    for (int j = 1; j < d; ++j) {
      std::vector<double> next(n);
      system.apply(found.orbit.back().data(), next.data());
      found.orbit.push_back(std::move(next));
    }
    // The same solution as one found before: the same period and one of its points nearby.
    // Keep the copy Newton solved more accurately.
    int match = -1;
    if (options.unique_tol > 0) {
      for (size_t c = 0; c < cycles.size() && match < 0; ++c) {
        if (cycles[c].orbit.size() != found.orbit.size()) continue;
        for (const auto& p : cycles[c].orbit)
          if (distance(p, newton.x) <= options.unique_tol) match = static_cast<int>(c);
      }
    }
    if (match < 0) {
      seed_cycle[s] = static_cast<int>(cycles.size());
      cycles.push_back(std::move(found));
    } else {
      seed_cycle[s] = match;
      if (found.residual < cycles[match].residual) cycles[match] = std::move(found);
    }
  }

  // Every point of every cycle, with its residual, Jacobian and classification; a cycle's points
  // share the label of its first point (their eigenvalues agree up to rounding).
  std::vector<size_t> first_point(cycles.size());
  for (size_t c = 0; c < cycles.size(); ++c) {
    first_point[c] = result.points.size();
    const int d = static_cast<int>(cycles[c].orbit.size());
    for (int j = 0; j < d; ++j) {
      FixedPoint& p = result.points.emplace_back();
      p.x = cycles[c].orbit[static_cast<size_t>(j)];
      p.period = d;
      p.cycle = static_cast<int>(c);
      p.seed = cycles[c].seed;
      std::vector<double> g(n);
      system.residual(p.x.data(), d, g.data());
      p.residual = std::sqrt(std::inner_product(g.begin(), g.end(), g.begin(), 0.0));
      p.jacobian.resize(static_cast<size_t>(n) * n);
      system.dynamics_jacobian(p.x.data(), d, p.jacobian.data());
      if (!options.classify) continue;
      analysis::Eigensystem e = analysis::eigensystem(p.jacobian, n);
      p.eigenvalues = std::move(e.values);
      p.eigenvectors = std::move(e.vectors);
      if (j == 0) {
        p.stability = analysis::stability_label(is_map, p.eigenvalues, options.stability_tol);
        p.type = analysis::point_type(is_map, p.eigenvalues, options.stability_tol);
      } else {
        p.stability = result.points[first_point[c]].stability;
        p.type = result.points[first_point[c]].type;
      }
    }
  }
  result.cycles = static_cast<int>(cycles.size());

  // Each converged seed points at the point of its cycle it converged to.
  for (size_t s = 0; s < seeds.size(); ++s) {
    const int c = seed_cycle[s];
    if (c < 0) continue;
    size_t best = first_point[static_cast<size_t>(c)];
    for (size_t i = best; i < result.points.size() && result.points[i].cycle == c; ++i)
      if (distance(result.points[i].x, result.seeds[s].x) <
          distance(result.points[best].x, result.seeds[s].x))
        best = i;
    result.seeds[s].point = static_cast<int>(best);
  }
  return result;
}

}  // namespace dynlib

// Options, the fixed point and the manifold's eigen-direction, shared by both tracers
// (docs/manifolds.md).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "analysis/manifold_internal.hpp"
#include "support/text.hpp"

namespace dynlib {

namespace {

std::string lower(const std::string& text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

}  // namespace

ManifoldKind parse_manifold_kind(const std::string& text) {
  const std::string t = lower(text);
  if (t == "stable") return ManifoldKind::Stable;
  if (t == "unstable") return ManifoldKind::Unstable;
  const std::string hint = support::did_you_mean(t, {"stable", "unstable"});
  throw DynlibError(fmt::format("kind must be 'stable' or 'unstable', got '{}'{}", text,
                                hint.empty() ? "" : "; " + hint));
}

const char* manifold_kind_name(ManifoldKind kind) {
  return kind == ManifoldKind::Stable ? "stable" : "unstable";
}

ManifoldInverse parse_manifold_inverse(const std::string& text) {
  const std::string t = lower(text);
  if (t == "auto") return ManifoldInverse::Auto;
  if (t == "model" || t == "inverse" || t == "inv_rhs") return ManifoldInverse::Model;
  if (t == "newton") return ManifoldInverse::Newton;
  const std::string hint = support::did_you_mean(t, {"auto", "model", "inverse", "newton"});
  throw DynlibError(fmt::format(
      "inverse must be 'auto', 'model' (the model's [equations.inverse]) or 'newton', got '{}'{}",
      text, hint.empty() ? "" : "; " + hint));
}

const char* manifold_inverse_name(ManifoldInverse inv) {
  switch (inv) {
    case ManifoldInverse::Auto:
      return "auto";
    case ManifoldInverse::Model:
      return "model";
    case ManifoldInverse::Newton:
      return "newton";
  }
  return "auto";
}

namespace analysis {

double manifold_seed_delta(const ManifoldOptions& o, bool is_map) {
  return o.seed_delta.value_or(is_map ? 1e-7 : 1e-6);
}

std::optional<int> manifold_max_points(const ManifoldOptions& o, bool is_map) {
  if (o.max_points) return o.max_points;
  if (is_map) return std::nullopt;
  return 50000;
}

namespace {

void check_options(const FullModel& model, const ManifoldOptions& o, bool is_map,
                   const char* function) {
  const ModelInfo& info = model.spec();
  if (info.kind != (is_map ? "map" : "ode"))
    throw DynlibError(fmt::format("{}: model '{}' is {} {}; use {}", function, info.name,
                                  info.kind == "ode" ? "an" : "a", info.kind,
                                  is_map ? "trace_manifold_1d_ode" : "trace_manifold_1d_map"));
  if (info.dtype == DType::Int64)
    throw DynlibError(
        fmt::format("{}: model '{}' is an int64 map; manifolds need a floating-point model",
                    function, info.name));
  const size_t n = info.state_names.size();
  if (!o.fp.empty() && o.fp.size() != n)
    throw DynlibError(fmt::format("{}: fp has {} values, model '{}' has {} states", function,
                                  o.fp.size(), info.name, n));
  for (double v : o.fp)
    if (!std::isfinite(v)) throw DynlibError(fmt::format("{}: fp must be finite", function));
  if (!o.bounds.empty()) {
    if (o.bounds.size() != n)
      throw DynlibError(fmt::format("{}: bounds has {} [min, max] pairs, model '{}' has {} states",
                                    function, o.bounds.size(), info.name, n));
    for (size_t i = 0; i < n; ++i) {
      const auto [lo, hi] = o.bounds[i];
      if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo))
        throw DynlibError(
            fmt::format("{}: bounds of '{}' must be finite with max > min, got [{}, {}]", function,
                        info.state_names[i], lo, hi));
    }
  }
  auto positive = [&](const char* name, double v) {
    if (!(v > 0) || !std::isfinite(v))
      throw DynlibError(
          fmt::format("{}: {} must be positive and finite, got {}", function, name, v));
  };
  if (!is_map && o.bounds.empty())
    throw DynlibError(fmt::format(
        "{}: bounds is required ([min, max] per state): a branch is followed until it leaves them",
        function));
  if (o.seed_delta) positive("seed_delta", *o.seed_delta);
  positive("hmax", o.hmax);
  if (!(o.max_arclength > 0))
    throw DynlibError(
        fmt::format("{}: max_arclength must be positive, got {}", function, o.max_arclength));
  positive("min_step", o.min_step);
  positive("newton_tol", o.newton_tol);
  positive("fd_eps", o.fd_eps);
  if (!(o.clip_margin >= 0) || !std::isfinite(o.clip_margin))
    throw DynlibError(fmt::format("{}: clip_margin must be non-negative and finite, got {}",
                                  function, o.clip_margin));
  if (o.fp_check_tol && !(*o.fp_check_tol >= 0))
    throw DynlibError(fmt::format("{}: fp_check_tol must be non-negative (or None), got {}",
                                  function, *o.fp_check_tol));
  if (o.resample_h) positive("resample_h", *o.resample_h);
  if (o.max_points_per_segment < 2)
    throw DynlibError(fmt::format("{}: max_points_per_segment must be >= 2, got {}", function,
                                  o.max_points_per_segment));
  if (o.max_segments < 1)
    throw DynlibError(
        fmt::format("{}: max_segments must be >= 1, got {}", function, o.max_segments));
  if (!(o.alpha_max > 0 && o.alpha_max <= 3.141592653589793))
    throw DynlibError(
        fmt::format("{}: alpha_max must be in (0, pi] radians, got {}", function, o.alpha_max));
  if (o.max_points && *o.max_points < 2)
    throw DynlibError(fmt::format("{}: max_points must be >= 2, got {}", function, *o.max_points));
  if (o.newton_max_iter < 1)
    throw DynlibError(
        fmt::format("{}: newton_max_iter must be >= 1, got {}", function, o.newton_max_iter));
  if (is_map && o.steps < 0)
    throw DynlibError(fmt::format("{}: steps must be >= 0, got {}", function, o.steps));
  if (!is_map) {
    positive("dt", o.dt);
    positive("max_time", o.max_time);
  }
  for (auto [name, v] :
       {std::pair{"eig_unit_tol", o.eig_unit_tol}, std::pair{"eig_real_tol", o.eig_real_tol},
        std::pair{"eig_imag_tol", o.eig_imag_tol}})
    if (!(v >= 0)) throw DynlibError(fmt::format("{}: {} must be >= 0, got {}", function, name, v));
  if (o.eig_rank && *o.eig_rank < 0)
    throw DynlibError(fmt::format("{}: eig_rank must be >= 0, got {}", function, *o.eig_rank));
}

std::string spectrum(const std::vector<std::complex<double>>& values, bool is_map) {
  std::string s;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto l = values[i];
    s += fmt::format("\n  [{}] {:.6g}{:+.6g}i  {} = {:.6g}", i, l.real(), l.imag(),
                     is_map ? "|lambda|" : "Re lambda", is_map ? std::abs(l) : l.real());
  }
  return s;
}

std::string point_text(const std::vector<double>& x) {
  std::string s = "(";
  for (size_t i = 0; i < x.size(); ++i) s += fmt::format("{}{:.10g}", i ? ", " : "", x[i]);
  return s + ")";
}

}  // namespace

ManifoldResult manifold_setup(const FullModel& model, const ManifoldOptions& o, bool is_map,
                              const char* function) {
  check_options(model, o, is_map, function);
  const ModelInfo& info = model.spec();
  const int n = static_cast<int>(info.state_names.size());
  const std::vector<double> start = o.fp.empty() ? info.initial_state : o.fp;

  FixedPointOptions fo;
  fo.seeds = {start};
  fo.param_values = o.param_values;
  fo.params = o.params;
  fo.t = o.t;
  fo.jac = o.jac;
  fo.fd_eps = o.fd_eps;
  fo.tol = 1e-12;
  fo.classify = true;
  FixedPointResult fr = [&] {
    try {
      return find_fixed_points(model, fo);
    } catch (const DynlibError& e) {
      throw DynlibError(fmt::format("{}: {}", function, e.what()));
    }
  }();
  if (o.fp_check_tol) {
    // The reference's check of the point as given; Newton's refinement comes after it.
    std::vector<double> f(static_cast<size_t>(n));
    model.evaluate(ModelFunction::Rhs, fr.t, start.data(), fr.params.data(), nullptr, f.data());
    double err = 0;
    for (int i = 0; i < n; ++i) {
      const double d = f[static_cast<size_t>(i)] - (is_map ? start[static_cast<size_t>(i)] : 0.0);
      err += d * d;
    }
    err = std::sqrt(err);
    if (!(err <= *o.fp_check_tol))
      throw DynlibError(fmt::format(
          "{}: fp = {} is not {} within fp_check_tol = {:g}: |{}| = {:.6g}; give the point "
          "more precisely (find_fixed_points), or fp_check_tol = None to let Newton refine it",
          function, point_text(start), is_map ? "a fixed point" : "an equilibrium", *o.fp_check_tol,
          is_map ? "F(fp) - fp" : "f(fp)", err));
  }
  const FixedPointSeed& seed = fr.seeds.at(0);
  if (!seed.converged)
    throw DynlibError(fmt::format(
        "{}: no fixed point found near {} (Newton ended at {} with residual {:.3g}: {}); give "
        "fp closer to the saddle (find_fixed_points lists them)",
        function, point_text(start), point_text(seed.x), seed.residual, seed.message));
  const FixedPoint& p = fr.points.at(static_cast<size_t>(seed.point));

  // The candidates: outside (unstable) or inside (stable) the unit circle for maps, right or
  // left half plane for flows; most expanding (contracting) first.
  const bool unstable = o.kind == ManifoldKind::Unstable;
  const double tol = is_map ? o.eig_unit_tol : o.eig_real_tol;
  auto rate = [&](std::complex<double> l) { return is_map ? std::abs(l) - 1 : l.real(); };
  std::vector<int> idx;
  for (int j = 0; j < n; ++j) {
    const double r = rate(p.eigenvalues[static_cast<size_t>(j)]);
    if (unstable ? r > tol : r < -tol) idx.push_back(j);
  }
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
    const double ra = rate(p.eigenvalues[static_cast<size_t>(a)]);
    const double rb = rate(p.eigenvalues[static_cast<size_t>(b)]);
    return unstable ? ra > rb : ra < rb;
  });
  const char* kind = manifold_kind_name(o.kind);
  const std::string where = fmt::format("the {} at {} ({})", is_map ? "fixed point" : "equilibrium",
                                        point_text(p.x), p.type);
  if (idx.empty())
    throw DynlibError(fmt::format("{}: {} has no {} eigenvalue, so no {} manifold; spectrum:{}",
                                  function, where, kind, kind, spectrum(p.eigenvalues, is_map)));
  if (!o.eig_rank && o.strict_1d && idx.size() != 1)
    throw DynlibError(fmt::format(
        "{}: {} has {} {} eigenvalues: its {} manifold is not 1-D; choose one with eig_rank "
        "(0 = the most {}); spectrum:{}",
        function, where, idx.size(), kind, kind, unstable ? "expanding" : "contracting",
        spectrum(p.eigenvalues, is_map)));
  const int rank = o.eig_rank.value_or(0);
  if (rank >= static_cast<int>(idx.size()))
    throw DynlibError(fmt::format("{}: eig_rank = {} but {} has only {} {} eigenvalue(s)", function,
                                  rank, where, idx.size(), kind));
  const int j = idx[static_cast<size_t>(rank)];
  const std::complex<double> lambda = p.eigenvalues[static_cast<size_t>(j)];

  std::vector<double> v(static_cast<size_t>(n));
  double re_max = 0, im_max = 0, norm = 0;
  for (int i = 0; i < n; ++i) {
    const std::complex<double> c = p.eigenvectors[static_cast<size_t>(i * n + j)];
    v[static_cast<size_t>(i)] = c.real();
    re_max = std::max(re_max, std::abs(c.real()));
    im_max = std::max(im_max, std::abs(c.imag()));
    norm += c.real() * c.real();
  }
  if (im_max > o.eig_imag_tol * std::max(1.0, re_max) || std::abs(lambda.imag()) > o.eig_imag_tol)
    throw DynlibError(fmt::format(
        "{}: the {} eigenvalue {:.6g}{:+.6g}i of {} is complex: no real 1-D direction to seed a "
        "branch",
        function, kind, lambda.real(), lambda.imag(), where));
  norm = std::sqrt(norm);
  if (!(norm > 0) || !std::isfinite(norm))
    throw DynlibError(fmt::format("{}: the selected eigenvector has no length", function));
  // A fixed orientation: the largest component positive.
  size_t big = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (std::abs(v[i]) > std::abs(v[big])) big = i;
  const double scale = (v[big] < 0 ? -1.0 : 1.0) / norm;
  for (double& x : v) x *= scale;

  ManifoldResult r;
  r.kind = kind;
  r.model_kind = info.kind;
  r.state_names = info.state_names;
  r.fixed_point = p.x;
  r.params = fr.params;
  r.t = fr.t;
  r.eigenvalue = lambda;
  r.eigenvector = v;
  r.eig_index = j;
  r.step_mul = (is_map && lambda.real() < 0) ? 2 : 1;
  r.bounds = o.bounds;
  r.meta = {{"seed_delta", manifold_seed_delta(o, is_map)},
            {"clip_margin", o.clip_margin},
            {"max_arclength", o.max_arclength},
            {"fp_residual", p.residual},
            {"eig_rank", static_cast<double>(rank)},
            {"strict_1d", o.strict_1d ? 1.0 : 0.0},
            {"eig_imag_tol", o.eig_imag_tol},
            {"fd_eps", o.fd_eps},
            {"t_eval", fr.t}};
  if (o.fp_check_tol) r.meta["fp_check_tol"] = *o.fp_check_tol;
  if (const auto mp = manifold_max_points(o, is_map)) r.meta["max_points"] = *mp;
  if (is_map) {
    r.meta["steps"] = o.steps;
    r.meta["hmax"] = o.hmax;
    r.meta["alpha_max"] = o.alpha_max;
    r.meta["min_step"] = o.min_step;
    r.meta["eig_unit_tol"] = o.eig_unit_tol;
    r.meta["max_points_per_segment"] = o.max_points_per_segment;
    r.meta["max_segments"] = o.max_segments;
  } else {
    r.meta["dt"] = o.dt;
    r.meta["max_time"] = o.max_time;
    r.meta["eig_real_tol"] = o.eig_real_tol;
    if (o.resample_h) r.meta["resample_h"] = *o.resample_h;
  }
  return r;
}

}  // namespace analysis
}  // namespace dynlib

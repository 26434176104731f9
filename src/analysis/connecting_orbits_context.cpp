// The problem of a homoclinic/heteroclinic finder or tracer: checks, the worker Sim, the flat
// parameter vector and the continued parameter (analysis/connecting_orbits_internal.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "analysis/connecting_orbits_internal.hpp"
#include "support/text.hpp"

namespace dynlib::analysis {

namespace {

std::vector<double> current_params(const Sim& sim) {
  std::vector<double> p;
  for (const Layout::Variable& v : sim.model().layout().params()) {
    const std::vector<double> values = sim.param(v.name);
    p.insert(p.end(), values.begin(), values.end());
  }
  return p;
}

std::vector<double> resolve_params(const Sim& sim, const OrbitProblem& pr, const std::string& fn) {
  const Layout& layout = sim.model().layout();
  if (pr.param_values) {
    if (!pr.params.empty())
      throw DynlibError(
          fmt::format("{}: give params either as the whole vector or by name, not both", fn));
    if (pr.param_values->size() != static_cast<size_t>(layout.n_param_values()))
      throw DynlibError(fmt::format("{}: the parameter vector has {} values; model '{}' has {}", fn,
                                    pr.param_values->size(), sim.model().spec().name,
                                    layout.n_param_values()));
    return *pr.param_values;
  }
  std::vector<double> p = current_params(sim);
  for (const auto& [name, value] : pr.params) {
    const NameRef ref = layout.resolve(name, {NameKind::Param}, fn);
    // Integers (Value's exact alternatives) become doubles here: this computes in floating point.
    const std::vector<double> vs = value_as_doubles(value);
    const bool is_scalar =
        std::holds_alternative<double>(value) || std::holds_alternative<long long>(value);
    if (is_scalar) {
      if (ref.count() != 1)
        throw DynlibError(fmt::format("{}: param '{}' is an array; give all its {} values", fn,
                                      name, ref.count()));
      p[static_cast<size_t>(ref.first())] = vs[0];
    } else {
      if (vs.size() != static_cast<size_t>(ref.count()))
        throw DynlibError(fmt::format("{}: param '{}' takes {} values, got {}", fn, name,
                                      ref.count(), vs.size()));
      std::copy(vs.begin(), vs.end(), p.begin() + ref.first());
    }
  }
  return p;
}

void check_eq(const std::vector<double>& x, size_t n, const std::string& fn, const char* what,
              const std::string& model) {
  if (x.size() != n)
    throw DynlibError(fmt::format("{}: {} has {} values, model '{}' has {} states", fn, what,
                                  x.size(), model, n));
  for (double v : x)
    if (!std::isfinite(v)) throw DynlibError(fmt::format("{}: {} must be finite", fn, what));
}

}  // namespace

OrbitContext orbit_context(const Sim& sim, const OrbitProblem& pr, const char* function,
                           bool heteroclinic) {
  const FullModel& model = sim.model();
  const ModelInfo& info = model.spec();
  const std::string fn = function;
  if (info.kind != "ode")
    throw DynlibError(fmt::format(
        "{}: model '{}' is a map; homoclinic and heteroclinic orbits are searched for ODEs", fn,
        info.name));
  if (info.dtype == DType::Int64)
    throw DynlibError(
        fmt::format("{}: model '{}' is int64; a floating-point model is needed", fn, info.name));
  const Layout& layout = model.layout();
  int index = -1;
  if (!pr.param.empty()) {
    if (pr.param_index)
      throw DynlibError(fmt::format("{}: give the param by name or by index, not both", fn));
    const NameRef ref = layout.resolve(pr.param, {NameKind::Param}, fn);
    if (ref.count() != 1 || ref.element >= 0)
      throw DynlibError(fmt::format(
          "{}: param '{}' is an array or an array element; continue a scalar param", fn, pr.param));
    index = ref.index;
  } else if (pr.param_index) {
    const int np = static_cast<int>(layout.params().size());
    if (*pr.param_index < 0 || *pr.param_index >= np)
      throw DynlibError(
          fmt::format("{}: param index {} out of range [0, {})", fn, *pr.param_index, np));
    index = *pr.param_index;
  } else {
    if (layout.params().size() != 1)
      throw DynlibError(fmt::format("{}: param must be given: model '{}' has {} params ({})", fn,
                                    info.name, layout.params().size(),
                                    fmt::join(layout.param_names(), ", ")));
    index = 0;
  }
  const Layout::Variable& var = layout.params()[static_cast<size_t>(index)];
  if (var.is_array)
    throw DynlibError(
        fmt::format("{}: param '{}' is an array; continue a scalar param", fn, var.name));
  const size_t n = layout.state_names().size();
  check_eq(pr.source_eq, n, fn, heteroclinic ? "source_eq" : "eq", info.name);
  if (heteroclinic) check_eq(pr.target_eq, n, fn, "target_eq", info.name);
  if (pr.t && !std::isfinite(*pr.t)) throw DynlibError(fmt::format("{}: t must be finite", fn));

  OrbitContext ctx{.model = model,
                   .sim = Sim(model),
                   .params_base = resolve_params(sim, pr, fn),
                   .param_flat = var.offset,
                   .param_name = var.name,
                   .t_eval = pr.t.value_or(info.t0),
                   .adaptive = true,
                   .warnings = {},
                   .function = fn};
  // The reference integrates with its own RK45 and warns when the Sim's stepper differs; here
  // the Sim's stepper always integrates, so the warning says which one. A fixed-step stepper
  // steps with the model's [sim] dt (else 0.01), as a fresh Sim of the model runs.
  const std::string& stepper = model.stepper_name();
  for (const StepperDescription& d : steppers())
    if (d.name == stepper) ctx.adaptive = d.adaptive;
  if (stepper != "rk45")
    ctx.warnings.push_back(fmt::format(
        "{}: the Sim's stepper is '{}', not 'rk45'; branches are integrated with '{}'{}", fn,
        stepper, stepper,
        ctx.adaptive ? " (rk.dt0 is its first step)" : " at the model's dt (rk.* do not apply)"));
  return ctx;
}

void check_branch_config(const OrbitBranchConfig& c, size_t n, const std::string& where) {
  auto positive = [&](const char* name, double v) {
    if (!(v > 0) || !std::isfinite(v))
      throw DynlibError(fmt::format("{}: {} must be positive, got {}", where, name, v));
  };
  positive("eq_tol", c.eq_tol);
  if (c.eq_max_iter <= 0)
    throw DynlibError(
        fmt::format("{}: eq_max_iter must be positive, got {}", where, c.eq_max_iter));
  if (c.eq_track_max_dist) positive("eq_track_max_dist", *c.eq_track_max_dist);
  if (c.eps_mode != "leave" && c.eps_mode != "fixed") {
    const std::string hint = support::did_you_mean(c.eps_mode, {"leave", "fixed"});
    throw DynlibError(fmt::format("{}: eps_mode must be 'leave' or 'fixed', got '{}'{}", where,
                                  c.eps_mode, hint.empty() ? "" : "; " + hint));
  }
  positive("eps", c.eps);
  positive("eps_min", c.eps_min);
  positive("eps_max", c.eps_max);
  if (c.eps_min > c.eps_max)
    throw DynlibError(fmt::format("{}: eps_min must be <= eps_max", where));
  positive("r_leave", c.r_leave);
  positive("t_leave_target", c.t_leave_target);
  positive("r_sec", c.r_sec);
  if (!(c.t_min_event >= 0))
    throw DynlibError(fmt::format("{}: t_min_event must be >= 0, got {}", where, c.t_min_event));
  positive("t_max", c.t_max);
  positive("s_max", c.s_max);
  positive("r_blow", c.r_blow);
  if (!c.window.empty()) {
    if (c.window.size() != n)
      throw DynlibError(fmt::format("{}: window has {} (min, max) pairs, the model has {} states",
                                    where, c.window.size(), n));
    for (const auto& [lo, hi] : c.window)
      if (!(hi > lo))
        throw DynlibError(
            fmt::format("{}: window pairs must have max > min, got ({}, {})", where, lo, hi));
  }
  if (!(c.eig_real_tol >= 0) || !(c.eig_imag_tol >= 0))
    throw DynlibError(fmt::format("{}: eig_real_tol and eig_imag_tol must be >= 0", where));
  positive("fd_eps", c.fd_eps);
  if (!(c.r_exit >= 0))
    throw DynlibError(
        fmt::format("{}: r_exit must be >= 0 (0: automatic), got {}", where, c.r_exit));
  positive("rk.dt0", c.rk.dt0);
  positive("rk.min_step", c.rk.min_step);
  positive("rk.dt_max", c.rk.dt_max);
  if (c.rk.min_step > c.rk.dt_max)
    throw DynlibError(fmt::format("{}: rk.min_step must be <= rk.dt_max", where));
  positive("rk.atol", c.rk.atol);
  positive("rk.rtol", c.rk.rtol);
  if (!(c.rk.safety > 0 && c.rk.safety <= 1))
    throw DynlibError(fmt::format("{}: rk.safety must be in (0, 1], got {}", where, c.rk.safety));
  if (c.rk.max_steps <= 0)
    throw DynlibError(fmt::format("{}: rk.max_steps must be positive", where));
}

}  // namespace dynlib::analysis

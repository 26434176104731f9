#include "runtime/run_plan.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <type_traits>
#include <variant>

namespace dynlib::detail {

int ModelNames::state_index(const std::string& name) const {
  const auto r = layout().find(name, {NameKind::State});
  return r ? r->index : -1;
}

int ModelNames::param_index(const std::string& name) const {
  const auto r = layout().find(name, {NameKind::Param});
  return r ? r->index : -1;
}

Scalar ModelNames::checked_number(const std::string& what, double v) const {
  if (mi.dtype != DType::Int64) return {v, 0};
  if (!std::isfinite(v) || v != std::floor(v))
    throw DynlibError(fmt::format("{} = {}: model '{}' is int64 and takes whole numbers only", what,
                                  fmt_num(v), mi.info.name));
  // [-2^63, 2^63): both bounds are exact doubles; 2^63 itself does not fit.
  if (v < -9223372036854775808.0 || v >= 9223372036854775808.0)
    throw DynlibError(
        fmt::format("{} = {}: does not fit int64 (-9223372036854775808 to 9223372036854775807), "
                    "the dtype of model '{}'",
                    what, fmt_num(v), mi.info.name));
  return {v, static_cast<long long>(v)};
}

Scalar ModelNames::checked_number(const std::string& /*what*/, long long v) const {
  return {static_cast<double>(v), v};
}

namespace {
size_t value_size(const Value& v) {
  if (const auto* a = std::get_if<std::vector<double>>(&v)) return a->size();
  if (const auto* a = std::get_if<std::vector<long long>>(&v)) return a->size();
  return 1;
}
bool is_array_value(const Value& v) {
  return std::holds_alternative<std::vector<double>>(v) ||
         std::holds_alternative<std::vector<long long>>(v);
}
// Element `k` of an array Value (the number itself for a scalar one), through `check`: a
// ModelNames::checked_number, so that integers reach it as integers.
template <class Check>
Scalar value_element(const Value& v, size_t k, const Check& check) {
  return std::visit(
      [&](const auto& x) -> Scalar {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>>)
          return check(x);
        else
          return check(x[k]);
      },
      v);
}
}  // namespace

Scalar ModelNames::scalar_of(const std::string& what, const Value& v) const {
  const size_t size = value_size(v);
  if (is_array_value(v) && size != 1)
    throw DynlibError(fmt::format("{} is a scalar, but {} values were given", what, size));
  return value_element(v, 0, [&](auto x) { return checked_number(what, x); });
}

std::vector<std::pair<int, Scalar>> ModelNames::param_values(const std::string& name,
                                                             const Value& v) const {
  const auto r = layout().find(name, {NameKind::Param});
  if (!r) {
    std::string msg = fmt::format("unknown param '{}'", name);
    if (state_index(name) >= 0)
      msg += fmt::format(" ('{}' is a state: set it with ic or assign)", name);
    throw DynlibError(with_suggestion(msg, name, layout().param_names(), "params"));
  }
  std::vector<std::pair<int, Scalar>> out;
  if (!r->is_array || r->element >= 0) {
    out.emplace_back(r->first(), scalar_of(fmt::format("param '{}'", name), v));
    return out;
  }
  const int size = r->size;
  if (!is_array_value(v) || static_cast<int>(value_size(v)) != size)
    throw DynlibError(fmt::format(
        "param '{}' is an array of {} values; give a list of {} values{}", name, size, size,
        is_array_value(v) ? fmt::format(", not {}", value_size(v)) : ", not a number"));
  for (int i = 0; i < size; ++i)
    out.emplace_back(r->offset + i, value_element(v, static_cast<size_t>(i), [&](auto x) {
                       return checked_number(fmt::format("{}[{}]", name, i), x);
                     }));
  return out;
}

std::pair<int, Scalar> ModelNames::state_value(const std::string& name, const Value& v) const {
  const int i = state_index(name);
  if (i < 0) {
    std::string msg = fmt::format("unknown state '{}'", name);
    if (param_index(name) >= 0)
      msg += fmt::format(" ('{}' is a param: set it with params or assign)", name);
    throw DynlibError(with_suggestion(msg, name, layout().state_names(), "states"));
  }
  return {i, scalar_of(fmt::format("state '{}'", name), v)};
}

void ModelNames::record_selection(const std::vector<std::string>& vars, std::vector<int>& st,
                                  std::vector<int>& ax) const {
  st.clear();
  ax.clear();
  for (const auto& v : vars) {
    const auto r = layout().find(v, {NameKind::State, NameKind::Aux});
    if (!r) {
      std::string msg = fmt::format("record_vars: unknown variable '{}'", v);
      const std::string bare = v.rfind("aux.", 0) == 0 ? v.substr(4) : v;
      if (param_index(bare) >= 0) msg += " (params are constant during a run and are not recorded)";
      throw DynlibError(with_suggestion(
          msg, v, layout().spellings({NameKind::State, NameKind::Aux}), "states and aux"));
    }
    std::vector<int>& into = r->kind == NameKind::State ? st : ax;
    if (std::find(into.begin(), into.end(), r->index) != into.end())
      throw DynlibError(fmt::format("record_vars names '{}' twice", v));
    into.push_back(r->index);
  }
}

Plan ModelNames::resolve(const RunOptions& o, const RunOptions& config, bool has_run) const {
  const RunOptions& c = config;
  const SimTable& s = mi.info.sim;
  auto pick = [](const auto& a, const auto& b) { return a ? a : b; };
  Plan p;
  p.resume = o.resume;
  p.observers = o.observers;
  if (p.resume && !has_run)
    throw DynlibError(
        "resume=true, but there is no run to continue: run once without resume first (reset() "
        "also forgets the previous run)");
  if (p.resume && o.t0)
    throw DynlibError(
        "t0 applies to fresh runs only; a resumed run continues from its current time");
  if (p.resume && !o.ic.empty())
    throw DynlibError(
        "ic applies to fresh runs only; use assign() to change the state a resumed run continues "
        "from");

  p.t0 = pick(o.t0, c.t0).value_or(s.t0);
  if (!std::isfinite(p.t0)) throw DynlibError("t0 must be a finite number");
  // The end: the highest level that sets T or N decides; [sim] t_end otherwise.
  if (o.T || o.N) {
    p.T = o.T;
    p.N = o.N;
  } else if (c.T || c.N) {
    p.T = c.T;
    p.N = c.N;
  } else if (s.t_end) {
    p.T = s.t_end;
  } else if (!mi.is_map) {
    p.T = defaults::t_end;
  } else {
    throw DynlibError(fmt::format(
        "no end for the run: give N (the number of iterations) or T, or set t_end in the [sim] "
        "table of model '{}'",
        mi.info.name));
  }
  if (p.T && !std::isfinite(*p.T)) throw DynlibError("T must be a finite number");
  if (p.N && *p.N < 0) throw DynlibError(fmt::format("N = {} is negative", *p.N));

  if (o.dt)
    p.dt = o.dt;
  else if (!p.resume)
    p.dt = pick(c.dt, s.dt);
  if (!p.dt && !p.resume && !mi.adaptive) p.dt = mi.is_map ? defaults::map_dt : defaults::flow_dt;
  if (p.dt && !(*p.dt > 0 && std::isfinite(*p.dt)))
    throw DynlibError(fmt::format("dt = {} must be positive and finite", fmt_num(*p.dt)));

  p.record = pick(o.record, c.record).value_or(s.record);
  p.record_interval = pick(o.record_interval, c.record_interval).value_or(s.record_interval);
  if (p.record_interval < 1)
    throw DynlibError(fmt::format("record_interval = {} must be at least 1", p.record_interval));
  if (auto vars = pick(o.record_vars, c.record_vars)) {
    record_selection(*vars, p.rec_state, p.rec_aux);
    p.rec_vars_given = true;
  } else {  // every state, no aux (the reference dynlib's default; aux are named when wanted)
    for (int i = 0; i < layout().n_state(); ++i) p.rec_state.push_back(i);
  }
  p.transient = pick(o.transient, c.transient).value_or(0.0);
  if (!(p.transient >= 0) || !std::isfinite(p.transient))
    throw DynlibError(fmt::format("transient = {} must be >= 0", fmt_num(p.transient)));
  if (p.resume) {  // the warm-up belongs to the fresh run (a config() default is not an error)
    if (o.transient && *o.transient > 0)
      throw DynlibError(
          "transient applies to fresh runs only: it is a warm-up before the run, and a resumed "
          "run continues one");
    p.transient = 0.0;
  }
  p.max_steps = pick(o.max_steps, c.max_steps);
  if (!p.max_steps) p.max_steps = s.max_steps;
  if (p.max_steps && *p.max_steps < 1)
    throw DynlibError(fmt::format("max_steps = {} must be at least 1", *p.max_steps));

  // ic: config's then the run's (fresh runs only); params likewise (they persist).
  if (!p.resume) {
    std::map<std::string, Value> ic = c.ic;
    for (const auto& [k, v] : o.ic) ic[k] = v;
    for (const auto& [k, v] : ic) p.ic.push_back(state_value(k, v));
  }
  // Config's first, then the run's, so that the run wins also where the two name overlapping
  // entries differently (config "w[1]", run "w").
  for (const auto& [k, v] : c.params)
    if (!o.params.count(k))
      for (const auto& pv : param_values(k, v)) p.params.push_back(pv);
  for (const auto& [k, v] : o.params)
    for (const auto& pv : param_values(k, v)) p.params.push_back(pv);

  // Adaptive options (ignored by fixed-step steppers).
  p.atol = pick(o.atol, c.atol).value_or(s.atol);
  p.rtol = pick(o.rtol, c.rtol).value_or(s.rtol);
  p.dt_min = pick(pick(o.dt_min, c.dt_min), s.dt_min);
  p.dt_max = pick(pick(o.dt_max, c.dt_max), s.dt_max);
  p.safety = pick(pick(o.safety, c.safety), s.safety);
  p.min_factor = pick(pick(o.min_factor, c.min_factor), s.min_factor);
  p.max_factor = pick(pick(o.max_factor, c.max_factor), s.max_factor);
  p.max_rejects = pick(pick(o.max_rejects, c.max_rejects), s.max_rejects);
  const std::string ctl =
      pick(pick(o.controller, c.controller), s.controller).value_or(defaults::controller);
  if (ctl == "pi")
    p.controller = kernel::CONTROLLER_PI;
  else if (ctl == "standard")
    p.controller = kernel::CONTROLLER_STANDARD;
  else
    throw DynlibError(with_suggestion(fmt::format("unknown controller '{}'", ctl), ctl,
                                      {"pi", "standard"}, "controllers"));
  auto nonneg = [](const char* what, const std::optional<double>& v) {
    if (v && !(*v >= 0 && std::isfinite(*v)))
      throw DynlibError(fmt::format("{} = {} must be >= 0 and finite", what, fmt_num(*v)));
  };
  nonneg("atol", p.atol);
  nonneg("rtol", p.rtol);
  if (p.atol == 0 && p.rtol == 0) throw DynlibError("atol and rtol cannot both be 0");
  nonneg("dt_min", p.dt_min);
  nonneg("dt_max", p.dt_max);
  if (p.safety && !(*p.safety > 0 && *p.safety <= 1))
    throw DynlibError(fmt::format("safety = {} must be in (0, 1]", fmt_num(*p.safety)));
  if (p.min_factor && !(*p.min_factor > 0 && *p.min_factor <= 1))
    throw DynlibError(fmt::format("min_factor = {} must be in (0, 1]", fmt_num(*p.min_factor)));
  if (p.max_factor && !(*p.max_factor >= 1 && std::isfinite(*p.max_factor)))
    throw DynlibError(fmt::format("max_factor = {} must be >= 1", fmt_num(*p.max_factor)));
  if (p.max_rejects && (*p.max_rejects < 0 || *p.max_rejects > INT_MAX))
    throw DynlibError(fmt::format("max_rejects = {} is out of range", *p.max_rejects));

  // Implicit steppers' options (ignored by explicit ones).
  p.newton_tol =
      pick(pick(o.newton_tol, c.newton_tol), s.newton_tol).value_or(defaults::newton_tol);
  if (!(p.newton_tol > 0 && std::isfinite(p.newton_tol)))
    throw DynlibError(fmt::format("newton_tol = {} must be > 0 and finite", fmt_num(p.newton_tol)));
  p.jac_eps = pick(pick(o.jac_eps, c.jac_eps), s.jac_eps).value_or(defaults::jac_eps);
  if (!(p.jac_eps > 0 && p.jac_eps < 1))
    throw DynlibError(fmt::format("jac_eps = {} must be in (0, 1)", fmt_num(p.jac_eps)));
  const long long iters = pick(pick(o.newton_max_iter, c.newton_max_iter), s.newton_max_iter)
                              .value_or(defaults::newton_max_iter);
  if (iters < 1 || iters > 1000)
    throw DynlibError(fmt::format("newton_max_iter = {} must be in 1..1000", iters));
  p.newton_max_iter = static_cast<int>(iters);
  const long long order = pick(pick(o.max_order, c.max_order), s.max_order).value_or(0);
  if (order < 0 || order > 12)
    throw DynlibError(
        fmt::format("max_order = {} must be in 1..5 (cvode) or 1..12 (cvode-adams)", order));
  p.max_order = static_cast<int>(order);
  const std::string mode = pick(pick(o.jacobian_mode, c.jacobian_mode), s.jacobian_mode)
                               .value_or(defaults::jacobian_mode);
  p.jacobian_mode = jacobian_mode_id(mode);
  const std::string solver =
      pick(pick(o.linear_solver, c.linear_solver), s.linear_solver).value_or("auto");
  const std::vector<std::string> solvers = {"auto", "dense", "klu"};
  const auto it = std::find(solvers.begin(), solvers.end(), solver);
  if (it == solvers.end())
    throw DynlibError(with_suggestion(fmt::format("unknown linear_solver '{}'", solver), solver,
                                      solvers, "linear solvers"));
  p.linear_solver = static_cast<int>(it - solvers.begin());
  return p;
}

const char* jacobian_mode_name(int mode) {
  return mode == kernel::JAC_ANALYTIC ? "analytic" : mode == kernel::JAC_FD ? "fd" : "symbolic";
}

int jacobian_mode_id(const std::string& mode) {
  // The reference dynlib's names: "external" is the model's own Jacobian, "internal" differences.
  if (mode == "symbolic") return kernel::JAC_SYMBOLIC;
  if (mode == "analytic" || mode == "external") return kernel::JAC_ANALYTIC;
  if (mode == "fd" || mode == "internal") return kernel::JAC_FD;
  throw DynlibError(with_suggestion(fmt::format("unknown jacobian_mode '{}'", mode), mode,
                                    {"symbolic", "analytic", "fd", "external", "internal"},
                                    "jacobian modes"));
}

}  // namespace dynlib::detail

namespace dynlib {

std::vector<double> value_as_doubles(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::vector<double> {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>>)
          return {static_cast<double>(x)};
        else
          return std::vector<double>(x.begin(), x.end());
      },
      v);
}

}  // namespace dynlib

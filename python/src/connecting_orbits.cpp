// homoclinic_finder/tracer and heteroclinic_finder/tracer for Python:
// `_dynlib._connecting_orbit(target, what, problem, config)` runs the C++ analysis with the
// problem and config given as dicts (the reference's dataclasses, as dataclasses.asdict makes
// them) and returns the C++ result as a dict of numpy arrays, which
// dynlib.analysis.connecting_orbits turns into the reference's result types. `_orbit_preset(name)`
// gives a preset's values.

#include "dynlib/connecting_orbits.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <type_traits>

#include "common.hpp"

namespace dynlib::python {

namespace {

py::list complex_list(const std::vector<std::complex<double>>& v) {
  py::list out;
  for (const auto& c : v) out.append(py::make_tuple(c.real(), c.imag()));
  return out;
}

// A state vector: {state: value} over the Sim's current state, or all values in state order.
std::vector<double> state_vector(const Sim& sim, py::handle h, const std::string& what) {
  if (!is_mapping(h)) return to_double_vector(h, what);
  std::vector<double> x = sim.state();
  for (auto& [name, value] : to_float_value_map(h, what)) {
    const NameRef ref = sim.model().layout().resolve(name, {NameKind::State}, what);
    const double* v = std::get_if<double>(&value);
    if (!v) throw DynlibError(what + "['" + name + "'] must be one number");
    x[static_cast<size_t>(ref.first())] = *v;
  }
  return x;
}

std::optional<double> optional_double(py::handle h, const std::string& what) {
  if (h.is_none()) return std::nullopt;
  return to_double(h, what);
}

// A config dict read field by field into a C++ config: each known key names how to set its
// field; the dicts come from the reference's dataclasses, so an unknown key is a bug.
template <class Config>
using FieldSetter = std::function<void(Config&, py::handle, const std::string&)>;
template <class Config>
using Fields = std::map<std::string, FieldSetter<Config>>;

// The setter of a plain field: the value converted to the member's type.
template <class Config, class T>
FieldSetter<Config> field(T Config::*member) {
  return [member](Config& c, py::handle value, const std::string& what) {
    if constexpr (std::is_same_v<T, double>)
      c.*member = to_double(value, what);
    else if constexpr (std::is_same_v<T, std::optional<double>>)
      c.*member = optional_double(value, what);
    else if constexpr (std::is_same_v<T, int>)
      c.*member = static_cast<int>(to_int(value, what));
    else if constexpr (std::is_same_v<T, long long>)
      c.*member = to_int(value, what);
    else if constexpr (std::is_same_v<T, bool>)
      c.*member = value.cast<bool>();
    else
      c.*member = py::str(value).cast<std::string>();
  };
}

// `what` names the config in errors; `prefix` is put before a key in conversion errors.
template <class Config>
void read_fields(Config& c, const py::dict& d, const Fields<Config>& fields,
                 const std::string& what, const std::string& prefix = "") {
  for (auto [key, value] : d) {
    const std::string k = py::str(key).cast<std::string>();
    const auto it = fields.find(k);
    if (it == fields.end()) throw DynlibError(what + ": unknown field '" + k + "'");
    it->second(c, value, prefix + k);
  }
}

OrbitRk45Config to_rk(const py::dict& d) {
  using C = OrbitRk45Config;
  static const Fields<C> fields = {{"dt0", field(&C::dt0)},
                                   {"min_step", field(&C::min_step)},
                                   {"dt_max", field(&C::dt_max)},
                                   {"atol", field(&C::atol)},
                                   {"rtol", field(&C::rtol)},
                                   {"safety", field(&C::safety)},
                                   {"max_steps", field(&C::max_steps)}};
  C c;
  read_fields(c, d, fields, "rk", "rk.");
  return c;
}

OrbitBranchConfig to_branch(const py::dict& d) {
  using C = OrbitBranchConfig;
  py::object wmin = py::none(), wmax = py::none();
  const Fields<C> fields = {
      {"eq_tol", field(&C::eq_tol)},
      {"eq_max_iter", field(&C::eq_max_iter)},
      {"eq_track_max_dist", field(&C::eq_track_max_dist)},
      {"eps_mode", field(&C::eps_mode)},
      {"eps", field(&C::eps)},
      {"eps_min", field(&C::eps_min)},
      {"eps_max", field(&C::eps_max)},
      {"r_leave", field(&C::r_leave)},
      {"t_leave_target", field(&C::t_leave_target)},
      {"r_sec", field(&C::r_sec)},
      {"t_min_event", field(&C::t_min_event)},
      {"t_max", field(&C::t_max)},
      {"s_max", field(&C::s_max)},
      {"r_blow", field(&C::r_blow)},
      {"window_min",
       [&](C&, py::handle v, const std::string&) { wmin = py::reinterpret_borrow<py::object>(v); }},
      {"window_max",
       [&](C&, py::handle v, const std::string&) { wmax = py::reinterpret_borrow<py::object>(v); }},
      {"require_leave_before_event", field(&C::require_leave_before_event)},
      {"eig_real_tol", field(&C::eig_real_tol)},
      {"eig_imag_tol", field(&C::eig_imag_tol)},
      {"strict_1d", field(&C::strict_1d)},
      {"jac",
       [](C& c, py::handle v, const std::string&) {
         c.jac = parse_fixed_point_jacobian(py::str(v).cast<std::string>());
       }},
      {"fd_eps", field(&C::fd_eps)},
      {"r_exit", field(&C::r_exit)},
      {"rk", [](C& c, py::handle v, const std::string&) { c.rk = to_rk(v.cast<py::dict>()); }}};
  C c;
  read_fields(c, d, fields, "branch config");
  if (wmin.is_none() != wmax.is_none())
    throw DynlibError("window_min and window_max must be given together");
  if (!wmin.is_none()) {
    const std::vector<double> lo = to_double_vector(wmin, "window_min"),
                              hi = to_double_vector(wmax, "window_max");
    if (lo.size() != hi.size())
      throw DynlibError("window_min and window_max must have the same length");
    for (size_t i = 0; i < lo.size(); ++i) c.window.emplace_back(lo[i], hi[i]);
  }
  return c;
}

HomoclinicFinderConfig to_homoclinic_finder(const py::dict& d) {
  using C = HomoclinicFinderConfig;
  static const Fields<C> fields = {
      {"trace",
       [](C& c, py::handle v, const std::string&) { c.trace = to_branch(v.cast<py::dict>()); }},
      {"scan_n", field(&C::scan_n)},
      {"max_bisect", field(&C::max_bisect)},
      {"gap_tol", field(&C::gap_tol)},
      {"x_tol", field(&C::x_tol)},
      {"branch_mode", field(&C::branch_mode)},
      {"sign_u", field(&C::sign_u)}};
  C c;
  read_fields(c, d, fields, "HomoclinicFinderConfig");
  return c;
}

HeteroclinicFinderConfig to_heteroclinic_finder(const py::dict& d) {
  using C = HeteroclinicFinderConfig;
  static const Fields<C> fields = {
      {"eq_tol", field(&C::eq_tol)},
      {"eq_max_iter", field(&C::eq_max_iter)},
      {"eq_track_max_dist", field(&C::eq_track_max_dist)},
      {"trace_u",
       [](C& c, py::handle v, const std::string&) { c.trace_u = to_branch(v.cast<py::dict>()); }},
      {"trace_s",
       [](C& c, py::handle v, const std::string&) { c.trace_s = to_branch(v.cast<py::dict>()); }},
      {"scan_n", field(&C::scan_n)},
      {"max_bisect", field(&C::max_bisect)},
      {"x_tol", field(&C::x_tol)},
      {"gap_tol", field(&C::gap_tol)},
      {"gap_fac", field(&C::gap_fac)},
      {"branch_mode", field(&C::branch_mode)},
      {"sign_u", field(&C::sign_u)},
      {"sign_s", field(&C::sign_s)},
      {"r_sec", field(&C::r_sec)},
      {"r_sec_mult", field(&C::r_sec_mult)},
      {"r_sec_min_mult", field(&C::r_sec_min_mult)},
      // The reference's plane section: not used here (porting.md).
      {"tau_min", [](C&, py::handle, const std::string&) {}}};
  C c;
  read_fields(c, d, fields, "HeteroclinicFinderConfig");
  return c;
}

OrbitProblem to_problem(const Sim& sim, const py::dict& d, bool heteroclinic) {
  OrbitProblem p;
  for (auto [key, value] : d) {
    const std::string k = py::str(key).cast<std::string>();
    if (value.is_none()) continue;
    if (k == "param") {
      if (py::isinstance<py::str>(value))
        p.param = value.cast<std::string>();
      else
        p.param_index = static_cast<int>(to_int(value, "param"));
    } else if (k == "param_min")
      p.param_min = to_double(value, k);
    else if (k == "param_max")
      p.param_max = to_double(value, k);
    else if (k == "param_init")
      p.param_init = to_double(value, k);
    else if (k == "param_value")
      p.param_value = to_double(value, k);
    else if (k == "source_eq")
      p.source_eq = state_vector(sim, value, heteroclinic ? "source_eq" : "eq");
    else if (k == "target_eq")
      p.target_eq = state_vector(sim, value, "target_eq");
    else if (k == "sign_u")
      p.sign_u = static_cast<int>(to_int(value, k));
    else if (k == "hit_radius")
      p.hit_radius = to_double(value, k);
    else if (k == "t")
      p.t = to_double(value, k);
    else if (k == "params") {
      if (is_mapping(value))
        p.params = to_value_map(value, "params");
      else
        p.param_values = to_double_vector(value, "params");
    } else
      throw DynlibError("orbit problem: unknown field '" + k + "'");
  }
  return p;
}

py::dict miss_dict(const OrbitMiss& m) {
  py::dict d;
  d["qualified"] = m.qualified;
  d["param_value"] = m.param_value;
  d["source_eq"] = vector_array(m.source_eq);
  d["target_eq"] = vector_array(m.target_eq);
  d["source_eigenvalues"] = complex_list(m.source_eigenvalues);
  d["target_eigenvalues"] = complex_list(m.target_eigenvalues);
  d["sign_u"] = m.sign_u;
  d["eps"] = m.eps;
  d["v_dir"] = vector_array(m.v_dir);
  d["x0"] = vector_array(m.x0);
  d["target_v_u"] = vector_array(m.target_v_u);
  d["target_l_u"] = vector_array(m.target_l_u);
  d["r_sec"] = m.r_sec;
  d["r_leave"] = m.r_leave;
  d["t_min"] = m.t_min;
  d["t_cross"] = m.t_cross;
  d["x_cross"] = vector_array(m.x_cross);
  d["x_s_cross"] = vector_array(m.x_s_cross);
  d["g"] = m.g;
  d["q"] = m.q;
  d["status"] = m.status;
  d["integrate_status"] = m.integrate_status;
  d["fail"] = m.fail;
  d["steps"] = m.steps;
  return d;
}

py::object point_dict(const std::optional<OrbitScanPoint>& p) {
  if (!p) return py::none();
  py::dict d;
  d["param_value"] = p->param_value;
  d["gap"] = p->g;
  d["q"] = p->q;
  d["status"] = p->status;
  return d;
}

py::dict finder_dict(const OrbitFinderResult& r) {
  const OrbitFinderInfo& i = r.info;
  py::dict info;
  info["param_min"] = i.param_min;
  info["param_max"] = i.param_max;
  info["param_init"] = i.param_init;
  info["param_used"] = i.param_used;
  info["scan_n"] = i.scan_n;
  info["sign_u"] = i.sign_u;
  info["sign_s"] = i.sign_s;
  info["branch_mode"] = i.branch_mode;
  info["eq_track_max_dist"] = i.eq_track_max_dist;
  info["qualified_count"] = i.qualified_count;
  info["eq_jump_count"] = i.eq_jump_count;
  info["eq_fail_count"] = i.eq_fail_count;
  info["best_by_abs_gap"] = point_dict(i.best_by_abs_gap);
  info["best_by_q"] = point_dict(i.best_by_q);
  info["fail"] = i.fail.empty() ? py::object(py::none()) : py::object(py::str(i.fail));
  info["bisection_iters"] = i.bisection_iters;
  if (r.success) {
    info["param_found"] = r.param_found;
    info["gap_found"] = i.gap_found;
    info["q_found"] = i.q_found;
    info["t_cross"] = i.t_cross;
    info["gap_tol_eff_found"] = i.gap_tol_eff_found;
    py::dict section;
    section["r_sec"] = r.miss->r_sec;
    section["r_leave"] = r.miss->r_leave;
    section["t_min_event"] = r.miss->t_min;
    info["section"] = section;
    py::dict departure;
    departure["eps"] = r.miss->eps;
    departure["sign_u"] = r.miss->sign_u;
    info["departure"] = departure;
  }
  if (i.has_candidate) {
    info["param_candidate"] = i.param_candidate;
    info["gap_candidate"] = i.gap_candidate;
    info["q_candidate"] = i.q_candidate;
  }
  py::list scan;
  for (const OrbitScanPoint& p : i.scan) scan.append(point_dict(p));
  info["scan"] = scan;
  py::dict d;
  d["success"] = r.success;
  d["param_found"] = r.param_found;
  d["miss"] = r.miss ? py::object(miss_dict(*r.miss)) : py::object(py::none());
  d["info"] = info;
  d["warnings"] = r.warnings;
  return d;
}

py::dict trace_dict(const OrbitTraceResult& r) {
  py::dict d;
  const py::ssize_t n = r.n_state, c = static_cast<py::ssize_t>(r.count());
  py::array_t<double> X({c, n});
  std::copy(r.X.begin(), r.X.end(), X.mutable_data());
  d["kind"] = r.kind;
  d["t"] = vector_array(r.t);
  d["X"] = X;
  d["param_value"] = r.param_value;
  d["source_eq"] = vector_array(r.source_eq);
  d["target_eq"] = vector_array(r.target_eq);
  d["sign_u"] = r.sign_u;
  d["eps_used"] = r.eps_used;
  d["status"] = r.status;
  d["success"] = r.success;
  if (r.event) {
    py::dict e;
    e["kind"] = r.event->kind;
    e["t"] = r.event->t;
    e["x"] = vector_array(r.event->x);
    e["g"] = r.event->g;
    e["q"] = r.event->q;
    e["d_event"] = r.event->d_event;
    d["event"] = e;
  } else {
    d["event"] = py::none();
  }
  d["t_cross"] = r.t_cross;
  d["x_cross"] = vector_array(r.x_cross);
  d["g"] = r.g;
  d["q"] = r.q;
  d["d_min"] = r.d_min;
  d["fail"] = r.fail;
  d["warnings"] = r.warnings;
  return d;
}

py::dict run(py::handle target, const std::string& what, const py::dict& problem,
             const py::dict& config) {
  const Sim* sim = sim_of(target);
  std::optional<Sim> own;
  if (!sim) {
    if (!py::isinstance<FullModel>(target))
      throw py::type_error(what + ": expected a Sim or a FullModel, got " +
                           py::repr(target).cast<std::string>());
    own.emplace(target.cast<FullModel>());
    sim = &*own;
  }
  const bool heteroclinic = what.rfind("heteroclinic", 0) == 0;
  const OrbitProblem p = to_problem(*sim, problem, heteroclinic);
  if (what == "homoclinic_finder" || what == "heteroclinic_finder") {
    OrbitFinderResult r;
    if (what == "homoclinic_finder") {
      const HomoclinicFinderConfig c = to_homoclinic_finder(config);
      py::gil_scoped_release release;
      r = homoclinic_finder(*sim, p, c);
    } else {
      const HeteroclinicFinderConfig c = to_heteroclinic_finder(config);
      py::gil_scoped_release release;
      r = heteroclinic_finder(*sim, p, c);
    }
    return finder_dict(r);
  }
  if (what == "homoclinic_tracer" || what == "heteroclinic_tracer") {
    const OrbitBranchConfig c = to_branch(config);
    OrbitTraceResult r;
    {
      py::gil_scoped_release release;
      r = what == "homoclinic_tracer" ? homoclinic_tracer(*sim, p, c)
                                      : heteroclinic_tracer(*sim, p, c);
    }
    return trace_dict(r);
  }
  throw DynlibError("_connecting_orbit: unknown analysis '" + what + "'");
}

py::dict preset(const std::string& name) {
  const OrbitPreset p = orbit_preset(name);
  py::dict rk;
  rk["dt0"] = p.rk.dt0;
  rk["min_step"] = p.rk.min_step;
  rk["dt_max"] = p.rk.dt_max;
  rk["atol"] = p.rk.atol;
  rk["rtol"] = p.rk.rtol;
  rk["safety"] = p.rk.safety;
  rk["max_steps"] = p.rk.max_steps;
  py::dict branch;
  branch["r_leave"] = p.branch.r_leave;
  branch["t_leave_target"] = p.branch.t_leave_target;
  branch["t_max"] = p.branch.t_max;
  branch["r_blow"] = p.branch.r_blow;
  py::dict d;
  d["name"] = p.name;
  d["rk"] = rk;
  d["branch"] = branch;
  d["scan_n"] = p.scan_n;
  d["max_bisect"] = p.max_bisect;
  d["gap_tol"] = p.gap_tol;
  d["x_tol"] = p.x_tol;
  return d;
}

}  // namespace

void bind_connecting_orbits(py::module_& m) {
  m.def("_connecting_orbit", &run, py::arg("target"), py::arg("what"), py::arg("problem"),
        py::arg("config"),
        "homoclinic/heteroclinic finders and tracers in C++; use dynlib.analysis.homoclinic_finder "
        "and friends instead.");
  m.def("_orbit_preset", &preset, py::arg("name"),
        "The values of an orbit preset ('fast', 'default', 'precise').");
}

}  // namespace dynlib::python

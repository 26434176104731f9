// homoclinic_finder/tracer and heteroclinic_finder/tracer for Python:
// `_dynlib._connecting_orbit(target, what, problem, config)` runs the C++ analysis with the
// problem and config given as dicts (the reference's dataclasses, as dataclasses.asdict makes
// them) and returns the C++ result as a dict of numpy arrays, which
// dynlib.analysis.connecting_orbits turns into the reference's result types. `_orbit_preset(name)`
// gives a preset's values.

#include "dynlib/connecting_orbits.hpp"

#include <cmath>

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

OrbitRk45Config to_rk(const py::dict& d) {
  OrbitRk45Config c;
  for (auto [key, value] : d) {
    const std::string k = py::str(key).cast<std::string>();
    if (k == "dt0")
      c.dt0 = to_double(value, "rk.dt0");
    else if (k == "min_step")
      c.min_step = to_double(value, "rk.min_step");
    else if (k == "dt_max")
      c.dt_max = to_double(value, "rk.dt_max");
    else if (k == "atol")
      c.atol = to_double(value, "rk.atol");
    else if (k == "rtol")
      c.rtol = to_double(value, "rk.rtol");
    else if (k == "safety")
      c.safety = to_double(value, "rk.safety");
    else if (k == "max_steps")
      c.max_steps = to_int(value, "rk.max_steps");
    else
      throw DynlibError("rk: unknown field '" + k + "'");
  }
  return c;
}

OrbitBranchConfig to_branch(const py::dict& d) {
  OrbitBranchConfig c;
  py::object wmin = py::none(), wmax = py::none();
  for (auto [key, value] : d) {
    const std::string k = py::str(key).cast<std::string>();
    if (k == "eq_tol")
      c.eq_tol = to_double(value, k);
    else if (k == "eq_max_iter")
      c.eq_max_iter = static_cast<int>(to_int(value, k));
    else if (k == "eq_track_max_dist")
      c.eq_track_max_dist = optional_double(value, k);
    else if (k == "eps_mode")
      c.eps_mode = py::str(value).cast<std::string>();
    else if (k == "eps")
      c.eps = to_double(value, k);
    else if (k == "eps_min")
      c.eps_min = to_double(value, k);
    else if (k == "eps_max")
      c.eps_max = to_double(value, k);
    else if (k == "r_leave")
      c.r_leave = to_double(value, k);
    else if (k == "t_leave_target")
      c.t_leave_target = to_double(value, k);
    else if (k == "r_sec")
      c.r_sec = to_double(value, k);
    else if (k == "t_min_event")
      c.t_min_event = to_double(value, k);
    else if (k == "t_max")
      c.t_max = to_double(value, k);
    else if (k == "s_max")
      c.s_max = to_double(value, k);
    else if (k == "r_blow")
      c.r_blow = to_double(value, k);
    else if (k == "window_min")
      wmin = py::reinterpret_borrow<py::object>(value);
    else if (k == "window_max")
      wmax = py::reinterpret_borrow<py::object>(value);
    else if (k == "require_leave_before_event")
      c.require_leave_before_event = value.cast<bool>();
    else if (k == "eig_real_tol")
      c.eig_real_tol = to_double(value, k);
    else if (k == "eig_imag_tol")
      c.eig_imag_tol = to_double(value, k);
    else if (k == "strict_1d")
      c.strict_1d = value.cast<bool>();
    else if (k == "jac")
      c.jac = parse_fixed_point_jacobian(py::str(value).cast<std::string>());
    else if (k == "fd_eps")
      c.fd_eps = to_double(value, k);
    else if (k == "r_exit")
      c.r_exit = to_double(value, k);
    else if (k == "rk")
      c.rk = to_rk(value.cast<py::dict>());
    else
      throw DynlibError("branch config: unknown field '" + k + "'");
  }
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
      HomoclinicFinderConfig c;
      for (auto [key, value] : config) {
        const std::string k = py::str(key).cast<std::string>();
        if (k == "trace")
          c.trace = to_branch(value.cast<py::dict>());
        else if (k == "scan_n")
          c.scan_n = static_cast<int>(to_int(value, k));
        else if (k == "max_bisect")
          c.max_bisect = static_cast<int>(to_int(value, k));
        else if (k == "gap_tol")
          c.gap_tol = to_double(value, k);
        else if (k == "x_tol")
          c.x_tol = to_double(value, k);
        else if (k == "branch_mode")
          c.branch_mode = py::str(value).cast<std::string>();
        else if (k == "sign_u")
          c.sign_u = static_cast<int>(to_int(value, k));
        else
          throw DynlibError("HomoclinicFinderConfig: unknown field '" + k + "'");
      }
      py::gil_scoped_release release;
      r = homoclinic_finder(*sim, p, c);
    } else {
      HeteroclinicFinderConfig c;
      for (auto [key, value] : config) {
        const std::string k = py::str(key).cast<std::string>();
        if (k == "eq_tol")
          c.eq_tol = to_double(value, k);
        else if (k == "eq_max_iter")
          c.eq_max_iter = static_cast<int>(to_int(value, k));
        else if (k == "eq_track_max_dist")
          c.eq_track_max_dist = optional_double(value, k);
        else if (k == "trace_u")
          c.trace_u = to_branch(value.cast<py::dict>());
        else if (k == "trace_s")
          c.trace_s = to_branch(value.cast<py::dict>());
        else if (k == "scan_n")
          c.scan_n = static_cast<int>(to_int(value, k));
        else if (k == "max_bisect")
          c.max_bisect = static_cast<int>(to_int(value, k));
        else if (k == "x_tol")
          c.x_tol = to_double(value, k);
        else if (k == "gap_tol")
          c.gap_tol = to_double(value, k);
        else if (k == "gap_fac")
          c.gap_fac = to_double(value, k);
        else if (k == "branch_mode")
          c.branch_mode = py::str(value).cast<std::string>();
        else if (k == "sign_u")
          c.sign_u = static_cast<int>(to_int(value, k));
        else if (k == "sign_s")
          c.sign_s = static_cast<int>(to_int(value, k));
        else if (k == "r_sec")
          c.r_sec = optional_double(value, k);
        else if (k == "r_sec_mult")
          c.r_sec_mult = to_double(value, k);
        else if (k == "r_sec_min_mult")
          c.r_sec_min_mult = to_double(value, k);
        else if (k == "tau_min")
          continue;  // the reference's plane section; see porting.md
        else
          throw DynlibError("HeteroclinicFinderConfig: unknown field '" + k + "'");
      }
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

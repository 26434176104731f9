// basin_known, basin_auto and build_known_attractors for Python: `_dynlib._basin_known(sim,
// attractors, ic, options)` etc. take plain dicts and lists (the Python module
// dynlib.analysis.basin builds them from the reference's dataclasses) and return the C++ result
// as a dict of numpy arrays and lists, which dynlib.analysis turns into the reference's
// BasinResult / KnownAttractorLibrary.

#include "dynlib/basins.hpp"

#include <atomic>

#include "common.hpp"

namespace dynlib::python {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> to_doubles(py::handle h, const std::string& what) {
  DoubleArray a = DoubleArray::ensure(h);
  if (!a) throw py::type_error(what + " must be an array-like of numbers");
  return std::vector<double>(a.data(), a.data() + a.size());
}

std::vector<std::vector<double>> to_rows(py::handle h, const std::string& what) {
  DoubleArray a = DoubleArray::ensure(h);
  if (!a) throw py::type_error(what + " must be an array-like of numbers");
  if (a.ndim() == 1) a = a.reshape({py::ssize_t{1}, a.size()});
  if (a.ndim() != 2) throw DynlibError(what + " must be a 2-D array (one row per point)");
  std::vector<std::vector<double>> rows(static_cast<size_t>(a.shape(0)));
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    rows[static_cast<size_t>(i)].assign(a.data() + i * a.shape(1), a.data() + (i + 1) * a.shape(1));
  return rows;
}

std::vector<std::string> to_strings(py::handle h) {
  std::vector<std::string> out;
  if (h.is_none()) return out;
  for (py::handle x : h) out.push_back(py::str(x).cast<std::string>());
  return out;
}

py::object get(const py::dict& d, const char* key) {
  return d.contains(key) ? py::reinterpret_borrow<py::object>(d[key]) : py::object(py::none());
}

std::optional<double> opt_double(const py::dict& d, const char* key) {
  py::object v = get(d, key);
  if (v.is_none()) return std::nullopt;
  return to_double(v, key);
}

// {"axes": [(var, values, sample, min, max)], "fixed": {...}} or
// {"points": array, "point_vars": [...], "fixed": {...}}
BasinIC to_ic(const py::dict& d) {
  BasinIC ic;
  py::object axes = get(d, "axes");
  if (!axes.is_none())
    for (py::handle a : axes) {
      py::tuple t = py::reinterpret_borrow<py::tuple>(a);
      BasinAxis axis;
      axis.var = t[0].cast<std::string>();
      axis.values = to_doubles(t[1], "ic values of '" + axis.var + "'");
      axis.sample = t[2].cast<std::string>();
      axis.min = to_double(t[3], "min");
      axis.max = to_double(t[4], "max");
      ic.axes.push_back(std::move(axis));
    }
  py::object fixed = get(d, "fixed");
  if (!fixed.is_none())
    for (auto item : py::reinterpret_borrow<py::dict>(fixed))
      ic.fixed[py::str(item.first).cast<std::string>()] =
          to_double(item.second, "ic value of " + py::str(item.first).cast<std::string>());
  py::object points = get(d, "points");
  if (!points.is_none()) {
    ic.points = to_rows(points, "basin_points points");
    ic.point_vars = to_strings(get(d, "point_vars"));
  }
  return ic;
}

// [{"kind": "fixed_point" | "cycle" | "reference", "name", "loc" | "points", "radius", "ic",
//   "params", "transient_samples", "signature_samples"}]
std::vector<AttractorSpec> to_specs(py::handle h) {
  std::vector<AttractorSpec> specs;
  for (py::handle item : h) {
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    const std::string kind = get(d, "kind").cast<std::string>();
    const std::string name = py::str(get(d, "name")).cast<std::string>();
    py::object radius = get(d, "radius");
    std::vector<double> r = radius.is_none() ? std::vector<double>{} : to_doubles(radius, "radius");
    if (kind == "fixed_point") {
      specs.push_back(BasinFixedPoint{name, to_doubles(get(d, "loc"), "loc"), r});
    } else if (kind == "cycle") {
      specs.push_back(BasinCycle{name, to_rows(get(d, "points"), "cycle points"), r});
    } else {
      ReferenceRun ref;
      ref.name = name;
      py::object ic = get(d, "ic");
      if (!ic.is_none()) ref.ic = to_doubles(ic, "ReferenceRun ic");
      py::object params = get(d, "params");
      if (!params.is_none())
        for (auto p : py::reinterpret_borrow<py::dict>(params))
          ref.params[py::str(p.first).cast<std::string>()] = to_double(p.second, "params");
      py::object ts = get(d, "transient_samples"), ss = get(d, "signature_samples");
      if (!ts.is_none()) ref.transient_samples = to_int(ts, "transient_samples");
      if (!ss.is_none()) ref.signature_samples = to_int(ss, "signature_samples");
      specs.push_back(std::move(ref));
    }
  }
  return specs;
}

std::vector<std::pair<double, double>> to_bounds(py::handle h) {
  std::vector<std::pair<double, double>> out;
  if (h.is_none()) return out;
  for (py::handle b : h) {
    std::vector<double> v = to_doubles(b, "escape_bounds");
    if (v.size() != 2) throw DynlibError("escape_bounds: each entry must be a (lo, hi) pair");
    out.emplace_back(v[0], v[1]);
  }
  return out;
}

py::dict library_to_python(const KnownAttractorLibrary& lib) {
  py::dict out;
  out["observe_vars"] = lib.observe_vars;
  out["obs_idx"] = lib.obs_idx;
  py::list attractors;
  for (const auto& a : lib.attractors) {
    py::dict d;
    d["name"] = a.name;
    d["kind"] = a.kind;
    py::array_t<double> pts(
        {static_cast<py::ssize_t>(a.points.size()), static_cast<py::ssize_t>(lib.obs_idx.size())});
    for (size_t i = 0; i < a.points.size(); ++i)
      std::copy(a.points[i].begin(), a.points[i].end(),
                pts.mutable_data() + i * lib.obs_idx.size());
    d["points"] = pts;
    d["radius"] = a.radius;
    attractors.append(d);
  }
  out["attractors"] = attractors;
  out["obs_min"] = lib.obs_min;
  out["obs_max"] = lib.obs_max;
  out["escape_min"] = lib.escape_min;
  out["escape_max"] = lib.escape_max;
  out["mode"] = lib.mode;
  out["dt_obs"] = lib.dt_obs;
  return out;
}

KnownAttractorLibrary library_from_python(const py::dict& d) {
  KnownAttractorLibrary lib;
  lib.observe_vars = to_strings(get(d, "observe_vars"));
  for (py::handle i : get(d, "obs_idx")) lib.obs_idx.push_back(i.cast<int>());
  for (py::handle item : get(d, "attractors")) {
    py::dict a = py::reinterpret_borrow<py::dict>(item);
    KnownAttractor k;
    k.name = get(a, "name").cast<std::string>();
    k.kind = get(a, "kind").cast<std::string>();
    k.points = to_rows(get(a, "points"), "library points");
    k.radius = to_doubles(get(a, "radius"), "library radius");
    lib.attractors.push_back(std::move(k));
  }
  lib.obs_min = to_doubles(get(d, "obs_min"), "obs_min");
  lib.obs_max = to_doubles(get(d, "obs_max"), "obs_max");
  lib.escape_min = to_doubles(get(d, "escape_min"), "escape_min");
  lib.escape_max = to_doubles(get(d, "escape_max"), "escape_max");
  lib.mode = get(d, "mode").cast<std::string>();
  lib.dt_obs = to_double(get(d, "dt_obs"), "dt_obs");
  return lib;
}

py::dict result_to_python(const BasinResult& r) {
  py::dict out;
  py::array_t<long long> labels(static_cast<py::ssize_t>(r.labels.size()));
  std::copy(r.labels.begin(), r.labels.end(), labels.mutable_data());
  py::array_t<long long> samples(static_cast<py::ssize_t>(r.samples.size()));
  std::copy(r.samples.begin(), r.samples.end(), samples.mutable_data());
  out["labels"] = labels;
  out["samples"] = samples;
  out["shape"] = r.shape;
  py::list registry;
  for (const auto& a : r.registry)
    registry.append(py::make_tuple(a.id, a.name, a.fingerprint, a.cells));
  out["registry"] = registry;
  out["attractor_names"] = r.attractor_names;
  out["method"] = r.method;
  out["mode"] = r.mode;
  out["observe_vars"] = r.observe_vars;
  out["dt_obs"] = r.dt_obs;
  out["meta"] = r.meta;
  out["stopped"] = r.stopped;
  out["threads"] = r.threads;
  out["wall_seconds"] = r.wall_seconds;
  py::dict ic;
  ic["kind"] = r.ic.kind;
  ic["ic_vars"] = r.ic.ic_vars;
  ic["axis_values"] = r.ic.axis_values;
  ic["axis_sample"] = r.ic.axis_sample;
  ic["bounds"] = r.ic.bounds;
  ic["fixed"] = r.ic.fixed;
  ic["shape"] = r.ic.shape;
  out["ic"] = ic;
  return out;
}

const Sim& sim_arg(py::handle h, const char* fn) {
  const Sim* sim = sim_of(h);
  if (!sim)
    throw py::type_error(std::string(fn) + ": expected a Sim (dynlib.setup(...)), got " +
                         py::repr(h).cast<std::string>());
  return *sim;
}

KnownLibraryOptions library_options(const py::dict& o) {
  KnownLibraryOptions lo;
  lo.observe_vars = to_strings(get(o, "observe_vars"));
  lo.escape_bounds = to_bounds(get(o, "escape_bounds"));
  if (!get(o, "mode").is_none()) lo.mode = get(o, "mode").cast<std::string>();
  lo.dt_obs = opt_double(o, "dt_obs");
  if (!get(o, "transient_samples").is_none())
    lo.transient_samples = to_int(get(o, "transient_samples"), "transient_samples");
  if (!get(o, "signature_samples").is_none())
    lo.signature_samples = to_int(get(o, "signature_samples"), "signature_samples");
  return lo;
}

py::dict build_library(py::handle target, py::handle attractors, const py::dict& o) {
  const Sim& sim = sim_arg(target, "build_known_attractors_psc");
  const std::vector<AttractorSpec> specs = to_specs(attractors);
  const KnownLibraryOptions lo = library_options(o);
  KnownAttractorLibrary lib;
  {
    py::gil_scoped_release release;
    lib = build_known_attractors(sim, specs, lo);
  }
  return library_to_python(lib);
}

py::dict known(py::handle target, py::handle attractors, const py::dict& ic_dict,
               const py::dict& o) {
  const Sim& sim = sim_arg(target, "basin_known");
  BasinKnownOptions k;
  k.observe_vars = to_strings(get(o, "observe_vars"));
  k.escape_bounds = to_bounds(get(o, "escape_bounds"));
  if (!get(o, "mode").is_none()) k.mode = get(o, "mode").cast<std::string>();
  k.dt_obs = opt_double(o, "dt_obs");
  auto set_int = [&](const char* key, long long& field) {
    if (!get(o, key).is_none()) field = to_int(get(o, key), key);
  };
  set_int("max_samples", k.max_samples);
  set_int("transient_samples", k.transient_samples);
  set_int("signature_samples", k.signature_samples);
  set_int("match_window", k.match_window);
  set_int("fixed_point_settle_steps", k.fixed_point_settle_steps);
  if (!get(o, "refine").is_none()) k.refine = get(o, "refine").cast<bool>();
  set_int("coarse_factor", k.coarse_factor);
  set_int("boundary_dilation", k.boundary_dilation);
  if (!get(o, "tolerance").is_none()) k.tolerance = to_double(get(o, "tolerance"), "tolerance");
  k.tolerance_absolute = opt_double(o, "tolerance_absolute");
  if (!get(o, "min_match_ratio").is_none())
    k.min_match_ratio = to_double(get(o, "min_match_ratio"), "min_match_ratio");
  k.b_max = opt_double(o, "b_max");
  k.blowup_vars = to_strings(get(o, "blowup_vars"));
  if (!get(o, "outside_limit").is_none())
    k.outside_limit = to_int(get(o, "outside_limit"), "outside_limit");
  if (!get(o, "threads").is_none())
    k.threads = static_cast<int>(to_int(get(o, "threads"), "threads"));
  if (!get(o, "params").is_none()) k.params = to_doubles(get(o, "params"), "params");
  const BasinIC ic = to_ic(ic_dict);

  std::optional<KnownAttractorLibrary> lib;
  std::vector<AttractorSpec> specs;
  if (py::isinstance<py::dict>(attractors))
    lib = library_from_python(py::reinterpret_borrow<py::dict>(attractors));
  else
    specs = to_specs(attractors);
  std::atomic<bool> stop{false};
  k.stop = &stop;
  BasinResult r;
  run_interruptibly(
      stop, [&] { r = lib ? basin_known(sim, *lib, ic, k) : basin_known(sim, specs, ic, k); });
  return result_to_python(r);
}

py::dict autom(py::handle target, const py::dict& ic_dict, const py::dict& o) {
  const Sim& sim = sim_arg(target, "basin_auto");
  BasinAutoOptions a;
  if (!get(o, "mode").is_none()) a.mode = get(o, "mode").cast<std::string>();
  a.observe_vars = to_strings(get(o, "observe_vars"));
  if (!get(o, "obs_min").is_none()) a.obs_min = to_doubles(get(o, "obs_min"), "obs_min");
  if (!get(o, "obs_max").is_none()) a.obs_max = to_doubles(get(o, "obs_max"), "obs_max");
  auto ints = [&](const char* key, std::vector<long long>& field) {
    py::object v = get(o, key);
    if (v.is_none()) return;
    field.clear();
    if (py::isinstance<py::iterable>(v) && !py::isinstance<py::str>(v))
      for (py::handle x : v) field.push_back(to_int(x, key));
    else
      field.push_back(to_int(v, key));
  };
  ints("grid_res", a.grid_res);
  ints("merge_downsample", a.merge_downsample);
  auto set_int = [&](const char* key, long long& field) {
    if (!get(o, key).is_none()) field = to_int(get(o, key), key);
  };
  set_int("max_samples", a.max_samples);
  set_int("transient_samples", a.transient_samples);
  set_int("window", a.window);
  set_int("recur_windows", a.recur_windows);
  set_int("p_in", a.p_in);
  set_int("outside_limit", a.outside_limit);
  set_int("post_detect_samples", a.post_detect_samples);
  set_int("batch_size", a.batch_size);
  if (!get(o, "u_th").is_none()) a.u_th = to_double(get(o, "u_th"), "u_th");
  if (!get(o, "s_merge").is_none()) a.s_merge = to_double(get(o, "s_merge"), "s_merge");
  a.b_max = opt_double(o, "b_max");
  a.blowup_vars = to_strings(get(o, "blowup_vars"));
  a.dt_obs = opt_double(o, "dt_obs");
  if (!get(o, "refine_unresolved").is_none())
    a.refine_unresolved = get(o, "refine_unresolved").cast<bool>();
  if (!get(o, "threads").is_none())
    a.threads = static_cast<int>(to_int(get(o, "threads"), "threads"));
  if (!get(o, "params").is_none()) a.params = to_doubles(get(o, "params"), "params");
  const BasinIC ic = to_ic(ic_dict);
  std::atomic<bool> stop{false};
  a.stop = &stop;
  BasinResult r;
  run_interruptibly(stop, [&] { r = basin_auto(sim, ic, a); });
  return result_to_python(r);
}

}  // namespace

void bind_basins(py::module_& m) {
  m.def("_build_known_attractors", &build_library, py::arg("sim"), py::arg("attractors"),
        py::arg("options"),
        "build_known_attractors() in C++; use dynlib.analysis.build_known_attractors_psc.");
  m.def("_basin_known", &known, py::arg("sim"), py::arg("attractors"), py::arg("ic"),
        py::arg("options"), "basin_known() in C++; use dynlib.analysis.basin_known.");
  m.def("_basin_auto", &autom, py::arg("sim"), py::arg("ic"), py::arg("options"),
        "basin_auto() in C++; use dynlib.analysis.basin_auto.");
  m.attr("BASIN_BLOWUP") = BASIN_BLOWUP;
  m.attr("BASIN_OUTSIDE") = BASIN_OUTSIDE;
  m.attr("BASIN_UNRESOLVED") = BASIN_UNRESOLVED;
}

}  // namespace dynlib::python

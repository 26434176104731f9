// trace_manifold_1d_map / trace_manifold_1d_ode for Python: `_dynlib._trace_manifold(target,
// is_map, fp, params, options)` returns the C++ result as a dict of numpy arrays, which
// dynlib.analysis.manifold turns into the reference's ManifoldTraceResult.

#include "dynlib/manifolds.hpp"

#include <atomic>

#include "common.hpp"

namespace dynlib::python {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

py::dict trace(py::handle target, bool is_map, py::handle fp, py::handle params,
               const py::dict& options) {
  const Sim* sim = sim_of(target);
  if (!sim && !py::isinstance<FullModel>(target))
    throw py::type_error(std::string(is_map ? "trace_manifold_1d_map" : "trace_manifold_1d_ode") +
                         ": expected a FullModel or a Sim, got " +
                         py::repr(target).cast<std::string>());
  const FullModel model = sim ? sim->model() : target.cast<FullModel>();
  const Layout& layout = model.layout();

  ManifoldOptions o;
  // fp: {state: value} over the default state (a Sim's current one, else the model's), or a
  // vector in state order.
  std::vector<double> state = sim ? sim->state() : model.spec().initial_state;
  if (fp.is_none()) {
    o.fp = state;
  } else if (is_mapping(fp)) {
    for (auto& [name, value] : to_float_value_map(fp, "fp")) {
      const NameRef ref = layout.resolve(name, {NameKind::State}, "fp");
      const double* v = std::get_if<double>(&value);
      if (!v) throw DynlibError("fp['" + name + "'] must be one number");
      state[static_cast<size_t>(ref.first())] = *v;
    }
    o.fp = state;
  } else {
    o.fp = to_double_vector(fp, "fp");
  }
  // params: overrides by name (on a Sim's current values) or the whole flat vector.
  if (params.is_none() || is_mapping(params)) {
    if (sim) {
      std::vector<double> values;
      for (const auto& name : layout.param_names()) {
        const auto v = sim->param(name);
        values.insert(values.end(), v.begin(), v.end());
      }
      o.param_values = values;
      if (!params.is_none())
        for (auto& [name, value] : to_float_value_map(params, "params")) {
          const NameRef ref = layout.resolve(name, {NameKind::Param}, "params");
          if (const double* v = std::get_if<double>(&value)) {
            if (ref.count() != 1)
              throw DynlibError("params['" + name + "'] is an array; give all its values");
            (*o.param_values)[static_cast<size_t>(ref.first())] = *v;
          } else {
            const auto& vs = std::get<std::vector<double>>(value);
            if (vs.size() != static_cast<size_t>(ref.count()))
              throw DynlibError("params['" + name + "'] takes " + std::to_string(ref.count()) +
                                " values, got " + std::to_string(vs.size()));
            std::copy(vs.begin(), vs.end(), o.param_values->begin() + ref.first());
          }
        }
    } else if (!params.is_none()) {
      o.params = to_value_map(params, "params");
    }
  } else {
    o.param_values = to_double_vector(params, "params");
  }

  for (auto [key, value] : options) {
    const std::string k = py::str(key).cast<std::string>();
    // None means "no check" / "no resampling" for these two, "the default" for the others.
    if (k == "fp_check_tol" && value.is_none()) {
      o.fp_check_tol.reset();
      continue;
    }
    if (k == "resample_h" && value.is_none()) {
      o.resample_h.reset();
      continue;
    }
    if (value.is_none()) continue;
    if (k == "kind")
      o.kind = parse_manifold_kind(py::str(value).cast<std::string>());
    else if (k == "t")
      o.t = to_double(value, k);
    else if (k == "bounds") {
      DoubleArray a = DoubleArray::ensure(value);
      if (!a || a.ndim() != 2 || a.shape(1) != 2)
        throw DynlibError("bounds must have shape (n_state, 2): [[min, max], ...]");
      for (py::ssize_t i = 0; i < a.shape(0); ++i)
        o.bounds.emplace_back(a.data()[2 * i], a.data()[2 * i + 1]);
    } else if (k == "seed_delta")
      o.seed_delta = to_double(value, k);
    else if (k == "hmax")
      o.hmax = to_double(value, k);
    else if (k == "alpha_max")
      o.alpha_max = to_double(value, k);
    else if (k == "max_arclength")
      o.max_arclength = to_double(value, k);
    else if (k == "max_points")
      o.max_points = static_cast<int>(to_int(value, k));
    else if (k == "steps")
      o.steps = static_cast<int>(to_int(value, k));
    else if (k == "dt")
      o.dt = to_double(value, k);
    else if (k == "max_time")
      o.max_time = to_double(value, k);
    else if (k == "min_step")
      o.min_step = to_double(value, k);
    else if (k == "eig_rank")
      o.eig_rank = static_cast<int>(to_int(value, k));
    else if (k == "eig_unit_tol")
      o.eig_unit_tol = to_double(value, k);
    else if (k == "eig_real_tol")
      o.eig_real_tol = to_double(value, k);
    else if (k == "eig_imag_tol")
      o.eig_imag_tol = to_double(value, k);
    else if (k == "jac")
      o.jac = parse_fixed_point_jacobian(py::str(value).cast<std::string>());
    else if (k == "inverse")
      o.inverse = parse_manifold_inverse(py::str(value).cast<std::string>());
    else if (k == "newton_tol")
      o.newton_tol = to_double(value, k);
    else if (k == "newton_max_iter")
      o.newton_max_iter = static_cast<int>(to_int(value, k));
    else if (k == "clip_margin")
      o.clip_margin = to_double(value, k);
    else if (k == "max_points_per_segment")
      o.max_points_per_segment = static_cast<int>(to_int(value, k));
    else if (k == "max_segments")
      o.max_segments = static_cast<int>(to_int(value, k));
    else if (k == "strict_1d")
      o.strict_1d = value.cast<bool>();
    else if (k == "fd_eps")
      o.fd_eps = to_double(value, k);
    else if (k == "fp_check_tol")
      o.fp_check_tol = to_double(value, k);
    else if (k == "resample_h")
      o.resample_h = to_double(value, k);
    else
      throw DynlibError("_trace_manifold: unknown option '" + k + "'");
  }

  ManifoldResult r;
  {
    py::gil_scoped_release release;
    r = is_map ? trace_manifold_1d_map(model, o) : trace_manifold_1d_ode(model, o);
  }
  auto matrix = [](const std::vector<double>& points, size_t n) {
    const size_t c = n ? points.size() / n : 0;
    py::array_t<double> a({static_cast<py::ssize_t>(c), static_cast<py::ssize_t>(n)});
    std::copy(points.begin(), points.end(), a.mutable_data());
    return a;
  };
  py::list branches, segment_params, traced, traced_params, pieces, stops, arclengths, forced;
  for (const ManifoldBranch& b : r.branches) {
    const size_t n = static_cast<size_t>(b.n_state);
    py::list segs, seg_params;
    for (const ManifoldSegment& seg : b.segments) {
      segs.append(matrix(seg.points, n));
      seg_params.append(vector_array(seg.param));
    }
    branches.append(segs);
    segment_params.append(seg_params);
    traced.append(matrix(b.points, n));
    traced_params.append(vector_array(b.param));
    py::list begins;
    for (size_t i : b.piece_begin) begins.append(i);
    pieces.append(begins);
    stops.append(b.stop);
    arclengths.append(b.arclength);
    forced.append(b.forced);
  }
  py::dict meta;
  for (const auto& [k, v] : r.meta) meta[py::str(k)] = v;
  py::dict out;
  out["kind"] = r.kind;
  out["model_kind"] = r.model_kind;
  out["state_names"] = r.state_names;
  out["fixed_point"] = vector_array(r.fixed_point);
  out["params"] = vector_array(r.params);
  out["t"] = r.t;
  out["eigenvalue"] = py::make_tuple(r.eigenvalue.real(), r.eigenvalue.imag());
  out["eigenvector"] = vector_array(r.eigenvector);
  out["eig_index"] = r.eig_index;
  out["step_mul"] = r.step_mul;
  out["method"] = r.method;
  out["branches"] = branches;
  out["segment_params"] = segment_params;
  out["traced"] = traced;
  out["branch_params"] = traced_params;
  out["piece_begin"] = pieces;
  out["stops"] = stops;
  out["arclengths"] = arclengths;
  out["forced"] = forced;
  out["meta"] = meta;
  return out;
}

}  // namespace

void bind_manifolds(py::module_& m) {
  m.def("_trace_manifold", &trace, py::arg("target"), py::arg("is_map"), py::kw_only(),
        py::arg("fp") = py::none(), py::arg("params") = py::none(), py::arg("options") = py::dict(),
        "trace_manifold_1d_map / _ode in C++ on a FullModel or a Sim; a dict of numpy arrays. "
        "Use dynlib.analysis.trace_manifold_1d_map / trace_manifold_1d_ode instead.");
}

}  // namespace dynlib::python

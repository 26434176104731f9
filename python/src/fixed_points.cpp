// find_fixed_points() for Python: `_dynlib._find_fixed_points(model_or_sim, ...)` returns the
// C++ result as a dict of numpy arrays, which dynlib.analysis.fixed_points turns into the
// reference's FixedPointResult; FullModel.fixed_points(...) forwards to that module.

#include "dynlib/fixed_points.hpp"

#include <atomic>
#include <chrono>
#include <complex>
#include <future>

#include "common.hpp"

namespace dynlib::python {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// seeds: None, {state: value} (one seed from the default state), or an array-like of shape
// (n_state,) or (n_seeds, n_state).
std::vector<std::vector<double>> to_seeds(py::handle h, const FullModel& model,
                                          const std::vector<double>& default_state) {
  const size_t n = static_cast<size_t>(model.layout().n_state());
  if (h.is_none()) return {default_state};
  if (is_mapping(h)) {
    std::vector<double> seed = default_state;
    for (auto& [name, value] : to_float_value_map(h, "seeds")) {
      const NameRef ref = model.layout().resolve(name, {NameKind::State}, "seeds");
      const double* v = std::get_if<double>(&value);
      if (!v) throw DynlibError("seeds['" + name + "'] must be one number");
      seed[static_cast<size_t>(ref.first())] = *v;
    }
    return {seed};
  }
  DoubleArray a = DoubleArray::ensure(h);
  if (!a)
    throw py::type_error("seeds must be a mapping or an array-like of numbers, got " +
                         py::repr(h).cast<std::string>());
  if (a.ndim() == 1) a = a.reshape({py::ssize_t{1}, a.size()});
  if (a.ndim() != 2 || static_cast<size_t>(a.shape(1)) != n) {
    std::string shape;
    for (py::ssize_t d = 0; d < a.ndim(); ++d)
      shape += (d ? ", " : "") + std::to_string(a.shape(d));
    std::string states;
    for (const auto& x : model.layout().state_names()) states += (states.empty() ? "" : ", ") + x;
    throw DynlibError("seeds must have shape (n_seeds, " + std::to_string(n) + ") for model '" +
                      model.spec().name + "' (states " + states + "), got shape (" + shape +
                      (a.ndim() == 1 ? ",)" : ")"));
  }
  std::vector<std::vector<double>> seeds(static_cast<size_t>(a.shape(0)), std::vector<double>(n));
  auto r = a.unchecked<2>();
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    for (size_t j = 0; j < n; ++j)
      seeds[static_cast<size_t>(i)][j] = r(i, static_cast<py::ssize_t>(j));
  return seeds;
}

py::array_t<double> matrix_array(const std::vector<double>& v, size_t rows, size_t cols) {
  py::array_t<double> a({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::array_t<std::complex<double>> complex_array(const std::vector<std::complex<double>>& v,
                                                size_t rows, size_t cols) {
  py::array_t<std::complex<double>> a(
      cols == 0 ? std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows)}
                : std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows),
                                           static_cast<py::ssize_t>(cols)});
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::dict find(py::handle target, py::handle seeds, py::handle params, py::handle t, int period,
              const std::string& jac, double tol, int max_iter, double unique_tol, double fd_eps,
              bool fd_central, bool classify, double stability_tol) {
  const Sim* sim = sim_of(target);
  if (!sim && !py::isinstance<FullModel>(target))
    throw py::type_error("_find_fixed_points: expected a FullModel or a Sim, got " +
                         py::repr(target).cast<std::string>());
  const FullModel model = sim ? sim->model() : target.cast<FullModel>();
  const Layout& layout = model.layout();

  // Defaults: a Sim's current state and params, else the model's.
  std::vector<double> state = sim ? sim->state() : model.spec().initial_state;
  std::vector<double> param_values;
  for (size_t k = 0; k < layout.params().size(); ++k) {
    const auto values = sim ? sim->param(layout.param_names()[k]) : model.spec().param_values[k];
    param_values.insert(param_values.end(), values.begin(), values.end());
  }

  FixedPointOptions o;
  o.seeds = to_seeds(seeds, model, state);
  if (params.is_none() || is_mapping(params)) {
    if (!params.is_none()) {
      // Overrides by name on top of the defaults above.
      for (auto& [name, value] : to_float_value_map(params, "params")) {
        const NameRef ref = layout.resolve(name, {NameKind::Param}, "params");
        if (const double* v = std::get_if<double>(&value)) {
          if (ref.count() != 1)
            throw DynlibError("params['" + name + "'] is an array of " +
                              std::to_string(ref.count()) + " values; give them all");
          param_values[static_cast<size_t>(ref.first())] = *v;
        } else {
          const auto& vs = std::get<std::vector<double>>(value);
          if (vs.size() != static_cast<size_t>(ref.count()))
            throw DynlibError("params['" + name + "'] takes " + std::to_string(ref.count()) +
                              " values, got " + std::to_string(vs.size()));
          std::copy(vs.begin(), vs.end(), param_values.begin() + ref.first());
        }
      }
    }
    o.param_values = param_values;
  } else {
    DoubleArray a = DoubleArray::ensure(params);
    if (!a || a.ndim() != 1)
      throw DynlibError("params must be a mapping or a 1-D array of " +
                        std::to_string(layout.n_param_values()) + " values");
    o.param_values = std::vector<double>(a.data(), a.data() + a.size());
  }
  if (!t.is_none()) o.t = to_double(t, "t");
  o.period = period;
  o.jac = parse_fixed_point_jacobian(jac);
  o.tol = tol;
  o.max_iter = max_iter;
  o.unique_tol = unique_tol;
  o.fd_eps = fd_eps;
  o.fd_central = fd_central;
  o.classify = classify;
  o.stability_tol = stability_tol;

  // Solve on a helper thread so this (main) thread can watch for Ctrl+C: a KeyboardInterrupt
  // skips the remaining seeds and is then raised.
  std::atomic<bool> stop{false};
  o.stop = &stop;
  FixedPointResult r;
  run_interruptibly(stop, [&] { r = find_fixed_points(model, o); });

  const size_t n = static_cast<size_t>(layout.n_state());
  const size_t m = r.points.size(), s = r.seeds.size();
  py::array_t<double> points({static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(n)});
  py::array_t<double> residuals(static_cast<py::ssize_t>(m));
  py::array_t<long long> periods(static_cast<py::ssize_t>(m)), cycles(static_cast<py::ssize_t>(m)),
      point_seed(static_cast<py::ssize_t>(m));
  py::list jacobians, eigvals, eigvecs, stability, types;
  for (size_t i = 0; i < m; ++i) {
    const FixedPoint& p = r.points[i];
    std::copy(p.x.begin(), p.x.end(), points.mutable_data() + i * n);
    residuals.mutable_data()[i] = p.residual;
    periods.mutable_data()[i] = p.period;
    cycles.mutable_data()[i] = p.cycle;
    point_seed.mutable_data()[i] = p.seed;
    jacobians.append(matrix_array(p.jacobian, n, n));
    if (classify) {
      eigvals.append(complex_array(p.eigenvalues, n, 0));
      eigvecs.append(complex_array(p.eigenvectors, n, n));
      stability.append(p.stability);
      types.append(p.type);
    }
  }
  py::array_t<double> seed_starts({static_cast<py::ssize_t>(s), static_cast<py::ssize_t>(n)});
  py::array_t<double> seed_points({static_cast<py::ssize_t>(s), static_cast<py::ssize_t>(n)});
  py::array_t<double> seed_residuals(static_cast<py::ssize_t>(s));
  py::array_t<bool> seed_converged(static_cast<py::ssize_t>(s));
  py::array_t<long long> seed_iterations(static_cast<py::ssize_t>(s)),
      seed_to_unique(static_cast<py::ssize_t>(s));
  py::list seed_messages;
  for (size_t i = 0; i < s; ++i) {
    const FixedPointSeed& q = r.seeds[i];
    std::copy(q.start.begin(), q.start.end(), seed_starts.mutable_data() + i * n);
    std::copy(q.x.begin(), q.x.end(), seed_points.mutable_data() + i * n);
    seed_residuals.mutable_data()[i] = q.residual;
    seed_converged.mutable_data()[i] = q.converged;
    seed_iterations.mutable_data()[i] = q.iterations;
    seed_to_unique.mutable_data()[i] = q.point;
    seed_messages.append(q.message);
  }
  py::dict out;
  out["kind"] = r.kind;
  out["period"] = r.period;
  out["t"] = r.t;
  out["params"] = vector_array(r.params);
  out["points"] = points;
  out["residuals"] = residuals;
  out["periods"] = periods;
  out["cycles"] = cycles;
  out["n_cycles"] = r.cycles;
  out["point_seeds"] = point_seed;
  out["jacobians"] = jacobians;
  out["eigvals"] = eigvals;
  out["eigvecs"] = eigvecs;
  out["stability"] = stability;
  out["types"] = types;
  out["seeds"] = seed_starts;
  out["seed_points"] = seed_points;
  out["seed_residuals"] = seed_residuals;
  out["seed_converged"] = seed_converged;
  out["seed_iterations"] = seed_iterations;
  out["seed_to_unique"] = seed_to_unique;
  out["seed_messages"] = seed_messages;
  out["stopped"] = r.stopped;
  return out;
}

}  // namespace

void bind_fixed_points(py::module_& m) {
  m.def("_find_fixed_points", &find, py::arg("target"), py::kw_only(),
        py::arg("seeds") = py::none(), py::arg("params") = py::none(), py::arg("t") = py::none(),
        py::arg("period") = 1, py::arg("jac") = "auto", py::arg("tol") = 1e-10,
        py::arg("max_iter") = 50, py::arg("unique_tol") = 1e-6, py::arg("fd_eps") = 1e-6,
        py::arg("fd_central") = false, py::arg("classify") = true, py::arg("stability_tol") = 1e-6,
        "find_fixed_points() in C++ on a FullModel or a Sim (its current state and params are "
        "the defaults); a dict of numpy arrays. Use dynlib.analysis.find_fixed_points or "
        "FullModel.fixed_points instead.");

  // FullModel.fixed_points(...), the reference's method: forwards to the Python module, which
  // turns its keywords and cfg into _find_fixed_points' and builds the FixedPointResult.
  py::object cls = py::type::of<FullModel>();
  cls.attr("fixed_points") = py::cpp_function(
      [](py::object self, py::kwargs kwargs) {
        return py::module_::import("dynlib.analysis.fixed_points")
            .attr("model_fixed_points")(self, **kwargs);
      },
      py::name("fixed_points"), py::is_method(cls),
      "fixed_points(*, params=None, seeds=None, method=None, jac=None, tol=None, max_iter=None, "
      "unique_tol=None, classify=None, cfg=None, t=None, period=None) -> FixedPointResult\n\n"
      "Equilibria (ODE) or fixed/period-k points (map) of this model by damped Newton from the "
      "seeds (docs/fixed-points.md).");
}

}  // namespace dynlib::python

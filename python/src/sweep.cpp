// Sweeps and bifurcation extraction (dynlib/sweep.hpp, dynlib/bifurcation.hpp) for the pure-Python
// modules dynlib.analysis.sweep and dynlib.analysis.post.bifurcation, which give them the
// reference's names and signatures. The C++ SweepResult is exposed as `SweepData`; its arrays
// view the C++ buffers (kept alive by their numpy base object), so nothing is copied.
#include <chrono>
#include <future>
#include <memory>

#include "common.hpp"
#include "dynlib/bifurcation.hpp"
#include "dynlib/lyapunov.hpp"
#include "dynlib/sweep.hpp"

namespace dynlib::python {

namespace {

using Data = std::shared_ptr<SweepResult>;

py::ssize_t ss(size_t v) {
  return static_cast<py::ssize_t>(v);
}

// A read-only array viewing `data` (row-major `shape`), owned by `owner`.
template <class Owner>
py::array view(const Owner& owner, const double* data, std::vector<py::ssize_t> shape) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(double);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  static const double empty = 0.0;
  py::capsule keep(new Owner(owner), [](void* p) { delete static_cast<Owner*>(p); });
  py::array_t<double> a(std::move(shape), std::move(strides), data ? data : &empty, keep);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

std::vector<double> to_values(py::handle h, const char* what) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a) throw py::type_error(std::string(what) + " must be a sequence of numbers");
  if (a.ndim() > 1)
    throw py::value_error(std::string(what) + " must be 1-D, got " + std::to_string(a.ndim()) +
                          " dimensions");
  return std::vector<double>(a.data(), a.data() + a.size());
}

// The reference's run keywords (None: the model's [sim] defaults) and its parallel_mode:
// every mode but "none" runs on threads (a run holds no GIL, so processes would add only cost).
BatchOptions sweep_options(py::dict run, const std::string& parallel_mode, py::handle max_workers) {
  BatchOptions o;
  auto number = [&](const char* key, std::optional<double>& field) {
    if (run.contains(key) && !run[key].is_none()) field = to_double(run[key], key);
  };
  auto whole = [&](const char* key, std::optional<long long>& field) {
    if (run.contains(key) && !run[key].is_none()) field = to_int(run[key], key);
  };
  number("t0", o.t0);
  number("T", o.T);
  whole("N", o.N);
  number("dt", o.dt);
  number("transient", o.transient);
  whole("record_interval", o.record_interval);
  whole("max_steps", o.max_steps);
  if (parallel_mode != "auto" && parallel_mode != "threads" && parallel_mode != "process" &&
      parallel_mode != "none")
    throw py::value_error("Unknown parallel_mode '" + parallel_mode +
                          "' (expected 'auto', 'threads', 'process' or 'none')");
  if (!max_workers.is_none()) {
    const long long k = to_int(max_workers, "max_workers");
    if (k < 1) throw py::value_error("max_workers must be >= 1 (None: every core)");
    o.threads = static_cast<int>(k);
  }
  if (parallel_mode == "none") o.threads = 1;
  return o;
}

// Runs `job` on a helper thread without the GIL while this thread watches for Ctrl+C, which stops
// the sweep (every worker joined) and is then raised as KeyboardInterrupt.
SweepResult interruptible(BatchOptions& o, const std::function<SweepResult()>& job) {
  std::atomic<bool> stop{false};
  o.stop = &stop;
  SweepResult out;
  run_interruptibly(stop, [&] { out = job(); });
  return out;
}

// The model of a sweep: a dynlib.Sim (its current state and params are the base) or a FullModel.
struct Base {
  const Sim* sim = nullptr;
  std::optional<FullModel> model;
};
Base base_of(py::handle h) {
  Base b;
  b.sim = sim_of(h);
  if (!b.sim) {
    if (!py::isinstance<FullModel>(h))
      throw py::type_error("the first argument of a sweep must be a dynlib.Sim or a FullModel");
    b.model = h.cast<FullModel>();
  }
  return b;
}

py::object scalar_sweep_py(py::handle model, const std::string& param, py::handle values,
                           const std::string& var, const std::string& mode, py::dict run,
                           const std::string& parallel_mode, py::handle max_workers) {
  const Base b = base_of(model);
  const std::vector<double> v = to_values(values, "values");
  const ScalarMode m = parse_scalar_mode(mode);
  BatchOptions o = sweep_options(run, parallel_mode, max_workers);
  SweepResult r = interruptible(o, [&] {
    return b.sim ? scalar_sweep(*b.sim, param, v, var, m, o)
                 : scalar_sweep(*b.model, param, v, var, m, o);
  });
  return py::cast(std::make_shared<SweepResult>(std::move(r)));
}

py::object traj_sweep_py(py::handle model, const std::string& param, py::handle values,
                         const std::vector<std::string>& record_vars, py::dict run,
                         const std::string& parallel_mode, py::handle max_workers) {
  const Base b = base_of(model);
  const std::vector<double> v = to_values(values, "values");
  BatchOptions o = sweep_options(run, parallel_mode, max_workers);
  SweepResult r = interruptible(o, [&] {
    return b.sim ? traj_sweep(*b.sim, param, v, record_vars, o)
                 : traj_sweep(*b.model, param, v, record_vars, o);
  });
  return py::cast(std::make_shared<SweepResult>(std::move(r)));
}

// lyapunov_mle_sweep (k = 0) / lyapunov_spectrum_sweep (k >= 1): `run` without record_interval,
// which is the traces' stride here.
py::object lyapunov_sweep_py(py::handle model, const std::string& param, py::handle values, int k,
                             py::dict run, long long record_interval, const std::string& mode,
                             long long renorm_every, std::vector<double> init_basis,
                             const std::string& parallel_mode, py::handle max_workers) {
  const Base b = base_of(model);
  const std::vector<double> v = to_values(values, "values");
  BatchOptions o = sweep_options(run, parallel_mode, max_workers);
  const LyapunovSweepOptions ly{record_interval, renorm_every, mode, std::move(init_basis)};
  SweepResult r = interruptible(o, [&] {
    if (k == 0)
      return b.sim ? lyapunov_mle_sweep(*b.sim, param, v, o, ly)
                   : lyapunov_mle_sweep(*b.model, param, v, o, ly);
    return b.sim ? lyapunov_spectrum_sweep(*b.sim, param, v, k, o, ly)
                 : lyapunov_spectrum_sweep(*b.model, param, v, k, o, ly);
  });
  return py::cast(std::make_shared<SweepResult>(std::move(r)));
}

// One extraction over per-run arrays (any TrajectoryPayload's t_runs and data): returns
// (p, y, t, run) as new arrays.
py::tuple bifurcation_py(const std::string& param_name, py::handle values,
                         const std::vector<std::string>& names, py::list t_runs, py::list data_runs,
                         const std::string& var, bool is_map, const std::string& mode,
                         py::kwargs kw) {
  using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
  const std::vector<double> grid = to_values(values, "values");
  if (t_runs.size() != data_runs.size() || t_runs.size() != grid.size())
    throw py::value_error("bifurcation: " + std::to_string(grid.size()) + " sweep values, " +
                          std::to_string(t_runs.size()) + " time arrays and " +
                          std::to_string(data_runs.size()) + " data arrays");
  std::vector<Array> keep;  // the converted arrays, alive while the extractor reads them
  std::vector<RunSamples> runs;
  for (size_t i = 0; i < grid.size(); ++i) {
    Array t = Array::ensure(t_runs[i]), d = Array::ensure(data_runs[i]);
    if (!t || !d) throw py::type_error("bifurcation: run arrays must hold numbers");
    const size_t count = static_cast<size_t>(t.size());
    if (d.size() != static_cast<py::ssize_t>(count * names.size()))
      throw py::value_error("bifurcation: run " + std::to_string(i) + " has " +
                            std::to_string(count) + " times but " + std::to_string(d.size()) +
                            " values for " + std::to_string(names.size()) + " variables");
    runs.push_back({grid[i], t.data(), d.data(), count});
    keep.push_back(std::move(t));
    keep.push_back(std::move(d));
  }
  const BifurcationExtractor bif(param_name, grid, names, runs, var, is_map);
  auto get = [&](const char* key) -> py::object {
    return kw.contains(key) ? py::reinterpret_borrow<py::object>(kw[key]) : py::object(py::none());
  };
  auto count = [&](const char* key, size_t fallback) -> size_t {
    py::object v = get(key);
    if (v.is_none()) return fallback;
    const long long n = to_int(v, key);
    if (n <= 0) throw py::value_error(std::string(key) + " must be positive");
    return static_cast<size_t>(n);
  };
  auto optional_count = [&](const char* key) -> std::optional<size_t> {
    if (get(key).is_none()) return std::nullopt;
    return count(key, 0);
  };
  BifurcationResult r;
  if (mode == "all") {
    r = bif.all();
  } else if (mode == "tail") {
    r = bif.tail(count("n", 0));
  } else if (mode == "final") {
    r = bif.final();
  } else if (mode == "extrema") {
    py::object kind = get("kind");
    r = bif.extrema({.kind = parse_extrema_kind(kind.is_none() ? std::string("both")
                                                               : std::string(py::str(kind))),
                     .tail = optional_count("tail"),
                     .max_points = count("max_points", 50),
                     .min_peak_distance = count("min_peak_distance", 1)});
  } else if (mode == "poincare") {
    py::object direction = get("direction"), level = get("level");
    r = bif.poincare({.var = std::string(py::str(get("section_var"))),
                      .level = level.is_none() ? 0.0 : to_double(level, "level"),
                      .direction = parse_crossing_direction(direction.is_none()
                                                                ? std::string("up")
                                                                : std::string(py::str(direction))),
                      .tail = optional_count("tail"),
                      .max_points = count("max_points", 50),
                      .min_section_distance = count("min_section_distance", 1)});
  } else {
    throw py::value_error("bifurcation: unknown mode '" + mode + "'");
  }
  std::vector<long long> run(r.run.begin(), r.run.end());
  return py::make_tuple(py::array_t<double>(ss(r.p.size()), r.p.data()),
                        py::array_t<double>(ss(r.y.size()), r.y.data()),
                        py::array_t<double>(ss(r.t.size()), r.t.data()),
                        py::array_t<long long>(ss(run.size()), run.data()));
}

}  // namespace

void bind_sweep(py::module_& m) {
  py::class_<SweepResult, std::shared_ptr<SweepResult>>(
      m, "SweepData",
      "The C++ result of a sweep (dynlib/sweep.hpp); dynlib.analysis.SweepResult wraps it "
      "(SweepResult.from_data). Arrays are read-only views.")
      .def_property_readonly("kind", [](const SweepResult& r) { return r.kind; })
      .def_property_readonly("param_name", [](const SweepResult& r) { return r.param_name; })
      .def_property_readonly(
          "values", [](const Data& r) { return view(r, r->values.data(), {ss(r->values.size())}); })
      .def_property_readonly(
          "outputs",
          [](const Data& r) {
            py::dict d;
            for (const SweepOutput& o : r->outputs) {
              std::vector<py::ssize_t> shape = {ss(r->size())};
              if (o.columns != 1) shape.push_back(ss(o.columns));
              d[py::str(o.name)] = view(r, o.data.data(), shape);
            }
            return d;
          },
          "{name: [M] or [M, columns] array}, in order")
      .def_property_readonly(
          "traces",
          [](const Data& r) {
            py::dict d;
            for (const SweepTrace& t : r->traces) {
              py::list runs;
              for (const auto& run : t.runs) runs.append(view(r, run.data(), {ss(run.size())}));
              d[py::str(t.name)] = runs;
            }
            return d;
          },
          "{name: [array per run]}, in order")
      .def_property_readonly("has_trajectories",
                             [](const SweepResult& r) { return r.trajectories != nullptr; })
      .def_property_readonly("record_vars",
                             [](const SweepResult& r) {
                               return r.trajectories ? r.trajectories->record_vars
                                                     : std::vector<std::string>{};
                             })
      .def_property_readonly(
          "counts",
          [](const SweepResult& r) {
            std::vector<long long> c;
            if (r.trajectories)
              c.assign(r.trajectories->counts.begin(), r.trajectories->counts.end());
            return py::array_t<long long>(ss(c.size()), c.data());
          },
          "samples recorded by each run (a copy)")
      .def_property_readonly(
          "t",
          [](const SweepResult& r) -> py::object {
            if (!r.trajectories) return py::none();
            const auto& p = r.trajectories;
            return view(p, p->t.data(), {ss(p->n_runs()), ss(p->n_time)});
          },
          "[M, n_time] sample times, NaN past counts[i] (None without trajectories)")
      .def_property_readonly(
          "data",
          [](const SweepResult& r) -> py::object {
            if (!r.trajectories) return py::none();
            const auto& p = r.trajectories;
            return view(p, p->data.data(), {ss(p->n_runs()), ss(p->n_time), ss(p->n_var())});
          },
          "[M, n_time, n_var] samples, NaN past counts[i] (None without trajectories)")
      .def_property_readonly("status",
                             [](const SweepResult& r) {
                               std::vector<std::string> s;
                               for (Status st : r.status) s.emplace_back(status_name(st));
                               return s;
                             })
      .def_property_readonly("message", [](const SweepResult& r) { return r.message; })
      .def_property_readonly("model_kind", [](const SweepResult& r) { return r.model_kind; })
      .def_property_readonly("stepper", [](const SweepResult& r) { return r.stepper; })
      .def_property_readonly("threads", [](const SweepResult& r) { return r.threads; })
      .def_property_readonly("wall_seconds", [](const SweepResult& r) { return r.wall_seconds; })
      .def("__repr__", [](const SweepResult& r) {
        return "<dynlib.SweepData kind='" + r.kind + "' param='" + r.param_name +
               "' M=" + std::to_string(r.size()) + ">";
      });

  m.def("_scalar_sweep", &scalar_sweep_py, py::arg("model"), py::arg("param"), py::arg("values"),
        py::arg("var"), py::arg("mode"), py::arg("run"), py::arg("parallel_mode"),
        py::arg("max_workers"),
        "dynlib.analysis.sweep.scalar_sweep's engine: run is a dict of the run keywords.");
  m.def("_lyapunov_sweep", &lyapunov_sweep_py, py::arg("model"), py::arg("param"),
        py::arg("values"), py::arg("k"), py::arg("run"), py::arg("record_interval"),
        py::arg("mode"), py::arg("renorm_every"), py::arg("init_basis"), py::arg("parallel_mode"),
        py::arg("max_workers"));
  m.def("_traj_sweep", &traj_sweep_py, py::arg("model"), py::arg("param"), py::arg("values"),
        py::arg("record_vars"), py::arg("run"), py::arg("parallel_mode"), py::arg("max_workers"),
        "dynlib.analysis.sweep.traj_sweep's engine: run is a dict of the run keywords.");
  m.def("_bifurcation", &bifurcation_py, py::arg("param_name"), py::arg("values"), py::arg("names"),
        py::arg("t_runs"), py::arg("data_runs"), py::arg("var"), py::arg("is_map"), py::arg("mode"),
        "BifurcationExtractor's engine over per-run arrays: returns (p, y, t, run).");
}

}  // namespace dynlib::python

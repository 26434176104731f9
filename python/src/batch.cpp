// dynlib.run_batch: thread-parallel ensembles and parameter sweeps (dynlib/ensemble.hpp) for
// Python. The batch runs without the GIL; its arrays view the C++ BatchResults (kept alive by
// their numpy base object), so nothing is copied.
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "common.hpp"
#include "dynlib/ensemble.hpp"

namespace dynlib::python {

namespace {

using Batch = std::shared_ptr<BatchResults>;

// A read-only view of `data` with `shape` and element `strides` (row-major when omitted).
template <class T>
py::array view(const Batch& b, const T* data, std::vector<py::ssize_t> shape,
               std::vector<py::ssize_t> strides = {}) {
  if (strides.empty()) {
    strides.resize(shape.size());
    py::ssize_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= shape[i];
    }
  }
  for (auto& s : strides) s *= static_cast<py::ssize_t>(sizeof(T));
  static const T empty{};
  py::capsule owner(new Batch(b), [](void* p) { delete static_cast<Batch*>(p); });
  py::array_t<T> a(std::move(shape), std::move(strides), data ? data : &empty, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

py::ssize_t ss(size_t v) {
  return static_cast<py::ssize_t>(v);
}

// A numpy-convertible 2-D table of doubles, row-major, with its number of rows and columns.
std::vector<double> table(py::handle h, const std::string& what, size_t& rows, size_t& cols) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a) throw py::type_error(what + " must be a 2-D array of numbers or a dict of 1-D arrays");
  if (a.ndim() != 2)
    throw py::value_error(what + " must be 2-D [n, columns], got " + std::to_string(a.ndim()) +
                          " dimension(s)");
  rows = static_cast<size_t>(a.shape(0));
  cols = static_cast<size_t>(a.shape(1));
  return std::vector<double>(a.data(), a.data() + a.size());
}

// {name: 1-D array of n values}.
std::map<std::string, std::vector<double>> columns(py::handle h, const std::string& what) {
  std::map<std::string, std::vector<double>> out;
  for (auto item : h.attr("items")()) {
    auto pair = item.cast<py::tuple>();
    const std::string name = py::str(pair[0]);
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(pair[1]);
    if (!a || a.ndim() != 1)
      throw py::value_error(what + "['" + name + "'] must be a 1-D array of numbers");
    out[name] = std::vector<double>(a.data(), a.data() + a.size());
  }
  return out;
}

std::vector<std::string> names_of(py::handle h, const std::string& what) {
  if (PyUnicode_Check(h.ptr())) return {h.cast<std::string>()};
  std::vector<std::string> out;
  for (py::handle item : h) {
    if (!PyUnicode_Check(item.ptr())) throw py::type_error(what + " entries must be str");
    out.push_back(item.cast<std::string>());
  }
  return out;
}

// params=[n, p] without param_names: every param in declaration order (array params by element).
std::vector<std::string> all_param_columns(const FullModel& m) {
  return m.layout().param_value_labels();  // "a", "w[0]", "w[1]", ...: the layout's names
}

py::object run_batch_py(py::handle model, py::kwargs kwargs) {
  // The model: a FullModel, a Sim (its current state and params are the base), or a URI.
  const Sim* base = sim_of(model);
  std::optional<FullModel> full;
  if (!base && py::isinstance<FullModel>(model))
    full = model.cast<FullModel>();
  else if (!base)
    full = build_model(model, py::none(), py::none(), false, py::none(), false, py::none());
  const FullModel& fm = base ? base->model() : *full;

  BatchOptions o;
  RunOptions shared;
  py::object progress;
  std::optional<py::object> params_arg, ic_arg, param_names_arg, ic_names_arg;
  for (auto item : kwargs) {
    const std::string key = py::str(item.first);
    py::handle value = item.second;
    if (key == "params") {
      params_arg = py::reinterpret_borrow<py::object>(value);
    } else if (key == "ic") {
      ic_arg = py::reinterpret_borrow<py::object>(value);
    } else if (key == "param_names") {
      param_names_arg = py::reinterpret_borrow<py::object>(value);
    } else if (key == "ic_names") {
      ic_names_arg = py::reinterpret_borrow<py::object>(value);
    } else if (key == "threads") {
      o.threads = value.is_none() ? 0 : static_cast<int>(to_int(value, "threads"));
      if (o.threads < 0) throw py::value_error("threads must be >= 0 (0: every core)");
    } else if (key == "final_only") {
      o.final_only = PyObject_IsTrue(value.ptr()) == 1;
    } else if (key == "progress") {
      if (!value.is_none() && !PyCallable_Check(value.ptr()))
        throw py::type_error("progress must be callable as progress(done, n)");
      progress = py::reinterpret_borrow<py::object>(value);
    } else {
      // A near miss of a batch keyword gets its own did-you-mean; anything else is a run option
      // (TypeError with a did-you-mean among those when it is not one).
      static const std::vector<std::string> batch_keys = {
          "params", "ic", "param_names", "ic_names", "threads", "final_only", "progress"};
      py::list close = py::module_::import("difflib").attr("get_close_matches")(
          key, py::cast(batch_keys), 1, 0.75);
      if (!close.empty())
        throw py::type_error("run_batch: unexpected keyword argument '" + key +
                             "'; did you mean '" + close[0].cast<std::string>() + "'?");
      set_run_option(shared, key, value, false);
    }
  }
  if (!shared.ic.empty() || !shared.params.empty())
    throw py::type_error("run_batch: pass ic= and params= as per-trajectory inputs");

  auto is_mapping = [](const py::object& h) { return py::hasattr(h, "items"); };
  if (params_arg && !params_arg->is_none()) {
    if (is_mapping(*params_arg)) {
      o.params = columns(*params_arg, "params");
    } else {
      size_t rows = 0, cols = 0;
      o.param_values = table(*params_arg, "params", rows, cols);
      o.param_names = param_names_arg && !param_names_arg->is_none()
                          ? names_of(*param_names_arg, "param_names")
                          : all_param_columns(fm);
      if (o.param_names.size() != cols)
        throw py::value_error("params has " + std::to_string(cols) + " column(s) but " +
                              std::to_string(o.param_names.size()) +
                              " param name(s) are given: pass param_names=[...]");
    }
  }
  if (ic_arg && !ic_arg->is_none()) {
    if (is_mapping(*ic_arg)) {
      o.ic = columns(*ic_arg, "ic");
    } else {
      size_t rows = 0, cols = 0;
      o.ic_values = table(*ic_arg, "ic", rows, cols);
      if (ic_names_arg && !ic_names_arg->is_none())
        o.ic_names = names_of(*ic_names_arg, "ic_names");
      const size_t want = o.ic_names.empty() ? fm.spec().state_names.size() : o.ic_names.size();
      if (want != cols)
        throw py::value_error("ic has " + std::to_string(cols) + " column(s), expected " +
                              std::to_string(want) + " (pass ic_names=[...] for a subset)");
    }
  }
  o.T = shared.T;
  o.N = shared.N;
  o.dt = shared.dt;
  o.t0 = shared.t0;
  o.record = shared.record;
  o.record_interval = shared.record_interval;
  o.record_vars = shared.record_vars;
  o.transient = shared.transient;
  o.max_steps = shared.max_steps;
  o.atol = shared.atol;
  o.rtol = shared.rtol;
  o.dt_min = shared.dt_min;
  o.dt_max = shared.dt_max;
  o.safety = shared.safety;
  o.min_factor = shared.min_factor;
  o.max_factor = shared.max_factor;
  o.max_rejects = shared.max_rejects;
  o.controller = shared.controller;
  o.newton_tol = shared.newton_tol;
  o.jac_eps = shared.jac_eps;
  o.newton_max_iter = shared.newton_max_iter;
  o.max_order = shared.max_order;
  o.jacobian_mode = shared.jacobian_mode;
  o.linear_solver = shared.linear_solver;
  if (progress && !progress.is_none()) {
    // Called from worker threads (never two at once): take the GIL for the Python call.
    o.progress = [progress](size_t done, size_t n) {
      py::gil_scoped_acquire gil;
      progress(done, n);
    };
  }

  // Run on a helper thread so this (main) thread can watch for Ctrl+C: a KeyboardInterrupt
  // stops the batch cleanly (every worker joined) and is then raised.
  std::atomic<bool> stop{false};
  o.stop = &stop;
  BatchResults out;
  run_interruptibly(stop, [&] { out = base ? run_batch(*base, o) : run_batch(fm, o); });
  return py::cast(std::make_shared<BatchResults>(std::move(out)));
}

}  // namespace

void bind_batch(py::module_& m) {
  py::class_<BatchResults, std::shared_ptr<BatchResults>>(
      m, "BatchResults", "What run_batch returns (docs/ensembles.md).")
      .def_property_readonly("n", [](const BatchResults& b) { return b.n; })
      .def_property_readonly("n_time", [](const BatchResults& b) { return b.n_time; })
      .def_property_readonly("names", [](const BatchResults& b) { return b.names; })
      .def_property_readonly("state_names", [](const BatchResults& b) { return b.state_names; })
      .def_property_readonly(
          "data",
          [](const Batch& b) {
            return view(b, b->data.data(), {ss(b->n), ss(b->n_time), ss(b->n_var)});
          },
          "[n, time, var] recorded values (read-only view); NaN past counts[i]")
      .def_property_readonly(
          "t",
          [](const Batch& b) {
            return view(b, b->t.data(), {ss(b->n), ss(b->n_time)});
          },
          "[n, time] sample times; NaN past counts[i]")
      .def_property_readonly(
          "time", [](const Batch& b) { return view(b, b->time.data(), {ss(b->time.size())}); },
          "the common sample times (fixed-step steppers and maps); empty otherwise")
      .def_property_readonly(
          "counts",
          [](const Batch& b) {
            std::vector<long long> c(b->counts.begin(), b->counts.end());
            return py::array_t<long long>(ss(c.size()), c.data());
          },
          "samples recorded by each trajectory (a copy)")
      .def_property_readonly(
          "final_state",
          [](const Batch& b) {
            return view(b, b->final_state.data(), {ss(b->n), ss(b->state_names.size())});
          },
          "[n, states] final states")
      .def_property_readonly(
          "final_time", [](const Batch& b) { return view(b, b->final_time.data(), {ss(b->n)}); })
      .def_property_readonly("steps",
                             [](const Batch& b) { return view(b, b->steps.data(), {ss(b->n)}); })
      .def_property_readonly("status",
                             [](const BatchResults& b) {
                               std::vector<std::string> s;
                               for (Status st : b.status) s.emplace_back(status_name(st));
                               return s;
                             })
      .def_property_readonly("message", [](const BatchResults& b) { return b.message; })
      .def_property_readonly("threads", [](const BatchResults& b) { return b.threads; })
      .def_property_readonly("wall_seconds", [](const BatchResults& b) { return b.wall_seconds; })
      .def(
          "events",
          [](const BatchResults& b, size_t i, const std::string& name) {
            if (i >= b.n)
              throw py::index_error("trajectory " + std::to_string(i) + " of " +
                                    std::to_string(b.n));
            for (const EventLog& e : b.events[i]) {
              if (e.name != name) continue;
              py::dict d;
              d["t"] = py::array_t<double>(ss(e.t.size()), e.t.data());
              for (size_t f = 0; f < e.fields.size(); ++f)
                d[py::str(e.fields[f])] =
                    py::array_t<double>(ss(e.values[f].size()), e.values[f].data());
              return d;
            }
            throw DynlibError("no event '" + name + "' in trajectory " + std::to_string(i));
          },
          py::arg("i"), py::arg("name"), "trajectory i's log of one event: {'t': ..., field: ...}")
      .def("all_ok", &BatchResults::all_ok)
      .def(
          "__getitem__",
          [](const Batch& b, const std::string& name) {
            const size_t v = b->var_index(name);  // DynlibError with a did-you-mean
            return view(b, b->data.empty() ? nullptr : b->data.data() + v,
                        {ss(b->n), ss(b->n_time)}, {ss(b->n_time * b->n_var), ss(b->n_var)});
          },
          "[n, time] view of one recorded variable")
      .def("__repr__", [](const BatchResults& b) {
        return "<dynlib.BatchResults n=" + std::to_string(b.n) +
               " n_time=" + std::to_string(b.n_time) + " vars=" + std::to_string(b.n_var) + ">";
      });

  m.def("run_batch", &run_batch_py, py::arg("model"),
        "run_batch(model, params=None, ic=None, T=None, N=None, dt=None, ..., threads=0, "
        "final_only=False, progress=None): n independent trajectories of one model on `threads` "
        "threads (0: every core); params/ic are a 2-D array [n, columns] (param_names=/ic_names= "
        "name the columns) or a dict of 1-D arrays. Results do not depend on the thread count.");
}

}  // namespace dynlib::python

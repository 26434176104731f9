// Observers for Python (observers.hpp): the ObserverSpec a run(observers=...) takes, the reference
// dynlib's factories' C++ halves, the callback and block routes for observers written in Python,
// and what observers leave in Results (raw fields; dynlib.runtime.observers.ObserverResult wraps
// them).

#include <memory>

#include "common.hpp"

namespace dynlib::python {

namespace {

const char* kind_name(ObserverSpec::Kind k) {
  switch (k) {
    case ObserverSpec::Kind::LyapunovMle:
      return "lyapunov_mle";
    case ObserverSpec::Kind::LyapunovSpectrum:
      return "lyapunov_spectrum";
    case ObserverSpec::Kind::Callback:
      return "callback";
    case ObserverSpec::Kind::Block:
      return "block";
  }
  return "?";
}

// A Python object the C++ side may copy without the GIL (the run copies its options while the
// GIL is released): the last copy's owner drops the reference under the GIL.
std::shared_ptr<py::object> hold(py::object o) {
  return std::shared_ptr<py::object>(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

// The C++ callback of a Python observer: fn(t, step, y, params) -> truthy to stop. y is a fresh
// float64 array; writing into it changes the state (detected by comparing after the call).
ObserverSpec python_callback(const std::string& name, py::object fn, long long every) {
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("callback observer '" + name + "': the callback must be callable");
  std::shared_ptr<py::object> f = hold(std::move(fn));
  return callback_observer(
      name,
      [f](const ObserverPoint& pt) {
        py::gil_scoped_acquire gil;
        std::vector<double>& y = *pt.y;
        py::array_t<double> ya(static_cast<py::ssize_t>(y.size()), y.data());
        py::array_t<double> pa(static_cast<py::ssize_t>(pt.p->size()), pt.p->data());
        const py::object reply = (*f)(pt.t, pt.step, ya, pa);
        ObserverReply r;
        r.stop = reply.is_none() ? false : py::bool_(reply).cast<bool>();
        const double* after = ya.data();
        for (size_t i = 0; i < y.size(); ++i) {
          if (!(after[i] == y[i]) && !(after[i] != after[i] && y[i] != y[i])) {
            r.state_changed = true;
            y[i] = after[i];
          }
        }
        return r;
      },
      every);
}

// The C++ callback of a Python block observer: fn(t, first_step, y) with t (rows,) and y
// (rows, n_state) float64 copies of the block; truthy to stop the run after the block.
ObserverSpec python_block(const std::string& name, py::object fn, long long block_rows) {
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("block observer '" + name + "': the callback must be callable");
  std::shared_ptr<py::object> f = hold(std::move(fn));
  return block_observer(
      name,
      [f](const ObserverBlock& b) {
        py::gil_scoped_acquire gil;
        const auto rows = static_cast<py::ssize_t>(b.rows), n = static_cast<py::ssize_t>(b.n);
        py::array_t<double> t(rows, b.t);
        py::array_t<double> y({rows, n}, b.y);
        const py::object reply = (*f)(t, b.first_step, y);
        return reply.is_none() ? false : py::bool_(reply).cast<bool>();
      },
      block_rows);
}

}  // namespace

std::vector<ObserverSpec> to_observers(py::handle h) {
  std::vector<ObserverSpec> out;
  if (h.is_none()) return out;
  auto one = [&](py::handle item) {
    if (py::isinstance<ObserverSpec>(item)) {
      out.push_back(item.cast<ObserverSpec>());
      return;
    }
    // dynlib.runtime.observers' Python observers know their own spec.
    if (py::hasattr(item, "_dynlib_observer_spec")) {
      out.push_back(item.attr("_dynlib_observer_spec")().cast<ObserverSpec>());
      return;
    }
    // The reference's factory mode: `observers=lyapunov_mle_observer` (the factory itself).
    if (PyCallable_Check(item.ptr()) && !py::isinstance<py::type>(item)) {
      py::object made;
      try {
        made = item();
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_TypeError)) throw;
      }
      if (made && py::isinstance<ObserverSpec>(made)) {
        out.push_back(made.cast<ObserverSpec>());
        return;
      }
    }
    throw py::type_error(
        "observers= takes observers made by dynlib.runtime.observers (lyapunov_mle_observer(), "
        "lyapunov_spectrum_observer(k=...), callback_observer(fn), an ObserverModule subclass), "
        "or a list of them; got " +
        py::repr(item).cast<std::string>());
  };
  if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
    for (py::handle item : h) one(item);
  } else {
    one(h);
  }
  return out;
}

py::dict observer_results_to_python(const std::map<std::string, ObserverResult>& results) {
  py::dict d;
  if (results.empty()) return d;
  const py::object wrap =
      py::module_::import("dynlib.runtime.observers").attr("ObserverResult").attr("_from_raw");
  for (const auto& [name, r] : results) {
    const py::ssize_t rows = static_cast<py::ssize_t>(r.trace_rows);
    const py::ssize_t cols = static_cast<py::ssize_t>(r.trace_names.size());
    py::array_t<double> trace({rows, cols});
    std::copy(r.trace.begin(), r.trace.end(), trace.mutable_data());
    py::dict meta;
    for (const auto& [k, v] : r.meta) meta[py::str(k)] = v;
    d[py::str(name)] =
        wrap(py::arg("name") = r.name, py::arg("out") = py::array(py::cast(r.out)),
             py::arg("output_names") = py::tuple(py::cast(r.output_names)),
             py::arg("trace") = trace, py::arg("trace_names") = py::tuple(py::cast(r.trace_names)),
             py::arg("trace_time") = py::array(py::cast(r.trace_time)),
             py::arg("trace_steps") = py::array(py::cast(r.trace_steps)),
             py::arg("record_interval") = r.record_interval, py::arg("meta") = meta);
  }
  return d;
}

void bind_observers(py::module_& m) {
  py::class_<ObserverSpec>(m, "ObserverSpec",
                           "An observer of a run (what run(observers=...) takes); made by "
                           "dynlib.runtime.observers' factories.")
      .def_property_readonly("kind", [](const ObserverSpec& s) { return kind_name(s.kind); })
      .def_readwrite("name", &ObserverSpec::name)
      .def_readwrite("k", &ObserverSpec::k)
      .def_readwrite("mode", &ObserverSpec::mode)
      .def_readwrite("renorm_every", &ObserverSpec::renorm_every)
      .def_readwrite("record_interval", &ObserverSpec::record_interval)
      .def_readwrite("init_basis", &ObserverSpec::init_basis)
      .def_readwrite("every", &ObserverSpec::every)
      .def("__repr__", [](const ObserverSpec& s) {
        std::string r =
            std::string("<dynlib.ObserverSpec ") + kind_name(s.kind) + " '" + s.name + "'";
        if (s.kind == ObserverSpec::Kind::LyapunovSpectrum) r += " k=" + std::to_string(s.k);
        return r + ">";
      });
  m.def(
      "_lyapunov_observer",
      [](bool spectrum, int k, long long record_interval, const std::string& mode,
         long long renorm_every, std::vector<double> init_basis, std::optional<std::string> name) {
        ObserverSpec s =
            spectrum ? lyapunov_spectrum_observer(k, record_interval, mode, std::move(init_basis))
                     : lyapunov_mle_observer(record_interval, mode);
        s.renorm_every = renorm_every;
        if (name) s.name = *name;
        return s;
      },
      py::arg("spectrum"), py::arg("k"), py::arg("record_interval"), py::arg("mode"),
      py::arg("renorm_every"), py::arg("init_basis"), py::arg("name") = py::none());
  m.def("_callback_observer", &python_callback, py::arg("name"), py::arg("fn"),
        py::arg("every") = 1);
  m.def("_block_observer", &python_block, py::arg("name"), py::arg("fn"),
        py::arg("block_rows") = 256);
}

}  // namespace dynlib::python

// Results and EventLog: numpy arrays that view the engine's buffers.
//
// A dynlib::Results shares one immutable ResultsData (shared_ptr<const>). Every array handed out
// here points into it and owns a copy of that Results through its numpy base object (a capsule),
// so a view stays valid however long the array lives: after the Results object, the Sim, and a
// later run of that Sim are gone (a resume copies the rows instead of moving them while anything
// else shares them). The arrays are read-only because the buffer is shared.
//
// Views: t, step, data, res["x"] (strided), event t / record_index / field values.
// Copies: res[["x", "y"]] (a new (n, k) array), final_state, Sim.state().

#include "common.hpp"

namespace dynlib::python {

namespace {

// The owner every view keeps alive.
py::capsule keep_alive(const Results& r) {
  return py::capsule(new Results(r), [](void* p) { delete static_cast<Results*>(p); });
}

template <class T>
py::array view(const Results& r, const T* data, std::vector<py::ssize_t> shape,
               std::vector<py::ssize_t> strides_in_elements) {
  std::vector<py::ssize_t> strides;
  for (py::ssize_t s : strides_in_elements)
    strides.push_back(s * static_cast<py::ssize_t>(sizeof(T)));
  // numpy allocates when given no data; an empty buffer (no samples) has nothing to view.
  static const T empty{};
  py::array_t<T> a(std::move(shape), std::move(strides), data ? data : &empty, keep_alive(r));
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

template <class T>
py::array vector_view(const Results& r, const std::vector<T>& v) {
  return view<T>(r, v.data(), {static_cast<py::ssize_t>(v.size())}, {1});
}

template <class T>
py::array column_view(const Results& r, const ColumnView<T>& c) {
  return view<T>(r, c.data, {static_cast<py::ssize_t>(c.size)},
                 {static_cast<py::ssize_t>(c.stride)});
}

py::array column(const Results& r, const std::string& name) {
  switch (r.dtype()) {
    case DType::Float32:
      return column_view(r, r.column_f32(name));
    case DType::Int64:
      return column_view(r, r.column_i64(name));
    case DType::Float64:
      break;
  }
  return column_view(r, r.column(name));
}

template <class T>
py::array columns_copy(const Results& r, const std::vector<std::string>& names) {
  std::vector<ColumnView<T>> cols;
  for (const auto& n : names) {
    if constexpr (std::is_same_v<T, double>)
      cols.push_back(r.column(n));
    else if constexpr (std::is_same_v<T, float>)
      cols.push_back(r.column_f32(n));
    else
      cols.push_back(r.column_i64(n));
  }
  const size_t rows = r.size();
  py::array_t<T> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols.size())});
  auto o = out.template mutable_unchecked<2>();
  for (size_t i = 0; i < rows; ++i)
    for (size_t k = 0; k < cols.size(); ++k)
      o(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(k)) = cols[k][i];
  return out;
}

py::array columns(const Results& r, const std::vector<std::string>& names) {
  switch (r.dtype()) {
    case DType::Float32:
      return columns_copy<float>(r, names);
    case DType::Int64:
      return columns_copy<long long>(r, names);
    case DType::Float64:
      break;
  }
  return columns_copy<double>(r, names);
}

py::array data(const Results& r) {
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(r.size()),
                                       static_cast<py::ssize_t>(r.width())};
  const std::vector<py::ssize_t> strides{static_cast<py::ssize_t>(r.width()), 1};
  const bool empty = r.size() == 0 || r.width() == 0;
  switch (r.dtype()) {
    case DType::Float32:
      return view<float>(r, empty ? nullptr : r.raw_data<float>(), shape, strides);
    case DType::Int64:
      return view<long long>(r, empty ? nullptr : r.raw_data<long long>(), shape, strides);
    case DType::Float64:
      break;
  }
  return view<double>(r, empty ? nullptr : r.raw_data<double>(), shape, strides);
}

// One event's log, tied to the Results it belongs to (by index: EventLogs never move inside the
// immutable ResultsData).
struct PyEventLog {
  Results results;
  size_t index;
  const EventLog& log() const { return results.events().at(index); }
};

PyEventLog event_by_name(const Results& r, const std::string& name) {
  const EventLog& e = r.event(name);  // throws DynlibError with a did-you-mean
  return PyEventLog{r, static_cast<size_t>(&e - r.events().data())};
}

py::array event_field(const PyEventLog& e, const std::string& field) {
  const EventLog& log = e.log();
  for (size_t f = 0; f < log.fields.size(); ++f)
    if (log.fields[f] == field)  // int64 models: exact (log.values rounds beyond 2^53)
      return log.values_i64.empty() ? vector_view(e.results, log.values[f])
                                    : vector_view(e.results, log.values_i64[f]);
  std::string known;
  for (const auto& f : log.fields) known += (known.empty() ? "'" : ", '") + f + "'";
  throw py::key_error("event '" + log.name + "' logs no field '" + field + "'" +
                      (known.empty() ? " (it logs nothing)" : "; it logs " + known));
}

}  // namespace

void bind_results(py::module_& m) {
  py::class_<PyEventLog>(m, "EventLog",
                         "The firings of one event in a run. Arrays are read-only views.")
      .def_property_readonly("name", [](const PyEventLog& e) { return e.log().name; })
      .def_property_readonly("tags", [](const PyEventLog& e) { return e.log().tags; })
      .def_property_readonly(
          "t", [](const PyEventLog& e) { return vector_view(e.results, e.log().t); },
          "firing times")
      .def_property_readonly(
          "record_index",
          [](const PyEventLog& e) { return vector_view(e.results, e.log().record_index); },
          "index of the first sample recorded after each firing")
      .def_property_readonly(
          "fields", [](const PyEventLog& e) { return e.log().fields; },
          "the logged expressions, as written")
      .def_property_readonly(
          "values",
          [](const PyEventLog& e) {
            py::dict d;
            for (const auto& f : e.log().fields) d[py::str(f)] = event_field(e, f);
            return d;
          },
          "{field: values at each firing}")
      .def("__getitem__", &event_field, py::arg("field"))
      .def("__len__", [](const PyEventLog& e) { return e.log().t.size(); })
      .def("__repr__", [](const PyEventLog& e) {
        return "<dynlib.EventLog " + e.log().name + ": " + std::to_string(e.log().t.size()) +
               " firings>";
      });

  py::class_<Results>(m, "Results", py::dynamic_attr(),
                      "The results of a run: sample times, recorded columns, event logs, "
                      "and how the run ended. Arrays view the engine's buffer (no copy) and "
                      "stay valid after the Sim is gone; they are read-only.")
      .def_property_readonly(
          "t", [](const Results& r) { return vector_view(r, r.t()); }, "sample times (float64)")
      .def_property_readonly(
          "step", [](const Results& r) { return vector_view(r, r.step()); },
          "step index of each sample (int64)")
      .def_property_readonly("data", &data,
                             "the whole recorded buffer, shape (samples, len(names)), in the "
                             "model's dtype (a view)")
      .def_property_readonly("names", &Results::names, "recorded variables, in column order")
      .def_property_readonly("state_names", &Results::state_names, "recorded states")
      .def_property_readonly("aux_names", &Results::aux_names, "recorded aux")
      .def_property_readonly("dtype",
                             [](const Results& r) { return std::string(dtype_name(r.dtype())); })
      .def("__len__", &Results::size)
      .def("__contains__", &Results::has, py::arg("name"))
      .def("__getitem__", &column, py::arg("name"),
           "res['x'] / res['aux.energy']: one column, a strided view")
      .def("__getitem__", &columns, py::arg("names"),
           "res[['x', 'y']]: several columns as a new (samples, k) array (a copy)")
      .def("column", &column, py::arg("name"))
      .def_property_readonly(
          "events",
          [](const Results& r) {
            py::dict d;
            for (size_t i = 0; i < r.events().size(); ++i)
              d[py::str(r.events()[i].name)] = PyEventLog{r, i};
            return d;
          },
          "{event name: EventLog}, every declared event (also those that never fired)")
      .def("event", &event_by_name, py::arg("name"))
      .def_property_readonly(
          "status",
          [](const Results& r) {
            // A str that also equals the reference's code (dynlib.runtime.runner_api); never
            // released, so no Python object is destroyed after the interpreter is finalised.
            static const py::object* run_status =
                new py::object(py::module_::import("dynlib.runtime.runner_api").attr("RunStatus"));
            return (*run_status)(status_name(r.status()));
          },
          "'done', 'early_exit', 'stepfail', 'nan_detected', 'user_break' or 'memory_limit', equal "
          "also to the "
          "reference's code (DONE, EARLY_EXIT, STEPFAIL, NAN_DETECTED, USER_BREAK)")
      .def_property_readonly("message", &Results::message, "why the run stopped, with details")
      .def_property_readonly(
          "ok",
          [](const Results& r) {
            return r.status() == Status::Done || r.status() == Status::EarlyExit;
          },
          "the run ended cleanly: done, or an early exit (the reference's rule)")
      .def_property_readonly(
          "exited_early", [](const Results& r) { return r.status() == Status::EarlyExit; },
          "the run stopped before its end without a failure ([sim] stop, max_steps, an observer)")
      .def_property_readonly("n", &Results::size, "recorded samples (the reference's name)")
      .def_property_readonly(
          "m",
          [](const Results& r) {
            size_t rows = 0;
            for (const EventLog& e : r.events()) rows += e.t.size();
            return rows;
          },
          "event-log rows, every event together (the reference's name)")
      .def_property_readonly("step_count_final", &Results::steps,
                             "steps the run took (the reference's name of steps)")
      .def_property_readonly(
          "final_state",
          [](const Results& r) -> py::array {
            if (r.dtype() == DType::Int64) {  // exact: final_state() rounds beyond 2^53
              std::vector<long long> s = r.final_state_i64();
              return py::array_t<long long>(static_cast<py::ssize_t>(s.size()), s.data());
            }
            std::vector<double> s = r.final_state();
            return py::array_t<double>(static_cast<py::ssize_t>(s.size()), s.data());
          },
          "the state at the end of the run, every state in model order (a copy: float64, or "
          "int64 for int64 models)")
      .def_property_readonly("final_time", &Results::final_time)
      .def_property_readonly("steps", &Results::steps)
      .def_property_readonly("accepted_steps", &Results::accepted_steps)
      .def_property_readonly("rejected_steps", &Results::rejected_steps)
      .def_property_readonly(
          "evaluations",
          [](const Results& r) {
            const Evaluations& e = r.evaluations();
            return py::dict(py::arg("rhs") = e.rhs, py::arg("jacobians") = e.jacobians,
                            py::arg("lu") = e.lu, py::arg("newton") = e.newton);
          },
          "What the run evaluated: rhs calls, Jacobians, LU factorisations, Newton iterations.")
      .def_property_readonly("wall_seconds", &Results::wall_seconds)
      .def_property_readonly(
          "run_stats",
          [](const Results& r) {
            const RunStats& s = r.run_stats();
            return py::dict(
                py::arg("interp_steps") = s.interp_steps, py::arg("native_steps") = s.native_steps,
                py::arg("interp_seconds") = s.interp_seconds,
                py::arg("native_seconds") = s.native_seconds,
                py::arg("switch_step") = s.switch_step, py::arg("tier2_steps") = s.tier2_steps,
                py::arg("tier2_seconds") = s.tier2_seconds, py::arg("tier2_step") = s.tier2_step,
                py::arg("interp_ns_per_step") = s.interp_ns_per_step(),
                py::arg("native_ns_per_step") = s.native_ns_per_step());
          },
          "which backend computed this run's steps and how fast (jit='auto' switches mid-run "
          "at switch_step, and to the -O3 tier-2 kernel at tier2_step; -1 when it did not). A "
          "resumed run: the last run() only.")
      .def_property_readonly(
          "observers", [](const Results& r) { return observer_results_to_python(r.observers()); },
          "What the run's observers computed: {name: ObserverResult} (run(observers=...)).")
      .def_property_readonly(
          "observer_metadata",
          [](const Results& r) {
            py::dict d;
            for (const auto& [name, o] : r.observers()) d[py::str(name)] = py::cast(o.meta);
            return d;
          },
          "{observer name: {key: value}}: how each observer ran (kind, mode, k, stepper, ...).")
      .def("__repr__", [](const Results& r) {
        return "<dynlib.Results " + std::to_string(r.size()) + " samples x " +
               std::to_string(r.width()) + " variables, status " + status_name(r.status()) + ">";
      });
}

}  // namespace dynlib::python

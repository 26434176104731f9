// build() and FullModel: the model description (spec), its parts and the generated sources.

#include "common.hpp"

namespace dynlib::python {

namespace {

Jit to_jit(py::handle h) {
  if (h.is_none()) return Jit(false);
  if (PyBool_Check(h.ptr())) return Jit(h.ptr() == Py_True);
  if (PyUnicode_Check(h.ptr())) return Jit(parse_jit_mode(h.cast<std::string>()));
  throw py::type_error("jit must be True, False, \"on\", \"off\" or \"auto\", got " +
                       py::repr(h).cast<std::string>());
}

std::optional<std::string> to_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  if (PyUnicode_Check(h.ptr())) return h.cast<std::string>();
  // numpy.float32, numpy.dtype("float32"), ...: numpy names them like dynlib does.
  try {
    return py::module_::import("numpy").attr("dtype")(h).attr("name").cast<std::string>();
  } catch (py::error_already_set&) {
    throw py::type_error(
        "dtype must be \"float64\", \"float32\", \"int64\" or a numpy dtype, got " +
        py::repr(h).cast<std::string>());
  }
}

py::dict build_stats_dict(const BuildStats& s) {
  return py::dict(py::arg("resolve_parse") = s.resolve_parse, py::arg("lower") = s.lower,
                  py::arg("codegen") = s.codegen, py::arg("compile") = s.compile,
                  py::arg("load") = s.load, py::arg("kernel_source") = s.kernel_source,
                  py::arg("kernel_digest") = s.kernel_digest, py::arg("kernel_id") = s.kernel_id);
}

py::object optional_float(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}

}  // namespace

FullModel build_model(py::handle model, py::handle stepper, py::handle jit, bool disk_cache,
                      py::handle dtype, bool march_native, py::handle auto_threshold) {
  const std::string uri = to_path(model, "model");
  BuildOptions options;
  if (!stepper.is_none()) {
    if (!PyUnicode_Check(stepper.ptr()))
      throw py::type_error("stepper must be a str, got " + py::repr(stepper).cast<std::string>());
    options.stepper = stepper.cast<std::string>();
  }
  options.jit = to_jit(jit);
  options.disk_cache = disk_cache;
  options.dtype = to_dtype(dtype);
  options.march_native = march_native;
  if (!auto_threshold.is_none())
    options.auto_threshold = to_double(auto_threshold, "auto_threshold");
  py::gil_scoped_release release;
  return build(uri, options);
}

void bind_model(py::module_& m) {
  py::class_<ModelInfo>(m, "ModelInfo",
                        "A read-only description of a model: the validated [model], [states], "
                        "[params], [aux] and [sim] tables.")
      .def_readonly("name", &ModelInfo::name)
      .def_readonly("kind", &ModelInfo::kind, "\"ode\" or \"map\"")
      .def_property_readonly(
          "dtype", [](const ModelInfo& i) { return std::string(dtype_name(i.dtype)); },
          "the dtype the model declares")
      .def_readonly("hash", &ModelInfo::hash, "SHA-256 of the model's canonical form")
      .def_readonly("state_names", &ModelInfo::state_names)
      .def_readonly("initial_state", &ModelInfo::initial_state)
      .def_readonly("param_names", &ModelInfo::param_names)
      .def_readonly("param_values", &ModelInfo::param_values,
                    "one list per param (several values for an array param)")
      .def_readonly("aux_names", &ModelInfo::aux_names)
      .def_readonly("event_names", &ModelInfo::event_names)
      .def_readonly("preset_names", &ModelInfo::preset_names)
      .def_readonly("has_jacobian", &ModelInfo::has_jacobian)
      .def_property_readonly(
          "states",
          [](const ModelInfo& i) {
            py::dict d;
            for (size_t k = 0; k < i.state_names.size(); ++k)
              d[py::str(i.state_names[k])] = i.initial_state.at(k);
            return d;
          },
          "{state: initial value}, in declaration order")
      .def_property_readonly(
          "params",
          [](const ModelInfo& i) {
            py::dict d;
            for (size_t k = 0; k < i.param_names.size(); ++k)
              d[py::str(i.param_names[k])] = values_to_python(i.param_values.at(k));
            return d;
          },
          "{param: value} (a float, or a list for an array param)")
      .def_property_readonly(
          "aux", [](const ModelInfo& i) { return i.aux_names; }, "aux variable names")
      .def_property_readonly(
          "events", [](const ModelInfo& i) { return i.event_names; }, "event names")
      .def_property_readonly(
          "presets", [](const ModelInfo& i) { return i.preset_names; }, "preset names")
      .def_property_readonly(
          "sim",
          [](const ModelInfo& i) {
            return py::dict(py::arg("t0") = i.t0, py::arg("t_end") = optional_float(i.t_end),
                            py::arg("dt") = optional_float(i.dt));
          },
          "the [sim] defaults: {'t0', 't_end', 'dt'} (None when the model sets none)")
      .def("__repr__", [](const ModelInfo& i) {
        return "<dynlib.ModelInfo " + i.name + " (" + i.kind + ", " + dtype_name(i.dtype) + "), " +
               std::to_string(i.state_names.size()) + " states, " +
               std::to_string(i.param_names.size()) + " params>";
      });

  py::class_<ModelPart>(m, "ModelPart",
                        "One part of a built model (rhs, events_pre, events_post, update_aux, "
                        "stepper, runner, guards). signatures is non-empty when it is native.")
      .def_readonly("name", &ModelPart::name)
      .def_readonly("native", &ModelPart::native)
      .def_readonly("signatures", &ModelPart::signatures,
                    "the compiled signatures (empty when interpreted)")
      .def_property_readonly("is_jitted", &ModelPart::is_jitted)
      .def("__repr__", [](const ModelPart& p) {
        return "<dynlib.ModelPart " + p.name + (p.native ? " (native)>" : " (interpreted)>");
      });

  py::class_<FullModel>(m, "FullModel",
                        "A validated, lowered (and with jit, compiled) model plus its stepper. "
                        "Immutable; any number of Sims may share one.")
      .def_property_readonly("spec", &FullModel::spec)
      .def_property_readonly("stepper_name", &FullModel::stepper_name)
      .def_property_readonly(
          "dtype", [](const FullModel& f) { return std::string(dtype_name(f.dtype())); },
          "the dtype it runs in (after a build dtype override)")
      .def_property_readonly("is_jitted", &FullModel::is_jitted)
      .def_property_readonly("rhs", [](const FullModel& f) { return f.rhs(); })
      .def_property_readonly("events_pre", &FullModel::events_pre)
      .def_property_readonly("events_post", &FullModel::events_post)
      .def_property_readonly("update_aux", &FullModel::update_aux)
      .def_property_readonly("stepper", &FullModel::stepper)
      .def_property_readonly("runner", &FullModel::runner)
      .def_property_readonly("guards", &FullModel::guards)
      .def_property_readonly("rhs_source", &FullModel::rhs_source)
      .def_property_readonly("events_source", &FullModel::events_source)
      .def_property_readonly("aux_source", &FullModel::aux_source)
      .def_property_readonly("stepper_source", &FullModel::stepper_source)
      .def_property_readonly("runner_source", &FullModel::runner_source)
      .def_property_readonly("translation_unit_source", &FullModel::translation_unit_source)
      .def(
          "export_sources",
          [](const FullModel& f, py::handle path) {
            const std::string dir = to_path(path, "path");
            py::gil_scoped_release release;
            return f.export_sources(dir);
          },
          py::arg("path"),
          "Writes rhs.cpp, events.cpp, aux.cpp, stepper.cpp, runner.cpp, model.hpp, entry.cpp, "
          "kernel/*.hpp and build.sh into `path` (created if needed); returns the paths.")
      .def_property_readonly(
          "build_stats", [](const FullModel& f) { return build_stats_dict(f.build_stats()); },
          "seconds spent in each phase of build(), and where the native kernel came from")
      .def("__repr__", [](const FullModel& f) {
        return "<dynlib.FullModel " + f.spec().name + " (stepper " + f.stepper_name() + ", " +
               dtype_name(f.dtype()) + (f.is_jitted() ? ", native)>" : ", interpreted)>");
      });

  m.def(
      "build",
      [](py::handle model, py::handle stepper, py::handle jit, bool disk_cache, py::handle dtype,
         bool march_native, py::handle auto_threshold) {
        return build_model(model, stepper, jit, disk_cache, dtype, march_native, auto_threshold);
      },
      py::arg("model"), py::arg("stepper") = py::none(), py::arg("jit") = false,
      py::arg("disk_cache") = false, py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("march_native") = false, py::arg("auto_threshold") = py::none(),
      "Loads, validates and lowers a model (and with jit, compiles it). model is a URI "
      "(builtin://ode/lorenz, TAG://path, a file path, inline:<toml>) or a path-like.");

  m.def(
      "parse_jit_mode", [](const std::string& text) { return jit_mode_name(parse_jit_mode(text)); },
      py::arg("text"), "The canonical name (\"on\", \"off\", \"auto\") of a jit mode spelling.");

  m.def(
      "jit_stats",
      []() {
        py::list out;
        for (const KernelStats& k : jit_stats())
          out.append(py::dict(
              py::arg("id") = k.id, py::arg("digest") = k.digest,
              py::arg("model_name") = k.model_name, py::arg("stepper") = k.stepper,
              py::arg("dtype") = k.dtype, py::arg("backends") = k.backends,
              py::arg("builds") = k.builds, py::arg("compiles") = k.compiles,
              py::arg("memory_hits") = k.memory_hits, py::arg("disk_hits") = k.disk_hits,
              py::arg("compile_seconds") = k.compile_seconds, py::arg("runs") = k.runs,
              py::arg("interp_steps") = k.interp_steps, py::arg("native_steps") = k.native_steps,
              py::arg("interp_seconds") = k.interp_seconds,
              py::arg("native_seconds") = k.native_seconds,
              py::arg("auto_switches") = k.auto_switches,
              py::arg("interp_ns_per_step") = k.interp_ns_per_step(),
              py::arg("native_ns_per_step") = k.native_ns_per_step(),
              py::arg("speedup") = k.speedup()));
        return out;
      },
      "Process-wide compile and run statistics, one dict per kernel (see docs/jit.md).");
  m.def("reset_jit_stats", &reset_jit_stats, "Clears the jit_stats() counters.");

  m.def(
      "steppers",
      []() {
        py::list out;
        for (const StepperDescription& s : steppers())
          out.append(py::dict(py::arg("name") = s.name, py::arg("aliases") = s.aliases,
                              py::arg("kind") = s.kind, py::arg("adaptive") = s.adaptive,
                              py::arg("implicit") = s.implicit, py::arg("stiff") = s.stiff,
                              py::arg("order") = s.order,
                              py::arg("embedded_order") = s.embedded_order,
                              py::arg("description") = s.description));
        return out;
      },
      "The stepper registry, one dict per stepper.");
}

}  // namespace dynlib::python

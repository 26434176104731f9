// build() and FullModel: the model description (spec), its parts and the generated sources.

#include <filesystem>

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

// A model function as a Python object: the ModelPart metadata of that part (name, native,
// signatures) plus a FullModel to evaluate it with. FullModel is a shared pointer: copies are
// cheap and keep the model alive as long as the function object lives.
struct PyModelFunction : ModelPart {
  PyModelFunction(ModelPart part, FullModel m, ModelFunction f)
      : ModelPart(std::move(part)), model(std::move(m)), fn(f) {}
  FullModel model;
  ModelFunction fn;
};

// rhs keeps the ModelPart the runner inlines (its signatures when native); the others are
// evaluated by the model's function kernel, which with jit is native code too.
PyModelFunction model_function(const FullModel& model, ModelFunction f) {
  if (f == ModelFunction::Rhs) return {model.rhs(), model, f};
  ModelPart part{model_function_name(f), model.is_jitted(), {}};
  if (part.native) {
    const std::string real = model.dtype() == DType::Float32 ? "float"
                             : model.dtype() == DType::Int64 ? "int64_t"
                                                             : "double";
    const std::string time = model.dtype() == DType::Float32 ? "float" : "double";
    const std::string v = f == ModelFunction::Jvp ? ", const " + real + "* v" : "";
    part.signatures.push_back("void " + part.name + "(" + time + " t, const " + real +
                              "* y, const " + real + "* p, const LagView* lag" + v + ", " + real +
                              "* out)");
  }
  return {std::move(part), model, f};
}

std::string size_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A 1-D float64 C-contiguous copy (or view) of `h` with `n` values, or a DynlibError that names
// the function, the model and the expected size.
DoubleArray to_vector(py::handle h, size_t n, const PyModelFunction& fm, const char* what,
                      const std::string& expected) {
  DoubleArray a = DoubleArray::ensure(h);
  if (!a)
    throw py::type_error(std::string(model_function_name(fm.fn)) + ": " + what +
                         " must be an array-like of numbers, got " +
                         py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>());
  if (a.ndim() != 1 || static_cast<size_t>(a.size()) != n) {
    std::string shape;
    for (py::ssize_t d = 0; d < a.ndim(); ++d)
      shape += (d ? ", " : "") + std::to_string(a.shape(d));
    throw DynlibError(std::string(model_function_name(fm.fn)) + ": " + what + " has shape (" +
                      shape + (a.ndim() == 1 ? ",)" : ")") + ", but model '" +
                      fm.model.spec().name + "' needs " + std::to_string(n) + " values (" +
                      expected + ")");
  }
  return a;
}

// {name: value} over `base` (the defaults): names resolve through the model's layout (so "w[1]"
// and did-you-mean work as everywhere else); an array param takes a sequence of its length.
void apply_mapping(py::handle mapping, NameKind kind, std::vector<double>& base,
                   const PyModelFunction& fm, const char* what) {
  const Layout& layout = fm.model.layout();
  const std::string context = std::string(model_function_name(fm.fn)) + ": " + what;
  for (py::handle item : mapping.attr("items")()) {
    auto kv = py::reinterpret_borrow<py::tuple>(item);
    if (!PyUnicode_Check(kv[0].ptr()))
      throw py::type_error(context + " keys must be str, got " +
                           py::repr(kv[0]).cast<std::string>());
    const std::string name = kv[0].cast<std::string>();
    const NameRef ref = layout.resolve(name, {kind}, context);
    const Value value = to_float_value(kv[1], std::string(what) + "['" + name + "']");
    const auto* values = std::get_if<std::vector<double>>(&value);
    const size_t count = static_cast<size_t>(ref.count());
    if (values ? values->size() != count : count != 1)
      throw DynlibError(context + "['" + name + "'] has " +
                        std::to_string(values ? values->size() : 1) + " value(s), but '" + name +
                        "' of model '" + fm.model.spec().name + "' has " + std::to_string(count));
    for (size_t k = 0; k < count; ++k)
      base[static_cast<size_t>(ref.first()) + k] = values ? (*values)[k] : std::get<double>(value);
  }
}

DoubleArray to_state(py::handle h, const PyModelFunction& fm, const char* what) {
  const Layout& layout = fm.model.layout();
  const size_t n = static_cast<size_t>(layout.n_state());
  if (is_mapping(h)) {
    std::vector<double> y = fm.model.spec().initial_state;
    apply_mapping(h, NameKind::State, y, fm, what);
    return DoubleArray(static_cast<py::ssize_t>(n), y.data());
  }
  return to_vector(h, n, fm, what, "one per state: " + size_list(layout.state_names()));
}

// None -> no array (the model's defaults); a mapping -> defaults with those entries replaced; else
// the flat parameter vector.
std::optional<DoubleArray> to_params(py::handle h, const PyModelFunction& fm) {
  if (h.is_none()) return std::nullopt;
  const Layout& layout = fm.model.layout();
  const size_t n = static_cast<size_t>(layout.n_param_values());
  if (is_mapping(h)) {
    std::vector<double> p;
    for (const std::vector<double>& v : fm.model.spec().param_values)
      p.insert(p.end(), v.begin(), v.end());
    apply_mapping(h, NameKind::Param, p, fm, "params");
    return DoubleArray(static_cast<py::ssize_t>(n), p.data());
  }
  return to_vector(h, n, fm, "params",
                   "the flat parameter vector: " + size_list(layout.param_value_labels()));
}

// The call forms (docs/python.md): rhs and inv_rhs take (t, y, params) or the reference's
// (t, y, out, params, runtime_ws); jacobian and dfdp (t, y, params, out, runtime_ws); jvp
// (t, y, params, v, out, runtime_ws). runtime_ws is accepted and ignored.
std::vector<const char*> positional_names(ModelFunction f, size_t n_args) {
  switch (f) {
    case ModelFunction::Rhs:
    case ModelFunction::Inverse:
      if (n_args >= 4) return {"t", "y", "out", "params", "runtime_ws"};
      return {"t", "y", "params"};
    case ModelFunction::Jvp:
      return {"t", "y", "params", "v", "out", "runtime_ws"};
    case ModelFunction::Jacobian:
    case ModelFunction::Dfdp:
      break;
  }
  return {"t", "y", "params", "out", "runtime_ws"};
}

py::object call_model_function(const PyModelFunction& fm, const py::args& args,
                               const py::kwargs& kwargs) {
  const std::string fname = model_function_name(fm.fn);
  const std::vector<const char*> names = positional_names(fm.fn, args.size());
  if (args.size() > names.size())
    throw py::type_error(fname + "() takes at most " + std::to_string(names.size()) +
                         " positional arguments (" + std::to_string(args.size()) + " given)");
  std::map<std::string, py::handle> bound;
  for (size_t i = 0; i < args.size(); ++i) bound[names[i]] = args[i];
  for (auto [key, value] : kwargs) {
    const std::string k = key.cast<std::string>();
    const bool known = k == "t" || k == "y" || k == "params" || k == "out" || k == "runtime_ws" ||
                       (k == "v" && fm.fn == ModelFunction::Jvp);
    if (!known) throw py::type_error(fname + "() got an unexpected keyword argument '" + k + "'");
    if (bound.count(k))
      throw py::type_error(fname + "() got multiple values for argument '" + k + "'");
    bound[k] = value;
  }
  auto arg = [&](const char* name) -> py::handle {
    auto it = bound.find(name);
    return it == bound.end() ? py::handle(Py_None) : it->second;
  };
  for (const char* required : {"t", "y"})
    if (!bound.count(required))
      throw py::type_error(fname + "() missing required argument '" + required + "'");
  if (fm.fn == ModelFunction::Jvp && arg("v").is_none())
    throw py::type_error("jvp() missing required argument 'v'");

  const double t = to_double(arg("t"), fname + ": t");
  const DoubleArray y = to_state(arg("y"), fm, "y");
  const std::optional<DoubleArray> p = to_params(arg("params"), fm);
  const size_t n = static_cast<size_t>(fm.model.layout().n_state());
  std::optional<DoubleArray> v;
  if (fm.fn == ModelFunction::Jvp) v = to_vector(arg("v"), n, fm, "v", "one per state");

  const size_t n_out = fm.model.output_size(fm.fn);
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
  if (fm.fn == ModelFunction::Jacobian) shape.push_back(static_cast<py::ssize_t>(n));
  if (fm.fn == ModelFunction::Dfdp)
    shape.push_back(static_cast<py::ssize_t>(fm.model.layout().n_param_values()));

  // The output: a given float64 C-contiguous writable array of the right size is written in
  // place; another given array (e.g. float32, or strided) receives a cast copy.
  py::handle out_h = arg("out");
  const bool has_out = !out_h.is_none();
  py::array out_given;
  bool direct = false;
  if (has_out) {
    if (!py::isinstance<py::array>(out_h))
      throw py::type_error(fname + ": out must be a numpy array, got " +
                           py::repr(out_h).cast<std::string>());
    out_given = py::reinterpret_borrow<py::array>(out_h);
    if (static_cast<size_t>(out_given.size()) != n_out)
      throw DynlibError(fname + ": out has " + std::to_string(out_given.size()) +
                        " values, but model '" + fm.model.spec().name + "' needs " +
                        std::to_string(n_out));
    if (!out_given.writeable()) throw DynlibError(fname + ": out is read-only");
    direct = py::isinstance<py::array_t<double>>(out_given) &&
             (out_given.flags() & py::array::c_style) != 0;
  }
  py::array_t<double> result =
      direct ? py::reinterpret_borrow<py::array_t<double>>(out_given) : py::array_t<double>(shape);
  double* out = result.mutable_data();
  const double* yp = y.data();
  const double* pp = p ? p->data() : nullptr;
  const double* vp = v ? v->data() : nullptr;
  {
    py::gil_scoped_release release;
    fm.model.evaluate(fm.fn, t, yp, pp, vp, out);
  }
  if (has_out) {
    if (!direct) out_given[py::ellipsis()] = result.attr("reshape")(out_given.attr("shape"));
    return out_given;
  }
  return result;
}

}  // namespace

namespace {

std::vector<std::string> to_mods(py::handle mods) {
  std::vector<std::string> out;
  if (mods.is_none()) return out;
  if (PyUnicode_Check(mods.ptr()) ||
      py::isinstance(mods, py::module_::import("os").attr("PathLike"))) {
    out.push_back(to_path(mods, "mods"));
    return out;
  }
  if (!py::isinstance<py::sequence>(mods))
    throw py::type_error("mods must be a list of mod URIs, got " +
                         py::repr(mods).cast<std::string>());
  for (py::handle m : mods) out.push_back(to_path(m, "each entry of mods"));
  return out;
}

// A tag's roots as the reference's PathConfig writes them (a str or a list of str), each with ~
// and $VARS expanded.
std::vector<std::string> to_roots(py::handle roots, const std::string& tag) {
  const py::module_ os_path = py::module_::import("os.path");
  auto expand = [&](py::handle r) {
    const std::string p = to_path(r, "a root of tag '" + tag + "'");
    return os_path.attr("expanduser")(os_path.attr("expandvars")(p)).cast<std::string>();
  };
  std::vector<std::string> out;
  if (PyUnicode_Check(roots.ptr()) ||
      py::isinstance(roots, py::module_::import("os").attr("PathLike"))) {
    out.push_back(expand(roots));
  } else if (py::isinstance<py::sequence>(roots)) {
    for (py::handle r : roots) out.push_back(expand(r));
  } else {
    throw py::type_error("the roots of tag '" + tag + "' must be a str or a list of str, got " +
                         py::repr(roots).cast<std::string>());
  }
  return out;
}

std::optional<PathConfig> to_path_config(py::handle config) {
  if (config.is_none()) return std::nullopt;
  if (PyUnicode_Check(config.ptr()) ||
      py::isinstance(config, py::module_::import("os").attr("PathLike"))) {
    const std::string file = to_path(config, "config");
    py::gil_scoped_release release;
    return load_path_config(file);
  }
  if (!py::hasattr(config, "tags"))
    throw py::type_error(
        "config must be a dynlib.compiler.paths.PathConfig (tags, cache_root) or the path of a "
        "config file, got " +
        py::repr(config).cast<std::string>());
  PathConfig out;
  const py::object tags = config.attr("tags");
  if (!tags.is_none()) {
    if (!is_mapping(tags))
      throw py::type_error("config.tags must be a dict {tag: [roots]}, got " +
                           py::repr(tags).cast<std::string>());
    for (py::handle item : tags.attr("items")()) {
      const py::tuple kv = py::reinterpret_borrow<py::tuple>(item);
      if (!PyUnicode_Check(kv[0].ptr()))
        throw py::type_error("config.tags keys must be tag names (str), got " +
                             py::repr(kv[0]).cast<std::string>());
      const std::string tag = kv[0].cast<std::string>();
      out.tags.emplace_back(tag, to_roots(kv[1], tag));
    }
  }
  if (py::hasattr(config, "cache_root")) {
    const py::object root = config.attr("cache_root");
    if (!root.is_none()) out.cache_root = to_path(root, "config.cache_root");
  }
  return out;
}

// KernelStats::tiers as dicts, tier 0 (interpreter) first.
py::list tiers_list(const KernelStats& k) {
  py::list tiers;
  for (int t = 0; t < KernelStats::kTiers; ++t) {
    const KernelStats::Tier& tier = k.tiers[t];
    tiers.append(py::dict(
        py::arg("tier") = t, py::arg("name") = k.tier_label(t), py::arg("compiles") = tier.compiles,
        py::arg("compile_seconds") = tier.compile_seconds, py::arg("steps") = tier.steps,
        py::arg("seconds") = tier.seconds, py::arg("ns_per_step") = tier.ns_per_step(),
        py::arg("speedup") = t == 0 ? 0.0 : k.tier_speedup(t)));
  }
  return tiers;
}

}  // namespace

FullModel build_model(py::handle model, py::handle stepper, py::handle jit, bool disk_cache,
                      py::handle dtype, bool march_native, py::handle auto_threshold,
                      py::handle jacobian, py::handle mods, py::handle config,
                      py::handle validate_stepper, py::handle auto_min_calls,
                      py::handle auto_tier_threshold) {
  const std::string uri = to_path(model, "model");
  if (!validate_stepper.is_none() && !PyBool_Check(validate_stepper.ptr()))
    throw py::type_error("validate_stepper must be True or False, got " +
                         py::repr(validate_stepper).cast<std::string>());
  BuildOptions options;
  options.mods = to_mods(mods);
  options.config = to_path_config(config);
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
  if (!auto_min_calls.is_none()) options.auto_min_calls = to_int(auto_min_calls, "auto_min_calls");
  if (!auto_tier_threshold.is_none())
    options.auto_tier_threshold = to_double(auto_tier_threshold, "auto_tier_threshold");
  if (!jacobian.is_none()) {
    if (!PyUnicode_Check(jacobian.ptr()))
      throw py::type_error("jacobian must be \"symbolic\" or \"user\", got " +
                           py::repr(jacobian).cast<std::string>());
    options.jacobian = jacobian.cast<std::string>();
  }
  FullModel full = [&] {
    py::gil_scoped_release release;
    return build(uri, options);
  }();
  warn_model(full.spec().warnings);
  return full;
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
      .def_readonly("equations", &ModelInfo::equations, "one per state, as written")
      .def_readonly("jacobian_equations", &ModelInfo::jacobian_equations,
                    "the rows of [equations.jacobian] as written (empty without one)")
      .def_readonly("inverse_equations", &ModelInfo::inverse_equations,
                    "a map's [equations.inverse] as written (empty without one)")
      .def_readonly("has_jacobian", &ModelInfo::has_jacobian)
      .def_property_readonly(
          "warnings",
          [](const ModelInfo& i) {
            std::vector<std::string> texts;
            for (const ModelWarning& w : i.warnings) texts.push_back(w.text());
            return texts;
          },
          "the model's warnings (unknown [sim] keys), each the full diagnostic")
      .def_property_readonly(
          "states",
          [](const ModelInfo& i) {
            py::dict d;
            for (size_t k = 0; k < i.state_names.size(); ++k) {
              if (i.dtype == DType::Int64)  // exact: initial_state rounds beyond 2^53
                d[py::str(i.state_names[k])] = i.initial_state_i64.at(k);
              else
                d[py::str(i.state_names[k])] = i.initial_state.at(k);
            }
            return d;
          },
          "{state: initial value}, in declaration order")
      .def_property_readonly(
          "params",
          [](const ModelInfo& i) {
            py::dict d;
            for (size_t k = 0; k < i.param_names.size(); ++k)
              d[py::str(i.param_names[k])] = i.dtype == DType::Int64
                                                 ? values_to_python(i.param_values_i64.at(k))
                                                 : values_to_python(i.param_values.at(k));
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
      .def_property_readonly(
          "stepper_defaults",
          [](const ModelInfo& i) {
            // What a run uses when neither run() nor config() sets an option (run_defaults.hpp).
            const SimTable& s = i.sim;
            py::dict d;
            d["atol"] = s.atol;
            d["rtol"] = s.rtol;
            d["safety"] = s.safety.value_or(defaults::safety);
            d["min_factor"] = s.min_factor.value_or(defaults::min_factor);
            d["max_factor"] = s.max_factor.value_or(defaults::max_factor);
            d["max_rejects"] = s.max_rejects.value_or(defaults::max_rejects);
            d["dt_min"] = s.dt_min.value_or(defaults::dt_min);
            d["dt_max"] = s.dt_max.value_or(defaults::dt_max);
            d["newton_tol"] = s.newton_tol.value_or(defaults::newton_tol);
            d["newton_max_iter"] = s.newton_max_iter.value_or(defaults::newton_max_iter);
            d["jac_eps"] = s.jac_eps.value_or(defaults::jac_eps);
            d["jacobian_mode"] = s.jacobian_mode.value_or(defaults::jacobian_mode);
            return d;
          },
          "the stepper options of the model's [sim] table, unset ones at their defaults")
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

  py::class_<PyModelFunction, ModelPart>(
      m, "ModelFunction",
      "One of the model's functions (rhs, jacobian, jvp, dfdp, inv_rhs), callable on a state; "
      "also the ModelPart of that function (.name, .signatures, .is_jitted). Calls:\n"
      "  rhs(t, y, params=None) / inv_rhs(t, y, params=None) -> (n,)\n"
      "  rhs(t, y, out, params, runtime_ws=None)  (the reference's form: fills out)\n"
      "  jacobian(t, y, params=None, out=None, runtime_ws=None) -> (n, n)\n"
      "  jvp(t, y, params, v, out=None, runtime_ws=None) -> (n,)\n"
      "  dfdp(t, y, params=None, out=None) -> (n, n_param)\n"
      "y: array-like of n floats, or {state: value} over the initial state; params: None (the "
      "model's defaults), the flat parameter vector, or {param: value} over the defaults. "
      "Returns a new float64 array, or out when given. Releases the GIL while it evaluates.")
      .def("__call__", &call_model_function)
      .def_property_readonly(
          "n_out", [](const PyModelFunction& fm) { return fm.model.output_size(fm.fn); },
          "the number of values a call returns")
      .def("__repr__", [](const PyModelFunction& fm) {
        return "<dynlib.ModelFunction " + fm.name + " of " + fm.model.spec().name +
               (fm.native ? " (native)>" : " (interpreted)>");
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
      .def_property_readonly("jit_tier", &FullModel::jit_tier,
                             "the tier its runs start in now: 0 interpreter, 1 native, 2 native "
                             "at -O3 -march=native (jit='auto', docs/jit.md)")
      .def_property_readonly(
          "rhs", [](const FullModel& f) { return model_function(f, ModelFunction::Rhs); },
          "dy/dt (ODE) or the next state (map): model.rhs(t, y, params=None) -> array (n,); "
          "also a ModelPart (.name, .signatures, .is_jitted)")
      .def_property_readonly(
          "jacobian", [](const FullModel& f) { return model_function(f, ModelFunction::Jacobian); },
          "d rhs_i / d y_j: model.jacobian(t, y, params=None, out=None) -> array (n, n)")
      .def_property_readonly(
          "jvp", [](const FullModel& f) { return model_function(f, ModelFunction::Jvp); },
          "J(y) @ v: model.jvp(t, y, params, v, out=None) -> array (n,)")
      .def_property_readonly(
          "dfdp", [](const FullModel& f) { return model_function(f, ModelFunction::Dfdp); },
          "d rhs_i / d p_k over the flat parameter vector: model.dfdp(t, y, params=None) -> "
          "array (n, n_param)")
      .def_property_readonly(
          "inv_rhs", [](const FullModel& f) { return model_function(f, ModelFunction::Inverse); },
          "a map's inverse ([equations.inverse]): model.inv_rhs(t, y, params=None) -> array (n,)")
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
      // The reference's names: its events_pre/events_post/update_aux functions are one events
      // function (both phases) and one aux function here.
      .def_property_readonly("events_pre_source", &FullModel::events_source,
                             "the events' generated C++ (both phases; the reference's name)")
      .def_property_readonly("events_post_source", &FullModel::events_source,
                             "the events' generated C++ (both phases; the reference's name)")
      .def_property_readonly("update_aux_source", &FullModel::aux_source,
                             "the aux variables' generated C++ (the reference's name)")
      .def_property_readonly(
          "spec_hash", [](const FullModel& f) { return f.spec().hash; },
          "the model's content hash, as spec.hash (the reference's name)")
      .def(
          "export_sources",
          [](const FullModel& f, py::handle path) {
            const std::string dir = to_path(path, "path");
            std::vector<std::string> written;
            {
              py::gil_scoped_release release;
              written = f.export_sources(dir);
            }
            // {name relative to path: pathlib.Path}, as the reference returns them.
            const py::object as_path = py::module_::import("pathlib").attr("Path");
            py::dict out;
            for (const std::string& p : written)
              out[py::str(std::filesystem::path(p).lexically_relative(dir).string())] = as_path(p);
            return out;
          },
          py::arg("path"),
          "Writes rhs.cpp, events.cpp, aux.cpp, stepper.cpp, runner.cpp, model.hpp, entry.cpp, "
          "kernel/*.hpp and build.sh into `path` (created if needed); returns {name: "
          "pathlib.Path} of the files written (names relative to `path`).")
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
         py::handle mods, py::handle config, py::handle validate_stepper, bool march_native,
         py::handle auto_threshold, py::handle jacobian, py::handle auto_min_calls,
         py::handle auto_tier_threshold) {
        return build_model(model, stepper, jit, disk_cache, dtype, march_native, auto_threshold,
                           jacobian, mods, config, validate_stepper, auto_min_calls,
                           auto_tier_threshold);
      },
      py::arg("model"), py::arg("stepper") = py::none(), py::arg("jit") = false,
      py::arg("disk_cache") = false, py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("mods") = py::none(), py::arg("config") = py::none(),
      py::arg("validate_stepper") = true, py::arg("march_native") = false,
      py::arg("auto_threshold") = py::none(), py::arg("jacobian") = py::none(),
      py::arg("auto_min_calls") = py::none(), py::arg("auto_tier_threshold") = py::none(),
      "Loads, validates and lowers a model (and with jit, compiles it). model is a URI "
      "(builtin://ode/lorenz, TAG://path, a file path, inline:<toml>; \"#mod=NAME\" applies a mod "
      "of the file's [mods]) or a path-like. mods: mod URIs applied in order; config: a "
      "PathConfig or a config file's path for TAG:// URIs; validate_stepper: accepted for the "
      "reference (docs/python.md).");

  m.def(
      "_load_path_config",
      [](const std::string& file) {
        PathConfig c = [&] {
          py::gil_scoped_release release;
          return load_path_config(file);
        }();
        return py::make_tuple(c.tags, c.cache_root);
      },
      py::arg("file"),
      "(tags, cache_root) of dynlib.compiler.paths.load_config(): the default tags, or a config "
      "file's.");

  m.def(
      "parse_jit_mode", [](const std::string& text) { return jit_mode_name(parse_jit_mode(text)); },
      py::arg("text"),
      "The canonical name (\"on\", \"off\", \"auto\", \"quick\") of a jit mode spelling.");

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
              py::arg("speedup") = k.speedup(), py::arg("tier") = k.tier,
              py::arg("tier_ups") = k.tier_ups, py::arg("tier2_verdict") = k.tier2_verdict,
              py::arg("quick") = k.quick, py::arg("tiers") = tiers_list(k)));
        return out;
      },
      "Process-wide compile and run statistics, one dict per kernel (see docs/jit.md).");
  m.def("reset_jit_stats", &reset_jit_stats, "Clears the jit_stats() counters.");
  m.def("jit_report", &jit_report,
        "jit_stats() as a table: per kernel its runs and tier, per tier the compiles, steps, "
        "ns/step and speed-up over the interpreter.");

  m.def(
      "steppers",
      [](std::optional<std::string> kind, std::optional<bool> stiff, std::optional<bool> implicit,
         std::optional<bool> adaptive, std::optional<bool> jacobian) {
        py::list out;
        auto keep = [](const std::optional<bool>& want, bool has) { return !want || *want == has; };
        for (const StepperDescription& s : steppers())
          if ((!kind || *kind == s.kind) && keep(stiff, s.stiff) && keep(implicit, s.implicit) &&
              keep(adaptive, s.adaptive) && keep(jacobian, s.jacobian))
            out.append(
                py::dict(py::arg("name") = s.name, py::arg("aliases") = s.aliases,
                         py::arg("kind") = s.kind, py::arg("adaptive") = s.adaptive,
                         py::arg("implicit") = s.implicit, py::arg("stiff") = s.stiff,
                         py::arg("order") = s.order, py::arg("embedded_order") = s.embedded_order,
                         py::arg("jacobian") = s.jacobian, py::arg("host") = s.host,
                         py::arg("dtypes") = s.dtypes, py::arg("description") = s.description));
        return out;
      },
      py::kw_only(), py::arg("kind") = py::none(), py::arg("stiff") = py::none(),
      py::arg("implicit") = py::none(), py::arg("adaptive") = py::none(),
      py::arg("jacobian") = py::none(),
      "The stepper registry, one dict per stepper; keyword filters keep the steppers whose "
      "property equals the value given (kind='ode', stiff=True, implicit=True, adaptive=True, "
      "jacobian=True: uses the model's Jacobian).");
}

}  // namespace dynlib::python

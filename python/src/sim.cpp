// Sim: runs with the GIL released, Ctrl+C, config/assign/presets/reset, and setup().
//
// Ctrl+C: the C++ runner returns to its wrapper about every 50 ms; there our progress hook takes
// the GIL for a moment and calls PyErr_CheckSignals(). When a Python signal handler raised (the
// default SIGINT handler raises KeyboardInterrupt), the hook keeps that exception and asks the
// run to stop. The run ends with status 'user_break', its partial results become sim.results(),
// it can be resumed, and then the kept exception is raised. Python runs signal handlers only on
// the main thread, so only runs on the main thread are interrupted this way; other threads can
// call Sim.request_stop().

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>

#include "common.hpp"

namespace dynlib::python {

namespace {

// ic= / params= as the reference passes them: full vectors (states in model order; params as
// the flat parameter vector, array params element by element) become {name: value} mappings.
// Mappings (and None) pass through.
py::object named_values(const FullModel& model, py::handle h, bool states) {
  if (h.is_none() || PyDict_Check(h.ptr()) ||
      (PyMapping_Check(h.ptr()) && !PySequence_Check(h.ptr())))
    return py::reinterpret_borrow<py::object>(h);
  if (PyUnicode_Check(h.ptr()) || !(PySequence_Check(h.ptr()) || py::isinstance<py::array>(h)))
    return py::reinterpret_borrow<py::object>(h);  // the option's own check reports the type
  const std::vector<std::string> names =
      states ? model.layout().state_names() : model.layout().param_value_labels();
  if (model.dtype() == DType::Int64 &&
      (!py::isinstance<py::array>(h) || py::reinterpret_borrow<py::array>(h).ndim() == 1) &&
      py::len(h) == names.size()) {
    // The items themselves, not a float64 copy: ints stay exact (beyond 2**53).
    py::dict d;
    size_t i = 0;
    for (py::handle item : py::reinterpret_borrow<py::iterable>(h)) d[py::str(names[i++])] = item;
    return d;
  }
  const py::array_t<double, py::array::c_style | py::array::forcecast> v =
      py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!v || v.ndim() != 1 || static_cast<size_t>(v.size()) != names.size()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw py::type_error(
        std::string(states ? "ic" : "params") + " as a vector needs " +
        std::to_string(names.size()) + " values (" +
        (states ? "the states" : "the flat parameter vector") + " in model order: " + list +
        "), got " +
        (v ? std::to_string(v.size()) + " in " + std::to_string(v.ndim()) + " dimension(s)"
           : py::repr(h).cast<std::string>()));
  }
  py::dict d;
  for (size_t i = 0; i < names.size(); ++i)
    d[py::str(names[i])] = v.at(static_cast<py::ssize_t>(i));
  return d;
}

template <class T>
py::dict named_dict(const std::vector<std::string>& names, const std::vector<T>& values) {
  py::dict d;
  for (size_t i = 0; i < names.size(); ++i) d[py::str(names[i])] = values[i];
  return d;
}

struct PySim {
  explicit PySim(FullModel model) : sim(std::move(model)) {}
  dynlib::Sim sim;
  // A Sim is used by one thread at a time (docs/simulation.md §9); with the GIL released during
  // runs, Python threads could otherwise enter it together.
  std::atomic<bool> busy{false};
  py::dict defaults;  // what config() stored, as keywords
  py::object progress = py::none();
  double progress_interval = 0.2;
};

// The reference's source= of state_vector/param_vector: "session" (current) or "model".
std::vector<double> session_or_model(PySim& s, const std::string& source, bool states,
                                     const std::string& snapshot = "initial") {
  const ModelInfo& info = s.sim.model().spec();
  if (source == "session") {
    if (states) return s.sim.state();
    std::vector<double> flat;
    for (const std::string& p : info.param_names)
      for (double v : s.sim.param(p)) flat.push_back(v);
    return flat;
  }
  if (source == "model") {
    if (states) return info.initial_state;
    std::vector<double> flat;
    for (const std::vector<double>& v : info.param_values)
      flat.insert(flat.end(), v.begin(), v.end());
    return flat;
  }
  if (source == "snapshot") {
    const SessionImage& im = s.sim.snapshot(snapshot).image;
    const std::string key = std::string(states ? "y" : "p") + (im.running ? "" : "0");
    if (auto it = im.reals.find(key); it != im.reals.end()) return it->second;
    const std::vector<long long>& v = im.ints.at(key);
    return std::vector<double>(v.begin(), v.end());
  }
  throw py::value_error(with_suggestion("unknown source '" + source + "'", source,
                                        {"session", "model", "snapshot"}, "sources"));
}

// int64 models: a Python int outside int64 in {name: value or values} raises DynlibError naming
// the variable. (to_value hands such ints on as floats, as float models take them; -2**63 - 1
// would round to -2**63 and fit.)
void check_int64_range(const PySim& s, py::handle mapping) {
  const FullModel& model = s.sim.model();
  if (model.dtype() != DType::Int64 || mapping.is_none() || !PyDict_Check(mapping.ptr())) return;
  const std::vector<std::string>& states = model.layout().state_names();
  auto check = [&](const std::string& what, py::handle v) {
    if (!PyLong_Check(v.ptr())) return;
    int overflow = 0;
    (void)PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow != 0)
      throw DynlibError(what + " = " + py::str(v).cast<std::string>() +
                        ": does not fit int64 (-9223372036854775808 to 9223372036854775807), the "
                        "dtype of model '" +
                        model.spec().name + "'");
  };
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(mapping)) {
    if (!PyUnicode_Check(key.ptr())) continue;  // to_value_map reports it
    const std::string name = key.cast<std::string>();
    const bool is_state = std::find(states.begin(), states.end(), name) != states.end();
    const std::string what = std::string(is_state ? "state '" : "param '") + name + "'";
    if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
      size_t i = 0;
      for (py::handle item : py::reinterpret_borrow<py::iterable>(value))
        check(name + "[" + std::to_string(i++) + "]", item);
    } else {
      check(what, value);
    }
  }
}

bool is_int64(const PySim& s) {
  return s.sim.model().dtype() == DType::Int64;
}

// session_or_model for int64 models, exact (its doubles round beyond 2^53).
std::vector<long long> session_or_model_i64(PySim& s, const std::string& source, bool states,
                                            const std::string& snapshot = "initial") {
  const ModelInfo& info = s.sim.model().spec();
  if (source == "session") {
    if (states) return s.sim.state_i64();
    std::vector<long long> flat;
    for (const std::string& p : info.param_names)
      for (long long v : s.sim.param_i64(p)) flat.push_back(v);
    return flat;
  }
  if (source == "model") {
    if (states) return info.initial_state_i64;
    std::vector<long long> flat;
    for (const std::vector<long long>& v : info.param_values_i64)
      flat.insert(flat.end(), v.begin(), v.end());
    return flat;
  }
  if (source == "snapshot") {
    const SessionImage& im = s.sim.snapshot(snapshot).image;
    return im.ints.at(std::string(states ? "y" : "p") + (im.running ? "" : "0"));
  }
  (void)session_or_model(s, source, states, snapshot);  // raises for the unknown source
  return {};
}

// The values of session_or_model as a 1-D numpy array: int64 for int64 models (exact).
py::array session_or_model_array(PySim& s, const std::string& source, bool states,
                                 const std::string& snapshot) {
  if (is_int64(s)) {
    const std::vector<long long> v = session_or_model_i64(s, source, states, snapshot);
    return py::array_t<long long>(static_cast<py::ssize_t>(v.size()), v.data());
  }
  const std::vector<double> v = session_or_model(s, source, states, snapshot);
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

// A SessionImage as Python values (and back), for snapshot files (dynlib/runtime/snapshots.py):
// pins and scalars as plain values, arrays as numpy arrays (float64 or int64).
py::dict image_to_python(const SessionImage& im) {
  py::dict reals, ints, counters;
  for (const auto& [k, v] : im.reals)
    reals[py::str(k)] = py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
  for (const auto& [k, v] : im.ints)
    ints[py::str(k)] = py::array_t<long long>(static_cast<py::ssize_t>(v.size()), v.data());
  for (const auto& [k, v] : im.counters) counters[py::str(k)] = v;
  return py::dict(py::arg("spec_hash") = im.spec_hash, py::arg("stepper") = im.stepper,
                  py::arg("dtype") = im.dtype, py::arg("abi") = im.abi,
                  py::arg("running") = im.running, py::arg("t") = im.t, py::arg("dt") = im.dt,
                  py::arg("t0") = im.t0, py::arg("time_shift") = im.time_shift,
                  py::arg("grid_t0") = im.grid_t0, py::arg("grid_dt") = im.grid_dt,
                  py::arg("step") = im.step, py::arg("counters") = counters,
                  py::arg("reals") = reals, py::arg("ints") = ints);
}

SessionImage image_from_python(const py::dict& d) {
  SessionImage im;
  im.spec_hash = d["spec_hash"].cast<std::string>();
  im.stepper = d["stepper"].cast<std::string>();
  im.dtype = d["dtype"].cast<std::string>();
  im.abi = d["abi"].cast<long long>();
  im.running = d["running"].cast<bool>();
  im.t = d["t"].cast<double>();
  im.dt = d["dt"].cast<double>();
  im.t0 = d["t0"].cast<double>();
  im.time_shift = d["time_shift"].cast<double>();
  im.grid_t0 = d["grid_t0"].cast<double>();
  im.grid_dt = d["grid_dt"].cast<double>();
  im.step = d["step"].cast<long long>();
  for (auto [k, v] : d["counters"].cast<py::dict>())
    im.counters[k.cast<std::string>()] = v.cast<long long>();
  for (auto [k, v] : d["reals"].cast<py::dict>())
    im.reals[k.cast<std::string>()] =
        py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(v)
            .cast<std::vector<double>>();
  for (auto [k, v] : d["ints"].cast<py::dict>())
    im.ints[k.cast<std::string>()] =
        py::array_t<long long, py::array::c_style | py::array::forcecast>::ensure(v)
            .cast<std::vector<long long>>();
  return im;
}

class Busy {
 public:
  explicit Busy(PySim& s) : s_(s) {
    if (s_.busy.exchange(true))
      throw std::runtime_error(
          "this Sim is in use by another thread (a Sim runs on one thread at a time; use one "
          "Sim per thread, they may share a FullModel)");
  }
  ~Busy() { s_.busy.store(false); }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  PySim& s_;
};

// Clears the C++ progress hook when a run ends, however it ends: the hook refers to locals of
// run_sim().
class ProgressScope {
 public:
  ProgressScope(dynlib::Sim& sim, ProgressFn fn, double interval) : sim_(sim) {
    sim_.set_progress(std::move(fn), interval);
  }
  ~ProgressScope() { sim_.set_progress(nullptr); }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  dynlib::Sim& sim_;
};

// How often a run looks for Ctrl+C: the wrapper calls the hook at most this often.
constexpr double kSignalCheckSeconds = 0.05;

Results run_sim(PySim& s, const RunOptions& options, const std::optional<std::string>& preset) {
  Busy busy(s);
  if (preset) s.sim.apply_preset(*preset);
  std::optional<py::error_already_set> pending;
  const py::object user_progress = s.progress;
  const double user_interval = s.progress_interval;
  auto last_user_call = std::chrono::steady_clock::now();
  bool first_user_call = true;
  ProgressFn hook = [&](double fraction, long long steps) {
    py::gil_scoped_acquire gil;
    if (pending) return;
    if (PyErr_CheckSignals() != 0) {
      pending.emplace();  // takes the raised exception (KeyboardInterrupt) off the error state
      s.sim.request_stop();
      return;
    }
    if (user_progress.is_none()) return;
    const auto now = std::chrono::steady_clock::now();
    if (!first_user_call &&
        std::chrono::duration<double>(now - last_user_call).count() < user_interval)
      return;
    first_user_call = false;
    last_user_call = now;
    try {
      user_progress(fraction, steps);
    } catch (py::error_already_set& e) {
      // Stopping (instead of throwing through the C++ run) keeps the partial results.
      pending.emplace(std::move(e));
      s.sim.request_stop();
    }
  };
  {
    ProgressScope scope(s.sim, std::move(hook), std::min(kSignalCheckSeconds, user_interval));
    py::gil_scoped_release release;
    s.sim.run(options);
  }
  if (pending) throw std::move(*pending);
  return s.sim.results();
}

RunOptions options_from(const py::dict& kwargs, bool allow_resume) {
  RunOptions o;
  for (auto [key, value] : kwargs) set_run_option(o, key.cast<std::string>(), value, allow_resume);
  return o;
}

}  // namespace

const dynlib::Sim* sim_of(py::handle h) {
  return py::isinstance<PySim>(h) ? &h.cast<PySim&>().sim : nullptr;
}

void bind_sim(py::module_& m) {
  py::class_<PySim>(m, "Sim", py::dynamic_attr(),
                    "A simulation of one model: state, params, buffers and the results of the "
                    "last run. Sim(model) takes a FullModel or a model URI. Use from one thread "
                    "at a time; runs release the GIL.")
      .def(py::init([](const FullModel& model) { return std::make_unique<PySim>(model); }),
           py::arg("model"))
      .def(py::init([](py::handle uri) {
             return std::make_unique<PySim>(build_model(uri, py::none(), py::bool_(false), false,
                                                        py::none(), false, py::none()));
           }),
           py::arg("model"))
      .def_property_readonly("model", [](const PySim& s) { return s.sim.model(); })
      .def(
          "run",
          [](PySim& s, py::object T, py::object N, py::object dt, py::object t0, py::object record,
             py::object record_interval, py::object record_vars, py::object transient,
             py::object max_steps, py::object ic, py::object params, bool resume,
             std::optional<std::string> preset, py::kwargs adaptive) {
            RunOptions o;
            ic = named_values(s.sim.model(), ic, true);
            params = named_values(s.sim.model(), params, false);
            check_int64_range(s, ic);
            check_int64_range(s, params);
            const std::pair<const char*, py::object*> named[] = {
                {"T", &T},
                {"N", &N},
                {"dt", &dt},
                {"t0", &t0},
                {"record", &record},
                {"record_interval", &record_interval},
                {"record_vars", &record_vars},
                {"transient", &transient},
                {"max_steps", &max_steps},
                {"ic", &ic},
                {"params", &params}};
            for (const auto& [name, value] : named)
              if (!value->is_none()) set_run_option(o, name, *value, true);
            o.resume = resume;
            for (auto [key, value] : adaptive)  // atol, rtol, ... (unknown: did-you-mean)
              set_run_option(o, key.cast<std::string>(), value, false);
            return run_sim(s, o, preset);
          },
          py::arg("T") = py::none(), py::arg("N") = py::none(), py::arg("dt") = py::none(),
          py::arg("t0") = py::none(), py::arg("record") = py::none(),
          py::arg("record_interval") = py::none(), py::arg("record_vars") = py::none(),
          py::arg("transient") = py::none(), py::arg("max_steps") = py::none(),
          py::arg("ic") = py::none(), py::arg("params") = py::none(), py::arg("resume") = false,
          py::kw_only(), py::arg("preset") = py::none(),
          "Runs the simulation and returns its Results (also kept: results()). Options not "
          "given come from config(), then the model's [sim] table. Adaptive-stepper keywords: "
          "atol, rtol, dt_min, dt_max, safety, min_factor, max_factor, max_rejects, controller; "
          "implicit steppers: newton_tol, newton_max_iter, jac_eps, jacobian_mode, max_order. "
          "preset= applies a preset first (a lasting change, as apply_preset). Ctrl+C stops the "
          "run: its partial results stay in results() and KeyboardInterrupt is raised.")
      .def(
          "results",
          [](PySim& s) {
            Busy busy(s);
            return s.sim.results();
          },
          "The Results of the last run (an empty Results with status 'done' before any run).")
      .def(
          "config",
          [](PySim& s, py::kwargs kwargs) {
            Busy busy(s);
            // Merged into what earlier calls stored; a keyword set to None removes a default.
            py::dict merged;
            for (auto [k, v] : s.defaults) merged[k] = v;
            for (auto [k, v] : kwargs) {
              if (v.is_none()) {
                RunOptions name_check;  // an unknown name is an error even when removing it
                set_run_option(name_check, k.cast<std::string>(), v, false);
                if (merged.contains(k)) PyDict_DelItem(merged.ptr(), k.ptr());
              } else {
                merged[k] = v;
              }
            }
            for (const char* key : {"ic", "params"})
              if (merged.contains(key)) check_int64_range(s, merged[key]);
            s.sim.config(options_from(merged, false));  // checks names and values now
            s.defaults = merged;
            return py::dict(s.defaults);
          },
          "Stores run defaults (any Sim.run keyword except resume/preset), merged with earlier "
          "ones; a keyword set to None removes that default. Checked at once. Returns the "
          "defaults now in force.")
      .def(
          "assign",
          [](PySim& s, py::object mapping, py::kwargs values) {
            Busy busy(s);
            std::map<std::string, Value> all;
            check_int64_range(s, mapping);
            check_int64_range(s, values);
            if (!mapping.is_none()) all = to_value_map(mapping, "assign()");
            for (auto& [k, v] : to_value_map(values, "assign()")) all[k] = v;
            s.sim.assign(all);  // all or nothing
          },
          py::arg("mapping") = py::none(),
          "Sets states (initial state of later runs and the state a resume continues from) "
          "and params, by name: assign({'x': 1.0}) or assign(x=1.0, rho=20). All or nothing.")
      .def(
          "apply_preset",
          [](PySim& s, const std::string& name) {
            Busy busy(s);
            s.sim.apply_preset(name);
          },
          py::arg("name"), "Assigns every value the model's [presets.NAME] table lists.")
      .def_property_readonly("presets",
                             [](const PySim& s) { return s.sim.model().spec().preset_names; })
      .def(
          "reset",
          [](PySim& s, const std::string& name) {
            Busy busy(s);
            s.sim.reset(name);
          },
          py::arg("name") = "initial",
          "Returns to a snapshot (default \"initial\": the session before its first run) and "
          "clears results; keeps config() defaults and the progress callback.")
      .def(
          "create_snapshot",
          [](PySim& s, const std::string& name, const std::string& description) {
            Busy busy(s);
            s.sim.create_snapshot(name, description);
          },
          py::arg("name"), py::arg("description") = "",
          "Keeps the current session (time, state, params, stepper state) under `name`.")
      .def(
          "list_snapshots",
          [](PySim& s) {
            Busy busy(s);
            py::list out;
            for (const SessionSnapshot& snap : s.sim.snapshots())
              out.append(py::dict(
                  py::arg("name") = snap.name, py::arg("t") = snap.image.t - snap.image.time_shift,
                  py::arg("step") = snap.image.step, py::arg("created_at") = snap.created_at,
                  py::arg("description") = snap.description));
            return out;
          },
          "[{name, t, step, created_at, description}], \"initial\" first.")
      .def(
          "compat_check",
          [](PySim& s, const std::string& name) {
            Busy busy(s);
            py::dict diff;
            for (const auto& [k, v] : s.sim.compat_check(s.sim.snapshot(name).image))
              diff[py::str(k)] = py::make_tuple(v.first, v.second);
            return py::make_tuple(diff.empty(), diff);
          },
          py::arg("snapshot"),
          "(ok, {pin: (this Sim's, the snapshot's)}) for a snapshot's model, stepper and dtype.")
      .def(
          "_session_image",
          [](PySim& s, std::optional<std::string> name) {
            Busy busy(s);
            return image_to_python(name ? s.sim.snapshot(*name).image : s.sim.session());
          },
          py::arg("name") = py::none())
      .def(
          "_restore_session",
          [](PySim& s, const py::dict& image) {
            Busy busy(s);
            s.sim.restore(image_from_python(image));
          },
          py::arg("image"))
      .def(
          "state",
          [](PySim& s, std::optional<std::string> name) -> py::object {
            Busy busy(s);
            if (!name) return session_or_model_array(s, "session", true, "initial");
            const std::vector<std::string>& names = s.sim.model().spec().state_names;
            for (size_t i = 0; i < names.size(); ++i) {
              if (names[i] != *name) continue;
              if (is_int64(s)) return py::int_(s.sim.state_i64()[i]);
              return py::float_(s.sim.state()[i]);
            }
            throw py::key_error(
                with_suggestion("unknown state '" + *name + "'", *name, names, "states"));
          },
          py::arg("name") = py::none(),
          "The current state (what the next run starts from; the initial state before any "
          "run): state() is every state in model order as a copy (int64 for int64 models, else "
          "float64), state(\"v\") one value (the reference's form).")
      .def(
          "state_vector",
          [](PySim& s, const std::string& source, const std::string& snapshot) {
            Busy busy(s);
            return session_or_model_array(s, source, true, snapshot);
          },
          py::kw_only(), py::arg("source") = "session", py::arg("snapshot") = "initial",
          "Every state in model order: source=\"session\" the current values, \"model\" the "
          "model's initial values.")
      .def(
          "param_vector",
          [](PySim& s, const std::string& source, const std::string& snapshot) {
            Busy busy(s);
            return session_or_model_array(s, source, false, snapshot);
          },
          py::kw_only(), py::arg("source") = "session", py::arg("snapshot") = "initial",
          "The flat parameter vector (array params element by element): source=\"session\" the "
          "current values, \"model\" the model's.")
      .def(
          "state_dict",
          [](PySim& s, const std::string& source, const std::string& snapshot) {
            Busy busy(s);
            const auto& names = s.sim.model().layout().state_names();
            if (is_int64(s))
              return named_dict(names, session_or_model_i64(s, source, true, snapshot));
            return named_dict(names, session_or_model(s, source, true, snapshot));
          },
          py::kw_only(), py::arg("source") = "session", py::arg("snapshot") = "initial",
          "{state: value} (see state_vector).")
      .def(
          "param_dict",
          [](PySim& s, const std::string& source, const std::string& snapshot) {
            Busy busy(s);
            const auto& labels = s.sim.model().layout().param_value_labels();
            if (is_int64(s))
              return named_dict(labels, session_or_model_i64(s, source, false, snapshot));
            return named_dict(labels, session_or_model(s, source, false, snapshot));
          },
          py::kw_only(), py::arg("source") = "session", py::arg("snapshot") = "initial",
          "{param: value}, array params as \"w[0]\", \"w[1]\", ... (see param_vector).")
      .def(
          "param",
          [](PySim& s, const std::string& name) {
            Busy busy(s);
            if (is_int64(s)) return values_to_python(s.sim.param_i64(name));
            return values_to_python(s.sim.param(name));
          },
          py::arg("name"), "A param's current value (a float, or a list for an array param).")
      .def(
          "set_progress",
          [](PySim& s, py::object fn, double min_interval) {
            if (!fn.is_none() && !PyCallable_Check(fn.ptr()))
              throw py::type_error("set_progress() needs a callable fn(fraction, steps) or None");
            s.progress = std::move(fn);
            s.progress_interval = min_interval;
          },
          py::arg("fn"), py::arg("min_interval") = 0.2,
          "Calls fn(fraction, steps) during long runs, at most every min_interval seconds "
          "(fraction in [0, 1], or -1 when unknown). An exception from fn stops the run "
          "(partial results kept) and is raised from run(). None removes it.")
      .def(
          "request_stop", [](PySim& s) { s.sim.request_stop(); },
          "Asks a run in progress (e.g. in another thread) to stop; it ends with status "
          "'user_break' and keeps its results. Safe from any thread.")
      .def("__repr__", [](const PySim& s) {
        return "<dynlib.Sim " + s.sim.model().spec().name + " (stepper " +
               s.sim.model().stepper_name() + ")>";
      });

  m.def(
      "setup",
      [](py::handle model, py::handle stepper, py::handle jit, bool disk_cache, py::handle dtype,
         py::handle mods, py::handle config, py::handle validate_stepper, bool march_native,
         py::handle auto_threshold, py::handle jacobian, py::handle auto_min_calls,
         py::handle auto_tier_threshold) {
        return std::make_unique<PySim>(build_model(
            model, stepper, jit, disk_cache, dtype, march_native, auto_threshold, jacobian, mods,
            config, validate_stepper, auto_min_calls, auto_tier_threshold));
      },
      py::arg("model"), py::arg("stepper") = py::none(), py::arg("jit") = false,
      py::arg("disk_cache") = false, py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("mods") = py::none(), py::arg("config") = py::none(),
      py::arg("validate_stepper") = true, py::arg("march_native") = false,
      py::arg("auto_threshold") = py::none(), py::arg("jacobian") = py::none(),
      py::arg("auto_min_calls") = py::none(), py::arg("auto_tier_threshold") = py::none(),
      "Sim(build(model, ...)): builds the model and returns a Sim ready to run.");
}

}  // namespace dynlib::python

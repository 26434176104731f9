// Python values -> the C++ API's RunOptions and Value, with errors that name the option.

#include <cmath>
#include <functional>
#include <optional>

#include "common.hpp"

namespace dynlib::python {

namespace {

std::string type_name(py::handle h) {
  return py::str(py::type::handle_of(h).attr("__name__"));
}

[[noreturn]] void type_error(const std::string& what, const std::string& expected, py::handle h) {
  throw py::type_error(what + " must be " + expected + ", got " + type_name(h));
}

bool is_text(py::handle h) {
  return PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr());
}

std::optional<double> opt_double(py::handle h, const std::string& what) {
  return h.is_none() ? std::nullopt : std::optional<double>(to_double(h, what));
}

std::optional<long long> opt_int(py::handle h, const std::string& what) {
  return h.is_none() ? std::nullopt : std::optional<long long>(to_int(h, what));
}

std::vector<std::string> to_names(py::handle h, const std::string& what) {
  // A single str is one name: iterating it would silently record one "variable" per letter.
  if (PyUnicode_Check(h.ptr())) return {h.cast<std::string>()};
  if (!py::isinstance<py::iterable>(h)) type_error(what, "a list of names", h);
  std::vector<std::string> names;
  for (py::handle item : py::reinterpret_borrow<py::iterable>(h)) {
    if (!PyUnicode_Check(item.ptr())) type_error(what + " entries", "str", item);
    names.push_back(item.cast<std::string>());
  }
  return names;
}

void positive_int(py::handle h, const std::string& what) {
  const std::optional<long long> v = opt_int(h, what);
  if (v && *v < 1) throw DynlibError(what + " = " + std::to_string(*v) + " must be at least 1");
}

using Setter = std::function<void(RunOptions&, py::handle, const std::string&)>;

// Every keyword of Sim.run()/Sim.config(), in the order of RunOptions (docs/simulation.md).
const std::vector<std::pair<std::string, Setter>>& option_table() {
  static const auto* table = new std::vector<std::pair<std::string, Setter>>{
      {"T", [](RunOptions& o, py::handle h, const std::string& w) { o.T = opt_double(h, w); }},
      {"observers",
       [](RunOptions& o, py::handle h, const std::string&) { o.observers = to_observers(h); }},
      {"N", [](RunOptions& o, py::handle h, const std::string& w) { o.N = opt_int(h, w); }},
      {"dt", [](RunOptions& o, py::handle h, const std::string& w) { o.dt = opt_double(h, w); }},
      {"t0", [](RunOptions& o, py::handle h, const std::string& w) { o.t0 = opt_double(h, w); }},
      {"record",
       [](RunOptions& o, py::handle h, const std::string& w) {
         if (h.is_none()) {
           o.record.reset();
           return;
         }
         if (!PyBool_Check(h.ptr()) && !py::isinstance<py::int_>(h)) type_error(w, "a bool", h);
         o.record = PyObject_IsTrue(h.ptr()) == 1;
       }},
      {"record_interval",
       [](RunOptions& o, py::handle h, const std::string& w) { o.record_interval = opt_int(h, w); }},
      {"record_vars",
       [](RunOptions& o, py::handle h, const std::string& w) {
         if (h.is_none())
           o.record_vars.reset();
         else
           o.record_vars = to_names(h, w);
       }},
      {"transient",
       [](RunOptions& o, py::handle h, const std::string& w) { o.transient = opt_double(h, w); }},
      {"max_steps",
       [](RunOptions& o, py::handle h, const std::string& w) { o.max_steps = opt_int(h, w); }},
      {"ic",
       [](RunOptions& o, py::handle h, const std::string& w) {
         o.ic = h.is_none() ? std::map<std::string, Value>{} : to_value_map(h, w);
       }},
      {"params",
       [](RunOptions& o, py::handle h, const std::string& w) {
         o.params = h.is_none() ? std::map<std::string, Value>{} : to_value_map(h, w);
       }},
      {"resume",
       [](RunOptions& o, py::handle h, const std::string&) {
         o.resume = !h.is_none() && PyObject_IsTrue(h.ptr()) == 1;
       }},
      {"atol", [](RunOptions& o, py::handle h, const std::string& w) { o.atol = opt_double(h, w); }},
      {"rtol", [](RunOptions& o, py::handle h, const std::string& w) { o.rtol = opt_double(h, w); }},
      {"dt_min",
       [](RunOptions& o, py::handle h, const std::string& w) { o.dt_min = opt_double(h, w); }},
      {"dt_max",
       [](RunOptions& o, py::handle h, const std::string& w) { o.dt_max = opt_double(h, w); }},
      {"safety",
       [](RunOptions& o, py::handle h, const std::string& w) { o.safety = opt_double(h, w); }},
      {"min_factor",
       [](RunOptions& o, py::handle h, const std::string& w) { o.min_factor = opt_double(h, w); }},
      {"max_factor",
       [](RunOptions& o, py::handle h, const std::string& w) { o.max_factor = opt_double(h, w); }},
      {"max_rejects",
       [](RunOptions& o, py::handle h, const std::string& w) { o.max_rejects = opt_int(h, w); }},
      // The reference's starting capacities of the sample and event buffers. Checked, and not
      // needed here: the runtime sizes the sample buffer from T/N and grows both buffers on
      // demand, so a run's results never depend on them (docs/porting.md).
      {"cap_rec", [](RunOptions&, py::handle h, const std::string& w) { positive_int(h, w); }},
      {"cap_evt", [](RunOptions&, py::handle h, const std::string& w) { positive_int(h, w); }},
      // The reference's names of max_rejects and dt_min.
      {"max_tries",
       [](RunOptions& o, py::handle h, const std::string& w) { o.max_rejects = opt_int(h, w); }},
      {"min_step",
       [](RunOptions& o, py::handle h, const std::string& w) { o.dt_min = opt_double(h, w); }},
      {"controller",
       [](RunOptions& o, py::handle h, const std::string& w) {
         if (h.is_none()) {
           o.controller.reset();
           return;
         }
         if (!PyUnicode_Check(h.ptr())) type_error(w, "\"pi\" or \"standard\"", h);
         o.controller = h.cast<std::string>();
       }},
      {"newton_tol",
       [](RunOptions& o, py::handle h, const std::string& w) { o.newton_tol = opt_double(h, w); }},
      {"jac_eps",
       [](RunOptions& o, py::handle h, const std::string& w) { o.jac_eps = opt_double(h, w); }},
      {"newton_max_iter",
       [](RunOptions& o, py::handle h, const std::string& w) { o.newton_max_iter = opt_int(h, w); }},
      {"max_order",
       [](RunOptions& o, py::handle h, const std::string& w) { o.max_order = opt_int(h, w); }},
      {"linear_solver",
       [](RunOptions& o, py::handle h, const std::string& w) {
         if (h.is_none()) {
           o.linear_solver.reset();
           return;
         }
         if (!PyUnicode_Check(h.ptr())) type_error(w, "\"auto\", \"dense\" or \"klu\"", h);
         o.linear_solver = h.cast<std::string>();
       }},
      {"jacobian_mode",
       [](RunOptions& o, py::handle h, const std::string& w) {
         if (h.is_none()) {
           o.jacobian_mode.reset();
           return;
         }
         if (!PyUnicode_Check(h.ptr()))
           type_error(w, "\"symbolic\", \"analytic\" or \"fd\"", h);
         o.jacobian_mode = h.cast<std::string>();
       }},
  };
  return *table;
}

}  // namespace

double to_double(py::handle h, const std::string& what) {
  if (is_text(h) || h.is_none()) type_error(what, "a number", h);
  const double v = PyFloat_AsDouble(h.ptr());
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    type_error(what, "a number", h);
  }
  return v;
}

long long to_int(py::handle h, const std::string& what) {
  if (PyFloat_Check(h.ptr())) {
    const double v = PyFloat_AsDouble(h.ptr());
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.007199254740992e15)
      throw py::value_error(what + " must be a whole number, got " +
                            py::repr(h).cast<std::string>());
    return static_cast<long long>(v);
  }
  if (is_text(h) || PyIndex_Check(h.ptr()) == 0) type_error(what, "an int", h);
  // numpy integers convert through __index__.
  auto index = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!index) throw py::error_already_set();
  const long long v = PyLong_AsLongLong(index.ptr());
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return v;
}

namespace {

// A Python int, a numpy integer scalar or a 0-d integer array that fits int64, as that integer:
// int64 models take it exactly (a double is exact only up to 2^53). Anything else (floats, ints
// beyond int64) is left to to_double, and the run says whether the model takes it.
std::optional<long long> exact_integer(py::handle h) {
  if (PyFloat_Check(h.ptr()) || is_text(h)) return std::nullopt;
  py::object number = py::reinterpret_borrow<py::object>(h);
  if (py::isinstance<py::array>(h)) {
    auto a = py::reinterpret_borrow<py::array>(h);
    const char kind = a.dtype().kind();
    if (a.ndim() != 0 || (kind != 'i' && kind != 'u')) return std::nullopt;
    number = a.attr("item")();
  }
  if (!PyLong_Check(number.ptr()) && PyIndex_Check(number.ptr()) == 0) return std::nullopt;
  auto index = py::reinterpret_steal<py::object>(PyNumber_Index(number.ptr()));
  if (!index) {
    PyErr_Clear();
    return std::nullopt;
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

}  // namespace

Value to_value(py::handle h, const std::string& what) {
  if (is_text(h)) type_error(what, "a number or a sequence of numbers", h);
  // numpy 0-d arrays and scalars have __float__; a list does not.
  if (PyFloat_Check(h.ptr()) || PyLong_Check(h.ptr()) || PyNumber_Check(h.ptr()) == 1) {
    if (!py::isinstance<py::array>(h) || py::reinterpret_borrow<py::array>(h).ndim() == 0) {
      if (auto v = exact_integer(h)) return *v;
      return to_double(h, what);
    }
  }
  if (!py::isinstance<py::iterable>(h)) type_error(what, "a number or a sequence of numbers", h);
  // Owned references: iterating a numpy array makes a fresh scalar per element, which the
  // iterator releases as soon as it advances.
  std::vector<py::object> items;
  for (py::handle item : py::reinterpret_borrow<py::iterable>(h))
    items.push_back(py::reinterpret_borrow<py::object>(item));
  // A sequence of integers stays integers (exact for int64 models); any float makes it floats.
  std::vector<long long> integers;
  for (const py::object& item : items)
    if (auto v = exact_integer(item)) integers.push_back(*v);
  if (!items.empty() && integers.size() == items.size()) return integers;
  std::vector<double> values;
  for (size_t i = 0; i < items.size(); ++i)
    values.push_back(to_double(items[i], what + "[" + std::to_string(i) + "]"));
  return values;
}

Value to_float_value(py::handle h, const std::string& what) {
  Value v = to_value(h, what);
  if (std::holds_alternative<double>(v) || std::holds_alternative<std::vector<double>>(v)) return v;
  const std::vector<double> d = value_as_doubles(v);
  if (std::holds_alternative<long long>(v)) return d[0];
  return d;
}

std::map<std::string, Value> to_float_value_map(py::handle mapping, const std::string& what) {
  std::map<std::string, Value> out = to_value_map(mapping, what);
  for (auto& [name, v] : out)
    if (!std::holds_alternative<double>(v) && !std::holds_alternative<std::vector<double>>(v)) {
      const std::vector<double> d = value_as_doubles(v);
      v = std::holds_alternative<long long>(v) ? Value(d[0]) : Value(d);
    }
  return out;
}

std::map<std::string, Value> to_value_map(py::handle mapping, const std::string& what) {
  if (!py::hasattr(mapping, "items")) type_error(what, "a mapping {name: value}", mapping);
  std::map<std::string, Value> out;
  for (py::handle item : mapping.attr("items")()) {
    auto kv = py::reinterpret_borrow<py::tuple>(item);
    if (!PyUnicode_Check(kv[0].ptr())) type_error(what + " keys", "str", kv[0]);
    const std::string name = kv[0].cast<std::string>();
    out[name] = to_value(kv[1], what + "['" + name + "']");
  }
  return out;
}

std::string to_path(py::handle h, const std::string& what) {
  if (PyUnicode_Check(h.ptr())) return h.cast<std::string>();
  py::object fspath = py::module_::import("os").attr("fspath");
  py::object path;
  try {
    path = fspath(h);
  } catch (py::error_already_set&) {
    type_error(what, "a str or path-like", h);
  }
  if (!PyUnicode_Check(path.ptr())) type_error(what, "a str path", path);
  return path.cast<std::string>();
}

void set_run_option(RunOptions& options, const std::string& name, py::handle value,
                    bool allow_resume) {
  const auto& table = option_table();
  for (const auto& [key, setter] : table) {
    if (key != name || (key == "resume" && !allow_resume)) continue;
    setter(options, value, name);
    return;
  }
  std::vector<std::string> names;
  for (const auto& entry : table)
    if (entry.first != "resume" || allow_resume) names.push_back(entry.first);
  py::list close =
      py::module_::import("difflib").attr("get_close_matches")(name, py::cast(names), 1, 0.6);
  std::string message = "unexpected keyword argument '" + name + "'";
  if (!close.empty()) message += "; did you mean '" + close[0].cast<std::string>() + "'?";
  throw py::type_error(message);
}

py::object values_to_python(const std::vector<double>& values) {
  if (values.size() == 1) return py::float_(values[0]);
  return py::cast(values);
}

py::object values_to_python(const std::vector<long long>& values) {
  if (values.size() == 1) return py::int_(values[0]);
  return py::cast(values);
}

bool is_mapping(py::handle h) {
  return PyDict_Check(h.ptr()) ||
         (!py::isinstance<py::array>(h) && py::hasattr(h, "items") && py::hasattr(h, "keys"));
}

std::vector<double> to_double_vector(py::handle h, const std::string& what) {
  using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
  DoubleArray a = DoubleArray::ensure(h);
  if (!a || a.ndim() != 1) throw DynlibError(what + " must be a 1-D array-like of numbers");
  return std::vector<double>(a.data(), a.data() + a.size());
}

py::array_t<double> vector_array(const std::vector<double>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

}  // namespace dynlib::python

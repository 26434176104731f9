// Shared pieces of the `_dynlib` extension: conversions between Python objects and the public C++
// API's option/value types, and the registration functions of each part of the module.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"

namespace dynlib::python {

namespace py = pybind11;

void bind_errors(py::module_& m);
// Issues each model warning as a dynlib.ModelWarning (the GIL must be held).
void warn_model(const std::vector<ModelWarning>& warnings);
void bind_model(py::module_& m);
void bind_results(py::module_& m);
void bind_sim(py::module_& m);
void bind_batch(py::module_& m);
void bind_observers(py::module_& m);
void bind_sweep(py::module_& m);

// run(observers=...): an ObserverSpec, an object with _dynlib_observer_spec(), or a list of them.
std::vector<ObserverSpec> to_observers(py::handle h);
// Results::observers() as {name: dynlib.runtime.observers.ObserverResult}.
py::dict observer_results_to_python(const std::map<std::string, ObserverResult>& results);
void bind_trajectory_stats(py::module_& m);
void bind_fixed_points(py::module_& m);
void bind_basins(py::module_& m);
void bind_manifolds(py::module_& m);
void bind_connecting_orbits(py::module_& m);

// Runs `job` on a helper thread without the GIL while this thread watches for Ctrl+C, which sets
// `stop` (the job's stop flag), waits for the job to wind down and raises KeyboardInterrupt. The
// job's own exception propagates.
void run_interruptibly(std::atomic<bool>& stop, const std::function<void()>& job);

// The C++ Sim behind a Python Sim, or null when `h` is not one.
const dynlib::Sim* sim_of(py::handle h);

// A number for option `what` (int, float, numpy scalar; never a str, which PyNumber_Float would
// parse). Raises TypeError naming `what`.
double to_double(py::handle h, const std::string& what);
// A whole number (int, numpy integer, or a float with no fractional part such as 1e6).
long long to_int(py::handle h, const std::string& what);
// A state or param value: a number, or a sequence of numbers for an array param.
Value to_value(py::handle h, const std::string& what);
// {name: value} from any mapping (dict, or anything with .items()).
std::map<std::string, Value> to_value_map(py::handle mapping, const std::string& what);
// The same with integers as doubles (only the double alternatives of Value), for callers that
// compute in floating point and read the values themselves.
Value to_float_value(py::handle h, const std::string& what);
std::map<std::string, Value> to_float_value_map(py::handle mapping, const std::string& what);
// A path-like or str argument, as a str (os.fspath semantics).
std::string to_path(py::handle h, const std::string& what);

// Sets one RunOptions field from its Python keyword name. Unknown names raise TypeError with a
// did-you-mean; `allow_resume` is false for config(), where `resume` has no meaning.
void set_run_option(RunOptions& options, const std::string& name, py::handle value,
                    bool allow_resume);

// build()'s arguments as the C++ API's: model is a str URI or a path-like; jit is a bool, None,
// or "on"/"off"/"auto"/"quick" (any spelling parse_jit_mode accepts); dtype a str or a numpy dtype.
// jacobian is None, "symbolic" or "user" (BuildOptions::jacobian). Releases the GIL while building
// (a JIT compile can take seconds).
// mods is None or a list of mod URIs (a single str is one mod); config is None, a path-like naming
// a config file, or a PathConfig-like object (tags: {tag: root or [roots]}, cache_root);
// validate_stepper must be a bool (the reference's check of its generated stepper source: dynlib's
// steppers are compiled with the library, so there is nothing to check, docs/porting.md).
FullModel build_model(py::handle model, py::handle stepper, py::handle jit, bool disk_cache,
                      py::handle dtype, bool march_native, py::handle auto_threshold,
                      py::handle jacobian = py::none(), py::handle mods = py::none(),
                      py::handle config = py::none(), py::handle validate_stepper = py::none(),
                      py::handle auto_min_calls = py::none(),
                      py::handle auto_tier_threshold = py::none());

// A param or state value back to Python: a float for a single value, else a list.
py::object values_to_python(const std::vector<double>& values);
// int64 models' values, exact: an int, or a list for an array param.
py::object values_to_python(const std::vector<long long>& values);
// A dict, or an object with items() and keys() that is not a numpy array.
bool is_mapping(py::handle h);
// A 1-D array-like of numbers (DynlibError "<what> must be a 1-D array-like of numbers").
std::vector<double> to_double_vector(py::handle h, const std::string& what);
// A new 1-D float64 array holding `v`.
py::array_t<double> vector_array(const std::vector<double>& v);

}  // namespace dynlib::python

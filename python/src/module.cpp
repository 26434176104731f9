// The `_dynlib` extension module: the C++ API (dynlib/dynlib.hpp) for Python, and the command
// line (`python3 -m dynlib` runs the very same run_cli() as the `dynlib` executable).

#include <cstdio>

#include "common.hpp"
#include "dynlib/cli.hpp"

#ifndef DYNLIB_VERSION
#define DYNLIB_VERSION "0.0.0"
#endif

namespace dynlib::python {

namespace {

int run_cli(const std::vector<std::string>& args) {
  std::vector<std::string> storage = args;
  if (storage.empty()) storage.push_back("dynlib");
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Python's sys.stdout buffers separately from C stdio: flush it so output stays in order.
  py::module_::import("sys").attr("stdout").attr("flush")();
  py::module_::import("sys").attr("stderr").attr("flush")();
  int code = 0;
  {
    // The CLI installs its own SIGINT handler while a simulation runs, so Ctrl+C behaves as in
    // the executable; the GIL is free for other threads meanwhile.
    py::gil_scoped_release release;
    code = dynlib::run_cli(static_cast<int>(storage.size()), argv.data());
    std::fflush(stdout);
    std::fflush(stderr);
  }
  return code;
}

}  // namespace

}  // namespace dynlib::python

PYBIND11_MODULE(_dynlib, m) {
  namespace py = pybind11;
  using namespace dynlib::python;
  m.doc() = "dynlib's C++ engine; use the `dynlib` package, which re-exports all of this.";
  m.attr("__version__") = DYNLIB_VERSION;
  bind_errors(m);
  bind_observers(m);
  bind_model(m);
  bind_results(m);
  bind_sim(m);
  bind_batch(m);
  bind_sweep(m);
  bind_trajectory_stats(m);
  bind_fixed_points(m);
  bind_basins(m);
  bind_manifolds(m);
  bind_connecting_orbits(m);
  m.def("run_cli", &run_cli, py::arg("argv"),
        "Runs the dynlib command line with argv (argv[0] is the program name); returns the exit "
        "status.");
}

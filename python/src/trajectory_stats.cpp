// Trajectory statistics (dynlib/trajectory_stats.hpp) for dynlib.analysis.post.trajectory, whose
// TrajectoryAnalyzer / MultiVarAnalyzer keep the reference dynlib's API and compute through the
// private `_TrajectoryStats` bound here; and `Results.analyze(var=None)`, which builds them.

#include "dynlib/trajectory_stats.hpp"
#include "common.hpp"

namespace dynlib::python {

namespace {

using Samples = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> samples(const Samples& a, const std::string& name, const char* what) {
  if (a.ndim() != 1)
    throw DynlibError("trajectory '" + name + "': " + what + " must be a 1-D array, not " +
                      std::to_string(a.ndim()) + "-D");
  return std::vector<double>(a.data(), a.data() + a.size());
}

py::array to_numpy(const std::vector<double>& v) {
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

py::tuple to_tuple(const TimedValue& tv) {
  return py::make_tuple(tv.t, tv.value);
}

}  // namespace

void bind_trajectory_stats(py::module_& m) {
  py::class_<TrajectoryAnalyzer>(
      m, "_TrajectoryStats",
      "The statistics of one sampled trajectory (the engine of "
      "dynlib.analysis.post.TrajectoryAnalyzer); holds copies of the samples as float64.")
      .def(py::init([](const std::string& name, const Samples& t, const Samples& values) {
             return TrajectoryAnalyzer(name, samples(t, name, "the time"),
                                       samples(values, name, "the data"));
           }),
           py::arg("name"), py::arg("t"), py::arg("values"))
      .def_property_readonly("name", &TrajectoryAnalyzer::name)
      .def("__len__", &TrajectoryAnalyzer::size)
      .def("max", &TrajectoryAnalyzer::max)
      .def("min", &TrajectoryAnalyzer::min)
      .def("mean", &TrajectoryAnalyzer::mean)
      .def("std", &TrajectoryAnalyzer::std)
      .def("variance", &TrajectoryAnalyzer::variance)
      .def("median", &TrajectoryAnalyzer::median)
      .def("percentile", &TrajectoryAnalyzer::percentile, py::arg("q"))
      .def("range", &TrajectoryAnalyzer::range)
      .def("argmax", [](const TrajectoryAnalyzer& a) { return to_tuple(a.argmax()); })
      .def("argmin", [](const TrajectoryAnalyzer& a) { return to_tuple(a.argmin()); })
      .def("initial", &TrajectoryAnalyzer::initial)
      .def("final", &TrajectoryAnalyzer::final)
      .def(
          "crossing_times",
          [](const TrajectoryAnalyzer& a, double threshold, const std::string& direction) {
            return to_numpy(a.crossing_times(threshold, parse_crossing_direction(direction)));
          },
          py::arg("threshold"), py::arg("direction") = "any")
      .def("time_above", &TrajectoryAnalyzer::time_above, py::arg("threshold"))
      .def("time_below", &TrajectoryAnalyzer::time_below, py::arg("threshold"))
      .def("summary", [](const TrajectoryAnalyzer& a) {
        py::dict d;
        for (const auto& [key, value] : a.summary().entries()) d[py::str(key)] = value;
        return d;
      });

  // Results.analyze: the analyzers are Python classes (the reference's), so the method hands over
  // to their module, imported on first use to keep `import dynlib` cheap.
  py::object results_type = py::type::of<Results>();
  results_type.attr("analyze") = py::cpp_function(
      [](py::object self, py::object var) {
        return py::module_::import("dynlib.analysis.post.trajectory")
            .attr("analyze_results")(self, var);
      },
      py::name("analyze"), py::is_method(results_type), py::arg("var") = py::none(),
      "res.analyze('x') -> TrajectoryAnalyzer; res.analyze(['x', 'y']) -> MultiVarAnalyzer; "
      "res.analyze() -> MultiVarAnalyzer of the recorded states (else the recorded aux). "
      "See docs/trajectory-stats.md.");
}

}  // namespace dynlib::python

// run_interruptibly (common.hpp): long C++ work on a helper thread while the calling (main)
// thread watches for Ctrl+C.
#include <chrono>
#include <future>

#include "common.hpp"

namespace dynlib::python {

void run_interruptibly(std::atomic<bool>& stop, const std::function<void()>& job) {
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    auto running = std::async(std::launch::async, job);
    while (running.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        PyErr_Clear();
        interrupted = true;
        stop = true;
        py::gil_scoped_release again;
        running.wait();
        break;
      }
    }
    running.get();  // rethrows the job's error (translated to its Python class by pybind11)
  }
  if (interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
}

}  // namespace dynlib::python

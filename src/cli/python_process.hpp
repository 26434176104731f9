// Runs a Python script embedded in the executable (src/cli/scripts/) with the system Python: the
// command line draws its pictures with matplotlib without needing the dynlib Python package.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dynlib::cli {

// The embedded script `name` (e.g. "render_plot.py"); DynlibError if there is none.
std::string_view embedded_script(std::string_view name);

// The interpreter: $DYNLIB_PYTHON, else /usr/bin/python3 (Debian's, with its numpy and
// matplotlib), else python3 on PATH.
std::string python_interpreter();

// Runs `python -c script args...` with this process's stdin/stdout/stderr and waits for it.
// Returns its exit status (128 + signal when killed). Throws DynlibError (with how to install
// Python) when no interpreter can be started.
int run_python(std::string_view script, const std::vector<std::string>& args);

}  // namespace dynlib::cli

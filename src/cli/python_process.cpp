// run_python (python_process.hpp): posix_spawn of the system Python.
#include "cli/python_process.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/embedded_scripts.hpp"
#include "dynlib/errors.hpp"

extern char** environ;

namespace dynlib::cli {

std::string_view embedded_script(std::string_view name) {
  for (const EmbeddedFile& f : embedded_scripts())
    if (f.path == name) return f.text;
  throw DynlibError(fmt::format("internal error: no embedded script '{}'", name));
}

std::string python_interpreter() {
  if (const char* chosen = std::getenv("DYNLIB_PYTHON"); chosen && *chosen) return chosen;
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

int run_python(std::string_view script, const std::vector<std::string>& args) {
  const std::string python = python_interpreter();
  std::vector<std::string> argv_storage{python, "-c", std::string(script)};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0)
    throw DynlibError(
        fmt::format("cannot start Python ('{}': {}): pictures need Python 3 with matplotlib "
                    "(Debian: sudo apt-get install python3-matplotlib; or set DYNLIB_PYTHON)",
                    python, std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw DynlibError(fmt::format("waiting for Python failed: {}", std::strerror(errno)));
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace dynlib::cli

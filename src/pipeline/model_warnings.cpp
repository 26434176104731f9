// Where build() sends the warnings of the models it reads (dynlib.hpp: set_model_warning_handler).

#include <cstdio>
#include <mutex>

#include "dynlib/dynlib.hpp"

namespace dynlib {
namespace {

std::mutex& handler_mutex() {
  static std::mutex m;
  return m;
}

// Like a compiler: each warning on stderr, as it is found.
ModelWarningHandler& current_handler() {
  static ModelWarningHandler handler = [](const ModelWarning& w) {
    std::fprintf(stderr, "%s\n", w.text().c_str());
  };
  return handler;
}

}  // namespace

ModelWarningHandler set_model_warning_handler(ModelWarningHandler handler) {
  std::lock_guard lock(handler_mutex());
  std::swap(current_handler(), handler);
  return handler;
}

namespace detail {

void report_model_warnings(const std::vector<ModelWarning>& warnings) {
  if (warnings.empty()) return;
  ModelWarningHandler handler;
  {
    std::lock_guard lock(handler_mutex());
    handler = current_handler();
  }
  if (!handler) return;
  for (const ModelWarning& w : warnings) handler(w);
}

}  // namespace detail
}  // namespace dynlib

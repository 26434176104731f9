// Ctrl+C during long work. While an InterruptScope lives, SIGINT raises the flag stop_flag()
// points at (the batches and analyses poll it and return what they finished) and asks the Sim
// given to the scope, if any, to stop (it returns its results so far). The previous handler comes
// back when the scope ends, also by an exception.
#pragma once

#include <atomic>

#include "dynlib/dynlib.hpp"

namespace dynlib::cli {

// Ctrl+C ended work whose output is not kept (e.g. while a file was being written): exit code 130.
struct Interrupted : DynlibError {
  using DynlibError::DynlibError;
};

class InterruptScope {
 public:
  explicit InterruptScope(Sim* running = nullptr);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // The flag for the `stop` option of batches and analyses; lowered when a scope begins.
  static std::atomic<bool>* stop_flag();

 private:
  void (*previous_)(int);
};

}  // namespace dynlib::cli

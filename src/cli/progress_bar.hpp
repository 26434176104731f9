// A one-line progress bar on stderr for long commands: drawn only on a terminal and only once the
// work has taken a second, so short runs and redirected output stay clean.
#pragma once

#include <chrono>

namespace dynlib::cli {

class ProgressBar {
 public:
  // Draws nothing unless `enabled` (callers pass !quiet) and stderr is a terminal.
  explicit ProgressBar(bool enabled);
  // fraction in [0, 1], or negative when unknown (then only the elapsed time is shown).
  void update(double fraction);
  // Erases the bar if it was drawn.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
};

}  // namespace dynlib::cli

#include "cli/progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace dynlib::cli {

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && isatty(STDERR_FILENO)), start_(Clock::now()) {}

void ProgressBar::update(double fraction) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (elapsed < 1.0) return;
  shown_ = true;
  const int width = 30;
  const int filled = fraction < 0 ? 0 : static_cast<int>(fraction * width + 0.5);
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, width)), '#');
  bar.resize(width, '.');
  if (fraction >= 0)
    fmt::print(stderr, "\r[{}] {:5.1f}%  {:.1f}s", bar, fraction * 100, elapsed);
  else
    fmt::print(stderr, "\r[{}] {:.1f}s", bar, elapsed);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (shown_) fmt::print(stderr, "\r{:60}\r", "");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace dynlib::cli

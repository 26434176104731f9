#include "cli/interrupt.hpp"

#include <csignal>

namespace dynlib::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<Sim*> g_running{nullptr};

extern "C" void on_sigint(int) {
  g_stop.store(true);
  if (Sim* s = g_running.load()) s->request_stop();
}

}  // namespace

InterruptScope::InterruptScope(Sim* running) {
  g_stop.store(false);
  g_running.store(running);
  previous_ = std::signal(SIGINT, on_sigint);
}

InterruptScope::~InterruptScope() {
  std::signal(SIGINT, previous_);
  g_running.store(nullptr);
}

std::atomic<bool>* InterruptScope::stop_flag() {
  return &g_stop;
}

}  // namespace dynlib::cli

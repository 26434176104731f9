#include "cli/commands.hpp"

namespace dynlib::cli {
namespace {
std::function<int()>& selected_action() {
  static std::function<int()> action;
  return action;
}
}  // namespace

void set_action(std::function<int()> action) {
  selected_action() = std::move(action);
}

int run_selected(CLI::App& app) {
  if (!selected_action()) {
    std::cerr << app.help();
    return 1;
  }
  return selected_action()();
}

}  // namespace dynlib::cli

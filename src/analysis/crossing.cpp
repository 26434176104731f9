// Crossing directions by name (dynlib/crossing.hpp).
#include "dynlib/crossing.hpp"

#include <fmt/format.h>

#include "dynlib/errors.hpp"
#include "dynlib/layout.hpp"

namespace dynlib {

const char* crossing_direction_name(CrossingDirection d) {
  switch (d) {
    case CrossingDirection::Up:
      return "up";
    case CrossingDirection::Down:
      return "down";
    case CrossingDirection::Both:
      break;
  }
  return "both";
}

CrossingDirection parse_crossing_direction(const std::string& text) {
  if (text == "up" || text == "positive") return CrossingDirection::Up;
  if (text == "down" || text == "negative") return CrossingDirection::Down;
  if (text == "both" || text == "any") return CrossingDirection::Both;
  throw DynlibError(with_suggestion(fmt::format("unknown crossing direction '{}'", text), text,
                                    {"up", "down", "both", "positive", "negative", "any"},
                                    "directions"));
}

}  // namespace dynlib

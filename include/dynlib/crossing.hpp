// Which way a signal crosses a level: for trajectory statistics (crossing_times) and Poincaré
// sections (BifurcationExtractor::poincare).
#pragma once

#include <string>

namespace dynlib {

enum class CrossingDirection {
  Up,    // from below to above
  Down,  // from above to below
  Both,
  Any = Both,  // the reference's TrajectoryAnalyzer spelling
};
const char* crossing_direction_name(CrossingDirection d);  // "up", "down", "both"
// "up"/"positive", "down"/"negative", "both"/"any"; DynlibError with a did-you-mean otherwise.
CrossingDirection parse_crossing_direction(const std::string& text);

}  // namespace dynlib

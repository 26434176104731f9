// The doubles analyses fill results with where there is no value (NaN) or no bound (infinity).
#pragma once

#include <limits>

namespace dynlib {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace dynlib

// Shared helpers of the analysis tests: substring checks, the message of a DynlibError, bit
// comparison.
#pragma once

#include <cstring>
#include <string>

#include "dynlib/dynlib.hpp"

namespace analysis_test {

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The message of the DynlibError `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const dynlib::DynlibError& e) {
    return e.what();
  }
  return "";
}

inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace analysis_test

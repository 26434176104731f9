// Shared helpers for the runtime tests: inline models, bit comparisons, the wrapper's test knobs.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "runtime/tuning.hpp"

namespace rt_test {

inline std::string inline_model(const std::string& toml) {
  return "inline:" + toml;
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The message of the error of type E that `f` throws; a test failure and "" if it throws none.
template <class E = dynlib::DynlibError, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Forces tiny buffers and a tiny step budget for the lifetime of the object, so that a run goes
// through many GROW_REC / GROW_EVT / YIELD re-entries.
struct TinyBuffers {
  explicit TinyBuffers(long long rec = 1, long long evt = 1, long long budget = 7) {
    auto& t = dynlib::detail::tuning();
    t.rec_cap0 = rec;
    t.evt_cap0 = evt;
    t.step_budget = budget;
  }
  ~TinyBuffers() {
    auto& t = dynlib::detail::tuning();
    t.rec_cap0 = 0;
    t.evt_cap0 = 0;
    t.step_budget = 0;
  }
};

// Every recorded value, time and step, the final state and time and the step count of two
// results agree bit for bit.
inline void expect_same_rows(const dynlib::Results& a, const dynlib::Results& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.names(), b.names());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(same_bits(a.t()[i], b.t()[i])) << "t at row " << i;
    ASSERT_EQ(a.step()[i], b.step()[i]) << "step at row " << i;
  }
  for (const auto& n : a.names()) {
    const auto ca = a.column_as_double(n), cb = b.column_as_double(n);
    for (size_t i = 0; i < ca.size(); ++i)
      ASSERT_TRUE(same_bits(ca[i], cb[i])) << n << " row " << i;
  }
  const auto fa = a.final_state(), fb = b.final_state();
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i)
    EXPECT_TRUE(same_bits(fa[i], fb[i])) << "final state " << i;
  EXPECT_TRUE(same_bits(a.final_time(), b.final_time()));
  EXPECT_EQ(a.steps(), b.steps());
}

// ... and every event firing too.
inline void expect_same_results(const dynlib::Results& a, const dynlib::Results& b) {
  expect_same_rows(a, b);
  ASSERT_EQ(a.events().size(), b.events().size());
  for (size_t e = 0; e < a.events().size(); ++e) {
    const auto &ea = a.events()[e], &eb = b.events()[e];
    ASSERT_EQ(ea.t.size(), eb.t.size()) << ea.name;
    for (size_t k = 0; k < ea.t.size(); ++k) {
      ASSERT_TRUE(same_bits(ea.t[k], eb.t[k])) << ea.name << " firing " << k;
      ASSERT_EQ(ea.record_index[k], eb.record_index[k]) << ea.name << " firing " << k;
    }
    ASSERT_EQ(ea.values, eb.values) << ea.name;
  }
}

}  // namespace rt_test

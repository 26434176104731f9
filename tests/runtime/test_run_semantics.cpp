// The reference dynlib's run semantics, which scripts written for it rely on: a fresh run starts
// from the session's current values, N is absolute on resume, and transient is a warm-up before
// the run whose recorded times start at t0 again (docs/simulation.md §2, §3, §6).
#include <cmath>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::contains;
using rt_test::error_of;
using rt_test::inline_model;
using rt_test::same_bits;

std::vector<double> col(const Results& r, const std::string& name) {
  return r.column_as_double(name);
}

// ---- a fresh run continues the session ----

TEST(RunSemantics, SecondFreshRunStartsWhereTheFirstEnded) {
  Sim sim = setup("builtin://map/henon");
  const std::vector<double> first = col(sim.run({.N = 3}), "x");
  const std::vector<double> end = sim.state();
  const Results& again = sim.run({.N = 3});
  EXPECT_EQ(again.t().front(), 0.0);  // time back at t0
  EXPECT_EQ(again.step().front(), 0);
  EXPECT_TRUE(same_bits(col(again, "x").front(), first.back()));
  EXPECT_TRUE(same_bits(col(again, "x").front(), end[0]));
  // Two runs of 3 are one run of 6, in two pieces.
  const std::vector<double> second = col(again, "x");
  sim.reset();
  const std::vector<double> whole = col(sim.run({.N = 6}), "x");
  for (size_t k = 0; k < 4; ++k) EXPECT_TRUE(same_bits(whole[3 + k], second[k])) << k;
}

TEST(RunSemantics, IcOverridesOneStateTheOthersContinue) {
  Sim sim = setup("builtin://map/henon");
  sim.run({.N = 4});
  const std::vector<double> end = sim.state();
  const Results& r = sim.run({.N = 1, .ic = {{"x", 0.25}}});
  EXPECT_EQ(col(r, "x").front(), 0.25);
  EXPECT_TRUE(same_bits(col(r, "y").front(), end[1]));
}

TEST(RunSemantics, ResetReturnsToTheModelsValues) {
  Sim sim = setup("builtin://map/henon");
  const double x0 = sim.state()[0];
  sim.run({.N = 5, .params = {{"a", 1.2}}});
  sim.reset();
  const Results& r = sim.run({.N = 1});
  EXPECT_TRUE(same_bits(col(r, "x").front(), x0));
  EXPECT_EQ(sim.param("a"), std::vector<double>{1.4});
}

TEST(RunSemantics, ParamsAnEventChangedCarryIntoTheNextFreshRun) {
  // The event sets k = 2 once x passes 3; a later fresh run keeps that k (the session's).
  Sim sim = setup(inline_model(R"toml(
[model]
type = "map"
[states]
x = 0.0
[params]
k = 1.0
[equations.rhs]
x = "x + k"
[events.boost]
cond = "x > 3"
action = "k = 2"
)toml"));
  sim.run({.N = 5});
  EXPECT_EQ(sim.param("k"), std::vector<double>{2.0});
  const double start = sim.state()[0];
  const Results& r = sim.run({.N = 1});
  EXPECT_EQ(col(r, "x")[1], start + 2.0);
}

// ---- N is absolute ----

TEST(RunSemantics, ResumedNIsTheRunsTotal) {
  // The reference's figure: N = 10, then resume with N = 25, is 26 samples, as one N = 25 run.
  Sim sim = setup("builtin://map/logistic");
  sim.run({.N = 10});
  const Results& r = sim.run({.N = 25, .resume = true});
  ASSERT_EQ(r.size(), 26u);
  EXPECT_EQ(r.step().back(), 25);
  const std::vector<double> pieces = col(r, "x");
  sim.reset();
  const std::vector<double> whole = col(sim.run({.N = 25}), "x");
  ASSERT_EQ(whole.size(), pieces.size());
  for (size_t k = 0; k < whole.size(); ++k) EXPECT_TRUE(same_bits(whole[k], pieces[k])) << k;
}

TEST(RunSemantics, ResumedNAlreadyReachedIsAnError) {
  Sim sim = setup("builtin://map/logistic");
  sim.run({.N = 10});
  const std::string e = error_of([&] { sim.run({.N = 10, .resume = true}); });
  EXPECT_TRUE(contains(e, "N = 10 is already reached")) << e;
  EXPECT_TRUE(contains(e, "at step 10")) << e;
  EXPECT_EQ(sim.results().size(), 11u);  // nothing lost
}

TEST(RunSemantics, AdaptiveNIsAbsoluteToo) {
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk45"});
  sim.run({.N = 40});
  const Results& r = sim.run({.N = 100, .resume = true});
  EXPECT_EQ(r.steps(), 100);
  EXPECT_EQ(r.step().back(), 100);
}

// ---- transient is a warm-up ----

TEST(RunSemantics, MapTransientWarmsUpThenRecordsFromT0) {
  // The reference's figure: logistic N = 10, transient = 5: 11 samples from t = 0 whose first is
  // the plain run's x[5].
  Sim plain = setup("builtin://map/logistic");
  const std::vector<double> x = col(plain.run({.N = 15}), "x");
  Sim sim = setup("builtin://map/logistic");
  const Results& r = sim.run({.N = 10, .transient = 5});
  ASSERT_EQ(r.size(), 11u);
  for (size_t k = 0; k < 11; ++k) {
    EXPECT_EQ(r.t()[k], static_cast<double>(k));
    EXPECT_EQ(r.step()[k], static_cast<long long>(k));
    EXPECT_TRUE(same_bits(col(r, "x")[k], x[5 + k])) << k;
  }
  EXPECT_EQ(r.final_time(), 10.0);
  EXPECT_EQ(r.steps(), 10);
}

TEST(RunSemantics, AdaptiveTransientStartsFromTheWarmState) {
  Sim plain = setup("builtin://ode/lorenz", {.stepper = "rk45"});
  plain.run({.T = 2.0});
  const std::vector<double> warm = plain.state();
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk45"});
  const Results& r = sim.run({.T = 1.0, .transient = 2.0});
  EXPECT_EQ(r.t().front(), 0.0);
  EXPECT_NEAR(r.t().back(), 1.0, 1e-12);
  EXPECT_NEAR(r.final_time(), 1.0, 1e-12);
  for (const char* v : {"x", "y", "z"}) {
    const size_t i = static_cast<size_t>(v[0] - 'x');
    EXPECT_TRUE(same_bits(col(r, v).front(), warm[i])) << v;
  }
}

// x' = cos(t) from x(0) = 0 is sin(t): after a warm-up of 1 the model's clock is 1 ahead of the
// recorded times, so x at recorded time s is sin(s + 1).
TEST(RunSemantics, TheModelsClockRunsOnThroughTheWarmUp) {
  Sim sim = setup(inline_model(R"toml(
[model]
type = "ode"
[states]
x = 0.0
[equations.rhs]
x = "cos(t)"
)toml"),
                  {.stepper = "rk4"});
  const Results& r = sim.run({.T = 2.0, .dt = 0.01, .transient = 1.0});
  ASSERT_EQ(r.size(), 201u);
  const std::vector<double> x = col(r, "x");
  for (size_t k = 0; k < r.size(); k += 20) {
    EXPECT_NEAR(r.t()[k], 0.01 * static_cast<double>(k), 1e-12);
    EXPECT_NEAR(x[k], std::sin(r.t()[k] + 1.0), 1e-9) << k;
  }
}

TEST(RunSemantics, EventsActInTheWarmUpAndAreLoggedAfterItInRunTime) {
  // x counts up by 1; the event resets it to 0 whenever it reaches 3 and logs the time.
  const std::string model = inline_model(R"toml(
[model]
type = "map"
[states]
x = 0.0
[equations.rhs]
x = "x + 1"
[events.wrap]
cond = "x >= 3"
action = "x = 0"
log = ["t"]
)toml");
  Sim sim = setup(model);
  const Results& r = sim.run({.N = 6, .transient = 4});
  // Warm-up: 1, 2, 3->0, 1: the run starts at x = 1.
  EXPECT_EQ(col(r, "x").front(), 1.0);
  const EventLog& log = r.event("wrap");
  ASSERT_EQ(log.t.size(), 2u);  // the warm-up's firing is not logged
  EXPECT_EQ(log.t[0], 2.0);     // recorded time; the model's clock said 6
  EXPECT_EQ(log.values[0][0], 6.0);
  EXPECT_EQ(log.t[1], 5.0);
}

TEST(RunSemantics, AResumeAfterATransientContinuesInRunTime) {
  Sim whole = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  const Results& w = whole.run({.T = 3.0, .dt = 0.01, .transient = 2.0});
  Sim pieces = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  pieces.run({.T = 1.0, .dt = 0.01, .transient = 2.0});
  const Results& p = pieces.run({.T = 3.0, .resume = true});
  ASSERT_EQ(p.size(), w.size());
  for (size_t k = 0; k < w.size(); ++k) {
    EXPECT_TRUE(same_bits(p.t()[k], w.t()[k])) << k;
    EXPECT_TRUE(same_bits(col(p, "z")[k], col(w, "z")[k])) << k;
  }
  EXPECT_TRUE(contains(error_of([&] { pieces.run({.T = 4.0, .transient = 1, .resume = true}); }),
                       "transient applies to fresh runs only"));
}

TEST(RunSemantics, AWarmUpThatFailsSaysSo) {
  Sim sim = setup(inline_model(R"toml(
[model]
type = "map"
[states]
x = 2.0
[equations.rhs]
x = "x * x"
)toml"));
  const Results& r = sim.run({.N = 5, .transient = 100});
  EXPECT_EQ(r.status(), Status::NanDetected);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(contains(r.message(), "in the transient warm-up")) << r.message();
}

}  // namespace

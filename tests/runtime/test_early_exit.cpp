// [sim] stop through the public API: where the run ends, what it keeps, the status and message,
// resume, and the two backends agreeing bit for bit.
#include <numbers>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::inline_model;

std::string stop_counter(const std::string& stop, const std::string& dtype = "float64") {
  return inline_model(R"(
[model]
type = "map"
dtype = ")" + dtype + R"("
[states]
x = 0
[equations.rhs]
x = "x + 1"
[sim]
stop = ")" + stop + "\"\n");
}

TEST(EarlyExit, AMapStopsAfterTheFirstStepWhereTheConditionHolds) {
  Sim sim = setup(stop_counter("x >= 5"));
  const Results& r = sim.run({.N = 100});
  EXPECT_EQ(r.status(), Status::EarlyExit);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(rt_test::contains(r.message(), "stop condition")) << r.message();
  // The step that met the condition is recorded; nothing after it.
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(sim.state(), std::vector<double>{5});
}

TEST(EarlyExit, TheConditionWinsOverNAtTheSameStep) {
  Sim sim = setup(stop_counter("x >= 5"));
  EXPECT_EQ(sim.run({.N = 5}).status(), Status::EarlyExit);
  Sim plain = setup(stop_counter("x >= 50"));
  EXPECT_EQ(plain.run({.N = 5}).status(), Status::Done);
}

TEST(EarlyExit, TheInitialStateIsNotChecked) {
  // Only committed steps are checked (the reference's "post" phase): x = 0 already meets it.
  Sim sim = setup(stop_counter("x >= 0"));
  const Results& r = sim.run({.N = 10});
  EXPECT_EQ(r.status(), Status::EarlyExit);
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 1}));
}

TEST(EarlyExit, ResumeTakesStepsUntilTheConditionHoldsAgain) {
  Sim sim = setup(stop_counter("x % 4 == 0"));
  EXPECT_EQ(sim.run({.N = 100}).column("x").to_vector().back(), 4);
  const Results& r = sim.run({.N = 100, .resume = true});
  EXPECT_EQ(r.status(), Status::EarlyExit);
  EXPECT_EQ(r.column("x").to_vector().back(), 8);
}

TEST(EarlyExit, ExactIntegerMapsStopToo) {
  Sim sim = setup(stop_counter("x == 7", "int64"));
  const Results& r = sim.run({.N = 100});
  EXPECT_EQ(r.status(), Status::EarlyExit);
  EXPECT_EQ(r.column_i64("x").to_vector().back(), 7);
}

const char* kAdaptive = R"toml(
[model]
type = "ode"
[states]
x = 1.0
y = 0.0
[equations.rhs]
x = "-y"
y = "x"
[sim]
stepper = "rk45"
stop = { cond = "cross_down(x, 0.0)", phase = "post" }
)toml";

TEST(EarlyExit, AnAdaptiveRunStopsAtTheStepThatCrossed) {
  const double kQuarterTurn = std::numbers::pi / 2;
  // x = cos t crosses 0 downward at t = pi/2: the run ends at the first step past it.
  Sim sim = setup(inline_model(kAdaptive));
  const Results& r = sim.run({.T = 10.0});
  ASSERT_EQ(r.status(), Status::EarlyExit) << r.message();
  const std::vector<double> t = r.t();
  const std::vector<double> x = r.column("x").to_vector();
  ASSERT_GE(t.size(), 2u);
  EXPECT_GT(t.back(), kQuarterTurn);
  EXPECT_LE(t[t.size() - 2], kQuarterTurn);
  EXPECT_LT(x.back(), 0);
  EXPECT_GE(x[x.size() - 2], 0);
}

TEST(EarlyExit, BothBackendsStopAtTheSameBits) {
  Sim interp = setup(inline_model(kAdaptive), {.jit = false});
  Sim native = setup(inline_model(kAdaptive), {.jit = true});
  const Results& a = interp.run({.T = 10.0});
  const Results& b = native.run({.T = 10.0});
  EXPECT_EQ(a.status(), Status::EarlyExit);
  EXPECT_EQ(b.status(), Status::EarlyExit);
  EXPECT_EQ(a.t(), b.t());
  EXPECT_EQ(a.column("x").to_vector(), b.column("x").to_vector());
}

TEST(EarlyExit, TimeReversalRefusesAModelWithAStopCondition) {
  const std::string err = rt_test::error_of<DynlibError>(
      [] { build(inline_model(kAdaptive), {.time_reversed = true}); });
  EXPECT_TRUE(rt_test::contains(err, "early-exit condition")) << err;
}

}  // namespace

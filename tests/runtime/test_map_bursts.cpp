// Maps run in bursts (kernel/runner.hpp): with nothing but the recorder between its steps, a map
// takes many steps between two rounds of the per-iteration checks. Its twin with an event that
// never fires takes the one-step-at-a-time path; both must agree bit for bit however the run is
// cut: buffers that fill mid-burst, step budgets, max_steps, record intervals, a non-finite value
// inside a burst, resumes, both backends.
#include <string>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::inline_model;

// The Hénon map (a = 1.4: chaotic, so a single different bit shows within a few dozen steps),
// and a variant whose x grows without bound to inf (then NaN) at a known step.
std::string henon(bool with_event, bool blow_up = false) {
  std::string m = R"toml(
[model]
type = "map"
name = "henon_burst"
[states]
x = 0.1
y = 0.0
[params]
a = 1.4
b = 0.3
[equations.rhs]
x = "1 - a * x * x + y"
y = "b * x"
[aux]
r2 = "x * x + y * y"
)toml";
  if (blow_up) {
    const std::string rhs = "x = \"1 - a * x * x + y\"";
    m.replace(m.find(rhs), rhs.size(), "x = \"x * x * 1e10 + 2\"");
  }
  if (with_event) m += "[events.never]\ncond = \"x > 1e300 and x < 1e299\"\naction = \"y = 0\"\n";
  return inline_model(m);
}

// The twins differ in their event table only: everything else agrees bit for bit.
void expect_same_run(const Results& burst, const Results& stepwise) {
  EXPECT_EQ(burst.status(), stepwise.status());
  EXPECT_EQ(burst.message(), stepwise.message());
  rt_test::expect_same_rows(burst, stepwise);
}

// Runs both twins with `options` (twice: the second run continues from the first's end).
void expect_same_bits(const RunOptions& options, bool jit, bool blow_up = false) {
  Sim burst = setup(henon(false, blow_up), {.jit = jit});
  Sim stepwise = setup(henon(true, blow_up), {.jit = jit});
  for (int k = 0; k < 2; ++k) {
    const Results& a = burst.run(options);
    const Results& b = stepwise.run(options);
    expect_same_run(a, b);
  }
}

TEST(MapBursts, SameBitsAsStepByStepOnBothBackends) {
  for (bool jit : {false, true}) {
    SCOPED_TRACE(jit ? "native" : "interpreter");
    expect_same_bits({.N = 20000}, jit);
    expect_same_bits({.N = 20000, .record_interval = 7}, jit);
    expect_same_bits({.N = 20000, .record = false}, jit);
    expect_same_bits({.N = 9000, .record_vars = std::vector<std::string>{"y", "r2"}}, jit);
    expect_same_bits({.N = 20000, .max_steps = 12345}, jit);
  }
}

TEST(MapBursts, BuffersFillingAndBudgetsEndingInsideABurst) {
  // One-row starting buffers and a 7-step budget: bursts are cut by room and by the budget at
  // every possible offset, with record intervals that do and do not divide them.
  for (bool jit : {false, true}) {
    SCOPED_TRACE(jit ? "native" : "interpreter");
    for (long long budget : {7LL, 4096LL, 5000LL}) {
      rt_test::TinyBuffers tiny(1, 1, budget);
      expect_same_bits({.N = 30000}, jit);
      expect_same_bits({.N = 30000, .record_interval = 3}, jit);
      expect_same_bits({.N = 30000, .record_interval = 4097}, jit);
    }
  }
}

TEST(MapBursts, ANonFiniteValueInsideABurstStopsAtTheLastGoodStep) {
  for (bool jit : {false, true}) {
    SCOPED_TRACE(jit ? "native" : "interpreter");
    Sim burst = setup(henon(false, true), {.jit = jit});
    const Results& r = burst.run({.N = 100000});
    EXPECT_EQ(r.status(), Status::NanDetected) << r.message();
    EXPECT_GT(r.steps(), 0);
    EXPECT_LT(r.steps(), 20);  // x*x*1e10 overflows within a few squarings
    expect_same_bits({.N = 100000}, jit, true);
  }
}

}  // namespace

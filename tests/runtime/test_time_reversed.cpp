// rebuild(), time_reversed() and with_stepper(): the reversed model's field is exactly
// -f(-s, y); running it from where a forward run ended, for the same time, lands where that run
// began; it has its own kernel key; both backends run it to the same bits; maps, events and lags
// are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using rt_test::contains;
using rt_test::error_of;
using rt_test::inline_model;
using rt_test::same_bits;

namespace {

// A forced, nonlinear, non-autonomous oscillator with an aux that reads t, and a user Jacobian.
const std::string kForced = inline_model(R"toml(
[model]
type = "ode"
name = "forced"
[states]
x = 0.3
v = -0.2
[params]
w = 1.3
[aux]
drive = "sin(w * t)"
[equations.rhs]
x = "v"
v = "-0.2 * v - x - x * x * x + drive"
[equations.jacobian]
expr = [["0", "1"], ["-1 - 3 * x * x", "-0.2"]]
[sim]
stepper = "rk4"
dt = 0.001
)toml");

std::vector<double> end_state(const FullModel& m, const std::vector<double>& y0, double t0,
                              double t1) {
  Sim sim(m);
  RunOptions o;
  o.t0 = t0;
  o.T = t1;
  o.dt = 0.001;
  o.record = false;
  o.ic = {{"x", y0[0]}, {"v", y0[1]}};
  const Results& r = sim.run(o);
  EXPECT_EQ(r.status(), Status::Done) << r.message();
  return r.final_state();
}

}  // namespace

TEST(TimeReversed, FieldIsMinusFAtMinusTime) {
  const FullModel f = build(kForced);
  const FullModel b = time_reversed(f);
  EXPECT_TRUE(b.spec().time_reversed);
  EXPECT_FALSE(f.spec().time_reversed);
  EXPECT_TRUE(b.build_options().time_reversed);
  for (double t : {0.0, 0.7, -2.5}) {
    const std::vector<double> y = {0.4, -1.1};
    const auto fb = b.rhs(t, y);
    const auto ff = f.rhs(-t, y);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_TRUE(same_bits(fb[i], -ff[i])) << t << " " << i;
    // The derivatives follow (== rather than bits: a structural zero stays +0).
    const auto jb = b.jacobian(t, y), jf = f.jacobian(-t, y);
    for (size_t i = 0; i < jb.size(); ++i) EXPECT_EQ(jb[i], -jf[i]) << i;
  }
  const FullModel bu = rebuild(f, {.jacobian = "user", .time_reversed = true});
  const auto ju = bu.jacobian(0.5, {0.4, -1.1}), jf = f.jacobian(-0.5, {0.4, -1.1});
  for (size_t i = 0; i < ju.size(); ++i) EXPECT_NEAR(ju[i], -jf[i], 1e-15) << i;
}

TEST(TimeReversed, BackwardRunReturnsToTheStart) {
  const FullModel f = build(kForced);
  const FullModel b = time_reversed(f);
  const std::vector<double> y0 = {0.3, -0.2};
  const double t0 = 0.5, t1 = 3.0;
  const auto y1 = end_state(f, y0, t0, t1);
  EXPECT_GT(std::hypot(y1[0] - y0[0], y1[1] - y0[1]), 0.1);  // it went somewhere
  // The reversed clock is s = -t: from s = -t1 to s = -t0.
  const auto back = end_state(b, y1, -t1, -t0);
  EXPECT_NEAR(back[0], y0[0], 1e-10);  // RK4 at dt = 1e-3: global error ~1e-12 here
  EXPECT_NEAR(back[1], y0[1], 1e-10);
  // Reversing twice is the model again: the same kernel, the same bits.
  const FullModel ff = time_reversed(b);
  EXPECT_FALSE(ff.spec().time_reversed);
  EXPECT_EQ(ff.build_stats().kernel_id, f.build_stats().kernel_id);
  const auto again = end_state(ff, y0, t0, t1);
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(again[i], y1[i]));
}

TEST(TimeReversed, OwnKernelKeyAndSameBitsOnBothBackends) {
  const FullModel f = build(kForced);
  const FullModel b = time_reversed(f);
  EXPECT_NE(b.build_stats().kernel_id, f.build_stats().kernel_id);
  EXPECT_NE(b.rhs_source(), f.rhs_source());
  const FullModel bj = rebuild(f, {.jit = true, .time_reversed = true});
  EXPECT_TRUE(bj.is_jitted());
  EXPECT_EQ(bj.build_stats().kernel_id, b.build_stats().kernel_id);
  const FullModel fj = rebuild(f, {.jit = true});
  EXPECT_NE(bj.build_stats().kernel_digest, fj.build_stats().kernel_digest);
  const auto a = end_state(b, {0.1, 0.9}, -2.0, 1.0);
  const auto c = end_state(bj, {0.1, 0.9}, -2.0, 1.0);
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(a[i], c[i])) << a[i] << " vs " << c[i];
}

TEST(TimeReversed, WithStepperIsBuildWithThatStepper) {
  const FullModel lorenz = build("builtin://ode/lorenz");  // rk4 in its [sim] table
  const FullModel rk4 = with_stepper(lorenz, "euler");
  EXPECT_EQ(rk4.stepper_name(), "euler");
  EXPECT_EQ(lorenz.stepper_name(), "rk4");
  const FullModel direct = build("builtin://ode/lorenz", {.stepper = "euler"});
  EXPECT_EQ(rk4.build_stats().kernel_id, direct.build_stats().kernel_id);
  Sim a(rk4), c(direct);
  const RunOptions o{.T = 1.0, .dt = 0.01};
  const auto ya = a.run(o).final_state();
  const auto yc = c.run(o).final_state();
  for (size_t i = 0; i < ya.size(); ++i) EXPECT_TRUE(same_bits(ya[i], yc[i]));
  EXPECT_TRUE(contains(error_of([&] { with_stepper(lorenz, "rk5x"); }), "unknown stepper"));
}

TEST(TimeReversed, RefusesMapsEventsAndLags) {
  const std::string map = error_of([] { time_reversed(build("builtin://map/henon")); });
  EXPECT_TRUE(contains(map, "is a map")) << map;
  const std::string events = error_of([] {
    time_reversed(build(inline_model(R"toml(
[model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "-x"
[events.low]
cond = "x < 0.5"
phase = "end"
action = "x = 1.0"
)toml")));
  });
  EXPECT_TRUE(contains(events, "has events")) << events;
  const std::string lags = error_of([] {
    time_reversed(build(inline_model(R"toml(
[model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "-lag_x(2)"
)toml")));
  });
  EXPECT_TRUE(contains(lags, "lagged")) << lags;
}

TEST(TimeReversed, LoopsAndConditionalsReadingTime) {
  // The reversal inserts code at the top of each function: jump targets of loops and
  // conditionals must follow, on both backends.
  const std::string src = inline_model(R"toml(
[model]
type = "ode"
name = "looped"
[states]
x = 0.5
y = -0.25
[params]
w = [0.5, -1.0, 2.0]
[aux]
drive = "sum(w[i] * sin((i + 1) * t) for i in range(3))"
[equations.rhs]
x = "y + drive"
y = "(x * t if t > 0.3 else -x + t * t) - sum(y * w[i] for i in range(3))"
)toml");
  const FullModel f = build(src);
  const FullModel b = time_reversed(f);
  const FullModel bj = rebuild(f, {.jit = true, .time_reversed = true});
  for (double t : {-1.7, -0.2, 0.0, 0.25, 0.9}) {
    const std::vector<double> y = {0.3, -1.2};
    const auto ff = f.rhs(-t, y), fb = b.rhs(t, y), fj = bj.rhs(t, y);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(same_bits(fb[i], -ff[i])) << t << " " << i << ": " << fb[i] << " " << ff[i];
      EXPECT_TRUE(same_bits(fj[i], fb[i])) << t << " " << i;
    }
  }
}

// Trajectory statistics (dynlib/trajectory_stats.hpp): hand-computed answers on small samples,
// analytic answers on sin/cos trajectories (sampled and simulated), NaN handling, errors, and
// the same statistics from the interpreter and a native kernel.

#include "dynlib/trajectory_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/dynlib.hpp"

namespace {

using namespace dynlib;
using std::numbers::pi;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using analysis_test::contains;
using analysis_test::error_of;
using analysis_test::same_bits;

// x = sin t at the midpoints t = (k + 1/2) h of a grid of whole periods: no sample lies on a
// root, and sum sin = 0, sum sin^2 = n / 2 exactly.
TrajectoryAnalyzer sampled_sine(int periods, int samples_per_period) {
  const int n = periods * samples_per_period;
  const double h = 2.0 * pi / samples_per_period;
  std::vector<double> t(n), x(n);
  for (int k = 0; k < n; ++k) {
    t[k] = h * (k + 0.5);
    x[k] = std::sin(t[k]);
  }
  return TrajectoryAnalyzer("x", t, x);
}

TEST(TrajectoryStats, HandComputedOrderStatistics) {
  // sorted: 1 1 2 3 4 5 6 9
  const TrajectoryAnalyzer a("y", {0, 1, 2, 3, 4, 5, 6, 7}, {3, 1, 4, 1, 5, 9, 2, 6});
  EXPECT_EQ(a.max(), 9.0);
  EXPECT_EQ(a.min(), 1.0);
  EXPECT_EQ(a.range(), 8.0);
  EXPECT_EQ(a.median(), 3.5);         // (3 + 4) / 2
  EXPECT_EQ(a.percentile(0), 1.0);    // smallest
  EXPECT_EQ(a.percentile(100), 9.0);  // largest
  EXPECT_EQ(a.percentile(25), 1.75);  // index 7 * 0.25 = 1.75: 1 + 0.75 * (2 - 1)
  EXPECT_EQ(a.percentile(50), 3.5);
  EXPECT_DOUBLE_EQ(a.percentile(90), 6.9);  // index 6.3: 6 + 0.3 * (9 - 6)
  EXPECT_EQ(a.mean(), 31.0 / 8.0);
  // population variance: sum of squared deviations / n
  double squares = 0;
  for (double v : a.values()) squares += (v - 31.0 / 8.0) * (v - 31.0 / 8.0);
  EXPECT_DOUBLE_EQ(a.variance(), squares / 8.0);
  EXPECT_DOUBLE_EQ(a.std(), std::sqrt(squares / 8.0));
  EXPECT_EQ(a.initial(), 3.0);
  EXPECT_EQ(a.final(), 6.0);

  const TrajectoryAnalyzer odd("z", {0, 1, 2}, {5, -1, 2});
  EXPECT_EQ(odd.median(), 2.0);
  EXPECT_EQ(odd.percentile(50), 2.0);
  EXPECT_EQ(odd.percentile(75), 3.5);  // index 1.5 between 2 and 5
}

TEST(TrajectoryStats, ArgExtremaGiveTheFirstSampleThatAttainsThem) {
  const TrajectoryAnalyzer a("y", {0, 0.5, 1, 1.5, 2}, {1, 3, 3, -2, -2});
  EXPECT_EQ(a.argmax().t, 0.5);
  EXPECT_EQ(a.argmax().value, 3.0);
  EXPECT_EQ(a.argmin().t, 1.5);
  EXPECT_EQ(a.argmin().value, -2.0);
}

TEST(TrajectoryStats, CrossingsAreInterpolatedAndFilteredByDirection) {
  // 0 -> 2 crosses 1 at t = 0.5 (up), 2 -> -2 at 1.25 (down), -2 -> 1 reaches 1 at t = 3 (up:
  // "above" includes equality).
  const TrajectoryAnalyzer a("y", {0, 1, 2, 3}, {0, 2, -2, 1});
  EXPECT_EQ(a.crossing_times(1.0), (std::vector<double>{0.5, 1.25, 3.0}));
  EXPECT_EQ(a.crossing_times(1.0, CrossingDirection::Up), (std::vector<double>{0.5, 3.0}));
  EXPECT_EQ(a.crossing_times(1.0, CrossingDirection::Down), (std::vector<double>{1.25}));
  EXPECT_EQ(a.zero_crossings(), (std::vector<double>{1.5, 2.0 + 2.0 / 3.0}));
  EXPECT_TRUE(a.crossing_times(5.0).empty());
  // Above 1: [0.5, 1.25] only (the last interval reaches 1 at its end).
  EXPECT_EQ(a.time_above(1.0), 0.75);
  EXPECT_EQ(a.time_below(1.0), 2.25);
  EXPECT_EQ(a.time_above(-10.0), 3.0);
  EXPECT_EQ(a.time_below(10.0), 3.0);
}

TEST(TrajectoryStats, SineOverWholePeriods) {
  const int per_period = 400;
  const TrajectoryAnalyzer x = sampled_sine(3, per_period);
  const double h = 2.0 * pi / per_period;
  // The samples nearest the peak lie h/2 either side: max = cos(h/2) >= 1 - h^2 / 8.
  EXPECT_LE(x.max(), 1.0);
  EXPECT_GE(x.max(), 1.0 - h * h / 8.0);
  EXPECT_GE(x.min(), -1.0);
  EXPECT_LE(x.min(), -1.0 + h * h / 8.0);
  // Each period has its own (rounding-equal) extreme samples: argmax/argmin pick one of them.
  EXPECT_NEAR(std::remainder(x.argmax().t - pi / 2.0, 2.0 * pi), 0.0, h / 2.0 + 1e-12);
  EXPECT_NEAR(std::remainder(x.argmin().t - 1.5 * pi, 2.0 * pi), 0.0, h / 2.0 + 1e-12);
  EXPECT_EQ(x.argmax().value, x.max());
  EXPECT_EQ(x.argmin().value, x.min());
  EXPECT_NEAR(x.mean(), 0.0, 1e-15);
  EXPECT_NEAR(x.variance(), 0.5, 1e-14);
  EXPECT_NEAR(x.std(), std::sqrt(0.5), 1e-14);
  EXPECT_NEAR(x.median(), 0.0, 1e-14);  // the values are symmetric about 0
  EXPECT_EQ(x.initial(), std::sin(h / 2.0));
  EXPECT_NEAR(x.final(), -std::sin(h / 2.0), 1e-14);

  // Zero crossings at k pi, k = 1..5. Linear interpolation of sin near a root errs by O(h^3).
  const std::vector<double> any = x.zero_crossings();
  const std::vector<double> up = x.zero_crossings(CrossingDirection::Up);
  const std::vector<double> down = x.zero_crossings(CrossingDirection::Down);
  ASSERT_EQ(any.size(), 5u);
  ASSERT_EQ(down.size(), 3u);
  ASSERT_EQ(up.size(), 2u);
  for (size_t k = 0; k < any.size(); ++k) EXPECT_NEAR(any[k], (k + 1) * pi, h * h) << k;
  for (size_t k = 0; k < down.size(); ++k) EXPECT_NEAR(down[k], (2 * k + 1) * pi, h * h) << k;
  for (size_t k = 0; k < up.size(); ++k) EXPECT_NEAR(up[k], (2 * k + 2) * pi, h * h) << k;

  // The span [h/2, 6 pi - h/2] is half above zero; above + below = span.
  const double span = 6.0 * pi - h;
  EXPECT_NEAR(x.time_above(0.0), span / 2.0, h * h);
  EXPECT_NEAR(x.time_below(0.0), span / 2.0, h * h);
  EXPECT_NEAR(x.time_above(0.0) + x.time_below(0.0), span, 1e-12);
  // sin >= 1/2 on [pi/6, 5 pi/6] of each period, sin < -1/2 on [7 pi/6, 11 pi/6].
  EXPECT_NEAR(x.time_above(0.5), 3.0 * (2.0 * pi / 3.0), h * h);
  EXPECT_NEAR(x.time_below(-0.5), 3.0 * (2.0 * pi / 3.0), h * h);
}

TEST(TrajectoryStats, SummaryHoldsTheEightStatisticsInTheReferenceOrder) {
  const TrajectoryAnalyzer a("y", {0, 1, 2, 3}, {2, -1, 4, 3});
  const TrajectorySummary s = a.summary();
  EXPECT_EQ(summary_keys(), (std::vector<std::string>{"min", "max", "mean", "std", "median",
                                                      "range", "initial", "final"}));
  const auto entries = s.entries();
  ASSERT_EQ(entries.size(), 8u);
  const double expected[] = {a.min(),    a.max(),   a.mean(),    a.std(),
                             a.median(), a.range(), a.initial(), a.final()};
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].first, summary_keys()[i]);
    EXPECT_TRUE(same_bits(entries[i].second, expected[i])) << entries[i].first;
  }
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.range, 5.0);
}

TEST(TrajectoryStats, NaNPropagatesToValueStatisticsAndHidesItsIntervals) {
  const TrajectoryAnalyzer a("y", {0, 1, 2, 3}, {1, 2, kNaN, 3});
  EXPECT_TRUE(std::isnan(a.max()));
  EXPECT_TRUE(std::isnan(a.min()));
  EXPECT_TRUE(std::isnan(a.mean()));
  EXPECT_TRUE(std::isnan(a.std()));
  EXPECT_TRUE(std::isnan(a.median()));
  EXPECT_TRUE(std::isnan(a.percentile(10)));
  EXPECT_TRUE(std::isnan(a.range()));
  EXPECT_EQ(a.argmax().t, 2.0);  // numpy: the first NaN is the extreme
  EXPECT_TRUE(std::isnan(a.argmin().value));
  // [1, 3] has a NaN end: neither above nor below, and no crossing is claimed there.
  EXPECT_EQ(a.crossing_times(1.5), (std::vector<double>{0.5}));
  EXPECT_EQ(a.time_above(1.5), 0.5);
  EXPECT_EQ(a.time_below(1.5), 0.5);
}

TEST(TrajectoryStats, EmptySamples) {
  const TrajectoryAnalyzer a("y", {}, {});
  EXPECT_TRUE(contains(error_of([&] { a.max(); }), "max of 'y': the results hold no samples"));
  EXPECT_TRUE(contains(error_of([&] { a.summary(); }), "no samples"));
  EXPECT_TRUE(contains(error_of([&] { a.percentile(50); }), "no samples"));
  EXPECT_TRUE(contains(error_of([&] { a.argmin(); }), "no samples"));
  EXPECT_TRUE(a.crossing_times(0.0).empty());
  EXPECT_EQ(a.time_above(0.0), 0.0);
  EXPECT_EQ(a.time_below(0.0), 0.0);
  const TrajectoryAnalyzer one("y", {2.0}, {7.0});
  EXPECT_EQ(one.median(), 7.0);
  EXPECT_EQ(one.percentile(30), 7.0);
  EXPECT_EQ(one.std(), 0.0);
  EXPECT_EQ(one.time_below(0.0), 0.0);
}

TEST(TrajectoryStats, BadArguments) {
  const TrajectoryAnalyzer a("y", {0, 1}, {0, 1});
  EXPECT_TRUE(contains(error_of([&] { a.percentile(101); }), "q must be in [0, 100]; got 101"));
  EXPECT_TRUE(contains(error_of([&] { a.percentile(-0.5); }), "got -0.5"));
  EXPECT_TRUE(contains(error_of([&] { a.percentile(kNaN); }), "q must be in [0, 100]"));
  EXPECT_TRUE(contains(error_of([&] { a.crossing_times(kNaN); }), "threshold is NaN"));
  EXPECT_TRUE(contains(error_of([&] { a.time_above(kNaN); }), "threshold is NaN"));
  EXPECT_TRUE(contains(error_of([] { parse_crossing_direction("upp"); }),
                       "unknown crossing direction 'upp'; did you mean 'up'?"));
  EXPECT_EQ(parse_crossing_direction("down"), CrossingDirection::Down);
  EXPECT_STREQ(crossing_direction_name(parse_crossing_direction("any")), "both");
  EXPECT_TRUE(contains(error_of([] {
                         TrajectoryAnalyzer("y", {0, 1, 2}, {0, 1});
                       }),
                       "2 values but 3 sample times"));
}

// ---- on simulated results ----

Sim harmonic() {
  return setup("builtin://ode/harmonic");  // x = cos t, v = -sin t; rk4, dt = 0.01
}

TEST(TrajectoryStatsOnResults, HarmonicOscillator) {
  Sim sim = harmonic();
  const Results& res = sim.run({.T = 12.5, .record_vars = {{"x", "v", "aux.energy"}}});
  const double dt = 0.01;
  const double end = res.t().back();  // the last step may end past T
  ASSERT_GT(end, 3.5 * pi);
  ASSERT_LT(end, 4.5 * pi);
  const TrajectoryAnalyzer x(res, "x");
  EXPECT_EQ(x.name(), "x");
  EXPECT_EQ(x.size(), res.size());
  EXPECT_EQ(x.initial(), 1.0);
  EXPECT_NEAR(x.final(), std::cos(end), 1e-6);
  EXPECT_EQ(x.argmax().t, 0.0);  // rk4 loses amplitude: later maxima stay below 1
  // The sample nearest pi is within dt/2 of it: cos there is within dt^2/8 of -1.
  EXPECT_NEAR(x.argmin().t, pi, dt / 2.0 + 1e-6);
  EXPECT_NEAR(x.min(), -1.0, dt * dt / 8.0 + 1e-8);
  // cos crosses zero downwards at pi/2 + 2 pi k, upwards at 3 pi/2 + 2 pi k.
  const std::vector<double> down = x.zero_crossings(CrossingDirection::Down);
  const std::vector<double> up = x.zero_crossings(CrossingDirection::Up);
  ASSERT_EQ(down.size(), 2u);
  ASSERT_EQ(up.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(down[k], pi / 2.0 + 2.0 * pi * k, dt * dt);
    EXPECT_NEAR(up[k], 1.5 * pi + 2.0 * pi * k, dt * dt);
  }
  // cos >= 0 on [0, pi/2], [3 pi/2, 5 pi/2] and [7 pi/2, end]: end - 2 pi in all.
  EXPECT_NEAR(x.time_above(0.0), end - 2.0 * pi, dt * dt);
  EXPECT_NEAR(x.time_below(0.0), 2.0 * pi, dt * dt);
  // The sample mean approximates (1/end) * integral of cos = sin(end) / end.
  EXPECT_NEAR(x.mean(), std::sin(end) / end, dt);

  // A bare aux name finds aux.energy; energy = 1/2 along the exact flow.
  const TrajectoryAnalyzer energy(res, "energy");
  EXPECT_NEAR(energy.min(), 0.5, 1e-9);
  EXPECT_NEAR(energy.max(), 0.5, 1e-9);
  EXPECT_LT(energy.range(), 1e-9);
}

TEST(TrajectoryStatsOnResults, Int64ResultsAreReadAsDouble) {
  Sim sim = setup("builtin://map/collatz");  // from 27: peak 9232 at step 77, 1 at step 111
  const Results& res = sim.run({.N = 111});
  const TrajectoryAnalyzer x(res, "x");
  EXPECT_EQ(x.argmax().t, 77.0);
  EXPECT_EQ(x.argmax().value, 9232.0);
  EXPECT_EQ(x.final(), 1.0);
  // Reaching the threshold at a sample counts as crossing there, both ways.
  EXPECT_EQ(x.crossing_times(9232.0), (std::vector<double>{77.0, 77.0}));
}

TEST(TrajectoryStatsOnResults, UnknownOrUnrecordedNames) {
  Sim sim = harmonic();
  const Results& res = sim.run({.T = 1.0, .record_vars = {{"x"}}});
  EXPECT_TRUE(contains(error_of([&] { TrajectoryAnalyzer(res, "xx"); }), "did you mean 'x'?"));
  EXPECT_TRUE(contains(error_of([&] { TrajectoryAnalyzer(res, "enrgy"); }), "'energy'"));
  EXPECT_TRUE(contains(error_of([&] { TrajectoryAnalyzer(res, "v"); }), "'v' was not recorded"));
  EXPECT_TRUE(contains(error_of([&] { MultiVarAnalyzer(res, {"x", "vv"}); }), "'v'"));
}

TEST(TrajectoryStatsOnResults, RecordingOffLeavesNoSamples) {
  Sim sim = harmonic();
  const Results& res = sim.run({.T = 1.0, .record = false});
  EXPECT_EQ(res.size(), 0u);
  const TrajectoryAnalyzer x(res, "x");
  EXPECT_TRUE(contains(error_of([&] { x.mean(); }), "no samples"));
  EXPECT_TRUE(x.zero_crossings().empty());
}

TEST(MultiVarStats, RecordedVariablesAndPerVariableStatistics) {
  Sim sim = harmonic();
  const Results& res = sim.run({.T = 2.0 * pi, .record_vars = {{"x", "v", "aux.energy"}}});
  // No names: the recorded states.
  const MultiVarAnalyzer all(res);
  EXPECT_EQ(all.names(), (std::vector<std::string>{"x", "v"}));
  const std::vector<double> max = all.max();
  ASSERT_EQ(max.size(), 2u);
  EXPECT_EQ(max[0], TrajectoryAnalyzer(res, "x").max());
  EXPECT_EQ(max[1], TrajectoryAnalyzer(res, "v").max());
  EXPECT_NEAR(max[1], 1.0, 0.01 * 0.01 / 8.0 + 1e-8);  // v = -sin t peaks at 3 pi / 2
  const std::vector<TimedValue> argmax = all.argmax();
  EXPECT_NEAR(argmax[1].t, 1.5 * pi, 0.005 + 1e-6);
  const auto crossings = all.zero_crossings();
  ASSERT_EQ(crossings.size(), 2u);
  EXPECT_EQ(crossings[0].size(), 2u);  // x: pi/2, 3 pi/2
  EXPECT_EQ(all.summary().size(), 2u);
  EXPECT_EQ(all["v"].name(), "v");
  EXPECT_TRUE(contains(error_of([&] { (void)all["vv"]; }), "did you mean 'v'?"));

  // Named: any recorded columns, in the order given.
  const MultiVarAnalyzer named(res, {"aux.energy", "x"});
  EXPECT_EQ(named.names(), (std::vector<std::string>{"aux.energy", "x"}));
  EXPECT_NEAR(named.mean()[0], 0.5, 1e-9);
  EXPECT_EQ(named.time_above(0.0)[1], TrajectoryAnalyzer(res, "x").time_above(0.0));
  EXPECT_EQ(MultiVarAnalyzer(res, {}).size(), 0u);

  // Only aux recorded: the aux; nothing recorded: an error.
  const Results& aux_only = sim.run({.T = 1.0, .record_vars = {{"aux.energy"}}});
  EXPECT_EQ(MultiVarAnalyzer(aux_only).names(), (std::vector<std::string>{"energy"}));
  const Results& time_only = sim.run({.T = 1.0, .record_vars = {std::vector<std::string>{}}});
  EXPECT_TRUE(contains(error_of([&] { (void)MultiVarAnalyzer(time_only); }),
                       "no recorded variables to analyze"));
}

// The statistics read the recorded bits, which both backends produce identically.
TEST(TrajectoryStatsOnResults, InterpreterAndNativeAgreeBitForBit) {
  const RunOptions options{.T = 10.0, .record_vars = {{"x", "v", "aux.energy"}}};
  Sim interpreted = setup("builtin://ode/harmonic");
  Sim native = setup("builtin://ode/harmonic", {.jit = true});
  const MultiVarAnalyzer a(interpreted.run(options));
  const MultiVarAnalyzer b(native.run(options));
  const auto sa = a.summary(), sb = b.summary();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    const auto ea = sa[i].entries(), eb = sb[i].entries();
    for (size_t k = 0; k < ea.size(); ++k)
      EXPECT_TRUE(same_bits(ea[k].second, eb[k].second)) << a.names()[i] << " " << ea[k].first;
  }
  EXPECT_EQ(a.zero_crossings(), b.zero_crossings());
  EXPECT_EQ(a.percentile(90), b.percentile(90));
}

}  // namespace

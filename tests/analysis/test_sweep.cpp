// scalar_sweep and traj_sweep: every reduction equals the one computed from a separate run, the
// base state is the Sim's, results do not depend on the thread count, the payload has the
// documented shape, and bad input fails with a precise message before any work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/sweep.hpp"

namespace {

using analysis_test::expect_error;

using namespace dynlib;

const std::vector<double> kR = {2.7, 3.1, 3.5, 3.7, 3.9};

// The recorded samples of x of a fresh run of `sim` with param r.
std::vector<double> separate_run(Sim& sim, double r, const RunOptions& base) {
  RunOptions o = base;
  o.params = {{"r", r}};
  o.record_vars = std::vector<std::string>{"x"};
  return sim.run(o).column("x").to_vector();
}

TEST(ScalarSweep, EveryModeEqualsTheReductionOfSeparateRuns) {
  const FullModel m = build("builtin://map/logistic");
  const BatchOptions o{.N = 300, .transient = 100, .threads = 2};
  for (ScalarMode mode : {ScalarMode::Final, ScalarMode::Mean, ScalarMode::Max, ScalarMode::Min}) {
    const SweepResult s = scalar_sweep(m, "r", kR, "x", mode, o);
    EXPECT_EQ(s.kind, "scalar");
    EXPECT_EQ(s.param_name, "r");
    EXPECT_EQ(s.values, kR);
    ASSERT_EQ(s.outputs.size(), 1u);
    const SweepOutput& y = s.output("y");
    EXPECT_EQ(y.columns, 1u);
    ASSERT_EQ(y.data.size(), kR.size());
    EXPECT_TRUE(s.all_ok());
    EXPECT_EQ(s.model_kind, "map");
    for (size_t i = 0; i < kR.size(); ++i) {
      Sim sim(m);
      const std::vector<double> x = separate_run(sim, kR[i], {.N = 300, .transient = 100});
      ASSERT_EQ(x.size(), 301u);  // after 100 warm-up iterations, t = 0 ... 300
      double expected = x.back();
      if (mode == ScalarMode::Mean) {
        double sum = 0.0;
        for (double v : x) sum += v;
        expected = sum / static_cast<double>(x.size());
      } else if (mode == ScalarMode::Max) {
        expected = *std::max_element(x.begin(), x.end());
      } else if (mode == ScalarMode::Min) {
        expected = *std::min_element(x.begin(), x.end());
      }
      EXPECT_EQ(y.data[i], expected) << scalar_mode_name(mode) << " r=" << kR[i];
    }
  }
}

TEST(ScalarSweep, FinalOfTheStableFixedPointIsOneMinusOneOverR) {
  // Below r = 3 the logistic map converges to x* = 1 - 1/r (multiplier 2 - r).
  const std::vector<double> r = {1.5, 2.0, 2.5, 2.8};
  const SweepResult s =
      scalar_sweep(build("builtin://map/logistic"), "r", r, "x", ScalarMode::Final, {.N = 2000});
  for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(s.output("y").data[i], 1 - 1 / r[i], 1e-12);
}

TEST(ScalarSweep, RunsStartFromTheSimsCurrentStateAndParams) {
  Sim sim = setup("builtin://ode/harmonic");
  sim.assign("x", 2.0);  // amplitude 2: x = 2 cos(omega t)
  const std::vector<double> omega = {0.5, 1.0, 2.0};
  const SweepResult s = scalar_sweep(sim, "omega", omega, "x", ScalarMode::Max, {.T = 10.0});
  for (size_t i = 0; i < omega.size(); ++i) {
    Sim separate = setup("builtin://ode/harmonic");
    separate.assign("x", 2.0);
    const auto x = separate.run({.T = 10.0, .params = {{"omega", omega[i]}}}).column("x");
    double best = x[0];
    for (size_t k = 0; k < x.size; ++k) best = std::max(best, x[k]);
    EXPECT_EQ(s.output("y").data[i], best);
    EXPECT_NEAR(s.output("y").data[i], 2.0, 1e-9);
  }
}

TEST(ScalarSweep, AFailedRunGivesNaNAndSaysWhyTheOthersRunOn) {
  // r = 4.5 throws x out of [0, 1] and on to -inf: that run stops with a NaN.
  const SweepResult s = scalar_sweep(build("builtin://map/logistic"), "r", {3.2, 4.5}, "x",
                                     ScalarMode::Max, {.N = 100});
  EXPECT_FALSE(s.all_ok());
  EXPECT_EQ(s.status[0], Status::Done);
  EXPECT_NE(s.status[1], Status::Done);
  EXPECT_FALSE(s.message[1].empty());
  EXPECT_TRUE(std::isnan(s.output("y").data[1]));
  EXPECT_GT(s.output("y").data[0], 0.79);  // the 2-cycle's upper point, 0.7995...
}

TEST(TrajSweep, PayloadHasTheDocumentedShapeAndTheSeparateRunsValues) {
  // Columns in the order asked for ("v" before "x"), one run per value, t = 0, 0.1, ..., 1.
  const FullModel m = build("builtin://ode/harmonic");
  const std::vector<double> omega = {0.5, 1.0, 3.0};
  const SweepResult s = traj_sweep(m, "omega", omega, {"v", "x"}, {.T = 1.0, .dt = 0.1});
  EXPECT_EQ(s.kind, "trajectory");
  EXPECT_TRUE(s.outputs.empty());
  ASSERT_TRUE(s.trajectories);
  const TrajectoryPayload& p = *s.trajectories;
  EXPECT_EQ(p.record_vars, (std::vector<std::string>{"v", "x"}));
  EXPECT_EQ(p.n_runs(), 3u);
  EXPECT_EQ(p.n_time, 11u);
  EXPECT_EQ(p.counts, (std::vector<size_t>{11, 11, 11}));
  EXPECT_TRUE(p.stackable());
  EXPECT_EQ(p.data.size(), 3u * 11u * 2u);
  EXPECT_EQ(p.t.size(), 3u * 11u);
  EXPECT_EQ(p.var_index("x"), 1u);
  for (size_t i = 0; i < omega.size(); ++i) {
    Sim sim(m);
    const Results& r = sim.run({.T = 1.0, .dt = 0.1, .params = {{"omega", omega[i]}}});
    ASSERT_EQ(r.size(), 11u);
    for (size_t k = 0; k < 11; ++k) {
      EXPECT_EQ(p.run_t(i)[k], r.t()[k]);
      EXPECT_EQ(p.at(i, k, 0), r.column("v")[k]);
      EXPECT_EQ(p.at(i, k, 1), r.column("x")[k]);
    }
  }
}

TEST(TrajSweep, RaggedRunsArePaddedWithNaN) {
  // An adaptive stepper takes a different number of steps for each omega.
  const SweepResult s = traj_sweep(build("builtin://ode/harmonic", {.stepper = "rk45"}), "omega",
                                   {0.5, 4.0}, {"x"}, {.T = 5.0});
  const TrajectoryPayload& p = *s.trajectories;
  ASSERT_NE(p.counts[0], p.counts[1]);
  EXPECT_FALSE(p.stackable());
  EXPECT_EQ(p.n_time, std::max(p.counts[0], p.counts[1]));
  const size_t shorter = p.counts[0] < p.counts[1] ? 0 : 1;
  EXPECT_TRUE(std::isnan(p.at(shorter, p.n_time - 1, 0)));
  EXPECT_TRUE(std::isnan(p.run_t(shorter)[p.n_time - 1]));
  EXPECT_EQ(p.run_t(shorter)[p.counts[shorter] - 1], 5.0);
}

TEST(TrajSweep, OneAndTwoThreadsGiveTheSameBits) {
  const FullModel m = build("builtin://map/logistic");
  std::vector<double> r;
  for (int i = 0; i < 40; ++i) r.push_back(2.5 + 1.5 * i / 39.0);
  const SweepResult one = traj_sweep(m, "r", r, {"x"}, {.N = 400, .transient = 300, .threads = 1});
  const SweepResult two = traj_sweep(m, "r", r, {"x"}, {.N = 400, .transient = 300, .threads = 2});
  EXPECT_EQ(one.threads, 1);
  EXPECT_EQ(two.threads, 2);
  EXPECT_EQ(one.trajectories->data, two.trajectories->data);  // no NaN: == is bitwise here
  EXPECT_EQ(one.trajectories->t, two.trajectories->t);
  const SweepResult s1 = scalar_sweep(m, "r", r, "x", ScalarMode::Mean, {.N = 400, .threads = 1});
  const SweepResult s2 = scalar_sweep(m, "r", r, "x", ScalarMode::Mean, {.N = 400, .threads = 2});
  EXPECT_EQ(s1.output("y").data, s2.output("y").data);
}

TEST(SweepErrors, UnknownParamGetsADidYouMean) {
  const FullModel m = build("builtin://map/logistic");
  expect_error([&] { scalar_sweep(m, "rr", {3.0}, "x"); }, {"scalar_sweep", "'rr'", "'r'"});
  expect_error([&] { traj_sweep(m, "x", {3.0}, {"x"}); }, {"traj_sweep", "'x'", "state"});
}

TEST(ScalarSweep, AnElementOfAnArrayParamIsSweptByName) {
  // x_{n+1} = w[0] + w[1] w[2]: one iteration gives 1 + 2 w[2].
  const FullModel m = build(R"toml(inline:[model]
type = "map"
[states]
x = 0.0
[params]
w = [1, 2, 3]
[equations.rhs]
x = "w[0] + w[1] * w[2]"
)toml");
  const SweepResult s = scalar_sweep(m, "w[2]", {5.0, 7.0}, "x", ScalarMode::Final, {.N = 1});
  EXPECT_EQ(s.param_name, "w[2]");
  EXPECT_EQ(s.output("y").data, (std::vector<double>{11.0, 15.0}));
  expect_error([&] { scalar_sweep(m, "w", {5.0}, "x"); },
               {"param 'w' is an array of 3 values", "'w[0]'"});
}

TEST(SweepErrors, EmptyValuesBadModeAndUnknownVariable) {
  const FullModel m = build("builtin://map/logistic");
  expect_error([&] { scalar_sweep(m, "r", {}, "x"); }, {"values is empty"});
  expect_error([&] { traj_sweep(m, "r", {3.0}, {}); }, {"record_vars is empty"});
  expect_error([] { parse_scalar_mode("maen"); }, {"unknown mode 'maen'", "did you mean 'mean'"});
  expect_error([] { parse_scalar_mode("average"); }, {"(modes: final, mean, max, min)"});
  expect_error([&] { scalar_sweep(m, "r", {3.0}, "y", ScalarMode::Final, {.N = 10}); }, {"'y'"});
  EXPECT_EQ(parse_scalar_mode("mean"), ScalarMode::Mean);
}

TEST(SweepErrors, OptionsTheSweepOwnsAreRejected) {
  const FullModel m = build("builtin://map/logistic");
  expect_error(
      [&] {
        scalar_sweep(m, "r", {3.0}, "x", ScalarMode::Final, {.params = {{"r", {1}}}});
      },
      {"options.params"});
  expect_error(
      [&] {
        scalar_sweep(m, "r", {3.0}, "x", ScalarMode::Final,
                     {.record_vars = std::vector<std::string>{"x"}});
      },
      {"options.record_vars"});
}

TEST(SweepResultShape, OutputsOfSeveralColumnsAndLookups) {
  // What a Lyapunov spectrum sweep stores: a [M, k] table next to per-value scalars.
  SweepResult r;
  r.kind = "spectrum";
  r.values = {1.0, 2.0};
  r.add_output("spectrum", {0.1, -1.0, 0.2, -2.0}, 2);
  r.add_output("lyap0", {0.1, 0.2});
  EXPECT_EQ(r.output("spectrum").columns, 2u);
  EXPECT_EQ(r.output("lyap0").data[1], 0.2);
  expect_error([&] { r.add_output("steps", {1.0}); }, {"'steps'", "1 values for 2 sweep values"});
  expect_error([&] { r.output("lyap1"); }, {"unknown output 'lyap1'", "'lyap0'"});
  expect_error([&] { r.trace("mle"); }, {"unknown trace 'mle'"});
}

}  // namespace

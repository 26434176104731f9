// BifurcationExtractor against exact mathematics: the logistic map's period doubling (one branch
// below r = 3, two up to r = 1 + sqrt(6), four just above, with the analytic fixed point and
// 2-cycle), the harmonic oscillator's section crossings and maxima at the analytic times, the
// parabola vertex on unevenly spaced samples, maps read off their iterates; and the interpreter
// and a native kernel giving the same diagram bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/bifurcation.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/sweep.hpp"

namespace {

using analysis_test::expect_error;

using namespace dynlib;

const double kSqrt6 = std::sqrt(6.0);
const double kPi = std::numbers::pi;

// Distinct values among `y` (clusters more than `tol` apart).
std::vector<double> branches(std::vector<double> y, double tol = 1e-7) {
  std::sort(y.begin(), y.end());
  std::vector<double> out;
  for (double v : y)
    if (out.empty() || v - out.back() > tol) out.push_back(v);
  return out;
}

// The points of `d` that came from run i.
std::vector<double> of_run(const BifurcationResult& d, size_t i, bool times = false) {
  std::vector<double> out;
  for (size_t j = 0; j < d.size(); ++j)
    if (d.run[j] == i) out.push_back(times ? d.t[j] : d.y[j]);
  return out;
}

class LogisticPeriodDoubling : public ::testing::Test {
 protected:
  // Either side of r = 3 and of r = 1 + sqrt(6) = 3.449...
  const std::vector<double> r = {2.8, 2.95, 3.05, 3.2, 1 + kSqrt6 - 0.02, 1 + kSqrt6 + 0.02, 3.5};
  const std::vector<size_t> expected = {1, 1, 2, 2, 2, 4, 4};
  SweepResult sweep = traj_sweep(build("builtin://map/logistic"), "r", r, {"x"},
                                 {.N = 1000, .transient = 3000, .threads = 2});  // 1001 samples
};

TEST_F(LogisticPeriodDoubling, OneTwoAndFourBranches) {
  const BifurcationResult d = BifurcationExtractor(sweep, "x").tail(64);
  EXPECT_EQ(d.mode, "tail");
  EXPECT_EQ(d.param_name, "r");
  EXPECT_EQ(d.values, r);
  ASSERT_EQ(d.size(), 64 * r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(branches(of_run(d, i)).size(), expected[i]) << "r = " << r[i];
    for (size_t j = 0; j < d.size(); ++j) {
      if (d.run[j] != i) continue;
      EXPECT_EQ(d.p[j], r[i]);
    }
  }
}

TEST_F(LogisticPeriodDoubling, BranchesAreTheAnalyticFixedPointAnd2Cycle) {
  const BifurcationResult d = BifurcationExtractor(sweep, "x").tail(16);
  for (size_t i = 0; i < 5; ++i) {
    const double ri = r[i];
    const std::vector<double> b = branches(of_run(d, i));
    if (ri < 3) {
      ASSERT_EQ(b.size(), 1u);
      EXPECT_NEAR(b[0], 1 - 1 / ri, 1e-9);
    } else {
      // x± = (r + 1 ± sqrt((r - 3)(r + 1))) / (2r)
      const double s = std::sqrt((ri - 3) * (ri + 1));
      ASSERT_EQ(b.size(), 2u);
      EXPECT_NEAR(b[0], (ri + 1 - s) / (2 * ri), 1e-9);
      EXPECT_NEAR(b[1], (ri + 1 + s) / (2 * ri), 1e-9);
    }
  }
}

TEST_F(LogisticPeriodDoubling, MapsReadExtremaAndCrossingsOffTheIterates) {
  // On the 2-cycle at r = 3.2 every upper iterate is a local maximum and every lower one a
  // local minimum: the extrema are exactly the iterates, not interpolated.
  BifurcationExtractor bif(sweep, "x");
  EXPECT_TRUE(bif.is_map());
  const auto& p = *sweep.trajectories;
  const size_t i = 3;  // r = 3.2
  const std::vector<double> maxima = of_run(bif.extrema({.kind = ExtremaKind::Max}), i);
  ASSERT_EQ(maxima.size(), 50u);  // max_points
  const double upper = std::max(p.at(i, p.counts[i] - 1, 0), p.at(i, p.counts[i] - 2, 0));
  for (double y : maxima) EXPECT_EQ(y, upper);
  const std::vector<double> minima = of_run(bif.extrema({.kind = ExtremaKind::Min}), i);
  for (double y : minima) EXPECT_LT(y, upper - 0.2);
  // An upward crossing of x = 0.6 lands on the upper iterate, at that iterate's time.
  const BifurcationResult c = bif.poincare({.var = "x", .level = 0.6, .max_points = 1000});
  const std::vector<double> ys = of_run(c, i), ts = of_run(c, i, true);
  ASSERT_EQ(ys.size(), 500u);  // 1001 samples: one upward crossing per period of 2
  for (size_t k = 0; k < ys.size(); ++k) {
    EXPECT_EQ(ys[k], upper);
    EXPECT_EQ(ts[k], std::floor(ts[k]));  // an iterate's time, not between two
  }
  // final(): one point per run, the last iterate.
  const BifurcationResult f = bif.final();
  ASSERT_EQ(f.size(), r.size());
  EXPECT_EQ(f.y[i], p.at(i, p.counts[i] - 1, 0));
  EXPECT_EQ(bif.all().size(), r.size() * 1001);
}

class HarmonicSections : public ::testing::Test {
 protected:
  // x = cos(omega t), v = -omega sin(omega t) (the model's defaults x = 1, v = 0).
  const std::vector<double> omega = {0.5, 1.0, 2.0};
  SweepResult sweep = traj_sweep(build("builtin://ode/harmonic"), "omega", omega, {"x", "v"},
                                 {.T = 20.0, .dt = 0.01});
};

TEST_F(HarmonicSections, DownwardCrossingsOfXZeroAtTheAnalyticTimes) {
  // x falls through 0 at omega t = pi/2 + 2 pi k, where v = -omega.
  BifurcationExtractor bif(sweep, "v");
  EXPECT_FALSE(bif.is_map());
  const BifurcationResult c =
      bif.poincare({.var = "x", .level = 0.0, .direction = CrossingDirection::Down});
  EXPECT_EQ(c.mode, "poincare");
  for (size_t i = 0; i < omega.size(); ++i) {
    const std::vector<double> ts = of_run(c, i, true), vs = of_run(c, i);
    size_t expected = 0;
    while ((kPi / 2 + 2 * kPi * static_cast<double>(expected)) / omega[i] < 20.0) ++expected;
    ASSERT_EQ(ts.size(), expected) << "omega = " << omega[i];
    for (size_t k = 0; k < ts.size(); ++k) {
      EXPECT_NEAR(ts[k], (kPi / 2 + 2 * kPi * static_cast<double>(k)) / omega[i], 1e-7);
      // Linear interpolation of v, which is at its extremum there: error <= dt^2 omega^3 / 8.
      EXPECT_NEAR(vs[k], -omega[i], 0.01 * 0.01 * std::pow(omega[i], 3) / 8 + 1e-9);
    }
  }
  // Both directions: the upward crossings (omega t = 3 pi / 2 + 2 pi k) interleave.
  const BifurcationResult both =
      bif.poincare({.var = "x", .direction = CrossingDirection::Both, .max_points = 100});
  const std::vector<double> ts = of_run(both, 1, true);  // omega = 1: 20 / pi -> 6 crossings
  ASSERT_EQ(ts.size(), 6u);
  for (size_t k = 0; k < ts.size(); ++k)
    EXPECT_NEAR(ts[k], kPi / 2 + kPi * static_cast<double>(k), 1e-7);
  // max_points keeps the last crossings.
  const BifurcationResult last =
      bif.poincare({.var = "x", .direction = CrossingDirection::Both, .max_points = 2});
  EXPECT_EQ(of_run(last, 1, true), (std::vector<double>{ts[4], ts[5]}));
}

TEST_F(HarmonicSections, MaximaAreTheParabolaVerticesAtTheAnalyticTimes) {
  // x peaks at omega t = 2 pi k with x = 1; the sample nearest a peak is off by up to dt/2 in time
  // and omega^2 dt^2 / 8 in value, the parabola's vertex by far less.
  const BifurcationResult d = BifurcationExtractor(sweep, "x").extrema({.kind = ExtremaKind::Max});
  EXPECT_EQ(d.mode, "extrema");
  for (size_t i = 0; i < omega.size(); ++i) {
    const std::vector<double> ts = of_run(d, i, true), ys = of_run(d, i);
    ASSERT_FALSE(ts.empty());
    for (size_t k = 0; k < ts.size(); ++k) {
      const double peak = 2 * kPi * static_cast<double>(k + 1) / omega[i];  // t = 0 is no extremum
      EXPECT_NEAR(ts[k], peak, 1e-6) << "omega = " << omega[i];
      EXPECT_NEAR(ys[k], 1.0, 1e-8);  // a sample: up to 5e-5 off (omega = 2)
    }
  }
}

TEST(BifurcationExtractor, ParabolaVertexIsExactOnUnevenSamples) {
  // Samples of y = 3 - 2 (t - 0.37)^2 at uneven times: the vertex (0.37, 3) exactly (to rounding).
  const std::vector<double> t = {0.0, 0.3, 0.5, 0.9};
  std::vector<double> y;
  for (double ti : t) y.push_back(3 - 2 * (ti - 0.37) * (ti - 0.37));
  const BifurcationExtractor bif("a", {7.0}, {"y"}, {{7.0, t.data(), y.data(), t.size()}}, "y",
                                 false);
  const BifurcationResult d = bif.extrema();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d.t[0], 0.37, 1e-14);
  EXPECT_NEAR(d.y[0], 3.0, 1e-14);
  EXPECT_EQ(d.p[0], 7.0);
  // Read as a map: the sample itself.
  const BifurcationExtractor as_map("a", {7.0}, {"y"}, {{7.0, t.data(), y.data(), t.size()}}, "y",
                                    true);
  EXPECT_EQ(as_map.extrema().y[0], y[1]);
}

TEST(BifurcationExtractor, ASingleResultsGivesTheSweepsPointsForItsRun) {
  Sim sim = setup("builtin://ode/harmonic");
  const Results& r = sim.run({.T = 20.0, .dt = 0.01, .params = {{"omega", 2.0}}});
  const BifurcationExtractor one(r, "v", false, 2.0, "omega");
  const SweepResult s = traj_sweep(build("builtin://ode/harmonic"), "omega", {1.0, 2.0}, {"x", "v"},
                                   {.T = 20.0, .dt = 0.01});
  const PoincareSection section{.var = "x", .direction = CrossingDirection::Down};
  const BifurcationResult a = one.poincare(section);
  const BifurcationResult b = BifurcationExtractor(s, "v").poincare(section);
  EXPECT_EQ(a.y, of_run(b, 1));
  EXPECT_EQ(a.t, of_run(b, 1, true));
  EXPECT_EQ(a.p, std::vector<double>(a.size(), 2.0));
  EXPECT_EQ(a.param_name, "omega");
}

TEST(BifurcationExtractor, Errors) {
  const FullModel m = build("builtin://map/logistic");
  const SweepResult scalar = scalar_sweep(m, "r", {3.2}, "x", ScalarMode::Final, {.N = 10});
  expect_error([&] { BifurcationExtractor(scalar, "x"); }, {"traj_sweep", "'scalar'"});
  const SweepResult s =
      traj_sweep(build("builtin://ode/harmonic"), "omega", {1.0}, {"x", "v"}, {.T = 1.0});
  expect_error([&] { BifurcationExtractor(s, "xx"); }, {"unknown variable 'xx'", "'x'"});
  const BifurcationExtractor bif(s, "x");
  expect_error([&] { bif.poincare({.var = "energy"}); }, {"section variable 'energy'"});
  expect_error([&] { bif.tail(0); }, {"n must be positive"});
  expect_error([&] { bif.extrema({.max_points = 0}); }, {"max_points"});
  expect_error([] { parse_extrema_kind("maxx"); }, {"unknown kind 'maxx'", "did you mean 'max'"});
  expect_error([] { parse_extrema_kind("peaks"); }, {"(kinds: max, min, both)"});
  expect_error([] { parse_crossing_direction("dwn"); },
               {"unknown crossing direction 'dwn'", "did you mean 'down'"});
  EXPECT_EQ(parse_crossing_direction("positive"), CrossingDirection::Up);
  EXPECT_EQ(parse_crossing_direction("negative"), CrossingDirection::Down);
}

TEST(BifurcationExtractor, NativeKernelGivesTheInterpretersDiagram) {
  // One compiled kernel: the sweep's bits, hence every extracted point, equal the interpreter's.
  const std::vector<double> omega = {0.7, 1.3};
  const BatchOptions o{.T = 15.0, .dt = 0.01, .threads = 2};
  const SweepResult interp =
      traj_sweep(build("builtin://ode/harmonic"), "omega", omega, {"x", "v"}, o);
  const FullModel native = build("builtin://ode/harmonic", {.jit = true});
  ASSERT_TRUE(native.is_jitted());
  const SweepResult jitted = traj_sweep(native, "omega", omega, {"x", "v"}, o);
  EXPECT_EQ(interp.trajectories->data, jitted.trajectories->data);
  const BifurcationResult a = BifurcationExtractor(interp, "v").poincare({.var = "x"});
  const BifurcationResult b = BifurcationExtractor(jitted, "v").poincare({.var = "x"});
  ASSERT_FALSE(a.y.empty());
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.t, b.t);
  EXPECT_EQ(BifurcationExtractor(interp, "x").extrema().y,
            BifurcationExtractor(jitted, "x").extrema().y);
}

}  // namespace

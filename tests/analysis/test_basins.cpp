// basin_known and basin_auto on systems whose basins are known: the unforced double-well Duffing
// oscillator (two basins exchanged by (x, y) -> (-x, -y)), Newton's method for z^3 - 1 (three
// basins exchanged by the rotation by 120 degrees), the Hénon map (its strange attractor vs
// escape). Labels do not depend on the thread count or the backend, and basin_auto discovers the
// same partition as basin_known up to a relabelling. Plus grids, stats, stop and errors.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/analysis.hpp"
#include "dynlib/basins.hpp"

using namespace dynlib;

namespace {

using analysis_test::contains;
using analysis_test::error_of;

// z -> z - (z^3 - 1) / (3 z^2) = (2 z^3 + 1) / (3 z^2), in real coordinates.
const char* kNewton = R"toml(inline:
[model]
type = "map"
name = "newton_cubic"
[states]
x = 1.0
y = 0.5
[aux]
re3 = "2*(x**3 - 3*x*y**2) + 1"
im3 = "2*(3*x**2*y - y**3)"
re2 = "x**2 - y**2"
im2 = "2*x*y"
den = "3*(x**2 + y**2)**2"
[equations.rhs]
x = "(re3*re2 + im3*im2)/den"
y = "(im3*re2 - re3*im2)/den"
[sim]
dt = 1
)toml";

const double kS3 = std::sqrt(3.0) / 2;

std::vector<AttractorSpec> cube_roots() {
  return {BasinFixedPoint{"1", {1.0, 0.0}, {0.1}}, BasinFixedPoint{"w", {-0.5, kS3}, {0.1}},
          BasinFixedPoint{"w2", {-0.5, -kS3}, {0.1}}};
}

Sim duffing() {
  Sim sim = setup("builtin://ode/duffing");
  sim.assign({{"gamma", 0.0}, {"delta", 0.5}});
  return sim;
}

std::vector<AttractorSpec> wells() {
  return {BasinFixedPoint{"left", {-1.0, 0.0}, {0.1}}, BasinFixedPoint{"right", {1.0, 0.0}, {0.1}}};
}

BasinIC square(const std::string& a, const std::string& b, double h, long long n) {
  return BasinIC{.axes = {basin_axis(a, -h, h, n), basin_axis(b, -h, h, n)}};
}

size_t count(const BasinResult& r, int label) {
  return static_cast<size_t>(std::count(r.labels.begin(), r.labels.end(), label));
}

// Points of a polar grid in the sector [0, 120 degrees), then the same rotated by 120 and 240.
BasinIC rotated_sectors(size_t& per_sector) {
  std::vector<std::vector<double>> pts;
  const int n_r = 24, n_t = 40;
  per_sector = static_cast<size_t>(n_r * n_t);
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < n_r; ++i)
      for (int j = 0; j < n_t; ++j) {
        const double r = 0.1 + 1.9 * (i + 0.5) / n_r;
        const double th =
            (j + 0.5) * (2 * std::numbers::pi / 3) / n_t + s * 2 * std::numbers::pi / 3;
        pts.push_back({r * std::cos(th), r * std::sin(th)});
      }
  return basin_points(pts, {"x", "y"});
}

}  // namespace

TEST(BasinIC, GridIsIjOrderAndUnnamedStatesKeepTheModelsValue) {
  const FullModel m = build("builtin://ode/lorenz");
  const BasinInitialStates s = resolve_basin_ic(
      m, {.axes = {basin_axis("x", -1, 1, 3), basin_values("z", {5, 7})}, .fixed = {}});
  EXPECT_EQ(s.kind, "grid");
  ASSERT_EQ(s.n, 6u);
  EXPECT_EQ(s.shape, (std::vector<size_t>{3, 2}));
  EXPECT_EQ(s.ic_vars, (std::vector<std::string>{"x", "z"}));
  const double y0 = m.spec().initial_state[1];
  // first axis slowest
  const std::vector<std::vector<double>> want = {{-1, y0, 5}, {-1, y0, 7}, {0, y0, 5},
                                                 {0, y0, 7},  {1, y0, 5},  {1, y0, 7}};
  for (size_t i = 0; i < 6; ++i)
    for (size_t j = 0; j < 3; ++j) EXPECT_EQ(s.states[i * 3 + j], want[i][j]) << i << "," << j;
  const BasinAxis c = basin_axis("x", 0, 1, 4, "center");
  EXPECT_EQ(c.values, (std::vector<double>{0.125, 0.375, 0.625, 0.875}));
  EXPECT_TRUE(contains(error_of([&] { resolve_basin_ic(m, {.axes = {basin_axis("q", 0, 1, 2)}}); }),
                       "unknown"));
  EXPECT_TRUE(
      contains(error_of([&] {
                 resolve_basin_ic(m, {.axes = {basin_axis("x", 0, 1, 2)}, .fixed = {{"x", 1.0}}});
               }),
               "twice"));
  EXPECT_TRUE(contains(error_of([] { basin_axis("x", 1, 0, 3); }), "greater"));
  EXPECT_TRUE(contains(error_of([&] {
                         resolve_basin_ic(
                             m, {.axes = {basin_values("x", std::vector<double>(20000)),
                                          basin_values("y", std::vector<double>(20000))}});
                       }),
                       "1e8"));
  const BasinInitialStates p = resolve_basin_ic(m, basin_points({{1, 2}, {3, 4}}, {"z", "x"}));
  EXPECT_EQ(p.kind, "points");
  EXPECT_EQ(p.states, (std::vector<double>{2, y0, 1, 4, y0, 3}));
}

TEST(BasinKnown, DuffingDoubleWellBasinsAreSymmetric) {
  const Sim sim = duffing();
  const BasinResult r = basin_known(sim, wells(), square("x", "y", 2.0, 41),
                                    {.dt_obs = 0.05, .max_samples = 2000, .threads = 2});
  ASSERT_EQ(r.labels.size(), 41u * 41u);
  EXPECT_EQ(r.shape, (std::vector<size_t>{41, 41}));
  const size_t left = count(r, 0), right = count(r, 1);
  // the origin is the saddle between the wells: it stays there, unresolved
  EXPECT_EQ(r.labels[20 * 41 + 20], BASIN_UNRESOLVED);
  EXPECT_EQ(left + right, r.labels.size() - 1) << basin_summary(r);
  EXPECT_NEAR(static_cast<double>(left), static_cast<double>(right), 0.01 * r.labels.size());
  // (x, y) -> (-x, -y) maps the grid onto itself and exchanges the wells
  size_t mirrored = 0;
  for (size_t i = 0; i < 41; ++i)
    for (size_t j = 0; j < 41; ++j) {
      const int a = r.labels[i * 41 + j], b = r.labels[(40 - i) * 41 + (40 - j)];
      mirrored += (a >= 0 && b == 1 - a);
    }
  EXPECT_GE(mirrored, r.labels.size() - r.labels.size() / 100);
  EXPECT_LE(mirrored, r.labels.size() - 1);
  // at rest near a well: that well
  EXPECT_EQ(r.labels[30 * 41 + 20], 1);  // x = 1, y = 0
  EXPECT_EQ(r.labels[10 * 41 + 20], 0);  // x = -1
  const BasinStats st = basin_stats(r);
  EXPECT_EQ(st.n_total, r.labels.size());
  EXPECT_EQ(st.n_identified, r.labels.size() - 1);
  EXPECT_EQ(st.n_unresolved, 1u);
  EXPECT_NEAR(st.fraction(0) + st.fraction(1) + st.fraction(BASIN_UNRESOLVED), 1.0, 1e-12);
  EXPECT_TRUE(contains(basin_summary(r), "Attractor 1 (right)"));
}

TEST(BasinKnown, NewtonCubeRootsThreeBasinsRelatedByRotation) {
  const Sim sim(build(kNewton));
  size_t m = 0;
  const BasinIC ic = rotated_sectors(m);
  const BasinResult r = basin_known(sim, cube_roots(), ic, {.max_samples = 200, .threads = 2});
  ASSERT_EQ(r.labels.size(), 3 * m);
  EXPECT_EQ(count(r, BASIN_UNRESOLVED) + count(r, BASIN_BLOWUP) + count(r, BASIN_OUTSIDE), 0u)
      << basin_summary(r);
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(static_cast<double>(count(r, k)), static_cast<double>(m), 0.01 * m) << k;
  // rotating by 120 degrees maps root k to root k + 1 (1 -> w -> w2 -> 1)
  size_t consistent = 0;
  for (size_t i = 0; i < m; ++i) {
    const int a = r.labels[i], b = r.labels[m + i], c = r.labels[2 * m + i];
    consistent += (b == (a + 1) % 3 && c == (a + 2) % 3);
  }
  EXPECT_GE(consistent, m - m / 100);
}

TEST(BasinKnown, HenonAttractorVersusEscape) {
  Sim sim = setup("builtin://map/henon");
  const std::vector<AttractorSpec> specs = {ReferenceRun{
      .name = "henon", .ic = {0.1, 0.1}, .transient_samples = 200, .signature_samples = 3000}};
  const BasinResult pts =
      basin_known(sim, specs, basin_points({{0, 0}, {5, 5}, {0.5, 0.1}, {-3, 3}}, {"x", "y"}),
                  {.escape_bounds = {{-5, 5}, {-5, 5}}, .max_samples = 600, .outside_limit = 3});
  EXPECT_EQ(pts.labels, (std::vector<int>{0, BASIN_OUTSIDE, 0, BASIN_OUTSIDE}))
      << basin_summary(pts);
  // without an escape box, the escape to infinity is a blow-up
  const BasinResult inf =
      basin_known(sim, specs, basin_points({{0, 0}, {5, 5}}, {"x", "y"}), {.max_samples = 600});
  EXPECT_EQ(inf.labels, (std::vector<int>{0, BASIN_BLOWUP}));
  const BasinResult b = basin_known(sim, specs, basin_points({{5, 5}}, {"x", "y"}),
                                    {.max_samples = 600, .b_max = 100.0});
  EXPECT_EQ(b.labels, (std::vector<int>{BASIN_BLOWUP}));
  EXPECT_LT(b.samples[0], 10);  // stopped as soon as it was classified
  // a grid: both classes, and the attractor's basin contains the attractor's neighbourhood
  const BasinResult g = basin_known(sim, specs, square("x", "y", 2.0, 21), {.max_samples = 600});
  EXPECT_GT(count(g, 0), 50u);
  EXPECT_GT(count(g, BASIN_BLOWUP), 50u);
  EXPECT_EQ(count(g, 0) + count(g, BASIN_BLOWUP), g.labels.size()) << basin_summary(g);
}

TEST(BasinKnown, LimitCycleByAReferenceRunVersusTheOrigin) {
  // r' = r g(r^2), theta' = 1 with g(s) = -a (s - 1)(s - 4): the origin and the circle r = 2 are
  // stable, the circle r = 1 is unstable and separates their basins exactly.
  const char* model = R"toml(inline:
[model]
type = "ode"
name = "two_circles"
[states]
x = 2.0
y = 0.0
[params]
a = 0.25
[aux]
s = "x**2 + y**2"
g = "-a*(s - 1)*(s - 4)"
[equations.rhs]
x = "x*g - y"
y = "y*g + x"
[sim]
dt = 0.01
stepper = "rk4"
)toml";
  const Sim sim(build(model));
  const BasinResult r =
      basin_known(sim,
                  {BasinFixedPoint{"origin", {0, 0}, {0.1}},
                   ReferenceRun{.name = "cycle", .ic = {2, 0}, .signature_samples = 700}},
                  square("x", "y", 2.5, 26), {.max_samples = 5000, .threads = 2});
  size_t inner = 0, outer = 0;
  for (size_t i = 0; i < r.labels.size(); ++i) {
    const double x = r.ic.states[2 * i], y = r.ic.states[2 * i + 1];
    const double rho = std::hypot(x, y);
    if (rho < 0.8) {
      EXPECT_EQ(r.labels[i], 0) << x << "," << y;
      ++inner;
    } else if (rho > 1.2) {
      EXPECT_EQ(r.labels[i], 1) << x << "," << y;
      ++outer;
    } else {  // near the separatrix: slow, but never the wrong side
      EXPECT_TRUE(r.labels[i] == (rho < 1 ? 0 : 1) || r.labels[i] == BASIN_UNRESOLVED)
          << x << "," << y << " " << r.labels[i];
    }
  }
  EXPECT_GT(inner, 20u);
  EXPECT_GT(outer, 400u);
}

TEST(BasinKnown, RefineRunsFewerTrajectoriesAndKeepsTheBasins) {
  const Sim sim = duffing();
  const BasinIC ic = square("x", "y", 2.0, 49);
  const BasinKnownOptions exact{.dt_obs = 0.05, .max_samples = 2000, .threads = 2};
  BasinKnownOptions coarse = exact;
  coarse.refine = true;
  coarse.coarse_factor = 4;
  coarse.boundary_dilation = 0;  // a small grid: only the cells whose corners disagree
  const BasinResult a = basin_known(sim, wells(), ic, exact);
  const BasinResult b = basin_known(sim, wells(), ic, coarse);
  size_t same = 0, runs = 0;
  for (size_t i = 0; i < a.labels.size(); ++i) {
    same += a.labels[i] == b.labels[i];
    runs += b.samples[i] > 0;
    if (b.samples[i] > 0) {
      EXPECT_EQ(a.labels[i], b.labels[i]) << i;  // a run is the same run
    }
  }
  EXPECT_GE(same, a.labels.size() - a.labels.size() / 200);
  EXPECT_LT(runs, a.labels.size() * 3 / 4);
  EXPECT_TRUE(contains(b.meta.at("refined_runs"), "of 2401"));
  // every coarse point (index a multiple of 4) ran
  for (size_t i = 0; i < 49; i += 4)
    for (size_t j = 0; j < 49; j += 4) EXPECT_GT(b.samples[i * 49 + j], 0) << i << "," << j;
  EXPECT_TRUE(contains(error_of([&] {
                         basin_known(sim, wells(), basin_points({{0, 0}}, {"x", "y"}), coarse);
                       }),
                       "grid"));
}

TEST(BasinKnown, MapCycleByItsPoints) {
  // logistic map at r = 3.2: the stable 2-cycle (r+1 +- sqrt((r-3)(r+1))) / (2r)
  Sim sim = setup("builtin://map/logistic");
  sim.assign("r", 3.2);
  const double r = 3.2, q = std::sqrt((r - 3) * (r + 1));
  const BasinResult res = basin_known(
      sim, {BasinCycle{"2-cycle", {{(r + 1 + q) / (2 * r)}, {(r + 1 - q) / (2 * r)}}, {1e-3}}},
      {.axes = {basin_axis("x", 0.05, 0.95, 19)}}, {.max_samples = 500});
  for (int l : res.labels) EXPECT_EQ(l, 0) << basin_summary(res);
}

// The rule of basin_known applied sample by sample to a recorded run, written out plainly: what
// the analysis (a block observer, quiet stretches skipped in one pass, a box before the radius
// test's divisions) must reproduce label for label and sample for sample.
struct Oracle {
  int label = BASIN_UNRESOLVED;
  long long samples = 0;
};
Oracle classify_step_by_step(const Results& run, const std::vector<std::vector<double>>& points,
                             double radius, double escape, double b_max, long long transient,
                             long long settle, long long outside_limit) {
  const std::vector<double> x = run.column_as_double("x"), y = run.column_as_double("y");
  long long outside_run = 0, count = 0, fp_run = 0;
  int fp_cand = -1;
  Oracle o;
  for (size_t k = 1; k < run.size(); ++k) {
    o.samples = static_cast<long long>(k);
    const double v[2] = {x[k], y[k]};
    if (!std::isfinite(v[0]) || !std::isfinite(v[1])) return {BASIN_BLOWUP, o.samples};
    if (std::fabs(v[0]) > b_max || std::fabs(v[1]) > b_max) return {BASIN_BLOWUP, o.samples};
    if (!(v[0] >= -escape && v[0] <= escape && v[1] >= -escape && v[1] <= escape)) {
      ++count;
      fp_cand = -1;
      fp_run = 0;
      if (++outside_run >= outside_limit) return {BASIN_OUTSIDE, o.samples};
      continue;
    }
    outside_run = 0;
    if (++count <= transient) continue;
    int in = -1;
    for (size_t a = 0; a < points.size() && in < 0; ++a) {
      const double dx = v[0] - points[a][0], dy = v[1] - points[a][1];
      if ((dx / radius) * (dx / radius) + (dy / radius) * (dy / radius) <= 1.0)
        in = static_cast<int>(a);
    }
    if (in >= 0 && in == fp_cand) {
      if (++fp_run >= settle) return {in, o.samples};
    } else {
      fp_cand = in;
      fp_run = in >= 0 ? 1 : 0;
      if (in >= 0 && fp_run >= settle) return {in, o.samples};
    }
  }
  // A step to a non-finite state ends the run before it is recorded (the pole at the origin).
  if (run.status() == Status::NanDetected) return {BASIN_BLOWUP, run.steps()};
  return o;
}

TEST(BasinKnown, EqualsTheRuleAppliedStepByStepToRecordedRuns) {
  const std::vector<std::vector<double>> roots = {{1.0, 0.0}, {-0.5, kS3}, {-0.5, -kS3}};
  const double radius = 0.1, escape = 1.2, b_max = 1e3;
  const long long transient = 3, settle = 4, max_samples = 60;
  const long long outside_limit = 12;  // max(10, min(50, max_samples / 5))
  const BasinIC ic = square("x", "y", 1.5, 41);
  for (const bool jit : {false, true}) {
    const Sim sim(build(kNewton, {.jit = jit}));
    const BasinResult res = basin_known(sim, cube_roots(), ic,
                                        {.escape_bounds = {{-escape, escape}, {-escape, escape}},
                                         .max_samples = max_samples,
                                         .transient_samples = transient,
                                         .b_max = b_max,
                                         .fixed_point_settle_steps = settle,
                                         .threads = 2});
    Sim run(sim.model());
    std::set<int> kinds;
    for (size_t i = 0; i < res.labels.size(); ++i) {
      const Results& r = run.run(
          {.N = max_samples, .ic = {{"x", res.ic.states[2 * i]}, {"y", res.ic.states[2 * i + 1]}}});
      const Oracle o =
          classify_step_by_step(r, roots, radius, escape, b_max, transient, settle, outside_limit);
      ASSERT_EQ(res.labels[i], o.label) << "initial condition " << i << (jit ? " native" : "");
      ASSERT_EQ(res.samples[i], o.samples) << "initial condition " << i;
      kinds.insert(o.label);
    }
    // Every outcome is exercised: the three roots, escape, and blowup (the pole at the origin).
    EXPECT_TRUE(kinds.count(0) && kinds.count(1) && kinds.count(2) && kinds.count(BASIN_OUTSIDE) &&
                kinds.count(BASIN_BLOWUP))
        << basin_summary(res);
  }
}

TEST(BasinKnown, IntegerMapsAreClassifiedToo) {
  // Collatz on int64 (integer models cannot be observed: their runs are recorded): every start
  // reaches the cycle 4, 2, 1, and stays there, settle samples after its first point of it.
  Sim sim = setup("builtin://map/collatz");
  std::vector<double> starts;
  for (int x = 1; x <= 40; ++x) starts.push_back(x);
  const BasinResult res =
      basin_known(sim, {BasinCycle{"4-2-1", {{4.0}, {2.0}, {1.0}}}},
                  {.axes = {basin_values("x", starts)}}, {.max_samples = 300, .threads = 2});
  for (size_t i = 0; i < starts.size(); ++i) {
    long long x = static_cast<long long>(starts[i]), k = 0;
    do {
      x = x % 2 == 0 ? x / 2 : 3 * x + 1;
      ++k;
    } while (x != 1 && x != 2 && x != 4);
    EXPECT_EQ(res.labels[i], 0) << starts[i];
    EXPECT_EQ(res.samples[i], k + 9) << starts[i];  // fixed_point_settle_steps = 10
  }
}

TEST(BasinKnown, LabelsDoNotDependOnThreadsOrBackend) {
  const Sim sim(build(kNewton));
  const BasinIC ic = square("x", "y", 1.5, 31);
  const BasinResult one = basin_known(sim, cube_roots(), ic, {.max_samples = 200, .threads = 1});
  const BasinResult two = basin_known(sim, cube_roots(), ic, {.max_samples = 200, .threads = 2});
  EXPECT_EQ(one.labels, two.labels);
  EXPECT_EQ(one.samples, two.samples);
  const Sim native(build(kNewton, {.jit = true}));
  ASSERT_TRUE(native.model().is_jitted());
  const BasinResult jit = basin_known(native, cube_roots(), ic, {.max_samples = 200, .threads = 2});
  EXPECT_EQ(one.labels, jit.labels);
  EXPECT_EQ(one.samples, jit.samples);
}

TEST(BasinKnown, ProgressAndStop) {
  const Sim sim(build(kNewton));
  std::atomic<bool> stop{true};
  const BasinResult r =
      basin_known(sim, cube_roots(), square("x", "y", 1.5, 5), {.max_samples = 100, .stop = &stop});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(count(r, BASIN_UNRESOLVED), r.labels.size());
  std::vector<size_t> seen;
  const BasinResult p =
      basin_known(sim, cube_roots(), square("x", "y", 1.5, 5),
                  {.max_samples = 100, .threads = 2, .progress = [&](size_t done, size_t n) {
                     EXPECT_EQ(n, 25u);
                     seen.push_back(done);
                   }});
  EXPECT_FALSE(p.stopped);
  ASSERT_EQ(seen.size(), 25u);
  for (size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k], k + 1);
  // stopped after five: those keep their labels, the rest is unresolved
  std::atomic<bool> later{false};
  const BasinResult part = basin_known(sim, cube_roots(), square("x", "y", 1.5, 5),
                                       {.max_samples = 100,
                                        .threads = 1,
                                        .progress =
                                            [&](size_t done, size_t) {
                                              if (done == 5) later = true;
                                            },
                                        .stop = &later});
  EXPECT_TRUE(part.stopped);
  for (size_t i = 0; i < 25; ++i) {
    if (i < 5)
      EXPECT_EQ(part.labels[i], p.labels[i]) << i;
    else
      EXPECT_EQ(part.labels[i], BASIN_UNRESOLVED) << i;
  }
  std::atomic<bool> auto_stop{false};
  const BasinResult a = basin_auto(sim, square("x", "y", 1.5, 6),
                                   {.max_samples = 400,
                                    .batch_size = 12,
                                    .threads = 2,
                                    .progress =
                                        [&](size_t done, size_t) {
                                          if (done == 12) auto_stop = true;
                                        },
                                    .stop = &auto_stop});
  EXPECT_TRUE(a.stopped);
  EXPECT_EQ(count(a, BASIN_UNRESOLVED), 24u);  // the first block is kept, the rest never ran
  // an exception from progress stops the analysis and propagates
  EXPECT_THROW(basin_known(sim, cube_roots(), square("x", "y", 1.5, 5),
                           {.max_samples = 100,
                            .progress = [](size_t, size_t) { throw std::runtime_error("no"); }}),
               std::runtime_error);
}

TEST(BasinKnown, Errors) {
  const Sim sim(build(kNewton));
  const BasinIC ic = square("x", "y", 1, 3);
  EXPECT_TRUE(contains(error_of([&] { basin_known(sim, std::vector<AttractorSpec>{}, ic); }),
                       "at least one attractor"));
  EXPECT_TRUE(contains(error_of([&] {
                         basin_known(sim, {BasinFixedPoint{"a", {1.0}, {0.1}}}, ic);
                       }),
                       "values"));
  EXPECT_TRUE(contains(error_of([&] {
                         basin_known(sim, cube_roots(), ic, {.observe_vars = {"x", "q"}});
                       }),
                       "unknown"));
  EXPECT_TRUE(contains(error_of([&] {
                         basin_known(sim, cube_roots(), ic,
                                     {.max_samples = 10, .transient_samples = 10});
                       }),
                       "transient_samples"));
  EXPECT_TRUE(contains(error_of([&] { basin_known(sim, cube_roots(), ic, {.mode = "ode"}); }),
                       "map model"));
  const Sim adaptive = setup("builtin://ode/duffing", {.stepper = "rk45"});
  EXPECT_TRUE(contains(error_of([&] { basin_known(adaptive, wells(), ic); }), "fixed-step"));
}

TEST(BasinAuto, FindsTheTwoDuffingWellsAndAgreesWithBasinKnown) {
  const Sim sim = duffing();
  // an even grid: the saddle at the origin (an invariant point too) is not an initial condition
  const BasinIC ic = square("x", "y", 2.0, 30);
  const BasinAutoOptions o{.obs_min = {-3.0},
                           .obs_max = {3.0},
                           .grid_res = {51},
                           .max_samples = 3000,
                           .u_th = 0.05,
                           // a slow passage by the saddle also visits few cells: only a
                           // trajectory that stays in them for 128 windows is on an attractor
                           .recur_windows = 128,
                           .outside_limit = 50,
                           .dt_obs = 0.05,
                           .batch_size = 256,
                           .threads = 2};
  const BasinResult a = basin_auto(sim, ic, o);
  EXPECT_EQ(a.registry.size(), 2u) << basin_summary(a);
  EXPECT_EQ(a.observe_vars, (std::vector<std::string>{"x", "y"}));
  const BasinResult k = basin_known(sim, wells(), ic, {.dt_obs = 0.05, .max_samples = 3000});
  std::map<int, std::set<int>> relabel;
  size_t both = 0;
  for (size_t i = 0; i < a.labels.size(); ++i)
    if (a.labels[i] >= 0 && k.labels[i] >= 0) {
      relabel[a.labels[i]].insert(k.labels[i]);
      ++both;
    }
  EXPECT_GE(both, a.labels.size() - a.labels.size() / 100) << basin_summary(a);
  ASSERT_EQ(relabel.size(), 2u);
  EXPECT_EQ(relabel[0].size(), 1u);
  EXPECT_EQ(relabel[1].size(), 1u);
  EXPECT_NE(*relabel[0].begin(), *relabel[1].begin());
  // any thread count: the same labels
  BasinAutoOptions one = o;
  one.threads = 1;
  EXPECT_EQ(basin_auto(sim, ic, one).labels, a.labels);
}

TEST(BasinAuto, FindsTheThreeNewtonRoots) {
  const Sim sim(build(kNewton));
  const BasinIC ic = square("x", "y", 1.5, 40);
  // the map throws points near 0 far out, and they come back: a box larger than the grid
  const BasinAutoOptions o{.obs_min = {-3.0},
                           .obs_max = {3.0},
                           .grid_res = {64},
                           .max_samples = 400,
                           .outside_limit = 50,
                           .batch_size = 200,
                           .threads = 2};
  const BasinResult a = basin_auto(sim, ic, o);
  EXPECT_EQ(a.registry.size(), 3u) << basin_summary(a);
  const BasinResult k = basin_known(sim, cube_roots(), ic, {.max_samples = 400});
  std::map<int, std::set<int>> relabel;
  for (size_t i = 0; i < a.labels.size(); ++i) {
    ASSERT_GE(a.labels[i], 0) << i;
    relabel[a.labels[i]].insert(k.labels[i]);
  }
  ASSERT_EQ(relabel.size(), 3u);
  std::set<int> images;
  for (const auto& [label, known] : relabel) {
    EXPECT_EQ(known.size(), 1u) << label;
    images.insert(*known.begin());
  }
  EXPECT_EQ(images, (std::set<int>{0, 1, 2}));
  BasinAutoOptions one = o;
  one.threads = 1;
  EXPECT_EQ(basin_auto(sim, ic, one).labels, a.labels);
  const Sim native(build(kNewton, {.jit = true}));
  EXPECT_EQ(basin_auto(native, ic, o).labels, a.labels);
  const BasinStats st = basin_stats(a, 2);
  EXPECT_EQ(st.per_attractor.size(), 2u);
  EXPECT_EQ(st.n_attractors, 3u);
}

TEST(BasinAuto, FindsTheHenonAttractorAndItsBasin) {
  // the reference's example parameters (grid_res 64, window 64, u_th 0.5, 600 samples)
  Sim sim = setup("builtin://map/henon");
  const BasinIC ic = square("x", "y", 2.5, 40);
  const BasinResult a = basin_auto(
      sim, ic, {.grid_res = {64}, .max_samples = 600, .window = 64, .u_th = 0.5, .threads = 2});
  ASSERT_EQ(a.registry.size(), 1u) << basin_summary(a);
  const BasinResult k = basin_known(
      sim,
      {ReferenceRun{
          .name = "henon", .ic = {0.1, 0.1}, .transient_samples = 200, .signature_samples = 3000}},
      ic, {.max_samples = 600});
  // the same basin; what escapes is BLOWUP or OUTSIDE (the box is the grid's)
  size_t agree = 0;
  for (size_t i = 0; i < a.labels.size(); ++i) agree += (a.labels[i] == 0) == (k.labels[i] == 0);
  EXPECT_GE(agree, a.labels.size() - a.labels.size() / 100) << basin_summary(a);
  EXPECT_GT(count(a, 0), 200u);
  EXPECT_EQ(count(a, 0) + count(a, BASIN_BLOWUP) + count(a, BASIN_OUTSIDE), a.labels.size());
}

TEST(BasinAuto, Errors) {
  const Sim sim(build(kNewton));
  const BasinIC pts = basin_points({{1}}, {"x"});
  EXPECT_TRUE(contains(error_of([&] { basin_auto(sim, pts); }), "obs_min / obs_max are needed"));
  const BasinIC ic = square("x", "y", 1, 3);
  EXPECT_TRUE(contains(error_of([&] { basin_auto(sim, ic, {.u_th = 0}); }), "u_th"));
  EXPECT_TRUE(contains(error_of([&] { basin_auto(sim, ic, {.max_samples = 10}); }), "window"));
  EXPECT_TRUE(contains(error_of([&] {
                         basin_auto(sim, ic, {.grid_res = {4, 4, 4}});
                       }),
                       "grid_res"));
}

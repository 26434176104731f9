// homoclinic_finder/tracer and heteroclinic_finder/tracer on systems whose connecting orbits are
// known in closed form: x'' = x - x^2 + mu x' (homoclinic to 0 exactly at mu = 0, the orbit
// x = 1.5 sech^2(t/2)) and the Nagumo travelling wave u'' + c u' + u(1-u)(u-a) = 0 (the front from
// u = 1 to u = 0 at c* = sqrt(2)(1/2 - a) on the curve v = -u(1-u)/sqrt(2)); plus the reference's
// example model, backends bit for bit, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/analysis.hpp"
#include "dynlib/connecting_orbits.hpp"

using namespace dynlib;

namespace {

using analysis_test::contains;
using analysis_test::error_of;
using analysis_test::same_bits;

const char* kDuffingLike = R"toml(inline:
[model]
type = "ode"
name = "homoclinic_closed_form"
[sim]
stepper = "rk45"
[states]
x = 0.0
y = 0.0
[params]
mu = 0.0
[equations.rhs]
x = "y"
y = "x - x*x + mu*y"
)toml";

const char* kNagumo = R"toml(inline:
[model]
type = "ode"
name = "nagumo_wave"
[sim]
stepper = "rk45"
[states]
u = 0.0
v = 0.0
[params]
c = 0.0
a = 0.25
[equations.rhs]
u = "v"
v = "-c*v - u*(1-u)*(u-a)"
)toml";

// The reference's homoclinic example (examples/analysis/homoclinic_finder_tracer.py).
const char* kReferenceExample = R"toml(inline:
[model]
type = "ode"
name = "homoclinic-demo"
[sim]
t0 = 0.0
T = 10.0
dt = 0.01
[states]
x = 0.0
y = 0.0
[params]
mu = -0.86
[equations.rhs]
x = "y"
y = "mu*y + x - x*x + x*y"
)toml";

// Small scans keep the tests fast; the grids miss the exact answer, so bisection must find it.
HomoclinicFinderConfig small_homoclinic() {
  HomoclinicFinderConfig c = homoclinic_finder_config("default");
  c.scan_n = 60;
  c.trace.t_max = 40;
  c.trace.window = {{-3, 3}, {-3, 3}};
  return c;
}

OrbitProblem homoclinic_problem() {
  return {.param = "mu",
          .param_min = -0.5,
          .param_max = 0.5,
          .param_init = 0.1,
          .source_eq = {0.05, -0.02}};
}

HeteroclinicFinderConfig small_heteroclinic() {
  HeteroclinicFinderConfig c = heteroclinic_finder_config("default");
  c.scan_n = 12;
  c.r_sec = 0.02;
  for (OrbitBranchConfig* b : {&c.trace_u, &c.trace_s}) {
    b->t_max = 60;
    b->window = {{-2, 3}, {-2, 2}};
  }
  return c;
}

const double kCStar = std::sqrt(2.0) * (0.5 - 0.25);

OrbitProblem nagumo_problem() {
  return {.param = "c",
          .param_min = 0.0,
          .param_max = 0.8,
          .param_init = 0.4,
          .source_eq = {1.0, 0.0},
          .target_eq = {0.0, 0.0}};
}

TEST(ConnectingOrbits, HomoclinicFinderFindsMuZero) {
  Sim sim = setup(kDuffingLike);
  const OrbitFinderResult r = homoclinic_finder(sim, homoclinic_problem(), small_homoclinic());
  ASSERT_TRUE(r.success) << r.info.fail;
  EXPECT_LT(std::abs(r.param_found), 1e-4);
  std::printf("homoclinic: mu = %.6g\n", r.param_found);
  // A symmetric interval brackets mu = 0 symmetrically (the first midpoint is exact); an
  // asymmetric one makes bisection work for it.
  OrbitProblem skew = homoclinic_problem();
  skew.param_min = -0.43;
  const OrbitFinderResult s = homoclinic_finder(sim, skew, small_homoclinic());
  ASSERT_TRUE(s.success) << s.info.fail;
  EXPECT_LT(std::abs(s.param_found), 1e-4);
  EXPECT_NE(s.param_found, 0.0);
  EXPECT_GT(s.info.bisection_iters, 1);
  std::printf("homoclinic on [-0.43, 0.5]: mu = %.6g after %d bisections\n", s.param_found,
              s.info.bisection_iters);
  EXPECT_GT(r.info.bisection_iters, 0);  // no grid point is at mu = 0
  ASSERT_TRUE(r.miss.has_value());
  EXPECT_LE(std::abs(r.miss->g), 1e-4);
  EXPECT_EQ(r.miss->sign_u, 1);  // the -v_u branch runs off to x = -infinity
  EXPECT_NEAR(r.miss->source_eq[0], 0.0, 1e-12);
  EXPECT_NEAR(r.miss->source_eq[1], 0.0, 1e-12);
  EXPECT_TRUE(r.warnings.empty());  // rk45 is the default stepper
  // The scan saw g change sign across mu = 0.
  bool neg = false, pos = false;
  for (const OrbitScanPoint& p : r.info.scan) {
    if (p.param_value < 0 && std::isfinite(p.g)) neg = neg || p.g != 0;
    if (p.param_value > 0 && std::isfinite(p.g)) pos = pos || p.g != 0;
  }
  EXPECT_TRUE(neg || pos);
}

TEST(ConnectingOrbits, HomoclinicTracerFollowsTheSechOrbit) {
  Sim sim = setup(kDuffingLike);
  OrbitBranchConfig b = small_homoclinic().trace;
  OrbitProblem p = homoclinic_problem();
  p.param_value = 0.0;
  p.source_eq = {0.0, 0.0};
  p.sign_u = 1;
  const OrbitTraceResult r = homoclinic_tracer(sim, p, b);
  ASSERT_TRUE(r.success) << r.status;
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->kind, "section_cross");
  ASSERT_GT(r.count(), 50u);
  double x_max = 0, h_max = 0;
  for (size_t k = 0; k < r.count(); ++k) {
    const double x = r.X[2 * k], y = r.X[2 * k + 1];
    x_max = std::max(x_max, x);
    h_max = std::max(h_max, std::abs(0.5 * y * y - 0.5 * x * x + x * x * x / 3));
  }
  EXPECT_NEAR(x_max, 1.5, 1e-3);
  EXPECT_LT(h_max, 1e-6);  // the energy of the seed is O(eps^2 * 0) = 0 on the eigenline
  // Back near the saddle on the section: |stable part| = r_sec there.
  EXPECT_NEAR(std::hypot(r.x_cross[0], r.x_cross[1]), b.r_sec, 2e-3);
  EXPECT_LT(std::abs(r.g), 1e-3);
  EXPECT_EQ(r.t.front(), 0.0);
  EXPECT_EQ(r.t_cross, r.t.back());
  // Started at t = 5 (an autonomous model: the same orbit, shifted in time).
  p.t = 5.0;
  const OrbitTraceResult later = homoclinic_tracer(sim, p, b);
  ASSERT_TRUE(later.success);
  EXPECT_EQ(later.t.front(), 5.0);
  EXPECT_NEAR(later.t_cross - 5.0, r.t_cross, 1e-9);
}

TEST(ConnectingOrbits, HeteroclinicFinderFindsTheNagumoFrontSpeed) {
  Sim sim = setup(kNagumo);
  const OrbitFinderResult r = heteroclinic_finder(sim, nagumo_problem(), small_heteroclinic());
  ASSERT_TRUE(r.success) << r.info.fail;
  EXPECT_NEAR(r.param_found, kCStar, 2e-3);
  std::printf("nagumo: c = %.12g, c* = %.12g\n", r.param_found, kCStar);
  ASSERT_TRUE(r.miss.has_value());
  EXPECT_EQ(r.miss->sign_u, -1);  // the branch into u < 1
  EXPECT_NEAR(r.miss->target_eq[0], 0.0, 1e-12);
  EXPECT_NEAR(r.miss->source_eq[0], 1.0, 1e-12);
  // The default section (r_sec_min_mult·r_leave = 0.02) and exit ball (r_sec_mult·r_leave).
  HeteroclinicFinderConfig d = small_heteroclinic();
  d.r_sec.reset();
  const OrbitFinderResult rd = heteroclinic_finder(sim, nagumo_problem(), d);
  ASSERT_TRUE(rd.success) << rd.info.fail;
  EXPECT_NEAR(rd.param_found, kCStar, 2e-3);
  EXPECT_EQ(rd.miss->r_sec, 0.02);
}

TEST(ConnectingOrbits, HeteroclinicTracerLiesOnTheClosedFormCurve) {
  Sim sim = setup(kNagumo);
  OrbitProblem p = nagumo_problem();
  p.param_value = kCStar;
  p.sign_u = -1;
  p.hit_radius = 0.02;
  OrbitBranchConfig b = small_heteroclinic().trace_u;
  const OrbitTraceResult r = heteroclinic_tracer(sim, p, b);
  ASSERT_TRUE(r.success) << r.status;
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->kind, "target_ball");
  ASSERT_GT(r.count(), 20u);
  double err = 0;
  for (size_t k = 0; k < r.count(); ++k) {
    const double u = r.X[2 * k], v = r.X[2 * k + 1];
    err = std::max(err, std::abs(v + u * (1 - u) / std::sqrt(2.0)));
  }
  EXPECT_LT(err, 1e-4);
  EXPECT_NEAR(std::hypot(r.X[r.X.size() - 2], r.X.back()), 0.02, 1e-9);
}

// n = 3: the planar systems with a slaved stable coordinate (z' = -z + x^2, w' = -2w + u). The
// connections persist at the same parameter values; the tube is now a cylinder.
TEST(ConnectingOrbits, ThreeStates) {
  Sim homo = setup(R"toml(inline:
[model]
type = "ode"
[sim]
stepper = "rk45"
[states]
x = 0.0
y = 0.0
z = 0.0
[params]
mu = 0.0
[equations.rhs]
x = "y"
y = "x - x*x + mu*y"
z = "-z + x*x"
)toml");
  HomoclinicFinderConfig c = small_homoclinic();
  c.trace.window = {{-3, 3}, {-3, 3}, {-3, 3}};
  c.trace.r_exit = 0.5;  // the slaved z keeps the return farther from the saddle
  OrbitProblem p = homoclinic_problem();
  p.param_min = -0.43;
  p.source_eq = {0.0, 0.0, 0.0};
  const OrbitFinderResult r = homoclinic_finder(homo, p, c);
  ASSERT_TRUE(r.success) << r.info.fail;
  EXPECT_LT(std::abs(r.param_found), 1e-4);

  Sim het = setup(R"toml(inline:
[model]
type = "ode"
[sim]
stepper = "rk45"
[states]
u = 0.0
v = 0.0
w = 0.0
[params]
c = 0.0
a = 0.25
[equations.rhs]
u = "v"
v = "-c*v - u*(1-u)*(u-a)"
w = "-2*w + u"
)toml");
  HeteroclinicFinderConfig h = small_heteroclinic();
  for (OrbitBranchConfig* b : {&h.trace_u, &h.trace_s}) b->window = {{-2, 3}, {-2, 2}, {-2, 2}};
  OrbitProblem q = nagumo_problem();
  q.source_eq = {1.0, 0.0, 0.5};
  q.target_eq = {0.0, 0.0, 0.0};
  const OrbitFinderResult rh = heteroclinic_finder(het, q, h);
  ASSERT_TRUE(rh.success) << rh.info.fail;
  EXPECT_NEAR(rh.param_found, kCStar, 2e-3);
  EXPECT_EQ(rh.miss->target_v_u.size(), 3u);
}

TEST(ConnectingOrbits, ReferenceExampleModel) {
  Sim sim = setup(kReferenceExample, {.stepper = "rk45"});
  HomoclinicFinderConfig c = homoclinic_finder_config("default");
  c.scan_n = 61;  // the example's
  c.trace.t_max = 100;
  c.trace.window = {{-3, 3}, {-3, 3}};
  const OrbitFinderResult r = homoclinic_finder(sim,
                                                {.param = "mu",
                                                 .param_min = -1.2,
                                                 .param_max = -0.6,
                                                 .param_init = -1.0,
                                                 .source_eq = {0.0, 0.0}},
                                                c);
  ASSERT_TRUE(r.success) << r.info.fail;
  std::printf("reference example: mu = %.12g, g = %.3g\n", r.param_found, r.info.gap_found);
  // The example's model default and plot window put the homoclinic loop at mu ~ -0.86.
  EXPECT_GT(r.param_found, -0.9);
  EXPECT_LT(r.param_found, -0.82);
}

TEST(ConnectingOrbits, InterpreterAndNativeGiveTheSameBits) {
  Sim interp = setup(kDuffingLike);
  Sim native = setup(kDuffingLike, {.jit = true});
  HomoclinicFinderConfig c = small_homoclinic();
  c.max_bisect = 12;
  const OrbitFinderResult a = homoclinic_finder(interp, homoclinic_problem(), c);
  const OrbitFinderResult b = homoclinic_finder(native, homoclinic_problem(), c);
  ASSERT_EQ(a.success, b.success);
  EXPECT_TRUE(same_bits(a.param_found, b.param_found));
  ASSERT_EQ(a.info.scan.size(), b.info.scan.size());
  for (size_t i = 0; i < a.info.scan.size(); ++i)
    EXPECT_TRUE(same_bits(a.info.scan[i].g, b.info.scan[i].g)) << i;
}

TEST(ConnectingOrbits, NoSignChangeIsAResultNotAnError) {
  Sim sim = setup(kDuffingLike);
  HomoclinicFinderConfig c = small_homoclinic();
  OrbitProblem p = homoclinic_problem();
  p.param_min = 0.2;  // mu > 0 only: the energy grows along every return, g keeps its sign
  p.param_max = 0.5;
  p.param_init = 0.3;
  const OrbitFinderResult r = homoclinic_finder(sim, p, c);
  EXPECT_FALSE(r.success);
  EXPECT_FALSE(r.info.fail.empty());
  EXPECT_TRUE(std::isnan(r.param_found));
}

TEST(ConnectingOrbits, OtherSteppersWarnAndAreUsed) {
  Sim sim = setup(kDuffingLike, {.stepper = "rk4"});
  HomoclinicFinderConfig c = small_homoclinic();
  const OrbitFinderResult r = homoclinic_finder(sim, homoclinic_problem(), c);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_TRUE(contains(r.warnings[0], "'rk4'"));
  ASSERT_TRUE(r.success) << r.info.fail;
  EXPECT_LT(std::abs(r.param_found), 1e-3);
  // rk4 steps at the model's dt (here the default 0.01), not at rk.dt0.
  OrbitProblem p = homoclinic_problem();
  p.source_eq = {0.0, 0.0};
  const OrbitTraceResult tr = homoclinic_tracer(sim, p, c.trace);
  ASSERT_GT(tr.count(), 3u);
  EXPECT_DOUBLE_EQ(tr.t[2] - tr.t[1], 0.01);
}

TEST(ConnectingOrbits, Errors) {
  Sim sim = setup(kDuffingLike);
  OrbitProblem p = homoclinic_problem();
  p.param = "muu";
  EXPECT_TRUE(contains(error_of([&] { homoclinic_finder(sim, p); }), "did you mean 'mu'"));
  p = homoclinic_problem();
  p.source_eq = {0.0, 0.0, 0.0};
  EXPECT_TRUE(contains(error_of([&] { homoclinic_finder(sim, p); }), "eq has 3 values"));
  p = homoclinic_problem();
  p.param_min = 0.5;
  p.param_max = 0.5;
  EXPECT_TRUE(contains(error_of([&] { homoclinic_finder(sim, p); }), "param_min must be <"));
  EXPECT_TRUE(contains(error_of([] { orbit_preset("fasst"); }), "did you mean 'fast'"));
  HomoclinicFinderConfig c;
  c.trace.r_sec = -1;
  EXPECT_TRUE(contains(error_of([&] { homoclinic_finder(sim, homoclinic_problem(), c); }),
                       "r_sec must be positive"));
  Sim map = setup("builtin://map/henon");
  OrbitProblem mp{.param = "a", .param_min = 1, .param_max = 2, .source_eq = {0.6, 0.2}};
  EXPECT_TRUE(contains(error_of([&] { homoclinic_finder(map, mp); }), "is a map"));
  Sim nag = setup(kNagumo);
  OrbitProblem hp = nagumo_problem();
  hp.param = "";
  EXPECT_TRUE(contains(error_of([&] { heteroclinic_finder(nag, hp); }), "param must be given"));
  hp = nagumo_problem();
  hp.target_eq = {0.0};
  EXPECT_TRUE(contains(error_of([&] { heteroclinic_finder(nag, hp); }), "target_eq has 1 values"));
}

}  // namespace

// trace_manifold_1d_map and trace_manifold_1d_ode on systems whose manifolds are known: linear
// saddles (the manifolds are the eigenvector lines), the Hénon map (its saddle's unstable
// manifold lies on the attractor; its stable manifold is carried to the saddle by the map), plus
// backends, growth control and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/analysis.hpp"
#include "dynlib/manifolds.hpp"

using namespace dynlib;

namespace {

using analysis_test::contains;
using analysis_test::error_of;

// A saddle at (1, 2): x' = 2 (x - 1) + (y - 2) + 1, y' = 0.5 (y - 2) + 2. Eigenvalues 2 along
// (1, 0) and 0.5 along (1, -1.5).
const char* kLinearMap = R"toml(inline:
[model]
type = "map"
name = "linear_saddle"
[states]
x = 0.9
y = 2.1
[equations.rhs]
x = "2*(x - 1) + (y - 2) + 1"
y = "0.5*(y - 2) + 2"
[sim]
stepper = "map"
)toml";

// x' = 2x, y' = 0.5y with its inverse.
const char* kDiagonalMap = R"toml(inline:
[model]
type = "map"
name = "diagonal_saddle"
[states]
x = 0.0
y = 0.0
[equations.rhs]
x = "2*x"
y = "0.5*y"
[equations.inverse]
expr = """
x = 0.5*x
y = 2*y
"""
[sim]
stepper = "map"
)toml";

// x' = x + y, y' = -2 y: eigenvalue 1 along (1, 0), -2 along (1, -3).
const char* kLinearOde = R"toml(inline:
[model]
type = "ode"
name = "linear_saddle_ode"
[states]
x = 0.0
y = 0.0
[equations.rhs]
x = "x + y"
y = "-2*y"
)toml";

// Distance of p from the line through c with direction v.
double line_distance(const double* p, const std::vector<double>& c, std::vector<double> v) {
  const double nv = std::hypot(v[0], v[1]);
  v[0] /= nv;
  v[1] /= nv;
  const double dx = p[0] - c[0], dy = p[1] - c[1];
  return std::abs(dx * v[1] - dy * v[0]);
}

void expect_on_line(const ManifoldResult& r, const std::vector<double>& c,
                    const std::vector<double>& v, size_t min_points) {
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_GE(b.count(), min_points) << b.stop;
    double worst = 0;
    for (size_t i = 0; i < b.count(); ++i) {
      const double* p = b.points.data() + 2 * i;
      worst = std::max(worst, line_distance(p, c, v) / (1 + std::hypot(p[0], p[1])));
    }
    EXPECT_LE(worst, 1e-12);
  }
}

// Arc-length control: consecutive points at most hmax apart (no forced points).
void expect_spacing(const ManifoldResult& r, double hmax) {
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_EQ(b.forced, 0);
    for (size_t i = 1; i < b.count(); ++i) {
      const double* p = b.points.data() + b.n_state * i;
      EXPECT_LE(std::hypot(p[0] - p[-2], p[1] - p[-1]), hmax * (1 + 1e-12));
    }
  }
}

}  // namespace

TEST(Manifolds, LinearSaddleMapUnstableIsTheEigenline) {
  const FullModel m = build(kLinearMap);
  const ManifoldResult r = trace_manifold_1d_map(m, {.kind = ManifoldKind::Unstable,
                                                     .hmax = 0.05,
                                                     .max_arclength = 3,
                                                     .fp_check_tol = std::nullopt});
  EXPECT_EQ(r.method, "forward");
  EXPECT_NEAR(r.fixed_point[0], 1, 1e-12);
  EXPECT_NEAR(r.fixed_point[1], 2, 1e-12);
  EXPECT_NEAR(r.eigenvalue.real(), 2, 1e-12);
  EXPECT_EQ(r.step_mul, 1);
  EXPECT_NEAR(std::abs(r.eigenvector[0]), 1, 1e-12);
  expect_on_line(r, {1, 2}, {1, 0}, 20);
  expect_spacing(r, 0.05);
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_EQ(b.stop, "max_arclength");
    EXPECT_GE(b.arclength, 3);
  }
  // The two branches leave on opposite sides.
  EXPECT_GT(r.branches[0].points.back() - 1, 0.5);
  EXPECT_LT(r.branches[1].points[r.branches[1].points.size() - 2] - 1, -0.5);
}

TEST(Manifolds, LinearSaddleMapStableByNewtonIsTheEigenline) {
  const FullModel m = build(kLinearMap);
  const ManifoldResult r = trace_manifold_1d_map(m, {.kind = ManifoldKind::Stable,
                                                     .hmax = 0.05,
                                                     .max_arclength = 3,
                                                     .fp_check_tol = std::nullopt});
  EXPECT_EQ(r.method, "newton");
  EXPECT_NEAR(r.eigenvalue.real(), 0.5, 1e-12);
  expect_on_line(r, {1, 2}, {1, -1.5}, 20);
  expect_spacing(r, 0.05);
}

TEST(Manifolds, DiagonalSaddleBothMethodsAndBounds) {
  const FullModel m = build(kDiagonalMap);
  const ManifoldResult inv =
      trace_manifold_1d_map(m, {.kind = ManifoldKind::Stable, .bounds = {{-1, 1}, {-1.5, 1.5}}});
  EXPECT_EQ(inv.method, "inverse");
  expect_on_line(inv, {0, 0}, {0, 1}, 50);
  for (const ManifoldBranch& b : inv.branches) {
    EXPECT_EQ(b.stop, "bounds");
    // Traced to the box grown by clip_margin (0.25 of the extent 3 on each side), output
    // clipped to the bounds.
    for (size_t i = 0; i < b.count(); ++i) EXPECT_LE(std::abs(b.points[2 * i + 1]), 2.25);
    EXPECT_GT(std::abs(b.points[b.points.size() - 1]), 2.2);
    ASSERT_EQ(b.segments.size(), 1u);
    const ManifoldSegment& seg = b.segments[0];
    for (size_t i = 0; i < seg.count(); ++i) EXPECT_LE(std::abs(seg.points[2 * i + 1]), 1.5);
    EXPECT_GT(std::abs(seg.points.back()), 1.49);
  }
  const ManifoldResult newton = trace_manifold_1d_map(m, {.kind = ManifoldKind::Stable,
                                                          .bounds = {{-1, 1}, {-1.5, 1.5}},
                                                          .inverse = ManifoldInverse::Newton});
  EXPECT_EQ(newton.method, "newton");
  expect_on_line(newton, {0, 0}, {0, 1}, 50);
  const ManifoldResult u =
      trace_manifold_1d_map(m, {.kind = ManifoldKind::Unstable, .bounds = {{-1, 1}, {-1.5, 1.5}}});
  expect_on_line(u, {0, 0}, {1, 0}, 50);
}

TEST(Manifolds, LinearSaddleOdeIsTheEigenlines) {
  const FullModel m = build(kLinearOde);
  const ManifoldResult un = trace_manifold_1d_ode(
      m, {.kind = ManifoldKind::Unstable, .bounds = {{-10, 10}, {-10, 10}}, .max_arclength = 4});
  EXPECT_EQ(un.method, "flow");
  EXPECT_NEAR(un.eigenvalue.real(), 1, 1e-12);
  expect_on_line(un, {0, 0}, {1, 0}, 50);
  const ManifoldResult st = trace_manifold_1d_ode(
      m, {.kind = ManifoldKind::Stable, .bounds = {{-10, 10}, {-10, 10}}, .max_arclength = 4});
  EXPECT_NEAR(st.eigenvalue.real(), -2, 1e-12);
  expect_on_line(st, {0, 0}, {1, -3}, 50);
  for (const ManifoldBranch& b : st.branches) {
    EXPECT_EQ(b.stop, "max_arclength");
    // Backward time: the parameter grows while the flow of -f carries the point away.
    EXPECT_GT(b.param.back(), 1);
  }
}

namespace {

std::vector<double> henon_saddle() {
  const double a = 1.4, b = 0.3;
  const double x = (-(1 - b) + std::sqrt((1 - b) * (1 - b) + 4 * a)) / (2 * a);
  return {x, b * x};
}

}  // namespace

TEST(Manifolds, HenonUnstableManifoldLiesOnTheAttractor) {
  const FullModel m = build("builtin://map/henon");
  const ManifoldResult r = trace_manifold_1d_map(m, {.fp = {0.6, 0.2},
                                                     .kind = ManifoldKind::Unstable,
                                                     .bounds = {{-2, 2}, {-1, 1}},
                                                     .hmax = 5e-3,
                                                     .max_arclength = 4,
                                                     .fp_check_tol = std::nullopt});
  EXPECT_NEAR(r.fixed_point[0], henon_saddle()[0], 1e-12);
  EXPECT_LT(r.eigenvalue.real(), -1);
  EXPECT_EQ(r.step_mul, 2);
  Sim sim(m);
  const Results& traj = sim.run({.N = 200000, .transient = 1000, .ic = {{"x", 0.1}, {"y", 0.1}}});
  const auto xs = traj.column("x");
  const auto ys = traj.column("y");
  const size_t count = traj.size();
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_EQ(b.stop, "max_arclength");
    ASSERT_GT(b.count(), 100u);
    double worst = 0;
    // Every fifth point, against every point of the attractor's trajectory.
    for (size_t i = 0; i < b.count(); i += 5) {
      const double px = b.points[2 * i], py = b.points[2 * i + 1];
      double best = 1e300;
      for (size_t k = 0; k < count; ++k) best = std::min(best, std::hypot(xs[k] - px, ys[k] - py));
      worst = std::max(worst, best);
    }
    EXPECT_LT(worst, 1e-3);  // measured: 6.5e-4 with 200000 attractor points
  }
}

TEST(Manifolds, HenonStableManifoldMapsToTheSaddle) {
  const FullModel m = build("builtin://map/henon");
  const std::vector<double> fp = henon_saddle();
  for (ManifoldInverse how : {ManifoldInverse::Model, ManifoldInverse::Newton}) {
    const ManifoldResult r = trace_manifold_1d_map(m, {.fp = {0.6, 0.2},
                                                       .kind = ManifoldKind::Stable,
                                                       .bounds = {{-3, 3}, {-3, 3}},
                                                       .hmax = 1e-2,
                                                       .max_arclength = 3,
                                                       .fp_check_tol = std::nullopt,
                                                       .inverse = how});
    EXPECT_EQ(r.method, how == ManifoldInverse::Model ? "inverse" : "newton");
    EXPECT_NEAR(std::abs(r.eigenvalue), 0.156, 1e-3);
    for (const ManifoldBranch& b : r.branches) {
      ASSERT_GT(b.count(), 50u);
      for (size_t i = 1; i < b.count(); i += 7) {
        std::vector<double> x(b.points.begin() + static_cast<long>(2 * i),
                              b.points.begin() + static_cast<long>(2 * i + 2));
        const double d0 = std::hypot(x[0] - fp[0], x[1] - fp[1]);
        for (int k = 0; k < 10; ++k) x = m.rhs(0, x);
        // Contracted towards the saddle by about 0.156^10 ~ 1e-8, while errors off the manifold
        // (the seed's O(seed_delta^2), round-off) grow by at most 1.92^10 ~ 700.
        EXPECT_LT(std::hypot(x[0] - fp[0], x[1] - fp[1]), 1e-6 * (1 + d0)) << i;
      }
    }
  }
}

TEST(Manifolds, InterpreterAndNativeGiveTheSameBits) {
  const FullModel interp = build("builtin://map/henon");
  const FullModel native = build("builtin://map/henon", {.jit = true});
  const ManifoldOptions o{.fp = {0.6, 0.2},
                          .kind = ManifoldKind::Unstable,
                          .bounds = {{-2, 2}, {-1, 1}},
                          .max_arclength = 2,
                          .fp_check_tol = std::nullopt};
  const ManifoldResult a = trace_manifold_1d_map(interp, o);
  const ManifoldResult b = trace_manifold_1d_map(native, o);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(a.branches[k].points, b.branches[k].points);
    EXPECT_EQ(a.branches[k].param, b.branches[k].param);
  }
  const FullModel oi = build("builtin://ode/lorenz");
  const FullModel on = build("builtin://ode/lorenz", {.jit = true});
  for (ManifoldKind kind : {ManifoldKind::Unstable, ManifoldKind::Stable}) {
    // The stable manifold of Lorenz's origin is 2-D: its most contracting direction (z).
    const ManifoldOptions lo{.fp = {0, 0, 0},
                             .kind = kind,
                             .bounds = {{-30, 30}, {-40, 40}, {-10, 60}},
                             .max_arclength = 20,
                             .max_time = 5,
                             .eig_rank = 0};
    const ManifoldResult c = trace_manifold_1d_ode(oi, lo);
    const ManifoldResult d = trace_manifold_1d_ode(on, lo);
    for (int k = 0; k < 2; ++k) {
      EXPECT_GT(c.branches[k].count(), 50u);
      EXPECT_EQ(c.branches[k].points, d.branches[k].points);
      ASSERT_EQ(c.branches[k].segments.size(), d.branches[k].segments.size());
      for (size_t g = 0; g < c.branches[k].segments.size(); ++g)
        EXPECT_EQ(c.branches[k].segments[g].points, d.branches[k].segments[g].points);
    }
  }
}

TEST(Manifolds, AngleControlRefinesTheFolds) {
  // The Hénon unstable manifold folds sharply: with angle control the curve turns by at most
  // alpha_max at every point but the few accepted where the fold is finer than double precision
  // resolves (counted in `forced`).
  const FullModel m = build("builtin://map/henon");
  for (double alpha : {0.3, 0.1}) {
    const ManifoldResult r = trace_manifold_1d_map(m, {.fp = {0.6, 0.2},
                                                       .kind = ManifoldKind::Unstable,
                                                       .bounds = {{-2, 2}, {-1, 1}},
                                                       .hmax = 0.05,
                                                       .alpha_max = alpha,
                                                       .max_arclength = 6,
                                                       .fp_check_tol = std::nullopt});
    for (const ManifoldBranch& b : r.branches) {
      int sharp = 0;
      for (size_t i = 2; i < b.count(); ++i) {
        const double* p = b.points.data() + 2 * i;
        const double ax = p[-2] - p[-4], ay = p[-1] - p[-3], bx = p[0] - p[-2], by = p[1] - p[-1];
        ASSERT_GT(std::hypot(bx, by), 0) << "a repeated point at " << i;
        const double c = (ax * bx + ay * by) / (std::hypot(ax, ay) * std::hypot(bx, by));
        if (std::acos(std::clamp(c, -1.0, 1.0)) > alpha + 1e-9) ++sharp;
      }
      EXPECT_LE(sharp, b.forced);
      EXPECT_LE(b.forced * 100, static_cast<int>(b.count())) << b.forced << " of " << b.count();
      EXPECT_EQ(b.stop, "max_arclength");
    }
  }
}

TEST(Manifolds, Errors) {
  const FullModel henon = build("builtin://map/henon");
  const FullModel ode = build(kLinearOde);
  EXPECT_TRUE(
      contains(error_of([&] { trace_manifold_1d_ode(henon, {}); }), "trace_manifold_1d_map"));
  EXPECT_TRUE(contains(error_of([&] { trace_manifold_1d_map(ode, {}); }), "trace_manifold_1d_ode"));
  EXPECT_TRUE(
      contains(error_of([&] { parse_manifold_kind("unstabel"); }), "did you mean 'unstable'"));
  EXPECT_TRUE(
      contains(error_of([&] { parse_manifold_inverse("newtn"); }), "did you mean 'newton'"));
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_map(henon, {.fp = {0.6, 0.2}, .params = {{"aa", 1.4}}});
                       }),
                       "did you mean"));
  // At a = 0.1 the fixed point near (1.22, 0.37) is a stable node: no unstable eigenvalue.
  const std::string node = error_of([&] {
    trace_manifold_1d_map(henon, {.fp = {0.9, 0.27},
                                  .kind = ManifoldKind::Unstable,
                                  .params = {{"a", 0.1}},
                                  .fp_check_tol = std::nullopt});
  });
  EXPECT_TRUE(contains(node, "no unstable eigenvalue")) << node;
  EXPECT_TRUE(
      contains(error_of([&] { trace_manifold_1d_map(henon, {.fp = {0.6}}); }), "fp has 1 values"));
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_map(henon, {.fp = {0.6, 0.2}, .hmax = 0});
                       }),
                       "hmax must be positive"));
  EXPECT_TRUE(
      contains(error_of([&] {
                 trace_manifold_1d_map(henon, {.fp = {0.6, 0.2}, .bounds = {{1, 0}, {0, 1}}});
               }),
               "max > min"));
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_map(
                             build(kLinearMap),
                             {.fp_check_tol = std::nullopt, .inverse = ManifoldInverse::Model});
                       }),
                       "has no [equations.inverse]"));
  // Lorenz's origin has two stable eigenvalues: not 1-D without eig_rank.
  const FullModel lorenz = build("builtin://ode/lorenz");
  EXPECT_TRUE(contains(
      error_of([&] {
        trace_manifold_1d_ode(lorenz, {.fp = {0, 0, 0}, .bounds = {{-1, 1}, {-1, 1}, {-1, 1}}});
      }),
      "not 1-D"));
  const ManifoldResult ranked = trace_manifold_1d_ode(
      lorenz,
      {.fp = {0, 0, 0}, .bounds = {{-1, 1}, {-1, 1}, {-1, 1}}, .max_arclength = 1, .eig_rank = 0});
  EXPECT_LT(ranked.eigenvalue.real(), -10);
  EXPECT_TRUE(contains(error_of([&] { trace_manifold_1d_ode(ode, {}); }), "bounds is required"));
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_map(henon, {.fp = {0.6, 0.2}, .clip_margin = -1});
                       }),
                       "clip_margin"));
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_map(
                             henon,
                             {.fp = {0.6, 0.2}, .fp_check_tol = std::nullopt, .max_segments = 0});
                       }),
                       "max_segments must be >= 1"));
}

namespace {

// The reference's example saddle: x' = x, y' = -y + x^2. Stable manifold x = 0, unstable
// y = x^2 / 3.
const char* kQuadraticSaddle = R"toml(inline:
[model]
type = "ode"
name = "saddle2d"
[states]
x = 0.1
y = 0.1
[equations.rhs]
x = "x"
y = "-y + x*x"
)toml";

// x'' = x - x^3: a saddle at the origin whose unstable branches are homoclinic loops reaching
// x = ±sqrt(2).
const char* kDuffing = R"toml(inline:
[model]
type = "ode"
name = "duffing_loops"
[states]
x = 0.0
v = 0.0
[equations.rhs]
x = "v"
v = "x - x*x*x"
)toml";

}  // namespace

TEST(Manifolds, OdeManifoldsThroughTheRuntimeMatchTheCurves) {
  const FullModel m = build(kQuadraticSaddle);
  const ManifoldOptions o{.fp = {0, 0}, .bounds = {{-2.5, 2.5}, {-2.5, 2.5}}, .max_time = 50};
  ManifoldOptions so = o, uo = o;
  so.kind = ManifoldKind::Stable;
  uo.kind = ManifoldKind::Unstable;
  const ManifoldResult st = trace_manifold_1d_ode(m, so);
  const ManifoldResult un = trace_manifold_1d_ode(m, uo);
  EXPECT_NEAR(st.eigenvalue.real(), -1, 1e-12);
  EXPECT_NEAR(un.eigenvalue.real(), 1, 1e-12);
  for (int k = 0; k < 2; ++k) {
    const ManifoldBranch& s = st.branches[k];
    const ManifoldBranch& u = un.branches[k];
    EXPECT_EQ(s.stop, "bounds");
    EXPECT_EQ(u.stop, "bounds");
    ASSERT_EQ(s.segments.size(), 1u);
    ASSERT_EQ(u.segments.size(), 1u);
    double s_err = 0, u_err = 0, u_raw = 0;
    for (size_t i = 0; i < s.segments[0].count(); ++i)
      s_err = std::max(s_err, std::abs(s.segments[0].points[2 * i]));
    for (size_t i = 0; i < u.segments[0].count(); ++i) {
      const double x = u.segments[0].points[2 * i], y = u.segments[0].points[2 * i + 1];
      u_err = std::max(u_err, std::abs(y - x * x / 3));
    }
    for (size_t i = 0; i < u.count(); ++i) {
      const double x = u.points[2 * i], y = u.points[2 * i + 1];
      u_raw = std::max(u_raw, std::abs(y - x * x / 3));
    }
    EXPECT_EQ(s_err, 0);  // x = 0 exactly: x' = x keeps a zero
    // The RK4 points are on the parabola to the seed's and RK4's errors; resampled points lie on
    // chords between them (up to 0.04 apart near the edge: sagitta 0.04^2 (2/3) / 8 ~ 1.3e-4).
    EXPECT_LT(u_raw, 1e-8) << u_raw;
    EXPECT_LT(u_err, 1.5e-4) << u_err;
    // The segments reach the box's edge (the traced curve went on into the margin).
    const auto& sp = s.segments[0].points;
    const auto& up = u.segments[0].points;
    EXPECT_GT(std::abs(sp[sp.size() - 1]), 2.45);
    EXPECT_GT(std::max(std::abs(up[up.size() - 2]), std::abs(up[up.size() - 1])), 2.45);
  }
  EXPECT_GT(st.branches[0].segments[0].points.back(), 0);  // one branch up, one down
  EXPECT_LT(st.branches[1].segments[0].points.back(), 0);
  // The model's own stepper does not matter: branches are integrated with RK4 at dt.
  const FullModel adaptive = build(kQuadraticSaddle, {.stepper = "rk45"});
  const ManifoldResult st45 = trace_manifold_1d_ode(adaptive, so);
  for (int k = 0; k < 2; ++k) EXPECT_EQ(st45.branches[k].points, st.branches[k].points);
}

TEST(Manifolds, OdeClipMarginSplitsWhereTheBranchLeavesAndReenters) {
  const FullModel m = build(kDuffing);
  // The loops reach |x| = sqrt(2) ~ 1.414: outside the bounds, inside the margin box.
  ManifoldOptions o{.fp = {0, 0},
                    .kind = ManifoldKind::Unstable,
                    .bounds = {{-1.2, 1.2}, {-1, 1}},
                    .max_time = 22};
  const ManifoldResult r = trace_manifold_1d_ode(m, o);
  const auto box = std::vector<std::pair<double, double>>{{-1.8, 1.8}, {-1.5, 1.5}};
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_EQ(b.stop, "max_time");
    for (size_t i = 0; i < b.count(); ++i)
      for (int k = 0; k < 2; ++k) {
        EXPECT_GE(b.points[2 * i + k], box[k].first);
        EXPECT_LE(b.points[2 * i + k], box[k].second);
      }
    ASSERT_EQ(b.segments.size(), 2u);  // out to the edge, and back from it
    for (const ManifoldSegment& s : b.segments)
      for (size_t i = 0; i < s.count(); ++i) {
        EXPECT_LE(std::abs(s.points[2 * i]), 1.2 + 1e-12);
        EXPECT_LE(std::abs(s.points[2 * i + 1]), 1 + 1e-12);
      }
    // Outward with v > 0 on the + branch (v < 0 on the - one), back with the opposite sign.
    const double v_out = b.segments[0].points[2 * (b.segments[0].count() - 1) + 1];
    const double v_back = b.segments[1].points[1];
    EXPECT_LT(v_out * v_back, 0);
  }
  o.clip_margin = 0;
  const ManifoldResult tight = trace_manifold_1d_ode(m, o);
  for (const ManifoldBranch& b : tight.branches) {
    EXPECT_EQ(b.stop, "bounds");
    EXPECT_EQ(b.segments.size(), 1u);
  }
}

TEST(Manifolds, OdeResampleGivesEqualArcLengthSpacing) {
  const FullModel m = build(kLinearOde);
  ManifoldOptions o{.kind = ManifoldKind::Unstable, .bounds = {{-3, 3}, {-3, 3}}};
  o.resample_h = 0.05;
  const ManifoldResult r = trace_manifold_1d_ode(m, o);
  for (const ManifoldBranch& b : r.branches) {
    ASSERT_EQ(b.segments.size(), 1u);
    const ManifoldSegment& s = b.segments[0];
    ASSERT_GT(s.count(), 50u);
    // The branch is the x axis: the spacing is the polyline's length / floor(length / h).
    const double length = std::abs(s.points[2 * (s.count() - 1)] - s.points[0]);
    const double h = length / std::floor(length / 0.05);
    EXPECT_GE(h, 0.05);
    for (size_t i = 1; i < s.count(); ++i)
      EXPECT_NEAR(std::hypot(s.points[2 * i] - s.points[2 * i - 2],
                             s.points[2 * i + 1] - s.points[2 * i - 1]),
                  h, 1e-12);
    EXPECT_EQ(s.count(), static_cast<size_t>(std::llround(length / h)) + 1);
  }
  o.resample_h.reset();
  const ManifoldResult raw = trace_manifold_1d_ode(m, o);
  for (const ManifoldBranch& b : raw.branches) {
    ASSERT_EQ(b.segments.size(), 1u);
    // Without resampling the segment is the traced points up to the last inside the bounds.
    const ManifoldSegment& s = b.segments[0];
    ASSERT_LT(s.count(), b.count());
    EXPECT_TRUE(std::equal(s.points.begin(), s.points.end(), b.points.begin()));
    EXPECT_LE(std::abs(s.points[2 * (s.count() - 1)]), 3);
    EXPECT_GT(std::abs(b.points[2 * s.count()]), 3);
  }
}

TEST(Manifolds, OdeMaxPointsAndMaxTime) {
  const FullModel m = build(kLinearOde);
  ManifoldOptions o{.kind = ManifoldKind::Unstable, .bounds = {{-3, 3}, {-3, 3}}, .max_points = 40};
  const ManifoldResult r = trace_manifold_1d_ode(m, o);
  for (const ManifoldBranch& b : r.branches) {
    EXPECT_EQ(b.stop, "max_points");
    EXPECT_EQ(b.count(), 40u);  // the fixed point, the seed and 38 RK4 steps
    EXPECT_NEAR(b.param.back(), 0.38, 1e-12);
  }
  o.max_points.reset();
  o.max_time = 0.5;
  const ManifoldResult t = trace_manifold_1d_ode(m, o);
  for (const ManifoldBranch& b : t.branches) {
    EXPECT_EQ(b.stop, "max_time");
    EXPECT_EQ(b.count(), 52u);  // ceil(0.5 / 0.01) steps
  }
}

TEST(Manifolds, MapClipMarginPiecesAndCaps) {
  // The Hénon stable manifold leaves the box and comes back many times: each return is a new
  // piece; the output is clipped to the bounds.
  const FullModel m = build("builtin://map/henon");
  ManifoldOptions o{.fp = henon_saddle(),
                    .kind = ManifoldKind::Stable,
                    .bounds = {{-2.5, 2.5}, {-2.5, 2.5}},
                    .clip_margin = 0.35,
                    .hmax = 1e-2,
                    .steps = 12};
  const ManifoldResult r = trace_manifold_1d_map(m, o);
  EXPECT_EQ(r.method, "inverse");
  const double lo = -2.5 - 5 * 0.35, hi = 2.5 + 5 * 0.35;
  size_t pieces = 0;
  for (const ManifoldBranch& b : r.branches) {
    pieces += b.piece_begin.size();
    for (double v : b.points) {
      EXPECT_GE(v, lo);
      EXPECT_LE(v, hi);
    }
    EXPECT_LE(b.segments.size(), 200u);
    for (const ManifoldSegment& s : b.segments) {
      EXPECT_GE(s.count(), 2u);
      for (double v : s.points) EXPECT_LE(std::abs(v), 2.5);
    }
    // Every piece but the first starts where the curve comes back into the margin box.
    for (size_t p = 1; p < b.piece_begin.size(); ++p) {
      const double* x = b.points.data() + 2 * b.piece_begin[p];
      EXPECT_GT(std::max(std::abs(x[0]), std::abs(x[1])), 2.5 + 5 * 0.35 - 0.05) << p;
    }
  }
  EXPECT_GT(pieces, 2u);
  // Caps.
  ManifoldOptions capped = o;
  capped.max_segments = 2;
  for (const ManifoldBranch& b : trace_manifold_1d_map(m, capped).branches) {
    EXPECT_LE(b.piece_begin.size(), 2u);
    EXPECT_LE(b.segments.size(), 2u);
  }
  capped = o;
  capped.max_points_per_segment = 30;
  for (const ManifoldBranch& b : trace_manifold_1d_map(m, capped).branches) {
    EXPECT_EQ(b.stop, "max_points_per_segment");
    EXPECT_EQ(b.count(), 30u);
    for (const ManifoldSegment& s : b.segments) EXPECT_LE(s.count(), 30u);
  }
}

TEST(Manifolds, StrictOneDimensionalAndFixedPointCheck) {
  const FullModel lorenz = build("builtin://ode/lorenz");
  const std::vector<std::pair<double, double>> box = {{-1, 1}, {-1, 1}, {-1, 1}};
  const std::string strict = error_of([&] {
    trace_manifold_1d_ode(lorenz, {.fp = {0, 0, 0}, .kind = ManifoldKind::Stable, .bounds = box});
  });
  EXPECT_TRUE(contains(strict, "not 1-D")) << strict;
  // strict_1d = false: the most contracting stable eigenvalue, as eig_rank = 0.
  const ManifoldResult loose = trace_manifold_1d_ode(
      lorenz, {.fp = {0, 0, 0}, .bounds = box, .max_time = 1, .strict_1d = false});
  const ManifoldResult ranked =
      trace_manifold_1d_ode(lorenz, {.fp = {0, 0, 0}, .bounds = box, .max_time = 1, .eig_rank = 0});
  EXPECT_EQ(loose.eig_index, ranked.eig_index);
  EXPECT_LT(loose.eigenvalue.real(), -20);
  // fp_check_tol: the point as given must be a fixed point to the tolerance.
  const FullModel henon = build("builtin://map/henon");
  const std::string rough = error_of([&] {
    trace_manifold_1d_map(henon, {.fp = {0.6, 0.2}, .kind = ManifoldKind::Unstable});
  });
  EXPECT_TRUE(contains(rough, "is not a fixed point within fp_check_tol")) << rough;
  const ManifoldOptions exact{.fp = henon_saddle(),
                              .kind = ManifoldKind::Unstable,
                              .bounds = {{-2, 2}, {-1, 1}},
                              .max_arclength = 0.5};
  const ManifoldResult a = trace_manifold_1d_map(henon, exact);
  ManifoldOptions unchecked = exact;
  unchecked.fp = {0.6, 0.2};
  unchecked.fp_check_tol.reset();  // Newton refines the rough point to the same saddle
  const ManifoldResult b = trace_manifold_1d_map(henon, unchecked);
  EXPECT_NEAR(a.fixed_point[0], b.fixed_point[0], 1e-13);
  ManifoldOptions tight = exact;
  tight.fp = {henon_saddle()[0] + 1e-5, henon_saddle()[1]};
  EXPECT_TRUE(contains(error_of([&] { trace_manifold_1d_map(henon, tight); }), "fp_check_tol"));
  tight.fp_check_tol = 1e-3;
  EXPECT_NO_THROW(trace_manifold_1d_map(henon, tight));
  // ODEs check |f(fp)|.
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_ode(build(kQuadraticSaddle),
                                               {.fp = {0.01, 0}, .bounds = {{-1, 1}, {-1, 1}}});
                       }),
                       "is not an equilibrium within fp_check_tol"));
}

TEST(Manifolds, DifferenceJacobianUsesFdEps) {
  // jac = Fd: the eigen-direction comes from forward differences of step fd_eps (1 + |x_j|); their
  // error in the Hénon Jacobian is a·fd_eps·(1 + |x|), so the eigenvalue moves with fd_eps.
  const FullModel henon = build("builtin://map/henon");
  const ManifoldOptions exact{.fp = henon_saddle(),
                              .kind = ManifoldKind::Unstable,
                              .bounds = {{-2, 2}, {-1, 1}},
                              .max_arclength = 0.1};
  const double lambda = trace_manifold_1d_map(henon, exact).eigenvalue.real();
  ManifoldOptions fd = exact;
  fd.jac = FixedPointJacobian::Fd;
  const ManifoldResult fine = trace_manifold_1d_map(henon, fd);
  fd.fd_eps = 1e-2;
  const ManifoldResult coarse = trace_manifold_1d_map(henon, fd);
  EXPECT_EQ(coarse.meta.at("fd_eps"), 1e-2);
  EXPECT_NEAR(fine.eigenvalue.real(), lambda, 1e-5);
  EXPECT_GT(std::abs(coarse.eigenvalue.real() - lambda), 1e-3);
  EXPECT_LT(std::abs(coarse.eigenvalue.real() - lambda), 0.1);
}

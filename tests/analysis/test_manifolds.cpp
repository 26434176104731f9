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
  const ManifoldResult r =
      trace_manifold_1d_map(m, {.kind = ManifoldKind::Unstable, .hmax = 0.05, .max_arclength = 3});
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
  const ManifoldResult r =
      trace_manifold_1d_map(m, {.kind = ManifoldKind::Stable, .hmax = 0.05, .max_arclength = 3});
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
    for (size_t i = 0; i < b.count(); ++i) EXPECT_LE(std::abs(b.points[2 * i + 1]), 1.5);
    EXPECT_GT(std::abs(b.points[b.points.size() - 1]), 1.4);
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
  const ManifoldResult un =
      trace_manifold_1d_ode(m, {.kind = ManifoldKind::Unstable, .max_arclength = 4});
  EXPECT_EQ(un.method, "flow");
  EXPECT_NEAR(un.eigenvalue.real(), 1, 1e-12);
  expect_on_line(un, {0, 0}, {1, 0}, 50);
  expect_spacing(un, 1e-2);
  const ManifoldResult st =
      trace_manifold_1d_ode(m, {.kind = ManifoldKind::Stable, .max_arclength = 4});
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
                                                     .max_arclength = 4});
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
                          .max_arclength = 2};
  const ManifoldResult a = trace_manifold_1d_map(interp, o);
  const ManifoldResult b = trace_manifold_1d_map(native, o);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(a.branches[k].points, b.branches[k].points);
    EXPECT_EQ(a.branches[k].param, b.branches[k].param);
  }
  const FullModel oi = build("builtin://ode/lorenz");
  const FullModel on = build("builtin://ode/lorenz", {.jit = true});
  const ManifoldOptions lo{.fp = {0, 0, 0}, .kind = ManifoldKind::Unstable, .max_arclength = 20};
  const ManifoldResult c = trace_manifold_1d_ode(oi, lo);
  const ManifoldResult d = trace_manifold_1d_ode(on, lo);
  for (int k = 0; k < 2; ++k) {
    EXPECT_GT(c.branches[k].count(), 100u);
    EXPECT_EQ(c.branches[k].points, d.branches[k].points);
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
                                                       .max_arclength = 6});
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
    trace_manifold_1d_map(
        henon, {.fp = {0.9, 0.27}, .kind = ManifoldKind::Unstable, .params = {{"a", 0.1}}});
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
                         trace_manifold_1d_map(build(kLinearMap),
                                               {.inverse = ManifoldInverse::Model});
                       }),
                       "has no [equations.inverse]"));
  // Lorenz's origin has two stable eigenvalues: not 1-D without eig_rank.
  const FullModel lorenz = build("builtin://ode/lorenz");
  EXPECT_TRUE(contains(error_of([&] {
                         trace_manifold_1d_ode(lorenz, {.fp = {0, 0, 0}});
                       }),
                       "not 1-D"));
  const ManifoldResult ranked =
      trace_manifold_1d_ode(lorenz, {.fp = {0, 0, 0}, .max_arclength = 1, .eig_rank = 0});
  EXPECT_LT(ranked.eigenvalue.real(), -10);
}

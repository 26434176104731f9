// find_fixed_points(): equilibria and periodic points at their analytic locations with their
// analytic eigenvalues (Lorenz, Hénon, the logistic map's period doubling), the stability labels
// on linear systems, the Jacobian modes, deduplication of points and of cycles, errors, and
// non-convergence reported rather than thrown; the native kernel gives the interpreter's bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

using namespace dynlib;

namespace {

using analysis_test::contains;
using analysis_test::error_of;
using analysis_test::same_bits;

std::vector<double> real_parts_sorted(const FixedPoint& p) {
  std::vector<double> r;
  for (auto l : p.eigenvalues) r.push_back(l.real());
  std::sort(r.begin(), r.end());
  return r;
}

// The point of `r` nearest to `x`.
const FixedPoint& nearest(const FixedPointResult& r, const std::vector<double>& x) {
  auto dist = [&](const FixedPoint& p) {
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += (p.x[i] - x[i]) * (p.x[i] - x[i]);
    return s;
  };
  return *std::min_element(r.points.begin(), r.points.end(),
                           [&](const auto& a, const auto& b) { return dist(a) < dist(b); });
}

constexpr double kSigma = 10.0, kRho = 28.0, kBeta = 8.0 / 3.0;

// x' = a x + b y, y' = c x + d y (flow or map): the fixed point is the origin and the
// eigenvalues are those of [[a, b], [c, d]].
std::string linear_model(const char* kind) {
  return std::string("inline:\n[model]\ntype='") + kind +
         "'\nname='linear'\n[states]\nx=0.3\ny=-0.2\n[params]\na=0.0\nb=0.0\nc=0.0\nd=0.0\n"
         "[equations.rhs]\nx='a*x + b*y'\ny='c*x + d*y'\n";
}

}  // namespace

TEST(FixedPoints, LorenzEquilibriaAndEigenvaluesAreAnalytic) {
  const FullModel m = build("builtin://ode/lorenz");
  const double c = std::sqrt(kBeta * (kRho - 1));
  const FixedPointResult r =
      find_fixed_points(m, {.seeds = {{0.5, -0.3, 0.2}, {8, 8, 25}, {-8, -9, 28}, {9, 7, 26}}});
  EXPECT_EQ(r.kind, "ode");
  ASSERT_EQ(r.points.size(), 3u);  // the 4th seed finds C+ again
  EXPECT_EQ(r.cycles, 3);
  for (const auto& s : r.seeds) EXPECT_TRUE(s.converged) << s.message;
  EXPECT_EQ(r.seeds[1].point, r.seeds[3].point);

  const FixedPoint& origin = nearest(r, {0, 0, 0});
  // Newton stops at ||f|| <= tol = 1e-10, so the point is that accurate (|f'| is O(1) here).
  for (double v : origin.x) EXPECT_NEAR(v, 0.0, 1e-10);
  EXPECT_LE(origin.residual, 1e-10);
  // Eigenvalues at the origin: -beta and (-(sigma+1) ± sqrt((sigma+1)^2 + 4 sigma (rho-1))) / 2.
  const double disc = std::sqrt((kSigma + 1) * (kSigma + 1) + 4 * kSigma * (kRho - 1));
  std::vector<double> expected = {(-(kSigma + 1) - disc) / 2, -kBeta, (-(kSigma + 1) + disc) / 2};
  const std::vector<double> got = real_parts_sorted(origin);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(got[i], expected[i], 1e-10);
  for (auto l : origin.eigenvalues) EXPECT_EQ(l.imag(), 0.0);
  EXPECT_EQ(origin.stability, "saddle");
  EXPECT_EQ(origin.type, "saddle");

  for (double sign : {1.0, -1.0}) {
    const FixedPoint& p = nearest(r, {sign * c, sign * c, kRho - 1});
    EXPECT_NEAR(p.x[0], sign * c, 1e-12);
    EXPECT_NEAR(p.x[1], sign * c, 1e-12);
    EXPECT_NEAR(p.x[2], kRho - 1, 1e-12);
    // Eigenvalues of C±: roots of l^3 + (sigma+beta+1) l^2 + beta (sigma+rho) l
    // + 2 sigma beta (rho-1); at rho = 28 one real negative root and an unstable complex pair.
    int complex_count = 0;
    for (auto l : p.eigenvalues) {
      const std::complex<double> poly = l * l * l + (kSigma + kBeta + 1) * l * l +
                                        kBeta * (kSigma + kRho) * l +
                                        2 * kSigma * kBeta * (kRho - 1);
      EXPECT_LT(std::abs(poly), 1e-9) << l;
      if (l.imag() != 0) {
        ++complex_count;
        EXPECT_GT(l.real(), 0);
      }
    }
    EXPECT_EQ(complex_count, 2);
    EXPECT_EQ(p.stability, "saddle");
    EXPECT_EQ(p.type, "saddle-focus");
    // Eigenvectors: J v = l v for each column.
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i) {
        std::complex<double> jv = 0;
        for (int k = 0; k < 3; ++k) jv += p.jacobian[i * 3 + k] * p.eigenvectors[k * 3 + j];
        EXPECT_LT(std::abs(jv - p.eigenvalues[j] * p.eigenvectors[i * 3 + j]), 1e-10);
      }
  }
}

TEST(FixedPoints, LorenzBelowRhoOneHasOnlyAStableNode) {
  const FullModel m = build("builtin://ode/lorenz");
  const FixedPointResult r =
      find_fixed_points(m, {.seeds = {{3, 3, 3}, {-1, 2, 0.5}}, .params = {{"rho", 0.5}}});
  EXPECT_EQ(r.params[1], 0.5);
  ASSERT_EQ(r.points.size(), 1u);
  for (double v : r.points[0].x) EXPECT_NEAR(v, 0.0, 1e-12);
  EXPECT_EQ(r.points[0].stability, "stable");
  EXPECT_EQ(r.points[0].type, "stable node");
}

TEST(FixedPoints, HenonFixedPointsAndEigenvaluesAreAnalytic) {
  const FullModel m = build("builtin://map/henon");
  const double a = 1.4, b = 0.3;
  const FixedPointResult r = find_fixed_points(m, {.seeds = {{0.6, 0.2}, {-1.1, -0.3}}});
  EXPECT_EQ(r.kind, "map");
  ASSERT_EQ(r.points.size(), 2u);
  for (double sign : {1.0, -1.0}) {
    // x = b x... : a x^2 + (1 - b) x - 1 = 0, y = b x.
    const double x = (-(1 - b) + sign * std::sqrt((1 - b) * (1 - b) + 4 * a)) / (2 * a);
    const FixedPoint& p = nearest(r, {x, b * x});
    EXPECT_NEAR(p.x[0], x, 1e-12);
    EXPECT_NEAR(p.x[1], b * x, 1e-12);
    EXPECT_EQ(p.period, 1);
    // Eigenvalues of [[-2 a x, 1], [b, 0]]: -a x ± sqrt(a^2 x^2 + b).
    const double root = std::sqrt(a * a * x * x + b);
    std::vector<double> expected = {-a * x - root, -a * x + root};
    const std::vector<double> got = real_parts_sorted(p);
    EXPECT_NEAR(got[0], expected[0], 1e-12);
    EXPECT_NEAR(got[1], expected[1], 1e-12);
    EXPECT_EQ(p.stability, "saddle");
    EXPECT_EQ(p.type, "saddle");
    // The Jacobian reported is the map's, not the residual's.
    EXPECT_NEAR(p.jacobian[0], -2 * a * x, 1e-12);
    EXPECT_EQ(p.jacobian[1], 1.0);
  }
}

TEST(FixedPoints, HenonPeriodTwoCycleIsOneGroupedCycle) {
  const FullModel m = build("builtin://map/henon");
  // The period-2 orbit of the Hénon map at a = 1.4, b = 0.3: x solves
  // a x^2 - (1 - b) x + (1 - b)^2 / a - 1 = 0, and y = b x' with x' the other point.
  const double a = 1.4, b = 0.3;
  const double disc = std::sqrt((1 - b) * (1 - b) - 4 * a * ((1 - b) * (1 - b) / a - 1));
  const double x1 = ((1 - b) - disc) / (2 * a), x2 = ((1 - b) + disc) / (2 * a);
  const FixedPointResult r = find_fixed_points(
      m, {.seeds = {{x1 + 0.01, b * x2}, {x2 - 0.01, b * x1 + 0.01}}, .period = 2});
  ASSERT_EQ(r.cycles, 1);
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].period, 2);
  EXPECT_EQ(r.points[1].cycle, 0);
  // In orbit order: F(p0) = p1 and F(p1) = p0.
  const std::vector<double> f0 = m.rhs(0, r.points[0].x), f1 = m.rhs(0, r.points[1].x);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(f0[i], r.points[1].x[i], 1e-12);
    EXPECT_NEAR(f1[i], r.points[0].x[i], 1e-12);
  }
  const double lo = std::min(r.points[0].x[0], r.points[1].x[0]);
  const double hi = std::max(r.points[0].x[0], r.points[1].x[0]);
  EXPECT_NEAR(lo, x1, 1e-12);
  EXPECT_NEAR(hi, x2, 1e-12);
  // Both seeds landed on this cycle, one on each point; det D(F^2) = b^2.
  EXPECT_NE(r.seeds[0].point, r.seeds[1].point);
  const auto& J = r.points[0].jacobian;
  EXPECT_NEAR(J[0] * J[3] - J[1] * J[2], b * b, 1e-12);
  EXPECT_EQ(r.points[0].type, r.points[1].type);
}

TEST(FixedPoints, LogisticFixedPointsFlipAtRThree) {
  const FullModel m = build("builtin://map/logistic");
  for (double rr : {2.8, 3.0, 3.2}) {
    SCOPED_TRACE(rr);
    const FixedPointResult r =
        find_fixed_points(m, {.seeds = {{0.01}, {0.6}, {0.9}}, .params = {{"r", rr}}});
    ASSERT_EQ(r.points.size(), 2u);
    const FixedPoint& zero = nearest(r, {0.0});
    const FixedPoint& p = nearest(r, {1 - 1 / rr});
    EXPECT_NEAR(zero.x[0], 0.0, 1e-14);
    EXPECT_NEAR(p.x[0], 1 - 1 / rr, 1e-14);
    EXPECT_NEAR(zero.eigenvalues[0].real(), rr, 1e-12);
    EXPECT_NEAR(p.eigenvalues[0].real(), 2 - rr, 1e-12);  // F'(1 - 1/r) = 2 - r
    EXPECT_EQ(zero.type, "unstable node");
    if (rr < 3) {
      EXPECT_EQ(p.type, "stable node");
    }
    if (rr == 3.0) {
      EXPECT_EQ(p.type, "flip");
      EXPECT_EQ(p.stability, "neutral");
    }
    if (rr > 3) {
      EXPECT_EQ(p.stability, "unstable");
    }
  }
}

TEST(FixedPoints, LogisticPeriodTwoAppearsAtThreeAndLosesStabilityAtOnePlusRootSix) {
  const FullModel m = build("builtin://map/logistic");
  const double r_flip = 1 + std::sqrt(6.0);
  // Below r = 3 no period-2 cycle exists: every solution of F^2(x) = x has period 1.
  {
    const FixedPointResult r = find_fixed_points(
        m, {.seeds = {{0.3}, {0.5}, {0.7}, {0.85}}, .params = {{"r", 2.9}}, .period = 2});
    ASSERT_FALSE(r.points.empty());
    for (const auto& p : r.points) {
      EXPECT_EQ(p.period, 1) << p.x[0];
      // Residual and eigenvalue are those of F itself: F(x) = x, F'(x) = r (1 - 2x).
      EXPECT_EQ(p.residual, std::fabs(m.rhs(0, p.x, {2.9})[0] - p.x[0]));
      EXPECT_NEAR(p.eigenvalues[0].real(), 2.9 * (1 - 2 * p.x[0]), 1e-12);
    }
  }
  for (double rr : {3.2, 3.4, r_flip, 3.5}) {
    SCOPED_TRACE(rr);
    const FixedPointResult r = find_fixed_points(
        m, {.seeds = {{0.45}, {0.85}, {0.5}, {0.8}}, .params = {{"r", rr}}, .period = 2});
    std::vector<const FixedPoint*> cycle;
    for (const auto& p : r.points)
      if (p.period == 2) cycle.push_back(&p);
    ASSERT_EQ(cycle.size(), 2u);  // one cycle of two points, however many seeds found it
    EXPECT_EQ(cycle[0]->cycle, cycle[1]->cycle);
    // x = (r + 1 ± sqrt((r - 3)(r + 1))) / (2 r); multiplier (F^2)' = -r^2 + 2 r + 4.
    const double root = std::sqrt((rr - 3) * (rr + 1));
    const double lo = (rr + 1 - root) / (2 * rr), hi = (rr + 1 + root) / (2 * rr);
    EXPECT_NEAR(std::min(cycle[0]->x[0], cycle[1]->x[0]), lo, 1e-13);
    EXPECT_NEAR(std::max(cycle[0]->x[0], cycle[1]->x[0]), hi, 1e-13);
    const double multiplier = -rr * rr + 2 * rr + 4;
    for (const FixedPoint* p : cycle) EXPECT_NEAR(p->eigenvalues[0].real(), multiplier, 1e-12);
    if (rr < r_flip) {  // a real multiplier inside the unit circle
      EXPECT_EQ(cycle[0]->stability, "stable");
      EXPECT_EQ(cycle[0]->type, "stable node");
    } else if (rr == r_flip) {
      EXPECT_EQ(cycle[0]->stability, "neutral");
      EXPECT_EQ(cycle[0]->type, "flip");
    } else {
      EXPECT_EQ(cycle[0]->stability, "unstable");
      EXPECT_EQ(cycle[0]->type, "unstable node");
    }
  }
}

TEST(FixedPoints, FlowTypesOnLinearSystems) {
  const FullModel m = build(linear_model("ode"));
  struct Case {
    double a, b, c, d;
    const char* stability;
    const char* type;
  };
  const Case cases[] = {
      {-1, 0, 0, -2, "stable", "stable node"},     {1, 0, 0, 2, "unstable", "unstable node"},
      {1, 0, 0, -1, "saddle", "saddle"},           {-1, 2, -2, -1, "stable", "stable focus"},
      {1, 2, -2, 1, "unstable", "unstable focus"}, {0, 1, -1, 0, "neutral", "centre"},
      {0, 0, 0, -1, "neutral", "non-hyperbolic"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    const FixedPointResult r = find_fixed_points(
        m, {.param_values = std::vector<double>{c.a, c.b, c.c, c.d}, .max_iter = 5});
    ASSERT_EQ(r.points.size(), 1u) << r.seeds[0].message;
    EXPECT_EQ(r.points[0].stability, c.stability);
    EXPECT_EQ(r.points[0].type, c.type);
  }
}

TEST(FixedPoints, MapTypesOnLinearSystemsByModulus) {
  const FullModel m = build(linear_model("map"));
  const double co = 0.6, si = 0.8;  // a rotation: eigenvalues on the unit circle, not real
  struct Case {
    double a, b, c, d;
    const char* stability;
    const char* type;
  };
  const Case cases[] = {
      {0.5, 0, 0, -0.3, "stable", "stable node"},
      {2, 0, 0, -3, "unstable", "unstable node"},
      {0.5, 0, 0, 2, "saddle", "saddle"},
      {0.5 * co, -0.5 * si, 0.5 * si, 0.5 * co, "stable", "stable focus"},
      {2 * co, -2 * si, 2 * si, 2 * co, "unstable", "unstable focus"},
      {co, -si, si, co, "neutral", "centre"},
      {-1, 0, 0, 0.5, "neutral", "flip"},
      {1, 0, 0, 0.5, "neutral", "fold"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    const FixedPointResult r = find_fixed_points(
        m, {.param_values = std::vector<double>{c.a, c.b, c.c, c.d}, .max_iter = 5});
    ASSERT_EQ(r.points.size(), 1u) << r.seeds[0].message;
    EXPECT_EQ(r.points[0].stability, c.stability);
    EXPECT_EQ(r.points[0].type, c.type);
  }
}

TEST(FixedPoints, JacobianModesAgree) {
  const FullModel symbolic = build("builtin://ode/lorenz");
  const FullModel user = build("builtin://ode/lorenz", {.jacobian = "user"});
  const std::vector<std::vector<double>> seeds = {{7, 7, 20}, {-7, -9, 30}, {0.3, 0.2, -0.1}};
  const FixedPointResult base = find_fixed_points(symbolic, {.seeds = seeds});
  ASSERT_EQ(base.points.size(), 3u);
  struct Mode {
    const FullModel* model;
    FixedPointJacobian jac;
    bool central;
    double jacobian_tol;
  };
  for (const Mode& mode : {Mode{&user, FixedPointJacobian::Provided, false, 1e-12},
                           Mode{&symbolic, FixedPointJacobian::Fd, false, 1e-3},
                           Mode{&symbolic, FixedPointJacobian::Fd, true, 1e-6}}) {
    SCOPED_TRACE(std::string(fixed_point_jacobian_name(mode.jac)) +
                 (mode.central ? " central" : ""));
    const FixedPointResult r = find_fixed_points(
        *mode.model, {.seeds = seeds, .jac = mode.jac, .fd_central = mode.central});
    ASSERT_EQ(r.points.size(), base.points.size());
    for (size_t i = 0; i < r.points.size(); ++i) {
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(r.points[i].x[k], base.points[i].x[k], 1e-10);
      for (int k = 0; k < 9; ++k)
        EXPECT_NEAR(r.points[i].jacobian[k], base.points[i].jacobian[k], mode.jacobian_tol);
      EXPECT_EQ(r.points[i].type, base.points[i].type);
    }
  }
  // Maps with period 2: the chain-rule Jacobian of F^2 against differences of F^2.
  const FullModel henon = build("builtin://map/henon");
  const FixedPointOptions p2{.seeds = {{-0.5, 0.3}, {1.0, -0.1}}, .period = 2};
  FixedPointOptions p2_fd = p2;
  p2_fd.jac = FixedPointJacobian::Fd;
  p2_fd.fd_central = true;
  const FixedPointResult chain = find_fixed_points(henon, p2),
                         diff = find_fixed_points(henon, p2_fd);
  ASSERT_EQ(chain.points.size(), diff.points.size());
  ASSERT_EQ(chain.cycles, 1);
  for (const FixedPoint& p : chain.points) {
    EXPECT_EQ(p.period, 2);
    const FixedPoint& q = nearest(diff, p.x);
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(p.jacobian[k], q.jacobian[k], 1e-6);
  }
}

TEST(FixedPoints, DuplicatesMergeUnlessUniqueTolIsOff) {
  const FullModel m = build("builtin://map/logistic");
  const FixedPointOptions o{.seeds = {{0.7}, {0.72}, {0.8}, {0.05}}, .params = {{"r", 2.5}}};
  const FixedPointResult merged = find_fixed_points(m, o);
  ASSERT_EQ(merged.points.size(), 2u);
  EXPECT_EQ(merged.seeds[0].point, merged.seeds[1].point);
  EXPECT_EQ(merged.seeds[0].point, merged.seeds[2].point);
  EXPECT_NE(merged.seeds[0].point, merged.seeds[3].point);
  FixedPointOptions keep = o;
  keep.unique_tol = 0;
  const FixedPointResult all = find_fixed_points(m, keep);
  ASSERT_EQ(all.points.size(), 4u);
  for (size_t s = 0; s < 4; ++s) EXPECT_EQ(all.seeds[s].point, static_cast<int>(s));
}

TEST(FixedPoints, NonConvergenceIsReportedWithWhereNewtonEnded) {
  // x' = x^2 + c has no real root for c > 0; a seed with NaN never gets a finite value.
  const FullModel m = build(
      "inline:\n[model]\ntype='ode'\nname='noroot'\n[states]\nx=0.5\n[params]\nc=1.0\n"
      "[equations.rhs]\nx='x*x + c'\n");
  const FixedPointResult r =
      find_fixed_points(m, {.seeds = {{0.5}, {std::nan("")}}, .max_iter = 20});
  EXPECT_TRUE(r.points.empty());
  ASSERT_EQ(r.seeds.size(), 2u);
  EXPECT_FALSE(r.seeds[0].converged);
  EXPECT_EQ(r.seeds[0].iterations, 20);
  EXPECT_GE(r.seeds[0].residual, 1.0);  // |x^2 + 1| >= 1 wherever Newton went
  EXPECT_EQ(r.seeds[0].x.size(), 1u);
  EXPECT_TRUE(contains(r.seeds[0].message, "no convergence in 20 Newton steps"))
      << r.seeds[0].message;
  EXPECT_EQ(r.seeds[0].point, -1);
  EXPECT_FALSE(r.seeds[1].converged);
  EXPECT_TRUE(contains(r.seeds[1].message, "not finite")) << r.seeds[1].message;
  // With c < 0 the same model converges: x = ±sqrt(-c).
  const FixedPointResult ok =
      find_fixed_points(m, {.seeds = {{0.5}, {-3}}, .params = {{"c", -2.0}}});
  ASSERT_EQ(ok.points.size(), 2u);
  EXPECT_NEAR(nearest(ok, {1.4}).x[0], std::sqrt(2.0), 1e-14);
  EXPECT_EQ(nearest(ok, {1.4}).type, "unstable node");
  EXPECT_EQ(nearest(ok, {-1.4}).type, "stable node");
}

TEST(FixedPoints, Float32ModelsConvergeToTheirPrecision) {
  const FullModel m = build("builtin://map/henon", {.dtype = "float32"});
  const FixedPointResult strict = find_fixed_points(m, {.seeds = {{0.6, 0.2}}});
  ASSERT_FALSE(strict.seeds[0].converged);
  EXPECT_TRUE(contains(strict.seeds[0].message, "use tol ~ 1e-5")) << strict.seeds[0].message;
  const FixedPointResult loose = find_fixed_points(m, {.seeds = {{0.6, 0.2}}, .tol = 1e-5});
  ASSERT_EQ(loose.points.size(), 1u);
  const double a = 1.4, b = 0.3;
  const double x = (-(1 - b) + std::sqrt((1 - b) * (1 - b) + 4 * a)) / (2 * a);
  EXPECT_NEAR(loose.points[0].x[0], x, 1e-5);
}

TEST(FixedPoints, BadInputIsAPreciseError) {
  const FullModel lorenz = build("builtin://ode/lorenz");
  std::string msg = error_of([&] { find_fixed_points(lorenz, {.seeds = {{1, 2}}}); });
  EXPECT_TRUE(contains(msg, "seed 0 has 2 values")) << msg;
  EXPECT_TRUE(contains(msg, "3 states (x, y, z)")) << msg;
  msg = error_of([&] { find_fixed_points(lorenz, {.params = {{"rh", 1.0}}}); });
  EXPECT_TRUE(contains(msg, "did you mean 'rho'")) << msg;
  msg = error_of([&] { find_fixed_points(lorenz, {.params = {{"x", 1.0}}}); });
  EXPECT_TRUE(contains(msg, "'x' is a state")) << msg;
  msg = error_of([&] { find_fixed_points(lorenz, {.param_values = std::vector<double>{1, 2}}); });
  EXPECT_TRUE(contains(msg, "has 3 (sigma, rho, beta)")) << msg;
  msg = error_of([&] { find_fixed_points(lorenz, {.period = 2}); });
  EXPECT_TRUE(contains(msg, "ODE")) << msg;
  msg = error_of([&] { find_fixed_points(lorenz, {.tol = 0}); });
  EXPECT_TRUE(contains(msg, "tol must be > 0")) << msg;
  msg = error_of([&] { named_seed(lorenz, {{"zz", 1.0}}); });
  EXPECT_TRUE(contains(msg, "did you mean 'z'")) << msg;
  EXPECT_EQ(named_seed(lorenz, {{"y", 5.0}}), (std::vector<double>{1, 5, 1}));

  const FullModel henon = build("builtin://map/henon");
  msg = error_of([&] { find_fixed_points(henon, {.period = 0}); });
  EXPECT_TRUE(contains(msg, "period must be >= 1")) << msg;

  const FullModel collatz = build("builtin://map/collatz");
  msg = error_of([&] { find_fixed_points(collatz); });
  EXPECT_TRUE(contains(msg, "int64")) << msg;

  const FullModel no_jacobian = build(linear_model("ode"));
  msg = error_of([&] { find_fixed_points(no_jacobian, {.jac = FixedPointJacobian::Provided}); });
  EXPECT_TRUE(contains(msg, "[equations.jacobian]")) << msg;
  msg = error_of([&] { parse_fixed_point_jacobian("exact"); });
  EXPECT_TRUE(contains(msg, "'auto', 'fd'")) << msg;
  EXPECT_EQ(parse_fixed_point_jacobian("Analytic"), FixedPointJacobian::Provided);
}

TEST(FixedPoints, ProgressAndStop) {
  const FullModel m = build("builtin://map/logistic");
  std::vector<size_t> done;
  std::atomic<bool> stop{false};
  const FixedPointOptions o{.seeds = {{0.1}, {0.5}, {0.9}},
                            .progress =
                                [&](size_t d, size_t total) {
                                  EXPECT_EQ(total, 3u);
                                  done.push_back(d);
                                  if (d == 2) stop.store(true);
                                },
                            .stop = &stop};
  const FixedPointResult r = find_fixed_points(m, o);
  EXPECT_EQ(done, (std::vector<size_t>{1, 2}));
  EXPECT_TRUE(r.stopped);
  EXPECT_TRUE(r.seeds[0].converged);
  EXPECT_FALSE(r.seeds[2].converged);
  EXPECT_TRUE(contains(r.seeds[2].message, "stopped"));
}

TEST(FixedPoints, NativeKernelGivesTheInterpretersBits) {
  const FixedPointOptions o{.seeds = {{7, 7, 20}, {-7, -9, 30}, {0.3, 0.2, -0.1}}};
  const FullModel interp = build("builtin://ode/lorenz");
  const FullModel native = build("builtin://ode/lorenz", {.jit = true});
  ASSERT_TRUE(native.is_jitted());
  const FixedPointResult a = find_fixed_points(interp, o), b = find_fixed_points(native, o);
  ASSERT_EQ(a.points.size(), b.points.size());
  for (size_t i = 0; i < a.points.size(); ++i) {
    for (size_t k = 0; k < 3; ++k) EXPECT_TRUE(same_bits(a.points[i].x[k], b.points[i].x[k]));
    EXPECT_TRUE(same_bits(a.points[i].residual, b.points[i].residual));
    for (size_t k = 0; k < 9; ++k)
      EXPECT_TRUE(same_bits(a.points[i].jacobian[k], b.points[i].jacobian[k]));
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_TRUE(same_bits(a.points[i].eigenvalues[k].real(), b.points[i].eigenvalues[k].real()));
      EXPECT_TRUE(same_bits(a.points[i].eigenvalues[k].imag(), b.points[i].eigenvalues[k].imag()));
    }
  }
  for (size_t s = 0; s < a.seeds.size(); ++s)
    EXPECT_EQ(a.seeds[s].iterations, b.seeds[s].iterations);
}

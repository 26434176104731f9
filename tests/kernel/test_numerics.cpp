// Mathematics of the steppers: convergence orders, exact solutions, invariants, closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernel/test_models.hpp"
#include "kernel/test_wrapper.hpp"

namespace dynlib::kernel::testing {
namespace {

// Global error at T = 2 for y' = y cos t, y(0) = 1, fixed step with n steps.
double sinexp_error(const char* stepper, long long n) {
  Sim<SinExp> s(SinExp{}, stepper, {1.0}, {});
  s.a.record = 0;
  s.fixed(0, 2.0 / n, n);
  EXPECT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.a.t, 2.0);
  return std::fabs(s.y[0] - std::exp(std::sin(2.0)));
}

struct OrderCase {
  const char* stepper;
  double order;
  long long n0;
};

class ConvergenceOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(ConvergenceOrder, ObservedOrderMatchesNominal) {
  const OrderCase c = GetParam();
  std::vector<double> err;
  for (long long n = c.n0; n <= c.n0 * 8; n *= 2) err.push_back(sinexp_error(c.stepper, n));
  for (size_t i = 1; i < err.size(); ++i) {
    const double observed = std::log2(err[i - 1] / err[i]);
    EXPECT_NEAR(observed, c.order, 0.15) << c.stepper << " n=" << c.n0 * (1 << (i - 1));
  }
  EXPECT_EQ(kSteppers[find_stepper(c.stepper)].order, (int)c.order);
}

INSTANTIATE_TEST_SUITE_P(FixedStep, ConvergenceOrder,
                         ::testing::Values(OrderCase{"euler", 1, 400}, OrderCase{"rk2", 2, 100},
                                           OrderCase{"rk4", 4, 20}, OrderCase{"ab2", 2, 100},
                                           OrderCase{"ab3", 3, 200}),
                         [](const auto& info) { return std::string(info.param.stepper); });

// With a huge tolerance and dt_max = h, rk45 takes fixed steps: its propagated solution is 5th
// order.
TEST(RK45, FifthOrderOnFixedSteps) {
  std::vector<double> err;
  for (long long n = 10; n <= 80; n *= 2) {
    Sim<SinExp> s(SinExp{}, "rk45", {1.0}, {});
    s.a.record = 0;
    s.adaptive(0, 2, 1e10);
    s.a.dt = s.a.dt_max = 2.0 / n;
    ASSERT_EQ(s.run_all(), DONE);
    EXPECT_EQ(s.a.n_accepted, n);
    EXPECT_EQ(s.a.n_rejected, 0);
    err.push_back(std::fabs(s.y[0] - std::exp(std::sin(2.0))));
  }
  for (size_t i = 1; i < err.size(); ++i)
    EXPECT_NEAR(std::log2(err[i - 1] / err[i]), 5, 0.3) << err[i - 1] << " " << err[i];
}

// The global error follows the tolerance over 7 decades: monotone, and roughly proportional.
TEST(RK45, GlobalErrorTracksTolerance) {
  for (int controller : {CONTROLLER_STANDARD, CONTROLLER_PI}) {
    std::vector<double> tols, errs;
    for (int k = 3; k <= 10; ++k) {
      const double tol = std::pow(10.0, -k);
      Sim<Harmonic> s(Harmonic{}, "rk45", {1.0, 0.0}, {1.0});
      s.a.record = 0;
      s.adaptive(0, 10, tol);
      s.a.controller = controller;
      ASSERT_EQ(s.run_all(), DONE);
      EXPECT_EQ(s.a.t, 10.0);  // the last step lands exactly on t_end
      const double e = std::hypot(s.y[0] - std::cos(10.0), s.y[1] + std::sin(10.0));
      tols.push_back(tol);
      errs.push_back(e);
    }
    for (size_t i = 1; i < errs.size(); ++i) {
      EXPECT_LT(errs[i], errs[i - 1]) << "tol " << tols[i];
      // Each decade of tolerance buys between 0.5 and 1.5 decades of accuracy.
      const double decades = std::log10(errs[i - 1] / errs[i]);
      EXPECT_GT(decades, 0.5) << "tol " << tols[i];
      EXPECT_LT(decades, 1.5) << "tol " << tols[i];
    }
    const double slope =
        std::log10(errs.front() / errs.back()) / std::log10(tols.front() / tols.back());
    EXPECT_NEAR(slope, 1.0, 0.25) << "controller " << controller;
    for (size_t i = 0; i < errs.size(); ++i) EXPECT_LT(errs[i], 100 * tols[i]);
  }
}

TEST(RK45, CountersAndStepLimits) {
  Sim<SinExp> s(SinExp{}, "rk45", {1.0}, {});
  s.adaptive(0, 20, 1e-8);
  s.a.dt_max = 0.05;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_GE(s.a.n_accepted, 400);  // dt_max bounds the step: >= 20 / 0.05 steps
  for (long long r = 1; r < s.rows(); ++r) EXPECT_LE(s.rec_t[r] - s.rec_t[r - 1], 0.05 + 1e-15);
  EXPECT_EQ(s.a.n_rhs, 6 * (s.a.n_accepted + s.a.n_rejected) + 2 /* initial guess */);
  EXPECT_NEAR(s.y[0], std::exp(std::sin(20.0)), 1e-6);
}

TEST(RK45, StepFailOnDtMin) {
  Sim<SinExp> s(SinExp{}, "rk45", {1.0}, {});
  s.adaptive(0, 20, 1e-12);
  s.a.dt = 0.5;
  s.a.dt_min = 0.1;  // far too coarse for 1e-12
  EXPECT_EQ(s.run_all(), STEPFAIL);
  EXPECT_EQ(s.a.exit_reason, EXIT_DT_UNDERFLOW);

  Sim<SinExp> r(SinExp{}, "rk45", {1.0}, {});
  r.adaptive(0, 20, 1e-12);
  r.a.dt = 0.5;
  r.a.max_rejects = 1;
  EXPECT_EQ(r.run_all(), STEPFAIL);
  EXPECT_EQ(r.a.exit_reason, EXIT_TOO_MANY_REJECTS);
  EXPECT_EQ(r.a.step, 0);
  EXPECT_EQ(r.y[0], 1.0);  // a failed step commits nothing
}

TEST(Steppers, ExpDecayMatchesExp) {
  for (auto [name, tol] : {std::pair{"rk4", 1e-9}, {"rk45", 1e-8}, {"ab3", 1e-6}}) {
    Sim<ExpDecay<double>> s(ExpDecay<double>{}, name, {2.0}, {0.7});
    if (kSteppers[s.stepper].adaptive)
      s.adaptive(0, 5, 1e-10);
    else
      s.fixed(0, 0.01, 500);
    ASSERT_EQ(s.run_all(), DONE) << name;
    for (long long r = 0; r < s.rows(); ++r) {
      const double exact = 2 * std::exp(-0.7 * s.rec_t[r]);
      EXPECT_NEAR(s.rec(r, 0), exact, tol * exact) << name << " row " << r;
      EXPECT_NEAR(s.rec(r, 1), exact * exact, 3 * tol * exact * exact) << name << " aux row " << r;
    }
  }
}

TEST(Steppers, FloatModelComputesInFloat) {
  Sim<ExpDecay<float>> s(ExpDecay<float>{}, "rk4", {1.0f}, {1.0f});
  s.fixed(0, 0.125f, 8);
  ASSERT_EQ(s.run_all(), DONE);
  static_assert(std::is_same_v<decltype(s.a.t), float>);
  EXPECT_EQ(s.a.t, 1.0f);
  EXPECT_NEAR(s.y[0], std::exp(-1.0f), 1e-6f);

  Sim<ExpDecay<float>> r(ExpDecay<float>{}, "rk45", {1.0f}, {1.0f});
  r.adaptive(0, 3, 1e-5f);
  ASSERT_EQ(r.run_all(), DONE);
  EXPECT_EQ(r.a.t, 3.0f);
  for (long long k = 0; k < r.rows(); ++k)
    EXPECT_NEAR(r.rec(k, 0), std::exp(-r.rec_t[k]), 1e-4f) << k;
}

// RK4 on the harmonic oscillator multiplies the energy by |R(ih)|^2 = 1 - h^6/72 + O(h^8) per step:
// the drift is tiny, one-signed, and predicted exactly.
TEST(Steppers, RK4HarmonicEnergyDrift) {
  const double h = 0.01;
  const long long n = 100000;
  Sim<Harmonic> s(Harmonic{}, "rk4", {1.0, 0.0}, {1.0});
  s.a.record_interval = 1000;
  s.fixed(0, h, n);
  ASSERT_EQ(s.run_all(), DONE);
  ASSERT_EQ(s.rows(), n / 1000 + 1);
  double prev = 1.0;
  for (long long r = 1; r < s.rows(); ++r) {
    const double e = s.rec(r, 0) * s.rec(r, 0) + s.rec(r, 1) * s.rec(r, 1);
    EXPECT_LT(e, prev);
    prev = e;
  }
  const double re = 1 - h * h / 2 + h * h * h * h / 24, im = h - h * h * h / 6;
  const double predicted = 1 - std::pow(re * re + im * im, (double)n);
  const double observed = 1 - prev;
  EXPECT_LT(observed, 2e-9);
  EXPECT_NEAR(observed / predicted, 1.0, 0.05);
}

// Logistic map at r = 4: x_n = sin^2(2^n asin(sqrt(x0))) while rounding errors (doubling every
// step) stay small.
TEST(Maps, LogisticClosedForm) {
  const double x0 = 0.3;
  const double theta = std::asin(std::sqrt(x0));
  {
    Sim<Logistic<double>> s(Logistic<double>{}, "map", {x0}, {4.0});
    s.fixed(0, 1, 40);
    ASSERT_EQ(s.run_all(), DONE);
    ASSERT_EQ(s.rows(), 41);
    for (int k = 0; k <= 30; ++k) {
      const double exact = std::pow(std::sin(std::ldexp(theta, k)), 2);
      EXPECT_NEAR(s.rec(k, 0), exact, 1e-14 * std::ldexp(1.0, k)) << "n=" << k;
      EXPECT_EQ(s.rec_step[k], k);
      EXPECT_EQ(s.rec_t[k], k);
    }
  }
  {
    Sim<Logistic<float>> s(Logistic<float>{}, "map", {(float)x0}, {4.0f});
    s.fixed(0, 1, 12);
    ASSERT_EQ(s.run_all(), DONE);
    for (int k = 0; k <= 12; ++k) {
      const double exact = std::pow(std::sin(std::ldexp(theta, k)), 2);
      EXPECT_NEAR(s.rec(k, 0), exact, 1e-6 * std::ldexp(1.0, k)) << "n=" << k;
    }
  }
}

TEST(Maps, CollatzInt64IsExact) {
  Sim<Collatz> s(Collatz{}, "map", {27}, {});
  s.fixed(0, 1, 111);
  ASSERT_EQ(s.run_all(), DONE);
  long long peak = 0;
  for (long long r = 0; r < 111; ++r) {
    EXPECT_NE(s.rec(r, 0), 1) << r;  // total stopping time of 27 is 111
    peak = std::max(peak, s.rec(r, 0));
  }
  EXPECT_EQ(s.rec(111, 0), 1);
  EXPECT_EQ(peak, 9232);
  EXPECT_EQ(s.rec(1, 0), 82);

  // Beyond 2^53 a double would round; int64 must not.
  const long long big = (1LL << 55) + 1;
  Sim<Collatz> b(Collatz{}, "map", {big}, {});
  b.fixed(0, 1, 2);
  ASSERT_EQ(b.run_all(), DONE);
  EXPECT_EQ(b.rec(1, 0), 3 * big + 1);
  EXPECT_EQ(b.rec(2, 0), (3 * big + 1) / 2);
  EXPECT_EQ(b.a.t, 2.0);  // int64 maps keep a double clock
}

TEST(Maps, OdeStepperRejectsIntegerState) {
  Sim<Collatz> s(Collatz{}, "rk4", {27}, {});
  s.fixed(0, 1, 10);
  EXPECT_EQ(s.run_all(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_STEPPER);
}

}  // namespace
}  // namespace dynlib::kernel::testing

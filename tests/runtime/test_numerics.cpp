// Mathematics through the public API: observed convergence orders, exact solutions, invariants,
// closed forms of maps, exact integer maps.
#include <cmath>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::inline_model;

const char* kCosModel = R"toml(
[model]
type = "ode"
[states]
x = 0.0
[equations.rhs]
x = "cos(t)"
)toml";

// |x(T) - exact| for a fixed-step run of N steps over [0, T].
double fixed_error(const std::string& uri, const std::string& stepper, double T, long long N,
                   double exact) {
  Sim sim = setup(uri, {.stepper = stepper});
  const Results& r = sim.run({.T = T, .dt = T / static_cast<double>(N), .record = false});
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.steps(), N);
  EXPECT_DOUBLE_EQ(r.final_time(), T);
  return std::fabs(r.final_state()[0] - exact);
}

struct OrderCase {
  const char* stepper;
  int order;
  long long n_coarse;  // steps of the coarser run (the asymptotic regime, above round-off)
};

class ConvergenceOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(ConvergenceOrder, ExpDecayAndCosineMatchNominalOrder) {
  const OrderCase c = GetParam();
  // x' = -k x, x(0) = 1, k = 1: x(2) = exp(-2).
  {
    const double e1 =
        fixed_error("builtin://ode/expdecay", c.stepper, 2.0, c.n_coarse, std::exp(-2.0));
    const double e2 =
        fixed_error("builtin://ode/expdecay", c.stepper, 2.0, 2 * c.n_coarse, std::exp(-2.0));
    const double observed = std::log2(e1 / e2);
    EXPECT_NEAR(observed, c.order, 0.15) << c.stepper << " errors " << e1 << " " << e2;
  }
  // x' = cos(t), x(0) = 0: x(3) = sin(3) (a time-dependent right-hand side).
  {
    const std::string uri = inline_model(kCosModel);
    const double e1 = fixed_error(uri, c.stepper, 3.0, c.n_coarse, std::sin(3.0));
    const double e2 = fixed_error(uri, c.stepper, 3.0, 2 * c.n_coarse, std::sin(3.0));
    const double observed = std::log2(e1 / e2);
    EXPECT_NEAR(observed, c.order, 0.15) << c.stepper << " errors " << e1 << " " << e2;
  }
}

INSTANTIATE_TEST_SUITE_P(Steppers, ConvergenceOrder,
                         ::testing::Values(OrderCase{"euler", 1, 4000}, OrderCase{"rk2", 2, 400},
                                           OrderCase{"rk4", 4, 40}, OrderCase{"ab2", 2, 400},
                                           OrderCase{"ab3", 3, 200}),
                         [](const auto& info) { return std::string(info.param.stepper); });

TEST(Rk45, GlobalErrorFollowsRtolOverSevenDecades) {
  Sim sim = setup("builtin://ode/expdecay", {.stepper = "rk45"});
  std::vector<double> tols, errs;
  for (int k = 3; k <= 10; ++k) {
    const double tol = std::pow(10.0, -k);
    sim.reset();  // a fresh run would start where the last one ended
    const Results& r = sim.run({.T = 5.0, .record = false, .atol = tol * 1e-3, .rtol = tol});
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_DOUBLE_EQ(r.final_time(), 5.0);  // adaptive runs end exactly at T
    tols.push_back(tol);
    errs.push_back(std::fabs(r.final_state()[0] - std::exp(-5.0)));
  }
  for (size_t i = 0; i + 1 < errs.size(); ++i) {
    EXPECT_LT(errs[i + 1], errs[i]) << "error must shrink with rtol: " << tols[i + 1];
    EXPECT_LT(errs[i], 10 * tols[i]) << "error must stay near rtol at " << tols[i];
  }
  // Roughly proportional: the log-log slope over the whole range is near 1.
  const double slope = std::log(errs.front() / errs.back()) / std::log(tols.front() / tols.back());
  EXPECT_GT(slope, 0.7);
  EXPECT_LT(slope, 1.3);
}

TEST(Exact, ExpDecayRk45TightTolerance) {
  Sim sim = setup("builtin://ode/expdecay", {.stepper = "rk45"});
  const Results& r = sim.run({.T = 10.0, .atol = 1e-14, .rtol = 1e-12});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_GT(r.size(), 10u);
  const auto x = r.column("x");
  for (size_t i = 0; i < r.size(); ++i)
    EXPECT_NEAR(x[i], std::exp(-r.t()[i]), 1e-11 * std::max(1.0, std::exp(-r.t()[i]))) << i;
  EXPECT_DOUBLE_EQ(r.t().back(), 10.0);
  EXPECT_GT(r.accepted_steps(), 0);
}

TEST(Invariant, HarmonicEnergyDriftRk4) {
  Sim sim = setup("builtin://ode/harmonic", {.stepper = "rk4"});
  const Results& r = sim.run({.T = 100.0,
                              .dt = 0.01,
                              .record_interval = 10,
                              .record_vars = std::vector<std::string>{"x", "v", "energy"}});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_TRUE(r.has("aux.energy"));
  const auto e = r.column("energy");
  double drift = 0;
  for (size_t i = 0; i < r.size(); ++i) drift = std::max(drift, std::fabs(e[i] - 0.5));
  EXPECT_LT(drift, 1e-8);
  // And the solution itself: x = cos t.
  const auto x = r.column("x");
  for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(x[i], std::cos(r.t()[i]), 1e-7);
}

TEST(Maps, LogisticFullChaosMatchesClosedForm) {
  // r = 4: x_n = sin^2(2^n asin(sqrt(x0))). Rounding errors double each step (Lyapunov exponent
  // ln 2), so compare with a tolerance that doubles too.
  Sim sim = setup("builtin://map/logistic");
  sim.apply_preset("full_chaos");
  const double x0 = 0.1;
  const Results& r = sim.run({.N = 20, .ic = {{"x", x0}}});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r.size(), 21u);
  const double theta = std::asin(std::sqrt(x0));
  const auto x = r.column("x");
  for (int n = 0; n <= 20; ++n) {
    const double exact = std::pow(std::sin(std::ldexp(theta, n)), 2);
    EXPECT_NEAR(x[n], exact, 1e-15 * std::ldexp(4.0, n)) << n;
    EXPECT_EQ(r.step()[n], n);
    EXPECT_EQ(r.t()[n], static_cast<double>(n));
  }
}

TEST(Maps, CollatzInt64Exact) {
  Sim sim = setup("builtin://map/collatz");
  EXPECT_EQ(sim.model().dtype(), DType::Int64);
  EXPECT_EQ(sim.model().stepper_name(), "map");
  const Results& r = sim.run({.N = 111, .record_vars = std::vector<std::string>{"x", "odd"}});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r.size(), 112u);
  const auto x = r.column_i64("x");
  long long peak = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    peak = std::max(peak, x[i]);
    if (i < 111) {
      EXPECT_NE(x[i], 1) << i;
    }
  }
  EXPECT_EQ(x[0], 27);
  EXPECT_EQ(x[111], 1);
  EXPECT_EQ(peak, 9232);
  const auto odd = r.column_i64("aux.odd");
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(odd[i], x[i] % 2);
  EXPECT_EQ(r.raw_data<long long>()[0], 27);
  // Wrong-dtype views are a clear error; copies work for any dtype.
  EXPECT_THROW((void)r.column("x"), DynlibError);
  EXPECT_THROW((void)r.raw_data<double>(), DynlibError);
  EXPECT_EQ(r.column_as_double("x")[111], 1.0);
}

TEST(Maps, MapTimeIsT0PlusNDt) {
  Sim sim = setup("builtin://map/logistic");
  const Results& r = sim.run({.N = 1000, .dt = 0.1, .t0 = 3.0});
  ASSERT_TRUE(r.ok());
  for (size_t i = 0; i < r.size(); ++i)
    ASSERT_TRUE(rt_test::same_bits(r.t()[i], 3.0 + static_cast<double>(i) * 0.1)) << i;
}

TEST(DType, Float32BuildRunsInSinglePrecision) {
  Sim sim = setup("builtin://ode/expdecay", {.stepper = "rk4", .dtype = "float32"});
  EXPECT_EQ(sim.model().dtype(), DType::Float32);
  const Results& r = sim.run({.T = 1.0, .dt = 0.01});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.dtype(), DType::Float32);
  const auto x = r.column_f32("x");
  EXPECT_NEAR(x[100], std::exp(-1.0), 1e-6);
  EXPECT_NE(static_cast<double>(x[100]), std::exp(-1.0));
  EXPECT_THROW((void)r.column("x"), DynlibError);
  EXPECT_THROW((void)r.column_i64("x"), DynlibError);
  // A float32 model computes every step in float: same result as a float loop of the same formula.
  float xf = 1.0f, h = 0.01f;
  for (int i = 0; i < 100; ++i) {
    const float k1 = -1.0f * xf;
    const float k2 = -1.0f * (xf + h / 2 * k1);
    const float k3 = -1.0f * (xf + h / 2 * k2);
    const float k4 = -1.0f * (xf + h * k3);
    xf = xf + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  EXPECT_NEAR(x[100], xf, 2e-7);
}

}  // namespace

// `dynlib fixed-points` end to end: the CSV holds exactly what find_fixed_points() computes (seeds
// named or positional, --grid, --set, --period, --jac provided), the table names stability and
// type, and bad input fails with a clear message before any work.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::contains;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

class FixedPointsCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

}  // namespace

TEST_F(FixedPointsCli, HenonCsvHoldsTheApisPointsBitForBit) {
  const std::string csv = path("henon.csv");
  const Output o =
      cli("fixed-points builtin://map/henon --seed x=0.6,y=0.2 --seed -1.1,-0.3 --out " + csv);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "2 points in 2 cycles from 2 seeds (2 converged)")) << o.out;
  EXPECT_TRUE(contains(o.out, "saddle")) << o.out;
  const auto rows = parse_csv(slurp(csv));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"point", "cycle", "period", "x", "y", "residual", "stability",
                                      "type", "eig0_re", "eig0_im", "eig1_re", "eig1_im", "seed"}));
  const dynlib::FixedPointResult r = dynlib::find_fixed_points(
      dynlib::build("builtin://map/henon"), {.seeds = {{0.6, 0.2}, {-1.1, -0.3}}});
  ASSERT_EQ(r.points.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(num(rows[i + 1][3]), r.points[i].x[0]);
    EXPECT_EQ(num(rows[i + 1][4]), r.points[i].x[1]);
    EXPECT_EQ(rows[i + 1][6], r.points[i].stability);
    EXPECT_EQ(rows[i + 1][7], r.points[i].type);
    EXPECT_EQ(num(rows[i + 1][8]), r.points[i].eigenvalues[0].real());
    EXPECT_EQ(num(rows[i + 1][12]), static_cast<double>(i));
  }
}

TEST_F(FixedPointsCli, LogisticPeriodTwoWithGridSetAndProvidedJacobian) {
  const std::string csv = path("p2.csv");
  const Output o =
      cli("fixed-points builtin://map/logistic --set r=3.2 --period 2 "
          "--grid x=0.05:0.95:10 --jac provided -q --out " +
          csv);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "");
  const auto rows = parse_csv(slurp(csv));
  // The fixed points 0 and 1 - 1/r (period 1) and one period-2 cycle of two points.
  int period_two = 0;
  const double root = std::sqrt((3.2 - 3) * (3.2 + 1));
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][2] != "2") continue;
    ++period_two;
    const double x = num(rows[i][3]);
    EXPECT_NEAR(std::min(std::fabs(x - (4.2 - root) / 6.4), std::fabs(x - (4.2 + root) / 6.4)), 0.0,
                1e-13);
    // point,cycle,period,x,residual,stability,type,eig0_re,eig0_im,seed
    EXPECT_EQ(rows[i][5], "stable");
    EXPECT_EQ(rows[i][6], "stable node");
    EXPECT_NEAR(num(rows[i][7]), -3.2 * 3.2 + 2 * 3.2 + 4, 1e-12);
    EXPECT_EQ(rows[i][8], "0");
  }
  EXPECT_EQ(period_two, 2);
  EXPECT_EQ(rows.size(), 5u);
}

TEST_F(FixedPointsCli, LorenzTableAndNonConvergenceWarning) {
  const Output o = cli("fixed-points builtin://ode/lorenz --seed 8,8,27 --seed 0,0,0 --max-iter 1");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "1 point in 1 equilibrium from 2 seeds (1 converged)")) << o.out;
  EXPECT_TRUE(contains(o.err, "1 of 2 seeds did not converge; the first (seed 0)")) << o.err;
  EXPECT_TRUE(contains(o.err, "no convergence in 1 Newton steps")) << o.err;
}

TEST_F(FixedPointsCli, NothingFoundExitsThree) {
  const Output o = cli("fixed-points builtin://ode/lorenz --seed 8,8,27 --max-iter 1 -q");
  EXPECT_EQ(o.code, 3) << o.err;
}

TEST_F(FixedPointsCli, BadInputIsAClearError) {
  Output o = cli("fixed-points builtin://ode/lorenz --seed 1,2");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "2 values for 3 states (x,y,z)")) << o.err;
  o = cli("fixed-points builtin://ode/lorenz --seed xx=1");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "did you mean 'x'")) << o.err;
  o = cli("fixed-points builtin://ode/lorenz --set rh=2");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "did you mean 'rho'")) << o.err;
  o = cli("fixed-points builtin://ode/lorenz --period 2");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "ODE")) << o.err;
  o = cli("fixed-points builtin://ode/lorenz --jac exact");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "'auto', 'fd'")) << o.err;
  o = cli("fixed-points builtin://map/collatz");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "int64")) << o.err;
  o = cli("fixed-points builtin://map/logistic --grid x=0:1");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "expected A:B:K")) << o.err;
}

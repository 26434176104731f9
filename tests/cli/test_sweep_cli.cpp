// `dynlib sweep` end to end: the bifurcation CSV reads back to exactly the values run_batch
// computes, the file does not depend on --threads, and bad grids or names fail before any work.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/ensemble.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

// The grid "A:B:K" as the CLI documents it: numpy.linspace spacing, last point exactly B.
std::vector<double> grid(double a, double b, size_t k) {
  std::vector<double> v;
  const double step = (b - a) / static_cast<double>(k - 1);
  for (size_t i = 0; i + 1 < k; ++i) v.push_back(static_cast<double>(i) * step + a);
  v.push_back(b);
  return v;
}

class SweepCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

TEST_F(SweepCli, LogisticBifurcationCsvEqualsTheApi) {
  Output r = cli(
      "sweep builtin://map/logistic --param r=2.5:4.0:60 -N 500 --transient 500 --record-vars x "
      "--threads 2 --out " +
      path("sweep.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 30060 rows (60 trajectories, 2 threads)"), std::string::npos)
      << r.out;
  const auto rows = parse_csv(slurp(path("sweep.csv")));
  ASSERT_EQ(rows.size(), 1 + 60 * 501u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"r", "t", "x"}));

  const std::vector<double> rs = grid(2.5, 4.0, 60);
  EXPECT_EQ(rs.back(), 4.0);
  const dynlib::BatchResults b = dynlib::run_batch(dynlib::build("builtin://map/logistic"),
                                                   {.params = {{"r", rs}},
                                                    .N = 500,
                                                    .record_vars = std::vector<std::string>{"x"},
                                                    .transient = 500});
  size_t row = 1;
  for (size_t i = 0; i < b.n; ++i)
    for (size_t k = 0; k < b.counts[i]; ++k, ++row) {
      ASSERT_EQ(num(rows[row][0]), rs[i]) << "row " << row;
      ASSERT_EQ(num(rows[row][1]), static_cast<double>(k)) << "row " << row;  // after the warm-up
      ASSERT_EQ(num(rows[row][2]), b.at(i, k, 0)) << "row " << row;  // round-trip precision
    }
}

TEST_F(SweepCli, ThreadsDoNotChangeTheFile) {
  const std::string args =
      "sweep builtin://ode/lorenz --stepper rk4 --param rho=20:30:7 --param sigma=9,10 -T 5 "
      "--dt 0.01 --record-interval 50 -q --out ";
  ASSERT_EQ(cli(args + path("one.csv") + " --threads 1").code, 0);
  ASSERT_EQ(cli(args + path("two.csv") + " --threads 2").code, 0);
  const std::string one = slurp(path("one.csv"));
  EXPECT_EQ(one, slurp(path("two.csv")));
  // Grid order: the last --param varies fastest.
  const auto rows = parse_csv(one);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"rho", "sigma", "t", "x", "y", "z"}));
  ASSERT_EQ(rows.size(), 1 + 14 * 11u);
  EXPECT_EQ(rows[1][0], "20");
  EXPECT_EQ(rows[1][1], "9");
  EXPECT_EQ(rows[12][0], "20");
  EXPECT_EQ(rows[12][1], "10");
  EXPECT_EQ(rows[23][0], "21.666666666666668");
}

TEST_F(SweepCli, FinalOnlyStateGridAndSet) {
  // Sweeping an initial state (column "ic.x") with a param fixed by --set: final states only.
  Output r =
      cli("sweep builtin://ode/expdecay --param x=1,2,4 --set a=0.5 -T 2 --final-only --out " +
          path("fin.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(slurp(path("fin.csv")));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"ic.x", "t", "x"}));
  dynlib::Sim base = dynlib::setup("builtin://ode/expdecay");
  base.assign("a", 0.5);
  const dynlib::BatchResults b =
      dynlib::run_batch(base, {.ic = {{"x", {1.0, 2.0, 4.0}}}, .T = 2.0, .final_only = true});
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(num(rows[i + 1][1]), 2.0);
    EXPECT_EQ(num(rows[i + 1][2]), b.final_state[i]);
    EXPECT_NEAR(num(rows[i + 1][2]), num(rows[i + 1][0]) * std::exp(-1.0), 1e-8);
  }
}

TEST_F(SweepCli, CsvOnStdoutWithoutOut) {
  Output r = cli("sweep builtin://map/logistic --param r=3.2,3.5 -N 3 --record-vars x");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 1 + 2 * 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"r", "t", "x"}));
  EXPECT_EQ(num(rows[2][2]), 3.2 * 0.1 * (1 - 0.1));  // x1 = r x0 (1 - x0), x0 = 0.1
}

TEST_F(SweepCli, ErrorsAndFailedTrajectories) {
  Output u = cli("sweep builtin://map/logistic --param rr=3:4:5 -N 10");
  EXPECT_EQ(u.code, 1);
  EXPECT_NE(u.err.find("did you mean 'r'"), std::string::npos) << u.err;
  Output g = cli("sweep builtin://map/logistic --param r=3:4 -N 10");
  EXPECT_EQ(g.code, 1);
  EXPECT_NE(g.err.find("A:B:K"), std::string::npos) << g.err;
  Output k = cli("sweep builtin://map/logistic --param r=3:4:2.5 -N 10");
  EXPECT_EQ(k.code, 1);
  EXPECT_NE(k.err.find("whole number"), std::string::npos) << k.err;
  Output v = cli("sweep builtin://map/logistic --param r=3:4:5 -N 10 --record-vars y");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.err.find("unknown variable 'y'"), std::string::npos) << v.err;
  Output s = cli("sweep builtin://map/logistic --param r=3:4:5 -N 10 --set rr=3");
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.err.find("did you mean 'r'"), std::string::npos) << s.err;

  // r = 4.5 diverges: the rows it computed are written, a warning names it, exit status 3.
  Output d = cli("sweep builtin://map/logistic --param r=3.9,4.5 -N 100 --out " + path("d.csv"));
  EXPECT_EQ(d.code, 3);
  EXPECT_NE(d.err.find("1 of 2 trajectories did not finish; the first (r=4.5)"), std::string::npos)
      << d.err;
  const auto rows = parse_csv(slurp(path("d.csv")));
  EXPECT_GT(rows.size(), 1 + 101u);
  EXPECT_LT(rows.size(), 1 + 2 * 101u);
}

}  // namespace

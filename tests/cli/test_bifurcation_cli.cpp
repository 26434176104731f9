// `dynlib bifurcation` end to end: the CSV reads back to exactly the points the C++ API extracts
// (tail, final, extrema, Poincaré section), does not depend on --threads, and bad input fails
// before any work with a precise message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/bifurcation.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/sweep.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

class BifurcationCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }

  // The file's rows (after the header) equal the points of `d`, bit for bit.
  void expect_points(const std::string& file, const std::vector<std::string>& header,
                     const dynlib::BifurcationResult& d) {
    const auto rows = parse_csv(slurp(file));
    ASSERT_EQ(rows.size(), 1 + d.size());
    EXPECT_EQ(rows[0], header);
    for (size_t j = 0; j < d.size(); ++j) {
      ASSERT_EQ(num(rows[j + 1][0]), d.p[j]) << "row " << j + 1;
      ASSERT_EQ(num(rows[j + 1][1]), d.y[j]) << "row " << j + 1;
    }
  }
};

TEST_F(BifurcationCli, LogisticTailEqualsTheApiAndShowsThePeriodDoubling) {
  Output r =
      cli("bifurcation builtin://map/logistic --param r=2.8:3.5:8 --var x -N 3100 --transient 3000 "
          "--tail 16 --threads 2 --out " +
          path("tail.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 128 points (8 runs, tail, 2 threads)"), std::string::npos) << r.out;
  std::vector<double> rs;
  const double step = (3.5 - 2.8) / 7;  // the grid as documented: numpy.linspace, last point B
  for (int i = 0; i < 7; ++i) rs.push_back(static_cast<double>(i) * step + 2.8);
  rs.push_back(3.5);
  const dynlib::SweepResult s = dynlib::traj_sweep(dynlib::build("builtin://map/logistic"), "r", rs,
                                                   {"x"}, {.N = 3100, .transient = 3000});
  const dynlib::BifurcationResult d = dynlib::BifurcationExtractor(s, "x").tail(16);
  expect_points(path("tail.csv"), {"r", "x"}, d);
  // r = 2.8 (one branch), 3.2 (two), 3.5 (four).
  auto branch_count = [&](size_t run) {
    std::vector<double> y;
    for (size_t j = 0; j < d.size(); ++j)
      if (d.run[j] == run) y.push_back(d.y[j]);
    std::sort(y.begin(), y.end());
    size_t n = 1;
    for (size_t k = 1; k < y.size(); ++k) n += y[k] - y[k - 1] > 1e-7;
    return n;
  };
  EXPECT_EQ(branch_count(0), 1u);
  EXPECT_EQ(branch_count(4), 2u);
  EXPECT_EQ(branch_count(7), 4u);
}

TEST_F(BifurcationCli, PoincareAndExtremaOfAFlowEqualTheApi) {
  const std::string model =
      "bifurcation builtin://ode/harmonic --param omega=0.5,1,2 -T 20 "
      "--dt 0.01 -q ";
  ASSERT_EQ(cli(model + "--var v --poincare x=0:down --out " + path("p.csv")).code, 0);
  ASSERT_EQ(cli(model + "--var x --extrema max --out " + path("e.csv")).code, 0);
  ASSERT_EQ(cli(model + "--var x --final --out " + path("f.csv")).code, 0);
  const dynlib::SweepResult s =
      dynlib::traj_sweep(dynlib::build("builtin://ode/harmonic"), "omega", {0.5, 1.0, 2.0},
                         {"x", "v"}, {.T = 20.0, .dt = 0.01});
  const dynlib::BifurcationResult p = dynlib::BifurcationExtractor(s, "v").poincare(
      {.var = "x", .direction = dynlib::CrossingDirection::Down});
  expect_points(path("p.csv"), {"omega", "v"}, p);
  EXPECT_EQ(p.size(), 2u + 3u + 7u);  // omega t = pi/2 + 2 pi k < 20 omega
  expect_points(path("e.csv"), {"omega", "x"},
                dynlib::BifurcationExtractor(s, "x").extrema({.kind = dynlib::ExtremaKind::Max}));
  expect_points(path("f.csv"), {"omega", "x"}, dynlib::BifurcationExtractor(s, "x").final());
}

TEST_F(BifurcationCli, ThreadsDoNotChangeTheFileAndAllIsTheDefault) {
  const std::string args =
      "bifurcation builtin://map/logistic --param r=3:4:9 --var x -N 10 --transient 50 -q --out ";
  ASSERT_EQ(cli(args + path("one.csv") + " --threads 1").code, 0);
  ASSERT_EQ(cli(args + path("two.csv") + " --threads 2").code, 0);
  const std::string one = slurp(path("one.csv"));
  EXPECT_EQ(one, slurp(path("two.csv")));
  EXPECT_EQ(parse_csv(one).size(), 1 + 9 * 11u);  // every sample after the warm-up: t = 0 ... 10
}

TEST_F(BifurcationCli, Errors) {
  const std::string base = "bifurcation builtin://map/logistic -N 10 ";
  Output u = cli(base + "--param rr=3:4:5 --var x");
  EXPECT_EQ(u.code, 1);
  EXPECT_NE(u.err.find("did you mean 'r'"), std::string::npos) << u.err;
  Output v = cli(base + "--param r=3:4:5 --var y");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.err.find("'y'"), std::string::npos) << v.err;
  Output both = cli(base + "--param r=3:4:5 --var x --tail 5 --final");
  EXPECT_NE(both.code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  Output p = cli(base + "--param r=3:4:5 --var x --poincare x");
  EXPECT_EQ(p.code, 1);
  EXPECT_NE(p.err.find("VAR=LEVEL"), std::string::npos) << p.err;
  Output d = cli(base + "--param r=3:4:5 --var x --poincare x=0.5:sideways");
  EXPECT_EQ(d.code, 1);
  EXPECT_NE(d.err.find("unknown crossing direction 'sideways'"), std::string::npos) << d.err;
  Output k = cli(base + "--param r=3:4:5 --var x --extrema peaks");
  EXPECT_EQ(k.code, 1);
  EXPECT_NE(k.err.find("unknown kind 'peaks'"), std::string::npos) << k.err;
}

}  // namespace

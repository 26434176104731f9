// `dynlib basin` end to end: the CSV holds the grid ('ij' order) and exactly the labels
// basin_known / basin_auto compute, --reference and --escape give the Hénon map's attractor vs
// OUTSIDE, and bad input fails with a clear message before any work.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/basins.hpp"
#include "dynlib/dynlib.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::contains;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

class BasinCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

}  // namespace

TEST_F(BasinCli, DuffingWellsCsvHoldsTheApisLabels) {
  const std::string csv = path("basins.csv");
  const Output o = cli(
      "basin builtin://ode/duffing --set gamma=0 --set delta=0.5 --ic x=-2:2:12 --ic y=-2:2:10 "
      "--attractor left=-1,0 --attractor right=1,0 --radius 0.1 --dt-obs 0.05 --max-samples 2000 "
      "--out " +
      csv);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "Total initial conditions: 120")) << o.out;
  const auto rows = parse_csv(slurp(csv));
  ASSERT_EQ(rows.size(), 121u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"x", "y", "label"}));
  dynlib::Sim sim = dynlib::setup("builtin://ode/duffing");
  sim.assign({{"gamma", 0.0}, {"delta", 0.5}});
  const dynlib::BasinResult r = dynlib::basin_known(
      sim,
      {dynlib::BasinFixedPoint{"left", {-1, 0}, {0.1}},
       dynlib::BasinFixedPoint{"right", {1, 0}, {0.1}}},
      {.axes = {dynlib::basin_axis("x", -2, 2, 12), dynlib::basin_axis("y", -2, 2, 10)}},
      {.dt_obs = 0.05, .max_samples = 2000});
  for (size_t i = 0; i < 120; ++i) {
    EXPECT_EQ(num(rows[i + 1][0]), r.ic.states[i * 2]) << i;      // x: the first axis, slowest
    EXPECT_EQ(num(rows[i + 1][1]), r.ic.states[i * 2 + 1]) << i;  // v
    EXPECT_EQ(std::stoi(rows[i + 1][2]), r.labels[i]) << i;
  }
  EXPECT_EQ(num(rows[1][0]), -2.0);
  EXPECT_EQ(num(rows[10][1]), 2.0);
  EXPECT_EQ(num(rows[11][0]), -2.0 + 4.0 / 11);
}

TEST_F(BasinCli, RefineGivesTheSameDuffingBasins) {
  const std::string base =
      "basin builtin://ode/duffing --set gamma=0 --set delta=0.5 --ic x=-2:2:33 --ic y=-2:2:33 "
      "--attractor left=-1,0 --attractor right=1,0 --radius 0.1 --dt-obs 0.05 --max-samples 2000 "
      "-q --out ";
  ASSERT_EQ(cli(base + path("exact.csv")).code, 0);
  const Output o = cli(base + path("refined.csv") + " --refine --coarse-factor 4");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(slurp(path("exact.csv")), slurp(path("refined.csv")));
}

TEST_F(BasinCli, HenonReferenceAndEscapeBox) {
  const Output o =
      cli("basin builtin://map/henon --ic x=0,5 --ic y=0 --reference henon=x=0.1,y=0.1 "
          "--escape x=-5:5 --escape y=-5:5 --outside-limit 3 --max-samples 600 -q");
  ASSERT_EQ(o.code, 0) << o.err;
  const auto rows = parse_csv(o.out);
  ASSERT_EQ(rows.size(), 3u) << o.out;
  EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "0", "0"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"5", "0", "-2"}));
}

TEST_F(BasinCli, AutoFindsTheDuffingWells) {
  const std::string csv = path("auto.csv");
  const Output o =
      cli("basin builtin://ode/duffing --set gamma=0 --set delta=0.5 --ic x=-2:2:10 --ic y=-2:2:10 "
          "--auto --obs-min -3 --obs-max 3 --grid-res 51 --u-th 0.05 --recur-windows 128 "
          "--outside-limit 50 "
          "--dt-obs 0.05 --max-samples 3000 --out " +
          csv);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "Attractors identified: 2")) << o.out;
  EXPECT_EQ(parse_csv(slurp(csv)).size(), 101u);
}

TEST_F(BasinCli, BadInputFailsClearly) {
  Output o = cli("basin builtin://map/henon --ic x=0:1:3 --ic y=0 --auto --attractor a=0,0");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "not both")) << o.err;
  o = cli("basin builtin://map/henon --ic q=0:1:3 --attractor a=0,0");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "unknown")) << o.err;
  o = cli("basin builtin://map/henon --ic x=0:1:3 --attractor a=0");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "observed")) << o.err;
  o = cli("basin builtin://map/henon --ic x=0:1:3 --set y=1 --attractor a=0,0");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "--ic y=VALUE")) << o.err;
  o = cli("basin builtin://map/henon --ic x=0:1:3 --ic y=0 --attractor a=0,0 --escape x=1");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "NAME=LO:HI")) << o.err;
}

TEST_F(BasinCli, HugeOrAbsurdIcRangesGetShortMessagesBeforeAnyWork) {
  const std::string digits300(300, '9');
  const struct {
    std::string ic;
    const char* message;
  } cases[] = {
      {"x=0:1:" + digits300, "is too many (a grid has at most 100000000)"},
      {"x=1" + std::string(400, '0') + ":2:3", "is out of range for a double"},
      {"x=0:1:1000000000000", "K = 1000000000000 points is too many"},
      {"x=0:1:1e12", "K = 1e12 points is too many"},
      {"x=0:1:2.5", "must be a whole number"},
      {"x=0:inf:3", "must be finite"},
      {"x=0:1:3:4", "expected A:B:K"},
      {"x=0," + digits300 + "x", "is not a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ic.substr(0, 30));
    const Output o = cli("basin builtin://map/henon --ic " + c.ic +
                         " --ic y=0:1:2 --attractor a=0,0 --max-samples 10");
    EXPECT_EQ(o.code, 1);
    EXPECT_TRUE(contains(o.err, c.message)) << o.err;
    EXPECT_TRUE(contains(o.err, "--ic x")) << o.err;
    EXPECT_LT(o.err.size(), 200u) << o.err;
  }
  // The whole grid: its size stated, even when it does not fit in 64 bits.
  Output o = cli("basin builtin://map/henon --ic x=0:1:100000 --ic y=0:1:100000 --attractor a=0,0");
  EXPECT_EQ(o.code, 1);
  EXPECT_TRUE(contains(o.err, "100000 x 100000 = 1e+10 initial conditions")) << o.err;
  o =
      cli("basin builtin://map/henon --ic x=0:1:100000000 --ic y=0:1:100000000 --ic "
          "x=0:1:100000000 --attractor a=0,0");
  EXPECT_EQ(o.code, 1);
  EXPECT_TRUE(contains(o.err, "= 1e+24 initial conditions")) << o.err;
}

TEST_F(BasinCli, IcMessagesShowControlCharactersEscaped) {
  // The shell turns \033 and \r into the bytes themselves.
  for (const char* ic : {"x=0:1\\033[2J:3", "x=0:1\\r:3", "x\\033[2J", "x=\\033[2J"}) {
    SCOPED_TRACE(ic);
    const Output o = cli(std::string("basin builtin://map/henon --ic \"$(printf '") + ic +
                         "')\" --ic y=0:1:2 --attractor a=0,0");
    EXPECT_EQ(o.code, 1);
    EXPECT_TRUE(contains(o.err, "\\x1b") || contains(o.err, "\\x0d")) << o.err;
    EXPECT_FALSE(contains(o.err, "\x1b")) << o.err;
    EXPECT_FALSE(contains(o.err, "\r")) << o.err;
  }
}

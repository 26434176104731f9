// `dynlib analyze` end to end: the CSV reads back to exactly the statistics the C++ API computes
// on the same run, the table names the model and each variable, and bad names or percentiles fail
// with a clear message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/trajectory_stats.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::contains;
using dynlib::testing::num;
using dynlib::testing::parse_csv;

class AnalyzeCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

TEST_F(AnalyzeCli, CsvEqualsTheApiBitForBit) {
  Output r = cli(
      "analyze builtin://ode/harmonic -T 12.5 --vars x,aux.energy --percentile 5 --percentile 50 "
      "--threshold 0.25 --csv");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"var", "min", "max", "mean", "std", "median",
                                               "range", "initial", "final", "t_min", "t_max", "p5",
                                               "p50", "up", "down", "time_above", "time_below"}));

  dynlib::Sim sim = dynlib::setup("builtin://ode/harmonic");
  const dynlib::Results& res = sim.run({.T = 12.5, .record_vars = {{"x", "aux.energy"}}});
  const std::vector<std::string> names{"x", "aux.energy"};
  for (size_t i = 0; i < names.size(); ++i) {
    const std::vector<std::string>& row = rows[i + 1];
    ASSERT_EQ(row.size(), rows[0].size());
    EXPECT_EQ(row[0], names[i]);
    const dynlib::TrajectoryAnalyzer a(res, names[i]);
    const auto summary = a.summary().entries();
    for (size_t k = 0; k < summary.size(); ++k)
      EXPECT_EQ(num(row[1 + k]), summary[k].second) << names[i] << " " << summary[k].first;
    EXPECT_EQ(num(row[9]), a.argmin().t);
    EXPECT_EQ(num(row[10]), a.argmax().t);
    EXPECT_EQ(num(row[11]), a.percentile(5));
    EXPECT_EQ(num(row[12]), a.percentile(50));
    using dynlib::CrossingDirection;
    EXPECT_EQ(row[13], std::to_string(a.crossing_times(0.25, CrossingDirection::Up).size()));
    EXPECT_EQ(row[14], std::to_string(a.crossing_times(0.25, CrossingDirection::Down).size()));
    EXPECT_EQ(num(row[15]), a.time_above(0.25));
    EXPECT_EQ(num(row[16]), a.time_below(0.25));
  }
  // x = cos t over two periods crosses 1/4 twice each way; the energy (1/2) never does.
  EXPECT_EQ(rows[1][13], "2");
  EXPECT_EQ(rows[1][14], "2");
  EXPECT_EQ(rows[2][13], "0");
}

TEST_F(AnalyzeCli, TableOfTheRecordedStatesByDefault) {
  Output r = cli("analyze builtin://ode/harmonic -T 1");
  ASSERT_EQ(r.code, 0) << r.err;
  std::stringstream lines(r.out);
  std::string title, header, x, v, extra;
  std::getline(lines, title);
  std::getline(lines, header);
  std::getline(lines, x);
  std::getline(lines, v);
  EXPECT_TRUE(contains(title, "model harmonic (ode, stepper rk4, float64): 101 samples")) << title;
  EXPECT_EQ(header.rfind("var", 0), 0u) << header;
  EXPECT_TRUE(contains(header, "median")) << header;
  EXPECT_EQ(x.rfind("x ", 0), 0u) << x;
  EXPECT_EQ(v.rfind("v ", 0), 0u) << v;
  EXPECT_FALSE(std::getline(lines, extra));
}

TEST_F(AnalyzeCli, Int64ModelsPrintExactValues) {
  Output r = cli("analyze builtin://map/collatz -N 111 --csv");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "x");
  EXPECT_EQ(rows[1][2], "9232");  // max
  EXPECT_EQ(rows[1][8], "1");     // final
  EXPECT_EQ(rows[1][10], "77");   // t_max
}

TEST_F(AnalyzeCli, BadNamesAndPercentiles) {
  Output r = cli("analyze builtin://ode/harmonic -T 1 --vars x,enrgy");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "did you mean 'energy'?")) << r.err;
  r = cli("analyze builtin://ode/harmonic -T 1 --percentile 101");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "--percentile: q must be in [0, 100]; got 101")) << r.err;
  r = cli("analyze builtin://ode/harmonic -T 1 --vars ,");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "--vars: name at least one variable")) << r.err;
  // A run that fails in its transient warm-up has nothing to analyze, and says where it stopped.
  dir.write("blowup.toml",
            "[model]\ntype = \"map\"\n[states]\nx = 2.0\n[equations.rhs]\nx = \"x * x\"\n");
  r = cli("analyze " + (dir.path() / "blowup.toml").string() + " -N 5 --transient 100");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "in the transient warm-up")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing to analyze: the run recorded no samples")) << r.err;
}

}  // namespace

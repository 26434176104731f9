// `dynlib run` on an int64 model keeps every digit: --set values, CSV cells (all samples and
// --no-record's final row) and the summary's final state, beyond 2^53 where a double rounds; a
// value that does not fit int64 is refused naming the variable.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"

namespace {

using dynlib::testing::contains;

class Int64Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    // x counts up by a, y down by 1; both start where a double no longer holds every integer.
    dir.write("big.toml", R"([model]
type = "map"
name = "bigint"
dtype = "int64"
[states]
x = 9007199254740993
y = 9223372036854775807
[params]
a = 2
[equations.rhs]
x = "x + a"
y = "y - 1"
[events.big]
cond = "x > 9007199254740992"
log = ["x", "y"]
)");
  }
  dynlib::testing::CliOutput run(const std::string& args) {
    return dynlib::testing::run_dynlib_cli("run " + file("big.toml") + " " + args,
                                           dir.path().string());
  }
  std::vector<std::vector<std::string>> csv(const std::string& name) const {
    return dynlib::testing::parse_csv(dynlib::testing::slurp(file(name)));
  }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }
  dynlib::testing::TempDir dir;
};

using Rows = std::vector<std::vector<std::string>>;

TEST_F(Int64Cli, CsvAndSummaryFromTheModelFile) {
  const auto out = run("-N 1 --out " + file("run.csv"));
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_EQ(csv("run.csv"), (Rows{{"t", "x", "y"},
                                  {"0", "9007199254740993", "9223372036854775807"},
                                  {"1", "9007199254740995", "9223372036854775806"}}));
  // The event fires after step 1 (x > 2^53) and logs both states.
  EXPECT_EQ(csv("run.events.csv"), (Rows{{"event", "t", "x", "y"},
                                         {"big", "1", "9007199254740995", "9223372036854775806"}}));
  const auto summary = run("-N 1");
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_TRUE(contains(summary.out, "  x = 9007199254740995\n")) << summary.out;
  EXPECT_TRUE(contains(summary.out, "  y = 9223372036854775806\n")) << summary.out;
}

TEST_F(Int64Cli, SetStatesAndParamsExactly) {
  const std::string sets =
      "--set x=9223372036854775807 --set a=-9007199254740993 --set y=+9007199254740993";
  const auto out = run("-N 1 " + sets + " --out " + file("set.csv"));
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_EQ(csv("set.csv"), (Rows{{"t", "x", "y"},
                                  {"0", "9223372036854775807", "9007199254740993"},
                                  {"1", "9214364837600034814", "9007199254740992"}}));
  const auto final_only = run("-N 1 " + sets + " --no-record --out " + file("final.csv"));
  ASSERT_EQ(final_only.code, 0) << final_only.err;
  EXPECT_EQ(csv("final.csv"),
            (Rows{{"t", "x", "y"}, {"1", "9214364837600034814", "9007199254740992"}}));
  const auto summary = run("-N 1 " + sets);
  EXPECT_TRUE(contains(summary.out, "  x = 9214364837600034814\n")) << summary.out;
}

// Literals in equations and constants evaluated when the model loads are exact too.
TEST_F(Int64Cli, LiteralsAndConstantsBeyondTwoToThe53) {
  dir.write("literals.toml", R"([model]
type = "map"
dtype = "int64"
[constants]
big = 9007199254740993
[states]
x = 0
y = "big * 2 + 1"
[equations.rhs]
x = "x + 9007199254740993"
y = "y + big"
)");
  const auto out = dynlib::testing::run_dynlib_cli(
      "run " + file("literals.toml") + " -N 1 --out " + file("literals.csv"), dir.path().string());
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_EQ(csv("literals.csv"), (Rows{{"t", "x", "y"},
                                       {"0", "0", "18014398509481987"},
                                       {"1", "9007199254740993", "27021597764222980"}}));
}

TEST_F(Int64Cli, ValuesThatDoNotFitAreRefusedByName) {
  // 2^63 as written: refused before it could round through a double.
  const auto too_big = run("-N 1 --set x=9223372036854775808");
  EXPECT_EQ(too_big.code, 1);
  EXPECT_TRUE(contains(too_big.err, "--set x: 9223372036854775808 does not fit int64"))
      << too_big.err;
  // -2^63 - 1 as a double would round to -2^63, which fits.
  const auto too_small = run("-N 1 --set a=-9223372036854775809");
  EXPECT_EQ(too_small.code, 1);
  EXPECT_TRUE(contains(too_small.err, "--set a: -9223372036854775809 does not fit int64"))
      << too_small.err;
  // A double beyond int64: the run refuses it, naming the state.
  const auto double_too_big = run("-N 1 --set x=9.3e18");
  EXPECT_EQ(double_too_big.code, 1);
  EXPECT_TRUE(contains(double_too_big.err, "state 'x'")) << double_too_big.err;
  EXPECT_TRUE(contains(double_too_big.err, "does not fit")) << double_too_big.err;
  const auto fraction = run("-N 1 --set y=1.5");
  EXPECT_EQ(fraction.code, 1);
  EXPECT_TRUE(contains(fraction.err, "state 'y'")) << fraction.err;
  EXPECT_TRUE(contains(fraction.err, "whole numbers")) << fraction.err;
}

}  // namespace

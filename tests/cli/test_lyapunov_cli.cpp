// `dynlib lyapunov` end to end: a single run prints the exponents the C++ API computes and writes
// their running estimate; a sweep writes one row per value, the same for any --threads; bad input
// fails before any work with a precise message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/lyapunov.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

class LyapunovCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

TEST_F(LyapunovCli, SingleRunPrintsTheApisExponentsAndWritesTheTrace) {
  const Output o =
      cli("lyapunov builtin://ode/lorenz --stepper rk4 --spectrum 3 -T 20 --dt 0.01 --transient 5 "
          "--trace-interval 10 --out " +
          path("trace.csv"));
  ASSERT_EQ(o.code, 0) << o.err;
  dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4"});
  const auto& ly = sim.run({.T = 20.0,
                            .dt = 0.01,
                            .record = false,
                            .transient = 5.0,
                            .observers = {dynlib::lyapunov_spectrum_observer(3, 10)}})
                       .observer("lyapunov_spectrum");
  for (const char* name : {"lyap0", "lyap1", "lyap2", "sum"}) {
    const std::string key = std::string(name) + " = ";
    const auto at = o.out.find(key);
    ASSERT_NE(at, std::string::npos) << o.out;
    EXPECT_EQ(num(o.out.substr(at + key.size())), ly.output(name)) << name;
  }
  const auto rows = parse_csv(slurp(path("trace.csv")));
  ASSERT_EQ(rows.size(), 1 + ly.trace_rows);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"t", "step", "lyap0", "lyap1", "lyap2"}));
  EXPECT_EQ(num(rows.back()[2]), ly.output("lyap0"));
  EXPECT_EQ(rows.back()[1], "2000");
}

TEST_F(LyapunovCli, SweepWritesOneRowPerValueForAnyThreadCount) {
  const std::string base =
      "lyapunov builtin://map/logistic --param r=2.5,3.2,3.5,4.0 -N 20000 --transient 100 ";
  const Output one = cli(base + "--threads 1 --out " + path("one.csv"));
  const Output two = cli(base + "--threads 2 --out " + path("two.csv"));
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(slurp(path("one.csv")), slurp(path("two.csv")));
  const auto rows = parse_csv(slurp(path("one.csv")));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"r", "mle", "steps"}));
  EXPECT_NEAR(num(rows[1][1]), std::log(0.5), 1e-3);  // r = 2.5: fixed point, F' = -0.5
  EXPECT_LT(num(rows[2][1]), 0.0);                    // r = 3.2: period 2
  EXPECT_LT(num(rows[3][1]), 0.0);                    // r = 3.5: period 4
  EXPECT_NEAR(num(rows[4][1]), std::log(2.0), 2e-2);  // r = 4: ln 2
  EXPECT_EQ(rows[4][2], "20000");                     // -N counts after the --transient warm-up
}

TEST_F(LyapunovCli, BadInputFailsBeforeAnyWork) {
  const Output k = cli("lyapunov builtin://ode/lorenz --spectrum 4 -T 1 --dt 0.01");
  EXPECT_NE(k.code, 0);
  EXPECT_NE(k.err.find("k = 4 must be between 1 and the model's 3 states"), std::string::npos)
      << k.err;
  const Output p = cli("lyapunov builtin://map/logistic --param rr=1:2:3 -N 10");
  EXPECT_NE(p.code, 0);
  EXPECT_NE(p.err.find("did you mean 'r'"), std::string::npos) << p.err;
  const Output cv = cli("lyapunov builtin://ode/lorenz --stepper cvode -T 1");
  EXPECT_NE(cv.code, 0);
  EXPECT_NE(cv.err.find("steps inside SUNDIALS"), std::string::npos) << cv.err;
}

}  // namespace

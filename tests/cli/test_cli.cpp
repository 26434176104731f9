// The `dynlib` executable end to end: exit codes, diagnostics, listings, and CSV output that reads
// back to exactly the values the C++ API computes for the same run.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"

extern char** environ;

namespace {

using Output = dynlib::testing::CliOutput;

Output dynlib_cli(const std::string& args, const std::string& dir) {
  return dynlib::testing::run_dynlib_cli(args, dir);
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  return dynlib::testing::parse_csv(dynlib::testing::slurp(path));
}

class Cli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

TEST_F(Cli, VersionAndHelp) {
  Output v = dynlib_cli("--version", dir.path().string());
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("dynlib "), std::string::npos);
  Output h = dynlib_cli("--help", dir.path().string());
  EXPECT_EQ(h.code, 0);
  for (const char* sub : {"model", "run", "steppers"})
    EXPECT_NE(h.out.find(sub), std::string::npos) << sub;
}

TEST_F(Cli, ArgumentErrorsExitWithOneAndSayWhat) {
  const std::string d = dir.path().string();
  struct Case {
    std::string args;
    std::string says;
  };
  for (const Case& c : {
           Case{"run builtin://map/logistic --bogus", "--bogus"},
           Case{"run builtin://map/logistic -N 99999999999999999999999", "out of range"},
           Case{"run builtin://map/logistic -N abc", "'abc' is not a whole number"},
           Case{"run builtin://map/logistic -N 0x10", "'0x10' is not a whole number"},
           Case{"run builtin://map/logistic --record-interval 1" + std::string(300, '0'),
                "out of range"},
           Case{"run", "uri is required"},
           Case{"nonsense", "unknown command 'nonsense' (commands: model, run"},
           // A control character is shown escaped, never sent to the terminal.
           Case{"\"$(printf '\\033[2Jclear')\"", "unknown command '\\x1b[2Jclear'"},
       }) {
    const Output r = dynlib_cli(c.args, d);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.err;  // not CLI11's own codes (105-114)
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_LT(r.err.size(), 400u) << r.err;  // a long argument is not echoed whole
  }
  // Integers are decimal: "010" is ten steps, not octal eight.
  const Output ten = dynlib_cli("run builtin://map/logistic -N 010", d);
  EXPECT_EQ(ten.code, 0) << ten.err;
  EXPECT_NE(ten.out.find("after 10 steps"), std::string::npos) << ten.out;
}

TEST_F(Cli, ValidateOkAndError) {
  Output ok = dynlib_cli("model validate builtin://ode/lorenz", dir.path().string());
  EXPECT_EQ(ok.code, 0);
  EXPECT_NE(ok.out.find("Model OK"), std::string::npos);
  EXPECT_NE(ok.out.find("states: 3"), std::string::npos);

  dir.write("bad.toml",
            "[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\nx = \"-k*x\"\n");
  Output bad = dynlib_cli("model validate " + path("bad.toml"), dir.path().string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("bad.toml:6:7: error: unknown name 'k'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("^"), std::string::npos);
}

// An unknown [sim] key is a warning on stderr (place, caret, did-you-mean); validate and run go on.
TEST_F(Cli, UnknownSimKeyWarnsAndRuns) {
  dir.write("typo.toml",
            "[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\nx = \"-x\"\n[sim]\n"
            "t_end = 1\ndt = 0.1\nstpper = \"rk4\"\n");
  Output v = dynlib_cli("model validate " + path("typo.toml"), dir.path().string());
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.err.find("typo.toml:10:1: warning: unknown key 'stpper' in [sim] is ignored"),
            std::string::npos)
      << v.err;
  EXPECT_NE(v.err.find("did you mean 'stepper'?"), std::string::npos) << v.err;
  EXPECT_NE(v.out.find("warnings: 1"), std::string::npos) << v.out;
  Output r = dynlib_cli("run " + path("typo.toml"), dir.path().string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: unknown key 'stpper'"), std::string::npos) << r.err;
}

TEST_F(Cli, ListAndShow) {
  Output l = dynlib_cli("model list", dir.path().string());
  EXPECT_EQ(l.code, 0);
  for (const char* m :
       {"builtin://ode/lorenz", "builtin://ode/izhikevich", "builtin://map/logistic",
        "builtin://map/collatz", "builtin://ode/hodgkin-huxley"})
    EXPECT_NE(l.out.find(m), std::string::npos) << m;
  Output s = dynlib_cli("model show builtin://map/henon", dir.path().string());
  EXPECT_EQ(s.code, 0);
  EXPECT_NE(s.out.find("x' = 1 - a * x ** 2 + y"), std::string::npos) << s.out;
}

TEST_F(Cli, SteppersList) {
  Output all = dynlib_cli("steppers list", dir.path().string());
  EXPECT_EQ(all.code, 0);
  for (const char* s : {"euler", "rk2", "rk4", "rk45", "ab2", "ab3", "map"})
    EXPECT_NE(all.out.find(s), std::string::npos) << s;
  Output maps = dynlib_cli("steppers list --kind map", dir.path().string());
  EXPECT_EQ(maps.code, 0);
  EXPECT_NE(maps.out.find("map"), std::string::npos);
  EXPECT_EQ(maps.out.find("rk45"), std::string::npos);
}

TEST_F(Cli, RunSummary) {
  Output r =
      dynlib_cli("run builtin://ode/lorenz -T 1 --dt 0.01 --stepper rk4", dir.path().string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("steps: 100"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x = "), std::string::npos);
}

// The CSV is written at round-trip precision: reading it back gives the API's values exactly.
TEST_F(Cli, CsvRoundTripEqualsApiResults) {
  Output r = dynlib_cli(
      "run builtin://ode/vanderpol --stepper rk45 -T 5 --rtol 1e-8 --atol 1e-10 "
      "--set mu=2 --set x=1.5 --record-interval 3 --out " +
          path("vdp.csv"),
      dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = read_csv(path("vdp.csv"));

  dynlib::Sim sim = dynlib::setup("builtin://ode/vanderpol", {.stepper = "rk45"});
  dynlib::RunOptions o;
  o.T = 5;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  o.record_interval = 3;
  o.params["mu"] = 2.0;
  o.ic["x"] = 1.5;
  const dynlib::Results& res = sim.run(o);
  ASSERT_EQ(rows.size(), res.size() + 1);
  ASSERT_EQ(rows[0][0], "t");
  for (size_t c = 1; c < rows[0].size(); ++c) {
    const std::vector<double> col = res.column_as_double(rows[0][c]);
    for (size_t i = 0; i < res.size(); ++i)
      ASSERT_EQ(std::strtod(rows[i + 1][c].c_str(), nullptr), col[i]) << rows[0][c] << " row " << i;
  }
  for (size_t i = 0; i < res.size(); ++i)
    ASSERT_EQ(std::strtod(rows[i + 1][0].c_str(), nullptr), res.t()[i]);
}

TEST_F(Cli, EventsCsvAndRecordVars) {
  Output r =
      dynlib_cli("run builtin://ode/izhikevich -T 200 --record-vars v --out " + path("izh.csv"),
                 dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = read_csv(path("izh.csv"));
  ASSERT_GT(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"t", "v"}));
  auto events = read_csv(path("izh.events.csv"));
  ASSERT_GT(events.size(), 2u);
  EXPECT_EQ(events[0][0], "event");
  EXPECT_EQ(events[0][1], "t");
  for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i][0], "reset");
}

TEST_F(Cli, NoRecordWritesFinalState) {
  Output r = dynlib_cli("run builtin://map/logistic -N 50 --no-record --out " + path("f.csv"),
                        dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = read_csv(path("f.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"t", "x"}));
  EXPECT_EQ(std::strtod(rows[1][0].c_str(), nullptr), 50.0);
}

TEST_F(Cli, BadStepperAndBadSet) {
  Output r = dynlib_cli("run builtin://ode/lorenz --stepper rk5 -T 1", dir.path().string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("rk5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean"), std::string::npos) << r.err;
  Output s = dynlib_cli("run builtin://ode/lorenz -T 1 --set sigmaa=3", dir.path().string());
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.err.find("sigma"), std::string::npos) << s.err;
}

// Ctrl+C stops the run cleanly: exit status 130 and what was computed is still written.
TEST_F(Cli, InterruptWritesPartialResults) {
  const std::string out = path("long.csv");
  std::vector<std::string> argv_s = {
      DYNLIB_CLI_PATH, "run",   "builtin://ode/lorenz", "--stepper", "rk4",     "-T",    "1e7",
      "--dt",          "0.001", "--record-interval",    "100000",    "--quiet", "--out", out};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  auto rows = read_csv(out);
  ASSERT_GE(rows.size(), 2u);  // header + at least the initial sample
  EXPECT_EQ(rows[0][0], "t");
}

}  // namespace

namespace {
// The README's C++ quickstart, verbatim, must compile and run.
TEST(Readme, CppQuickstart) {
  dynlib::Sim sim = dynlib::setup("builtin://ode/vanderpol", {.stepper = "rk45"});
  const dynlib::Results& res = sim.run({.T = 20.0});
  auto x = res.column("x");  // a view into the recorded buffer, no copy
  double x_end = x[x.size - 1];
  EXPECT_EQ(x_end, res.final_state()[0]);
  EXPECT_EQ(res.t().back(), 20.0);
}
}  // namespace

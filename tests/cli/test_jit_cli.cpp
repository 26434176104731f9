// `dynlib run --jit`, `--stats` and `dynlib export` end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::contains;
using dynlib::testing::slurp;

class JitCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) const {
    const std::string cmd =
        std::string(DYNLIB_CLI_PATH) + " " + args + " >" + path("o.txt") + " 2>" + path("e.txt");
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(path("o.txt")),
            slurp(path("e.txt"))};
  }
};

TEST_F(JitCli, NativeCsvIsByteIdenticalToTheInterpreters) {
  for (const std::string model :
       {"builtin://ode/izhikevich --stepper rk4 -T 200 --dt 0.05", "builtin://map/henon -N 500",
        "builtin://ode/vanderpol --stepper rk45 -T 20 --dtype float32"}) {
    SCOPED_TRACE(model);
    ASSERT_EQ(cli("run " + model + " --out " + path("i.csv") + " --jit=off").code, 0);
    const Output native = cli("run " + model + " --out " + path("n.csv") + " --jit");
    ASSERT_EQ(native.code, 0) << native.err;
    EXPECT_EQ(slurp(path("i.csv")), slurp(path("n.csv")));
    EXPECT_GT(slurp(path("n.csv")).size(), 1000u);
    EXPECT_EQ(slurp(path("i.events.csv")), slurp(path("n.events.csv")));
  }
}

TEST_F(JitCli, StatsNamePhasesAndBackend) {
  const Output o = cli("run builtin://ode/lorenz --jit=on --stats");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* phase : {"resolve+parse", "lower", "codegen", "compile", "load", "run"})
    EXPECT_TRUE(contains(o.out, phase)) << phase << "\n" << o.out;
  EXPECT_TRUE(contains(o.out, "(compiled now)") || contains(o.out, "(from the memory cache)"))
      << o.out;
  EXPECT_TRUE(contains(o.out, "  native ")) << o.out;
  EXPECT_FALSE(contains(o.out, "  interpreter ")) << o.out;
  EXPECT_TRUE(contains(o.out, "jit report: 1 kernel in this process")) << o.out;
  EXPECT_TRUE(contains(o.out, "1 native -O2")) << o.out;
  EXPECT_TRUE(contains(o.out, "1 build (")) << o.out;  // with its memory and disk cache hits
  EXPECT_TRUE(contains(o.out, "disk hits)")) << o.out;
  const Output i = cli("run builtin://ode/lorenz --stats");
  EXPECT_TRUE(contains(i.out, "  interpreter ")) << i.out;
  EXPECT_FALSE(contains(i.out, "kernel:")) << i.out;
  // jit=auto on a long run: both backends, the switch step and the measured speed-up.
  const Output a =
      cli("run builtin://ode/lorenz -N 40000000 --dt 1e-5 --no-record --jit=auto --stats");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_TRUE(contains(a.out, "switched to native at step")) << a.out;
  EXPECT_TRUE(contains(a.out, "0 interpreter")) << a.out;
  EXPECT_TRUE(contains(a.out, "1 native -O2")) << a.out;
  EXPECT_TRUE(contains(a.out, "speed-up")) << a.out;
  const Output bad = cli("run builtin://ode/lorenz --jit=atuo");
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, "did you mean 'auto'")) << bad.err;
}

TEST_F(JitCli, ExportWritesSourcesAndAWorkingBuildScript) {
  const Output o = cli("export builtin://ode/izhikevich " + path("out") + " --stepper rk2");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "build.sh")) << o.out;
  for (const char* f : {"rhs.cpp", "events.cpp", "aux.cpp", "stepper.cpp", "runner.cpp",
                        "kernel.cpp", "build.sh", "include/kernel/runner.hpp"})
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / f)) << f;
  EXPECT_TRUE(contains(slurp(path("out/runner.cpp")), "dynlib_run_rk2"));
  EXPECT_TRUE(contains(slurp(path("out/build.sh")), "-ffp-contract=off"));
  ASSERT_EQ(std::system(("sh " + path("out/build.sh") + " >/dev/null 2>&1").c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "kernel.so"));
}

}  // namespace

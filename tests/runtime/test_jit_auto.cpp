// jit=auto: starts interpreted, compiles in the background when the run is long enough, switches
// at a YIELD — and the switched run is bit-identical to a purely interpreted one (DESIGN rule 2).
// Also the compile statistics registry (jit_stats()).
#include <gtest/gtest.h>

#include <algorithm>

#include "dsl/temp_dir.hpp"
#include "jit/compiler.hpp"
#include "jit/jit.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using dynlib::testing::ScopedEnv;
using dynlib::testing::TempDir;
using rt_test::expect_same_results;

namespace {

// Pins the auto switch to the first YIELD at or after `step` (YIELD every `budget` steps).
struct PinnedSwitch {
  rt_test::TinyBuffers tiny;
  PinnedSwitch(long long step, long long budget) : tiny(16, 16, budget) {
    detail::tuning().auto_switch_step = step;
  }
  ~PinnedSwitch() { detail::tuning().auto_switch_step = 0; }
};

const KernelStats* stats_for(const std::vector<KernelStats>& all, const std::string& model,
                             const std::string& stepper, const std::string& dtype = "float64") {
  for (const auto& k : all)
    if (k.model_name == model && k.stepper == stepper && k.dtype == dtype) return &k;
  return nullptr;
}

struct Case {
  std::string uri, stepper;
  std::optional<std::string> dtype;
  RunOptions run;
};

}  // namespace

TEST(JitAuto, ASwitchAtAnyStepChangesNoBit) {
  const std::vector<Case> cases = {
      {"builtin://ode/lorenz", "rk4", std::nullopt, {.T = 10.0, .dt = 0.01}},
      {"builtin://ode/vanderpol", "rk45", std::nullopt, {.T = 100.0}},
      {"builtin://ode/izhikevich", "rk4", std::nullopt, {.T = 200.0, .dt = 0.05}},
      {"builtin://ode/hodgkin-huxley-1952", "ab2", "float32", {.T = 20.0, .dt = 0.01}},
      {"builtin://map/logistic", "map", std::nullopt, {.N = 800}},
  };
  for (const auto& c : cases) {
    Sim reference = setup(c.uri, {.stepper = c.stepper, .dtype = c.dtype});
    const Results& want = reference.run(c.run);
    for (long long at : {1LL, 60LL, 397LL}) {
      SCOPED_TRACE(c.uri + " " + c.stepper + " switch at " + std::to_string(at));
      jit::clear_memory_cache();  // else the kernel is found ready and runs native from step 0
      PinnedSwitch pin(at, 7);
      Sim sim = setup(c.uri, {.stepper = c.stepper, .jit = JitMode::Auto, .dtype = c.dtype});
      EXPECT_FALSE(sim.model().is_jitted());
      const Results& got = sim.run(c.run);
      const RunStats& rs = got.run_stats();
      ASSERT_GT(got.steps(), at + 20);  // else this case cannot switch
      // The first YIELD at or after `at` (a GROW re-entry restarts the budget count).
      EXPECT_GE(rs.switch_step, at);
      EXPECT_LT(rs.switch_step, at + 20);
      EXPECT_EQ(rs.interp_steps, rs.switch_step);  // every step before the switch interpreted
      EXPECT_GT(rs.interp_steps, 0);
      EXPECT_GT(rs.native_steps, 0);
      EXPECT_EQ(rs.interp_steps + rs.native_steps, got.steps());
      expect_same_results(want, got);
      EXPECT_TRUE(sim.model().is_jitted());
    }
  }
}

TEST(JitAuto, ResumedRunsAndEventsAcrossTheSwitch) {
  Sim reference = setup("builtin://ode/leaky-if", {.stepper = "rk2"});
  reference.assign("I", 20.0);  // above threshold: it fires
  reference.run({.T = 40.0, .dt = 0.01});
  reference.run({.T = 90.0, .resume = true});
  jit::clear_memory_cache();
  PinnedSwitch pin(2500, 11);
  Sim sim = setup("builtin://ode/leaky-if", {.stepper = "rk2", .jit = JitMode::Auto});
  sim.assign("I", 20.0);
  sim.run({.T = 40.0, .dt = 0.01});  // 4000 steps: switches at ~2500
  EXPECT_GT(sim.results().run_stats().switch_step, 0);
  sim.run({.T = 90.0, .resume = true});  // starts native
  EXPECT_EQ(sim.results().run_stats().interp_steps, 0);
  expect_same_results(reference.results(), sim.results());
  ASSERT_FALSE(sim.results().events().empty());
  EXPECT_FALSE(sim.results().events()[0].t.empty());
}

TEST(JitAuto, ShortRunsNeverWaitForACompiler) {
  jit::clear_memory_cache();
  const long long compiles = jit::jit_counters().compiles;
  Sim sim = setup("builtin://ode/rossler", {.stepper = "rk4", .jit = JitMode::Auto});
  const Results& r = sim.run({.T = 5.0, .dt = 0.01});  // 500 steps: done before any YIELD
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.run_stats().native_steps, 0);
  EXPECT_EQ(r.run_stats().interp_steps, 500);
  EXPECT_EQ(jit::jit_counters().compiles, compiles);
  EXPECT_FALSE(sim.model().is_jitted());
}

TEST(JitAuto, ALongRunKeepsInterpretingWhileCompilingThenGoesNative) {
  jit::clear_memory_cache();
  // Threshold 0: compile at the first YIELD; the run goes on in the interpreter meanwhile. The
  // run is "endless" and stops itself a few YIELDs after the kernel is ready, so the test does not
  // depend on how long the compiler takes.
  Sim sim = setup("builtin://ode/lorenz",
                  {.stepper = "rk4", .jit = JitMode::Auto, .auto_threshold = 0.0});
  int native_reports = 0;
  sim.set_progress(
      [&](double, long long) {
        if (sim.model().is_jitted() && ++native_reports == 3) sim.request_stop();
      },
      0.0);
  const Results& r = sim.run({.N = 4000000000LL, .dt = 1e-6, .record = false});
  EXPECT_EQ(r.status(), Status::UserBreak);
  const RunStats& rs = r.run_stats();
  EXPECT_GT(rs.interp_steps, 1 << 14);  // more than the first call: it did not wait at the YIELD
  EXPECT_GT(rs.native_steps, 0);
  EXPECT_EQ(rs.switch_step, rs.interp_steps);
  EXPECT_EQ(rs.interp_steps + rs.native_steps, r.steps());
  Sim reference = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  const Results& want = reference.run({.N = r.steps(), .dt = 1e-6, .record = false});
  const auto a = want.final_state(), b = r.final_state();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(rt_test::same_bits(a[i], b[i])) << i;
}

TEST(JitAuto, AWarmCacheStartsNative) {
  const FullModel on = build("builtin://ode/duffing", {.stepper = "rk45", .jit = true});
  const FullModel autom = build("builtin://ode/duffing", {.stepper = "rk45", .jit = JitMode::Auto});
  EXPECT_TRUE(autom.is_jitted());
  EXPECT_EQ(autom.build_stats().kernel_source, "memory");
  EXPECT_EQ(autom.build_stats().kernel_digest, on.build_stats().kernel_digest);
  Sim sim(autom);
  const Results& r = sim.run({.T = 10.0});
  EXPECT_EQ(r.run_stats().interp_steps, 0);
  EXPECT_EQ(r.run_stats().native_steps, r.steps());
}

TEST(JitAuto, NoCompilerKeepsInterpretingWithAWarning) {
  ScopedEnv env;
  env.set("DYNLIB_CXX", "/nonexistent/dynlib-auto-test-c++");
  jit::reset_compiler_probe();
  jit::clear_memory_cache();
  PinnedSwitch pin(10, 5);
  ::testing::internal::CaptureStderr();
  Sim sim = setup("builtin://ode/fitzhugh-nagumo", {.stepper = "rk4", .jit = JitMode::Auto});
  const Results& r = sim.run({.T = 20.0, .dt = 0.01});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.run_stats().native_steps, 0);
  EXPECT_EQ(r.run_stats().interp_steps, r.steps());
  EXPECT_NE(err.find("jit=auto could not build a native kernel"), std::string::npos) << err;
  Sim reference = setup("builtin://ode/fitzhugh-nagumo", {.stepper = "rk4"});
  expect_same_results(reference.run({.T = 20.0, .dt = 0.01}), r);
  jit::reset_compiler_probe();
}

TEST(JitAuto, ThresholdFromOptionsAndConfig) {
  TempDir dir;
  ScopedEnv env("DYNLIB_CONFIG", dir.write("config.toml", "[jit]\nauto_threshold = 1e9\n"));
  jit::clear_memory_cache();
  const long long compiles = jit::jit_counters().compiles;
  rt_test::TinyBuffers tiny(16, 16, 100);  // many YIELDs, each a chance to decide
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "euler", .jit = JitMode::Auto});
  EXPECT_EQ(sim.run({.N = 20000, .dt = 1e-3}).run_stats().native_steps, 0);
  EXPECT_EQ(jit::jit_counters().compiles, compiles);
  EXPECT_THROW(build("builtin://ode/lorenz", {.jit = JitMode::Auto, .auto_threshold = -1.0}),
               DynlibError);
}

TEST(JitStats, CountsBuildsCompilesHitsRunsAndBackends) {
  reset_jit_stats();
  jit::clear_memory_cache();
  Sim a = setup("builtin://ode/expdecay", {.stepper = "rk2"});
  a.run({.T = 1.0, .dt = 0.001});
  Sim b = setup("builtin://ode/expdecay", {.stepper = "rk2", .jit = true});
  b.run({.T = 1.0, .dt = 0.001});
  Sim c = setup("builtin://ode/expdecay", {.stepper = "rk2", .jit = true});
  c.run({.T = 2.0, .dt = 0.001});
  const auto all = jit_stats();
  const KernelStats* k = stats_for(all, "expdecay", "rk2");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->builds, 3);
  EXPECT_EQ(k->compiles, 1);
  EXPECT_EQ(k->memory_hits, 1);
  EXPECT_GT(k->compile_seconds, 0.0);
  EXPECT_EQ(k->runs, 3);
  EXPECT_EQ(k->interp_steps, 1000);
  EXPECT_EQ(k->native_steps, 3000);
  EXPECT_EQ(k->digest, b.model().build_stats().kernel_digest);
  EXPECT_EQ(k->id.size(), 64u);
  EXPECT_EQ(k->backends, (std::vector<std::string>{"interpreter", "native"}));
  EXPECT_GT(k->speedup(), 0.0);
  EXPECT_GT(k->interp_ns_per_step(), 0.0);
  // float32 is another kernel.
  Sim f = setup("builtin://ode/expdecay", {.stepper = "rk2", .dtype = "float32"});
  f.run({.T = 1.0, .dt = 0.01});
  EXPECT_NE(stats_for(jit_stats(), "expdecay", "rk2", "float32"), nullptr);
  reset_jit_stats();
  EXPECT_TRUE(jit_stats().empty());
}

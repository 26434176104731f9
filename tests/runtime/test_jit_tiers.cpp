// jit=auto across runs and tiers: a kernel whose runs together spend auto_threshold seconds
// interpreted (after auto_min_calls runs) is compiled, whoever ran it (Sims, builds, batch
// trajectories); a kernel that stays hot in native code is recompiled at -O3 -march=native
// (tier 2). Every move changes no bit. The wait_for_compiles knob makes each background compile
// finish before the run that started it returns, so the tests pin which run goes native first.
// Each test uses its own model and stepper: a kernel's heat is process-wide.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dsl/temp_dir.hpp"
#include "dynlib/ensemble.hpp"
#include "jit/jit.hpp"
#include "pipeline/factory.hpp"
#include "pipeline/tier_trial.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using dynlib::testing::ScopedEnv;
using dynlib::testing::TempDir;
using rt_test::expect_same_results;

namespace {

struct WaitForCompiles {
  WaitForCompiles() { detail::tuning().wait_for_compiles = true; }
  ~WaitForCompiles() { detail::tuning().wait_for_compiles = false; }
};

struct PinnedMoves {
  rt_test::TinyBuffers tiny;
  PinnedMoves(long long to_native, long long to_tier2) : tiny(16, 16, 7) {
    detail::tuning().auto_switch_step = to_native;
    detail::tuning().tier_up_step = to_tier2;
  }
  ~PinnedMoves() {
    detail::tuning().auto_switch_step = 0;
    detail::tuning().tier_up_step = 0;
  }
};

KernelStats stats_of(const FullModel& m) {
  for (const KernelStats& k : jit_stats())
    if (k.id == m.build_stats().kernel_id) return k;
  ADD_FAILURE() << "no jit_stats() entry for " << m.spec().name;
  return {};
}

BuildOptions auto_options(const std::string& stepper, double threshold, long long min_calls,
                          double tier_threshold = std::numeric_limits<double>::infinity()) {
  return {.stepper = stepper,
          .jit = JitMode::Auto,
          .auto_threshold = threshold,
          .auto_min_calls = min_calls,
          .auto_tier_threshold = tier_threshold};
}

}  // namespace

TEST(JitTiers, ALoopOfShortRunsGoesNativeOnceItsRunsAddUp) {
  jit::clear_memory_cache();
  WaitForCompiles wait;
  const RunOptions run{.T = 2.0, .dt = 0.01};  // 200 steps: no run reaches a YIELD
  Sim reference = setup("builtin://ode/lorenz", {.stepper = "rk2"});
  Sim sim = setup("builtin://ode/lorenz", auto_options("rk2", 0.0, 3));
  for (int i = 1; i <= 5; ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    // Each run goes on from where the last one stopped: the reference runs in step.
    const Results& want = reference.run(run);
    const Results& got = sim.run(run);
    expect_same_results(want, got);
    // Runs 1-3 interpret; the third's end makes min_calls runs, so it starts the compile.
    EXPECT_EQ(got.run_stats().native_steps, i <= 3 ? 0 : 200);
    EXPECT_EQ(got.run_stats().switch_step, -1);
    EXPECT_EQ(sim.model().jit_tier(), i >= 3 ? 1 : 0);
  }
  // The reference's runs are the same kernel's (jit=off): they count in its statistics, though
  // not in its heat (only jit=auto runs do).
  const KernelStats k = stats_of(sim.model());
  EXPECT_EQ(k.runs, 10);
  EXPECT_EQ(k.tier, 1);
  EXPECT_EQ(k.tiers[0].steps, 5 * 200 + 3 * 200);
  EXPECT_EQ(k.tiers[1].steps, 400);
  EXPECT_EQ(k.tiers[1].compiles, 1);
  EXPECT_EQ(k.tiers[2].compiles, 0);  // tier threshold infinity: never
}

TEST(JitTiers, RunsOfEverySimBuildAndBatchTrajectoryCountTogether) {
  jit::clear_memory_cache();
  WaitForCompiles wait;
  const BuildOptions options = auto_options("ab2", 0.0, 4);
  const RunOptions run{.T = 1.0, .dt = 0.01};
  Sim a = setup("builtin://ode/rossler", options);
  Sim b(a.model());
  Sim c = setup("builtin://ode/rossler", options);  // another build of the same kernel
  a.run(run);
  b.run(run);
  c.run(run);
  EXPECT_FALSE(a.model().is_jitted());
  EXPECT_FALSE(c.model().is_jitted());
  // A batch of 6 trajectories. Its one-step probe run (which checks the shared options) is the
  // 4th run of the kernel: it starts the compile, and every trajectory runs native.
  BatchOptions batch{.ic = {{"x", {1, 2, 3, 4, 5, 6}}}, .T = 1.0, .dt = 0.01, .threads = 1};
  const BatchResults got = run_batch(a.model(), batch);
  EXPECT_TRUE(a.model().is_jitted());
  const KernelStats k = stats_of(a.model());
  const BatchResults want = run_batch(build("builtin://ode/rossler", {.stepper = "ab2"}), batch);
  EXPECT_EQ(got.final_state, want.final_state);
  EXPECT_EQ(k.runs, 3 + 1 + 6);
  EXPECT_EQ(k.tiers[0].steps, 3 * 100 + 1);
  EXPECT_EQ(k.tiers[1].steps, 6 * 100);
  // The other build takes the kernel (from the memory cache) when its next run starts.
  EXPECT_EQ(c.run(run).run_stats().native_steps, 100);
  EXPECT_TRUE(c.model().is_jitted());
}

TEST(JitTiers, FewerRunsOrLessTimeThanAskedNeverCompile) {
  jit::clear_memory_cache();
  WaitForCompiles wait;
  const long long compiles = jit::jit_counters().compiles;
  Sim few = setup("builtin://ode/vanderpol", auto_options("rk4", 0.0, 50));
  for (int i = 0; i < 49; ++i) few.run({.T = 0.1, .dt = 0.01});
  EXPECT_FALSE(few.model().is_jitted());
  Sim slow = setup("builtin://ode/vanderpol", auto_options("euler", 1e9, 1));
  for (int i = 0; i < 20; ++i) slow.run({.T = 0.1, .dt = 0.01});
  EXPECT_FALSE(slow.model().is_jitted());
  EXPECT_EQ(jit::jit_counters().compiles, compiles);
}

TEST(JitTiers, AHotNativeKernelMovesToTier2AndKeepsEveryBit) {
  jit::clear_memory_cache();
  WaitForCompiles wait;
  const RunOptions run{.T = 20.0, .dt = 0.01};
  Sim reference = setup("builtin://ode/izhikevich", {.stepper = "rk4"});
  // min_calls 1, thresholds 0: run 1 interprets and starts tier 1, run 2 runs it and starts
  // tier 2, which is then on trial: runs 3, 4 and 5 alternate tiers 2 and 1.
  Sim sim = setup("builtin://ode/izhikevich", auto_options("rk4", 0.0, 1, 0.0));
  const int tiers[] = {0, 1, 2, 1, 2};
  for (int tier : tiers) {
    const Results& want = reference.run(run);
    const Results& got = sim.run(run);
    expect_same_results(want, got);
    const RunStats& rs = got.run_stats();
    const long long run_steps = rs.interp_steps + rs.native_steps;
    EXPECT_EQ(run_steps, 2000);
    EXPECT_EQ(rs.interp_steps, tier == 0 ? run_steps : 0);
    EXPECT_EQ(rs.native_steps - rs.tier2_steps, tier == 1 ? run_steps : 0);
    EXPECT_EQ(rs.tier2_steps, tier == 2 ? run_steps : 0);
    EXPECT_EQ(rs.tier2_step, -1);
  }
  EXPECT_EQ(sim.model().jit_tier(), 2);
  const KernelStats k = stats_of(sim.model());
  EXPECT_EQ(k.tier2_verdict, "");  // still on trial: 0.05 s of each tier at least
  EXPECT_EQ(k.tier, 2);
  EXPECT_EQ(k.tiers[1].compiles, 1);
  EXPECT_EQ(k.tiers[2].compiles, 1);
  EXPECT_GT(k.tiers[2].compile_seconds, 0.0);
  EXPECT_EQ(k.tiers[2].steps, 2 * 2000);
  EXPECT_GT(k.tier_speedup(2), 0.0);
  const std::string report = jit_report();
  EXPECT_NE(report.find("izhikevich (rk4, float64)"), std::string::npos) << report;
  EXPECT_NE(report.find("2 native -O3 -march=native"), std::string::npos) << report;
  EXPECT_NE(report.find("tier 2 on trial"), std::string::npos) << report;
  // A verdict against tier 2 (as when it is measured slower) moves the runs back to tier 1.
  detail::pipeline_detail::kernel_heat(sim.model().build_stats().kernel_id)
      ->tier2_verdict.store(static_cast<int>(detail::TierVerdict::Drop));
  EXPECT_EQ(sim.model().jit_tier(), 1);
  const Results& want = reference.run(run);
  const Results& got = sim.run(run);
  expect_same_results(want, got);
  EXPECT_EQ(got.run_stats().native_steps, 2000);
  EXPECT_EQ(got.run_stats().tier2_steps, 0);
}

TEST(JitTiers, MovesMidRunAtAnyStepChangeNoBit) {
  struct Case {
    std::string uri, stepper;
    RunOptions run;
  };
  const std::vector<Case> cases = {
      {"builtin://ode/lorenz", "rk4", {.T = 10.0, .dt = 0.01}},
      {"builtin://ode/vanderpol", "rk45", {.T = 100.0}},
      {"builtin://ode/leaky-if", "rk2", {.T = 40.0, .dt = 0.01}},
      {"builtin://map/logistic", "map", {.N = 800}},
  };
  for (const auto& c : cases) {
    Sim reference = setup(c.uri, {.stepper = c.stepper});
    const Results& want = reference.run(c.run);
    for (auto [to_native, to_tier2] : {std::pair{1LL, 2LL}, {60LL, 300LL}}) {
      SCOPED_TRACE(c.uri + " native at " + std::to_string(to_native) + ", tier 2 at " +
                   std::to_string(to_tier2));
      jit::clear_memory_cache();
      PinnedMoves pin(to_native, to_tier2);
      Sim sim = setup(c.uri, {.stepper = c.stepper, .jit = JitMode::Auto});
      const Results& got = sim.run(c.run);
      const RunStats& rs = got.run_stats();
      ASSERT_GT(got.steps(), to_tier2 + 20);
      EXPECT_GE(rs.switch_step, to_native);
      EXPECT_GE(rs.tier2_step, std::max(to_tier2, rs.switch_step));
      EXPECT_LT(rs.tier2_step, to_tier2 + 20);
      EXPECT_EQ(rs.interp_steps, rs.switch_step);
      EXPECT_EQ(rs.native_steps - rs.tier2_steps, rs.tier2_step - rs.switch_step);
      EXPECT_EQ(rs.interp_steps + rs.native_steps, got.steps());
      expect_same_results(want, got);
      EXPECT_EQ(sim.model().jit_tier(), 2);
    }
  }
}

TEST(JitTiers, ATier2KernelIsKeptInTheDiskCacheToo) {
  TempDir dir;
  ScopedEnv env(
      "DYNLIB_CONFIG",
      dir.write("config.toml", "cache_root = \"" + (dir.path() / "cache").string() + "\"\n"));
  jit::clear_memory_cache();
  WaitForCompiles wait;
  BuildOptions options = auto_options("ab3", 0.0, 1, 0.0);
  options.disk_cache = true;
  Sim sim = setup("builtin://ode/duffing", options);
  for (int i = 0; i < 3; ++i) sim.run({.T = 1.0, .dt = 0.01});
  ASSERT_EQ(sim.model().jit_tier(), 2);
  jit::clear_memory_cache();  // as in a new process: only the disk cache remembers the kernels
  const long long compiles = jit::jit_counters().compiles;
  const FullModel again = build("builtin://ode/duffing", options);
  EXPECT_EQ(again.jit_tier(), 1);  // tier 2 is on trial in every process
  EXPECT_EQ(again.build_stats().kernel_source, "disk");
  // The kernel is hot already (this process counted its runs): its first run asks for tier 2,
  // which comes from the disk too.
  Sim next(again);
  EXPECT_EQ(next.run({.T = 1.0, .dt = 0.01}).run_stats().native_steps, 100);
  EXPECT_EQ(again.jit_tier(), 2);
  EXPECT_EQ(jit::jit_counters().compiles, compiles);
}

TEST(JitTiers, Tier2IsKeptOnlyWhereItIsMeasuredFaster) {
  using detail::tier2_verdict;
  using detail::TierTime;
  using detail::TierVerdict;
  const TierTime tier1{10000000, 0.20};  // 20 ns/step over the trial
  // On trial until each tier has run for half the trial time (at least 0.05 s).
  EXPECT_EQ(tier2_verdict(tier1, {10000000, 0.19}, 2.0), TierVerdict::Undecided);
  EXPECT_EQ(tier2_verdict({1000000, 0.02}, {10000000, 0.19}, 0.0), TierVerdict::Undecided);
  EXPECT_EQ(tier2_verdict(tier1, {2000000, 0.038}, 0.0), TierVerdict::Undecided);
  EXPECT_EQ(tier2_verdict({50000000, 1.0}, {50000000, 1.0}, 2.0), TierVerdict::Keep);  // a tie
  EXPECT_EQ(tier2_verdict(tier1, {10000000, 0.19}, 0.0), TierVerdict::Keep);           // 19 ns
  EXPECT_EQ(tier2_verdict(tier1, {10000000, 0.21}, 0.0), TierVerdict::Drop);           // 21 ns
  EXPECT_EQ(tier2_verdict(tier1, {10000000, 0.21}, 0.5), TierVerdict::Undecided);
  EXPECT_EQ(tier2_verdict({0, 0.0}, {10000000, 0.21}, 0.0), TierVerdict::Undecided);
}

TEST(JitTiers, OptionsAndConfigAreChecked) {
  for (const BuildOptions& bad :
       {BuildOptions{.jit = JitMode::Auto, .auto_min_calls = 0},
        BuildOptions{.jit = JitMode::Auto, .auto_tier_threshold = -1.0},
        BuildOptions{.jit = JitMode::Auto, .auto_tier_threshold = std::nan("")},
        BuildOptions{.jit = JitMode::Auto, .auto_threshold = std::nan("")}}) {
    EXPECT_THROW(build("builtin://ode/lorenz", bad), DynlibError);
  }
  TempDir dir;
  ScopedEnv env("DYNLIB_CONFIG",
                dir.write("config.toml", "[jit]\nauto_min_calls = 1000\nauto_threshold = 0\n"));
  jit::clear_memory_cache();
  WaitForCompiles wait;
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "euler", .jit = JitMode::Auto});
  for (int i = 0; i < 10; ++i) sim.run({.T = 0.1, .dt = 0.01});
  EXPECT_FALSE(sim.model().is_jitted());  // min_calls from the config file
  Sim given = setup("builtin://ode/lorenz",
                    {.stepper = "euler", .jit = JitMode::Auto, .auto_min_calls = 12});
  given.run({.T = 0.1, .dt = 0.01});  // the kernel's 11th run: its options ask for 12
  EXPECT_FALSE(given.model().is_jitted());
  given.run({.T = 0.1, .dt = 0.01});
  EXPECT_TRUE(given.model().is_jitted());
}

TEST(JitTiers, AModelDestroyedWhileItsTier2CompilesWaitsForIt) {
  jit::clear_memory_cache();
  const long long compiles = jit::jit_counters().compiles;
  {
    Sim sim = setup("builtin://ode/lorenz", auto_options("ab2", 0.0, 1, 0.0));
    {
      WaitForCompiles wait;
      sim.run({.T = 0.1, .dt = 0.01});  // interpreted; tier 1 compiles before it returns
    }
    sim.run({.T = 0.1, .dt = 0.01});  // tier 1; its end starts tier 2 in the background
    EXPECT_EQ(sim.model().jit_tier(), 1);
  }  // the model goes while tier 2 may still compile: its destructor waits (ASan checks the rest)
  EXPECT_EQ(jit::jit_counters().compiles, compiles + 2);
}

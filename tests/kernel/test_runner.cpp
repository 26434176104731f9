// The runner's contract: re-entry after GROW_*/YIELD is invisible, USER_BREAK / NAN_DETECTED /
// EARLY_EXIT keep what was computed, recording options, argument checks, the registry.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernel/sim_compare.hpp"
#include "kernel/test_models.hpp"
#include "kernel/test_wrapper.hpp"

namespace dynlib::kernel::testing {
namespace {

Sim<LIF> make_lif(const char* stepper, long long rec_cap, long long evt_cap) {
  Sim<LIF> s(LIF{}, stepper, {0.0}, {2.0, 1.0, 1.0, 0.0, 0.0}, rec_cap, evt_cap);
  if (kSteppers[s.stepper].adaptive) {
    s.adaptive(0, 10, 1e-7);
  } else {
    s.fixed(0, 0.01, 1000);
  }
  return s;
}

TEST(Runner, GrowthFromCapacityOneIsBitIdentical) {
  for (const char* stepper : {"euler", "rk4", "rk45", "ab2", "ab3"}) {
    Sim<LIF> small = make_lif(stepper, 1, 1), big = make_lif(stepper, 1 << 16, 1 << 10);
    ASSERT_EQ(small.run_all(), DONE) << stepper;
    ASSERT_EQ(big.run_all(), DONE) << stepper;
    EXPECT_GT(small.grow_rec, 5);
    EXPECT_GT(small.grow_evt, 2);
    EXPECT_EQ(big.grow_rec + big.grow_evt, 0);
    EXPECT_GE(big.events(), 13) << stepper;
    expect_same_results(small, big);
  }
  Sim<Lorenz<>> small(Lorenz<>{}, "rk4", {1, 1, 1}, {10, 28, 8.0 / 3}, 0);
  Sim<Lorenz<>> big(Lorenz<>{}, "rk4", {1, 1, 1}, {10, 28, 8.0 / 3}, 5000);
  small.fixed(0, 0.005, 4000);
  big.fixed(0, 0.005, 4000);
  ASSERT_EQ(small.run_all(), DONE);
  ASSERT_EQ(big.run_all(), DONE);
  EXPECT_EQ(big.rows(), 4001);
  expect_same_results(small, big);
}

TEST(Runner, YieldWithSmallBudgetIsBitIdentical) {
  for (const char* stepper : {"rk4", "rk45", "ab3"}) {
    Sim<LIF> budget = make_lif(stepper, 3, 1), plain = make_lif(stepper, 1 << 16, 1 << 10);
    budget.a.step_budget = 7;
    ASSERT_EQ(budget.run_all(), DONE) << stepper;
    ASSERT_EQ(plain.run_all(), DONE) << stepper;
    // The budget counts steps per call; re-entries after growth restart it.
    EXPECT_GE(budget.yields, budget.a.step / 7 / 2);
    EXPECT_EQ(plain.yields, 0);
    expect_same_results(budget, plain);
  }
}

TEST(Runner, YieldCountsCommittedStepsPerCall) {
  Sim<Collatz> s(Collatz{}, "map", {27}, {}, 200);
  s.fixed(0, 1, 111);
  s.a.step_budget = 10;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.yields, 11);  // at steps 10, 20, ..., 110
  EXPECT_EQ(s.y[0], 1);
}

TEST(Runner, UserBreakKeepsPartialResultsAndCanResume) {
  volatile int flag = 0;
  Sim<Lorenz<>> s(Lorenz<>{}, "rk4", {1, 1, 1}, {10, 28, 8.0 / 3}, 501);
  Sim<Lorenz<>> ref(Lorenz<>{}, "rk4", {1, 1, 1}, {10, 28, 8.0 / 3}, 16);
  s.fixed(0, 0.01, 500);
  ref.fixed(0, 0.01, 500);
  s.a.interrupt = &flag;
  s.a.step_budget = 100;
  ASSERT_EQ(s.step_once(), YIELD);
  EXPECT_EQ(s.a.step, 100);
  flag = 1;
  EXPECT_EQ(s.step_once(), USER_BREAK);
  EXPECT_EQ(s.a.exit_reason, EXIT_INTERRUPT);
  EXPECT_EQ(s.a.step, 100);
  EXPECT_EQ(s.rows(), 101);
  ASSERT_EQ(ref.run_all(), DONE);
  EXPECT_TRUE(same_bits(s.rec_data, ref.rec_data, 101 * 3));
  // Clearing the flag resumes as if nothing happened.
  flag = 0;
  s.a.step_budget = 0;
  ASSERT_EQ(s.run_all(), DONE);
  s.a.interrupt = nullptr;
  expect_same_results(s, ref);
}

TEST(Runner, NanDetectedNamesVariableAndKeepsLastGoodStep) {
  Sim<BlowUp> s(BlowUp{}, "rk4", {0.0, 1.0}, {});
  s.fixed(0, 0.1, 1000);
  ASSERT_EQ(s.run_all(), NAN_DETECTED);
  EXPECT_EQ(s.a.exit_reason, EXIT_NONFINITE);
  EXPECT_EQ(s.a.nan_index, 1);
  EXPECT_TRUE(std::isfinite(s.y[0]) && std::isfinite(s.y[1]));
  EXPECT_GT(s.a.step, 10);  // y(t) = 1 / (1 - t) blows up after t = 1
  EXPECT_LT(s.a.step, 100);
  EXPECT_EQ(s.a.t, s.a.step * 0.1);
  ASSERT_EQ(s.rows(), s.a.step + 1);
  EXPECT_EQ(s.rec(s.rows() - 1, 1), s.y[1]);
  EXPECT_EQ(s.rec_step[s.rows() - 1], s.a.step);

  Sim<Logistic<float>> f(Logistic<float>{}, "map", {0.5f}, {1e30f});
  f.fixed(0, 1, 10);
  ASSERT_EQ(f.run_all(), NAN_DETECTED);  // 2.5e29, then overflow to -inf
  EXPECT_EQ(f.a.step, 1);
  EXPECT_EQ(f.y[0], 2.5e29f);
}

TEST(Runner, MaxStepsIsEarlyExit) {
  Sim<SinExp> s(SinExp{}, "rk45", {1.0}, {});
  s.adaptive(0, 100, 1e-10);
  s.a.max_steps_end = 10;
  EXPECT_EQ(s.run_all(), EARLY_EXIT);
  EXPECT_EQ(s.a.exit_reason, EXIT_MAX_STEPS);
  EXPECT_EQ(s.a.step, 10);
  EXPECT_EQ(s.rows(), 11);
  EXPECT_LT(s.a.t, 100);

  Sim<Collatz> m(Collatz{}, "map", {27}, {});
  m.fixed(0, 1, 1000);
  m.a.max_steps_end = 20;
  m.a.step_budget = 3;
  EXPECT_EQ(m.run_all(), EARLY_EXIT);
  EXPECT_EQ(m.a.step, 20);
  // A max_steps_end equal to step_end is simply the end.
  Sim<Collatz> d(Collatz{}, "map", {27}, {});
  d.fixed(0, 1, 20);
  d.a.max_steps_end = 20;
  EXPECT_EQ(d.run_all(), DONE);
}

TEST(Runner, RecordIntervalAndSelection) {
  Sim<ExpDecay<double>> s(ExpDecay<double>{}, "rk4", {1.0}, {1.0}, 1);
  s.a.record_interval = 7;
  s.a.step_budget = 5;
  s.select({}, {0});  // aux only
  s.fixed(0, 0.01, 50);
  ASSERT_EQ(s.run_all(), DONE);
  ASSERT_EQ(s.rows(), 8);  // steps 0, 7, ..., 49
  for (long long r = 0; r < 8; ++r) {
    EXPECT_EQ(s.rec_step[r], 7 * r);
    EXPECT_EQ(s.rec_t[r], 7 * r * 0.01);
    const double y = std::exp(-s.rec_t[r]);
    EXPECT_NEAR(s.rec(r, 0), y * y, 1e-10);
  }
  // An exactly sized buffer never asks to grow.
  Sim<ExpDecay<double>> e(ExpDecay<double>{}, "rk4", {1.0}, {1.0}, 8);
  e.a.record_interval = 7;
  e.fixed(0, 0.01, 55);
  e.grow = false;
  EXPECT_EQ(e.run_all(), DONE);
  EXPECT_EQ(e.rows(), 8);
}

TEST(Runner, FixedStepTimeHasNoDrift) {
  Sim<Harmonic> s(Harmonic{}, "euler", {1.0, 0.0}, {1.0});
  s.a.record = 0;
  s.fixed(0.5, 0.1, 100000);
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.a.t, 0.5 + 100000 * 0.1);
}

TEST(Runner, ZeroLengthRunRecordsInitialSample) {
  Sim<Harmonic> s(Harmonic{}, "rk4", {1.0, 0.0}, {1.0}, 0);
  s.fixed(0, 0.1, 0);
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.rows(), 1);
  EXPECT_EQ(s.rec(0, 0), 1.0);
}

TEST(Runner, BadArgs) {
  Sim<Harmonic> s(Harmonic{}, "rk4", {1.0, 0.0}, {1.0});
  s.fixed(0, 0.1, 10);
  s.a.abi_version = 0;
  EXPECT_EQ(s.step_once(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_ABI);
  s.a.abi_version = kRunArgsAbi;
  s.a.work_size = 9;
  EXPECT_EQ(s.step_once(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_WORKSPACE);
  s.a.work_size = 10;
  s.a.n_state = 3;
  EXPECT_EQ(s.step_once(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_SIZES);
  s.a.n_state = 2;
  s.a.dt = 0;
  EXPECT_EQ(s.step_once(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_STEP);
  s.a.dt = 0.1;
  s.a.record_interval = 0;
  EXPECT_EQ(s.step_once(), BAD_ARGS);
  EXPECT_EQ(s.a.exit_reason, EXIT_BAD_RECORD);
  s.a.record_interval = 1;
  EXPECT_EQ(s.run_all(), DONE);

  Sim<LIF> l = make_lif("rk4", 10, 10);
  l.a.lag_width = 0;
  EXPECT_EQ(l.step_once(), BAD_ARGS);
  EXPECT_EQ(l.a.exit_reason, EXIT_BAD_LAG);
  l.a.lag_width = 1;
  l.a.evt_width = 0;
  EXPECT_EQ(l.step_once(), BAD_ARGS);
  EXPECT_EQ(l.a.exit_reason, EXIT_BAD_EVENTS);
}

TEST(Registry, LookupAndMetadata) {
  EXPECT_EQ(find_stepper("rk4"), STEPPER_RK4);
  EXPECT_EQ(find_stepper("dopri5"), STEPPER_RK45);
  EXPECT_EQ(find_stepper("midpoint"), STEPPER_RK2);
  EXPECT_EQ(find_stepper("ab3"), STEPPER_AB3);
  EXPECT_EQ(find_stepper("nope"), -1);
  EXPECT_EQ(find_stepper(nullptr), -1);
  static_assert(find_stepper("rk45") == STEPPER_RK45);
  static_assert(kSteppers[STEPPER_RK45].adaptive && kSteppers[STEPPER_RK45].embedded_order == 4);
  static_assert(kSteppers[STEPPER_MAP].kind == KIND_MAP);
  static_assert(kSteppers[STEPPER_MAP].caps & CAP_INTEGER);
  for (int id = 0; id < STEPPER_COUNT; ++id) {
    const StepperInfo& info = *stepper_info(id);
    EXPECT_TRUE(info.name && info.description) << id;
    EXPECT_EQ(find_stepper(info.name), id);
    for (const char* alias : info.aliases)
      if (alias) {
        EXPECT_EQ(find_stepper(alias), id) << alias;
      }
  }
  EXPECT_EQ(stepper_info(STEPPER_COUNT), nullptr);
  EXPECT_EQ(dispatch_stepper(99, []<class S>() { return 0; }), BAD_ARGS);
  EXPECT_STREQ(status_name(GROW_EVT), "GROW_EVT");
  EXPECT_STREQ(status_name(42), "UNKNOWN");
}

}  // namespace
}  // namespace dynlib::kernel::testing

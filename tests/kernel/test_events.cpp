// Events (phases, atomic actions, declaration order, logs, transient) and lags.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernel/test_models.hpp"
#include "kernel/test_wrapper.hpp"

namespace dynlib::kernel::testing {
namespace {

Sim<EventProbe> probe(int phases) {
  EventProbe m;
  m.phases = phases;
  Sim<EventProbe> s(m, "map", {1.0, 2.0, 0.0}, {0.0, -1.0});
  s.fixed(0, 1, 6);
  return s;
}

void expect_event(const Sim<EventProbe>& s, long long row, int code, double t, long long rec) {
  EXPECT_EQ(s.evt_code[row], code) << "event row " << row;
  EXPECT_EQ(s.evt_time[row], t) << "event row " << row;
  EXPECT_EQ(s.evt_rec_index[row], rec) << "event row " << row;
}

TEST(Events, PhaseEndSeesPostStepState) {
  Sim<EventProbe> s = probe(PHASE_END);
  ASSERT_EQ(s.run_all(), DONE);
  // Step 3 commits c = 3: both conditions hold on that state (x < y before the swap), so both fire
  // even though event 0's swap makes event 1's condition false.
  ASSERT_EQ(s.events(), 2);
  expect_event(s, 0, 0, 3, 3);
  EXPECT_EQ(s.evt(0, 0), 2.0);  // logged after its action: x, y = 2, 1
  EXPECT_EQ(s.evt(0, 1), 1.0);
  expect_event(s, 1, 1, 3, 3);
  EXPECT_EQ(s.evt(1, 0), 3.0);
  // The swap is atomic (not 2, 2) and event 1's action saw event 0's result (x = 2).
  EXPECT_EQ(s.rec(2, 0), 1.0);
  EXPECT_EQ(s.rec(3, 0), 2.0);
  EXPECT_EQ(s.rec(3, 1), 1.0);
  EXPECT_EQ(s.p[1], 2.0);
  EXPECT_EQ(s.y[0], 2.0);
  EXPECT_EQ(s.y[1], 1.0);
}

TEST(Events, PhaseStartActsBeforeTheNextStep) {
  Sim<EventProbe> s = probe(PHASE_START);
  ASSERT_EQ(s.run_all(), DONE);
  ASSERT_EQ(s.events(), 2);
  expect_event(s, 0, 0, 3, 4);  // before step 4, at t = 3; its sample is row 4
  expect_event(s, 1, 1, 3, 4);
  EXPECT_EQ(s.rec(3, 0), 1.0);  // step 3 recorded unswapped
  EXPECT_EQ(s.rec(4, 0), 2.0);
  EXPECT_EQ(s.rec(4, 1), 1.0);
  EXPECT_EQ(s.p[1], 2.0);
}

TEST(Events, BothPhasesFireTwice) {
  Sim<EventProbe> s = probe(PHASE_START | PHASE_END);
  ASSERT_EQ(s.run_all(), DONE);
  // End of step 3: swap (and event 1). Start of step 4, still c = 3: swap back; x < y is false
  // now, so event 1 stays quiet.
  ASSERT_EQ(s.events(), 3);
  expect_event(s, 0, 0, 3, 3);
  expect_event(s, 1, 1, 3, 3);
  expect_event(s, 2, 0, 3, 4);
  EXPECT_EQ(s.evt(2, 0), 1.0);  // after swapping back
  EXPECT_EQ(s.rec(3, 0), 2.0);
  EXPECT_EQ(s.rec(4, 0), 1.0);
  EXPECT_EQ(s.y[0], 1.0);
  EXPECT_EQ(s.y[1], 2.0);
}

TEST(Events, NoLoggingStillActs) {
  Sim<EventProbe> s = probe(PHASE_END);
  s.a.evt_log = 0;
  s.resize_evt(0);
  s.resize_rec(7);
  s.grow = false;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.events(), 0);
  EXPECT_EQ(s.y[0], 2.0);
}

// LIF with I = 2, tau = 1, threshold 1, reset 0: v(t) = 2 (1 - exp(-t)) crosses 1 at ln 2 = 0.693,
// so with dt = 0.01 it spikes every 70 steps; cross_up uses lag_v(1).
TEST(Events, IntegrateAndFireCrossUp) {
  Sim<LIF> s(LIF{}, "rk4", {0.0}, {2.0, 1.0, 1.0, 0.0, 0.0});
  s.fixed(0, 0.01, 1000);
  ASSERT_EQ(s.run_all(), DONE);
  ASSERT_EQ(s.events(), 14);
  EXPECT_EQ(s.p[4], 14.0);  // actions may write parameters
  for (long long k = 0; k < 14; ++k) {
    const long long step = 70 * (k + 1);
    EXPECT_EQ(s.evt_rec_index[k], step);
    EXPECT_EQ(s.evt_time[k], step * 0.01);
    EXPECT_EQ(s.evt(k, 0), 0.0);         // logged after the action: the reset value
    EXPECT_LT(s.rec(step - 1, 0), 1.0);  // the previous step was below the threshold
    EXPECT_EQ(s.rec(step, 0), 0.0);      // the sample at that step is post-reset
  }
}

TEST(Events, TransientSuppressesRecordsAndLogsButNotActions) {
  Sim<LIF> s(LIF{}, "rk4", {0.0}, {2.0, 1.0, 1.0, 0.0, 0.0});
  s.fixed(0, 0.01, 1000);
  s.a.t_record_start = 5.0;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.p[4], 14.0);   // every spike reset v
  ASSERT_EQ(s.events(), 7);  // spikes at 5.6, 6.3, ..., 9.8
  for (long long k = 0; k < s.events(); ++k) EXPECT_GE(s.evt_time[k], 5.0);
  long long expected_rows = 0;
  for (long long n = 0; n <= 1000; ++n) expected_rows += n * 0.01 >= 5.0;
  ASSERT_EQ(s.rows(), expected_rows);
  EXPECT_GE(s.rec_t[0], 5.0);
  EXPECT_LT(s.rec_t[0] - 0.01, 5.0);
  EXPECT_EQ(s.evt_rec_index[0], 560 - (1001 - expected_rows));  // indexes the recorded rows
  for (long long r = 0; r < s.rows(); ++r) EXPECT_LT(s.rec(r, 0), 1.0);
}

TEST(Events, AdaptiveEventRestartsFsal) {
  Sim<LIF> s(LIF{}, "rk45", {0.0}, {2.0, 1.0, 1.0, 0.0, 0.0});
  s.adaptive(0, 10, 1e-9);
  s.a.dt_max = 0.01;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_GE(s.events(), 13);
  // Each reset invalidates FSAL: one extra derivative per spike.
  EXPECT_EQ(s.a.n_rhs, 6 * (s.a.n_accepted + s.a.n_rejected) + 2 + s.events());
  for (long long k = 0; k < s.events(); ++k) EXPECT_EQ(s.evt(k, 0), 0.0);  // after the reset
}

// lag values: lag = y0 before history exists, then exact k-step-old values, across buffer growth
// (capacity 1) and re-entry every step (budget 1).
TEST(Lags, MapLagsAcrossGrowthAndReentry) {
  Sim<LagMap> s(LagMap{}, "map", {10, 1}, {}, 1);
  s.fixed(0, 1, 40);
  s.a.step_budget = 1;
  ASSERT_EQ(s.run_all(), DONE);
  EXPECT_EQ(s.yields, 39);
  ASSERT_EQ(s.rows(), 41);
  long long f_prev = 1, f = 1;  // f_{-1} := f_0 (lag before history)
  for (long long n = 0; n <= 40; ++n) {
    EXPECT_EQ(s.rec(n, 0), 10 + n);
    EXPECT_EQ(s.rec(n, 1), f) << n;
    EXPECT_EQ(s.rec(n, 2), 10 + std::max(n - 3, 0LL)) << n;  // lag_c(3)
    EXPECT_EQ(s.rec(n, 3), f_prev) << n;                     // lag_f(1)
    const long long next = f + f_prev;
    f_prev = f;
    f = next;
  }
  EXPECT_EQ(s.rec(40, 1), 267914296LL);  // Fibonacci F(42)
}

TEST(Lags, OdeLagIsCommittedHistory) {
  for (const char* stepper : {"euler", "rk4", "ab3"}) {
    Sim<LagOde> s(LagOde{}, stepper, {1.0}, {}, 1);
    s.fixed(0, 0.25, 20);
    s.a.step_budget = 3;
    ASSERT_EQ(s.run_all(), DONE);
    for (long long n = 0; n <= 20; ++n) {
      EXPECT_EQ(s.rec(n, 0), 1.0 + 0.25 * n) << stepper;
      EXPECT_EQ(s.rec(n, 1), 1.0 + 0.25 * std::max(n - 2, 0LL)) << stepper << " " << n;
    }
  }
}

TEST(Lags, WrapperResetRefillsRing) {
  Sim<LagMap> s(LagMap{}, "map", {0, 1}, {}, 11);
  s.fixed(0, 1, 10);
  s.a.step_budget = 5;
  ASSERT_EQ(s.step_once(), YIELD);
  s.y[0] = 100;  // the wrapper edits the state between calls...
  s.a.reset = RESET_LAG | RESET_STEPPER;
  s.a.step_budget = 0;
  ASSERT_EQ(s.run_all(), DONE);
  // ...so from step 5 on, lag_c(3) sees 100 (refilled) until real history takes over.
  EXPECT_EQ(s.rec(6, 2), 100);
  EXPECT_EQ(s.rec(8, 2), 100);
  EXPECT_EQ(s.rec(9, 2), 101);
  EXPECT_EQ(s.a.reset, 0);
}

}  // namespace
}  // namespace dynlib::kernel::testing

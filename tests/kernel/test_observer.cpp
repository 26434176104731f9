// The runner's observer seam: observers see every committed step exactly once (across GROW_*
// re-entry, YIELD and events), may stop the run, compose with recording without changing a bit;
// the fast and analysis variants; variational stepping and the renormalising observer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernel/sim_compare.hpp"
#include "kernel/test_models.hpp"
#include "kernel/test_wrapper.hpp"
#include "kernel/variational.hpp"

namespace dynlib::kernel::testing {
namespace {

// Writes down every call it gets; stops when asked to.
struct Probe {
  int starts = 0;
  std::vector<double> t, h, t_event;
  std::vector<long long> step, step_event;
  std::vector<int> phase;
  long long stop_at_step = -1;  // OBS_STOP from on_step at this step
  bool stop_at_start = false;

  template <class M, class R>
  int on_start(const M&, const Observation<R>& o) {
    ++starts;
    EXPECT_EQ(o.h, 0);
    return stop_at_start ? OBS_STOP : OBS_CONTINUE;
  }
  template <class M, class R>
  int on_step(const M& m, const Observation<R>& o) {
    EXPECT_EQ(o.n, m.n_state());
    t.push_back(o.t);
    h.push_back(o.h);
    step.push_back(o.step);
    return o.step == stop_at_step ? OBS_STOP : OBS_CONTINUE;
  }
  template <class M, class R>
  int on_event(const M&, const Observation<R>& o, int ph, const int* fired) {
    EXPECT_TRUE(fired[0]);
    t_event.push_back(o.t);
    step_event.push_back(o.step);
    phase.push_back(ph);
    return OBS_CONTINUE;
  }
};

Sim<LIF> make_lif(const char* stepper, long long rec_cap, long long evt_cap) {
  Sim<LIF> s(LIF{}, stepper, {0.0}, {2.0, 1.0, 1.0, 0.0, 0.0}, rec_cap, evt_cap);
  if (kSteppers[s.stepper].adaptive) {
    s.adaptive(0, 10, 1e-7);
  } else {
    s.fixed(0, 0.01, 1000);
  }
  return s;
}

Sim<Lorenz<>> make_lorenz(long long steps, long long rec_cap) {
  Sim<Lorenz<>> s(Lorenz<>{}, "rk4", {1, 1, 1}, {10, 28, 8.0 / 3}, rec_cap);
  s.fixed(0, 0.005, steps);
  return s;
}

// Every committed step once, in order, at the recorded times; events once per firing phase;
// recording + the probe gives the bits of recording alone.
TEST(Observer, SeesEveryCommittedStepOnceAcrossRegrowthYieldAndEvents) {
  for (const char* stepper : {"euler", "rk4", "rk45", "ab3"}) {
    for (long long budget : {0LL, 7LL}) {
      Sim<LIF> watched = make_lif(stepper, 1, 1), plain = make_lif(stepper, 1, 1);
      watched.a.step_budget = budget;
      Probe probe;
      ASSERT_EQ(watched.run_all<RunVariant::ordinary>(probe), DONE) << stepper;
      ASSERT_EQ(plain.run_all(), DONE) << stepper;
      EXPECT_GT(watched.grow_rec, 5);
      EXPECT_GT(watched.grow_evt, 2);
      if (budget) {
        EXPECT_GT(watched.yields, 3);
      }
      expect_same_results(watched, plain);

      EXPECT_EQ(probe.starts, 1);
      const long long steps = watched.a.step;
      ASSERT_EQ((long long)probe.step.size(), steps) << stepper;
      EXPECT_EQ(watched.a.n_accepted, steps);
      ASSERT_EQ(watched.rows(), steps + 1);  // the step-0 sample, then every step
      for (long long i = 0; i < steps; ++i) {
        EXPECT_EQ(probe.step[i], i + 1);
        EXPECT_EQ(watched.rec_step[i + 1], i + 1);
        EXPECT_EQ(std::memcmp(&probe.t[i], &watched.rec_t[i + 1], sizeof(double)), 0);
      }
      // Fixed steps: h is dt; adaptive: t advances by h.
      for (long long i = 1; i < steps; ++i) {
        if (kSteppers[watched.stepper].adaptive) {
          EXPECT_EQ(probe.t[i - 1] + probe.h[i], probe.t[i]);
        } else {
          EXPECT_EQ(probe.h[i], 0.01);
        }
      }
      // One end-phase call per firing (LIF has one event, logged each time it fires).
      ASSERT_GE(watched.events(), 13);
      ASSERT_EQ((long long)probe.t_event.size(), watched.events());
      for (long long e = 0; e < watched.events(); ++e) {
        EXPECT_EQ(probe.phase[e], PHASE_END);
        EXPECT_EQ(probe.t_event[e], watched.evt_time[e]);
        EXPECT_EQ(watched.evt_rec_index[e], probe.step_event[e]);  // the row of its sample
      }
    }
  }
}

TEST(Observer, StopKeepsWhatWasComputedAndReentryContinues) {
  Sim<Lorenz<>> full = make_lorenz(400, 1);
  ASSERT_EQ(full.run_all(), DONE);

  Sim<Lorenz<>> stopped = make_lorenz(400, 1);
  Probe probe;
  probe.stop_at_step = 137;
  ASSERT_EQ(stopped.run_all<RunVariant::ordinary>(probe), EARLY_EXIT);
  EXPECT_EQ(stopped.a.exit_reason, EXIT_OBSERVER);
  EXPECT_STREQ(exit_reason_name(stopped.a.exit_reason), "stopped by an observer");
  EXPECT_EQ(stopped.a.step, 137);
  EXPECT_EQ(stopped.rows(), 138);  // the stopping step is committed and recorded
  EXPECT_EQ(probe.step.size(), 137u);

  Sim<Lorenz<>> short_run = make_lorenz(137, 1);
  ASSERT_EQ(short_run.run_all(), DONE);
  expect_same_results(stopped, short_run);

  // Re-entering continues after the stopping step: the whole run, bit for bit.
  probe.stop_at_step = -1;
  ASSERT_EQ(stopped.run_all<RunVariant::ordinary>(probe), DONE);
  expect_same_results(stopped, full);
  EXPECT_EQ(probe.step.size(), 400u);
  EXPECT_EQ(probe.starts, 1);

  // A stop at start: the initial sample only, and the start is not observed again on re-entry.
  Sim<Lorenz<>> at_start = make_lorenz(50, 1);
  Probe first;
  first.stop_at_start = true;
  ASSERT_EQ(at_start.run_all<RunVariant::ordinary>(first), EARLY_EXIT);
  EXPECT_EQ(at_start.a.exit_reason, EXIT_OBSERVER);
  EXPECT_EQ(at_start.a.step, 0);
  EXPECT_EQ(at_start.rows(), 1);
  ASSERT_EQ(at_start.run_all<RunVariant::ordinary>(first), DONE);
  EXPECT_EQ(first.starts, 1);
  EXPECT_EQ(first.step.size(), 50u);
  Sim<Lorenz<>> plain = make_lorenz(50, 1);
  ASSERT_EQ(plain.run_all(), DONE);
  expect_same_results(at_start, plain);
}

// Stops from on_event at a start-phase event.
struct StopAtEvent : Probe {
  template <class M, class R>
  int on_event(const M& m, const Observation<R>& o, int ph, const int* fired) {
    Probe::on_event(m, o, ph, fired);
    EXPECT_EQ(o.h, 0);
    return OBS_STOP;
  }
};

TEST(Observer, StartPhaseEventsAreObservedOnceAndAStopComesAfterTheStep) {
  auto make = [] {
    Sim<EventProbe> s(EventProbe{}, "map", {1, 2, 0}, {0, 0}, 1, 1);
    s.m.phases = PHASE_START;
    s.fixed(0, 1, 10);
    return s;
  };
  Sim<EventProbe> watched = make(), plain = make();
  StopAtEvent probe;
  ASSERT_EQ(watched.run_all<RunVariant::ordinary>(probe), EARLY_EXIT);
  EXPECT_EQ(watched.a.exit_reason, EXIT_OBSERVER);
  ASSERT_EQ(probe.phase.size(), 1u);
  EXPECT_EQ(probe.phase[0], PHASE_START);
  EXPECT_EQ(probe.step_event[0], 3);  // c == 3 before the 4th step
  EXPECT_EQ(watched.a.step, 4);       // the step after the events was taken, then the stop
  EXPECT_EQ(watched.events(), 2);
  ASSERT_EQ(watched.run_all<RunVariant::ordinary>(probe), DONE);
  ASSERT_EQ(plain.run_all(), DONE);
  expect_same_results(watched, plain);  // no event fired twice
  EXPECT_EQ(probe.phase.size(), 1u);
  EXPECT_EQ(probe.step.size(), 10u);
}

TEST(Observer, BothComposesTwoObservers) {
  Sim<LIF> s = make_lif("rk4", 1, 1), plain = make_lif("rk4", 1, 1);
  Probe a, b;
  b.stop_at_step = 500;
  Both<Probe, Probe> both{a, b};
  ASSERT_EQ(s.run_all<RunVariant::ordinary>(both), EARLY_EXIT);
  EXPECT_EQ(a.step.size(), 500u);  // the first observer saw the step the second one stopped at
  EXPECT_EQ(b.step.size(), 500u);
  EXPECT_EQ(a.t_event.size(), b.t_event.size());
  ASSERT_EQ(s.run_all<RunVariant::ordinary>(both), DONE);
  ASSERT_EQ(plain.run_all(), DONE);
  expect_same_results(s, plain);
  EXPECT_EQ(a.step.size(), 1000u);
  EXPECT_EQ(a.starts + b.starts, 2);
}

TEST(Observer, FastPathGivesTheOrdinaryRecords) {
  for (long long interval : {1LL, 3LL}) {
    Sim<Lorenz<>> fast = make_lorenz(4000, 1 + 4000 / interval), plain = make_lorenz(4000, 1);
    fast.a.record_interval = plain.a.record_interval = interval;
    NoObserver none;
    ASSERT_EQ(fast.run_all<RunVariant::fast>(none), DONE);
    ASSERT_EQ(plain.run_all(), DONE);
    EXPECT_EQ(fast.grow_rec, 0);
    EXPECT_GT(plain.grow_rec, 5);
    expect_same_results(fast, plain);
  }
  // Adaptive with events: max_steps_end bounds the rows; event buffers still grow.
  for (const char* stepper : {"rk45", "rk4"}) {
    Sim<LIF> fast = make_lif(stepper, 100001, 1), plain = make_lif(stepper, 1, 1);
    fast.a.max_steps_end = plain.a.max_steps_end = 100000;
    Probe probe;
    ASSERT_EQ(fast.run_all<RunVariant::fast>(probe), DONE) << stepper;
    ASSERT_EQ(plain.run_all(), DONE);
    EXPECT_GT(fast.grow_evt, 2);
    expect_same_results(fast, plain);
    EXPECT_EQ((long long)probe.step.size(), fast.a.step);
  }
  // Buffers too small for the whole run, or an adaptive run without a bound: refused up front.
  Sim<Lorenz<>> small = make_lorenz(4000, 4000);
  NoObserver none;
  EXPECT_EQ(small.step_once<RunVariant::fast>(none), BAD_ARGS);
  EXPECT_EQ(small.a.exit_reason, EXIT_BAD_RECORD);
  EXPECT_EQ(small.a.step, 0);
  Sim<LIF> unbounded = make_lif("rk45", 1 << 20, 1 << 10);
  EXPECT_EQ(unbounded.step_once<RunVariant::fast>(none), BAD_ARGS);
  EXPECT_EQ(unbounded.a.exit_reason, EXIT_BAD_RECORD);
}

TEST(Observer, AnalysisVariantRecordsNothing) {
  Sim<Lorenz<>> analysis = make_lorenz(1000, 0), plain = make_lorenz(1000, 1);
  Probe probe;
  ASSERT_EQ(analysis.run_all<RunVariant::analysis>(probe), DONE);
  ASSERT_EQ(plain.run_all(), DONE);
  EXPECT_EQ(analysis.rows(), 0);
  EXPECT_EQ(analysis.grow_rec, 0);
  EXPECT_EQ(probe.starts, 1);
  ASSERT_EQ(probe.step.size(), 1000u);
  EXPECT_TRUE(same_bits(analysis.y, plain.y, 3));
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(probe.t[i], plain.rec_t[i + 1]);
}

// ---- variational stepping ----

constexpr double kA[4] = {0.2, 1.0, 0.5, -0.3};  // eigenvalues 0.7 and -0.8
constexpr double kL1 = 0.7, kL2 = -0.8;

// expm(A t) by Sylvester's formula (distinct real eigenvalues).
void expm_times(double t, const double* v, double* out) {
  const double e1 = std::exp(kL1 * t), e2 = std::exp(kL2 * t);
  double e[4];
  for (int i = 0; i < 4; ++i) {
    const double id = (i == 0 || i == 3) ? 1.0 : 0.0;
    e[i] = (e1 * (kA[i] - kL2 * id) - e2 * (kA[i] - kL1 * id)) / (kL1 - kL2);
  }
  out[0] = e[0] * v[0] + e[1] * v[1];
  out[1] = e[2] * v[0] + e[3] * v[1];
}

// A TangentObserver with its ObserveArgs and buffers (what the runtime's ObservedRun owns).
template <int K>
struct TangentRun {
  double log_growth[K] = {};
  double growth[K];
  double r[K * K] = {};
  ObserveArgs<double> o{};
  TangentObserver<double> obs{o, 0};
  explicit TangentRun(int n) : obs{o, n} {
    o.abi_version = kObserveArgsAbi;
    o.k = K;
    o.renorm_every = 1;
    o.t_accum_start = -std::numeric_limits<double>::infinity();
    o.log_growth = log_growth;
    o.growth = growth;
    o.r = r;
    for (double& g : growth) g = 1;
  }
  double total(int j) const { return log_growth[j] + std::log(growth[j]); }
  double exponent(int j) const { return o.denom > 0 ? total(j) / o.denom : 0.0; }
};

TEST(Variational, TangentIsExpmTimesVWithOrderFourForRk4) {
  const Linear2 lin;
  const double y0[2] = {0.3, -0.7}, v0[2] = {1.0, 0.0}, t_end = 1.0;
  double exact_v[2], exact_y[2];
  expm_times(t_end, v0, exact_v);
  expm_times(t_end, y0, exact_y);
  std::vector<double> err;
  for (long long steps : {10LL, 20LL, 40LL, 80LL}) {
    Sim<Variational<Linear2>> s(Variational<Linear2>{lin, 1, nullptr}, "rk4",
                                {y0[0], y0[1], v0[0], v0[1]}, {kA[0], kA[1], kA[2], kA[3]}, 0);
    s.fixed(0, t_end / steps, steps);
    NoObserver none;
    ASSERT_EQ(s.run_all<RunVariant::analysis>(none), DONE);
    err.push_back(std::hypot(s.y[2] - exact_v[0], s.y[3] - exact_v[1]));
    EXPECT_LT(std::hypot(s.y[0] - exact_y[0], s.y[1] - exact_y[1]), 1e-4);
  }
  for (size_t i = 1; i < err.size(); ++i) {
    const double order = std::log2(err[i - 1] / err[i]);
    EXPECT_NEAR(order, 4.0, 0.15) << "dt halving " << i << ": errors " << err[i - 1] << " -> "
                                  << err[i];
  }
  EXPECT_LT(err.back(), 1e-7);
}

TEST(Variational, TrajectoryBitsAreThoseOfTheModelAlone) {
  const Lorenz<> lorenz;
  Sim<Variational<Lorenz<>>> var(Variational<Lorenz<>>{lorenz, 2, nullptr}, "rk4",
                                 {1, 1, 1, 1, 0, 0, 0, 1, 0}, {10, 28, 8.0 / 3}, 1);
  var.fixed(0, 0.005, 2000);
  var.select({0, 1, 2}, {});
  Sim<Lorenz<>> plain = make_lorenz(2000, 1);
  ASSERT_EQ(var.run_all(), DONE);
  ASSERT_EQ(plain.run_all(), DONE);
  ASSERT_EQ(var.rows(), plain.rows());
  EXPECT_TRUE(same_bits(var.rec_data, plain.rec_data, plain.rows() * 3));
  EXPECT_TRUE(same_bits(var.rec_t, plain.rec_t, plain.rows()));
}

TEST(Variational, TangentMatchesFiniteDifferencesOfTheFlow) {
  const Lorenz<> lorenz;
  const double v0[3] = {0.3, -0.5, 0.8}, eps = 1e-6;
  Sim<Variational<Lorenz<>>> var(Variational<Lorenz<>>{lorenz, 1, nullptr}, "rk4",
                                 {1, 1, 1, v0[0], v0[1], v0[2]}, {10, 28, 8.0 / 3}, 0);
  var.fixed(0, 0.005, 100);
  NoObserver none;
  ASSERT_EQ(var.run_all<RunVariant::analysis>(none), DONE);
  std::vector<double> ends[2];
  for (int side = 0; side < 2; ++side) {
    const double sgn = side ? -1 : 1;
    Sim<Lorenz<>> s(Lorenz<>{}, "rk4",
                    {1 + sgn * eps * v0[0], 1 + sgn * eps * v0[1], 1 + sgn * eps * v0[2]},
                    {10, 28, 8.0 / 3}, 0);
    s.fixed(0, 0.005, 100);
    ASSERT_EQ(s.run_all<RunVariant::analysis>(none), DONE);
    ends[side] = s.y;
  }
  const double scale = std::hypot(var.y[3], var.y[4], var.y[5]);
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(var.y[3 + i], (ends[0][i] - ends[1][i]) / (2 * eps), 1e-6 * scale) << i;
}

TEST(Variational, RenormalisedStretchConvergesToTheEigenvalues) {
  const Linear2 lin;
  // rk4 (fixed) and rk45 (adaptive: the renormalisation rebases its FSAL stage).
  for (const char* stepper : {"rk4", "rk45"}) {
    Sim<Variational<Linear2>> s(Variational<Linear2>{lin, 2, nullptr}, stepper,
                                {0.3, -0.7, 1.0, 1.0, 0.0, 1.0}, {kA[0], kA[1], kA[2], kA[3]}, 0);
    if (kSteppers[s.stepper].adaptive) {
      s.adaptive(0, 1000, 1e-10);
      s.a.dt_max = 0.05;
    } else {
      s.fixed(0, 0.01, 100000);
    }
    TangentRun<2> lyap(2);
    ASSERT_EQ(s.run_all<RunVariant::analysis>(lyap.obs), DONE) << stepper;
    EXPECT_EQ(lyap.o.steps_counted, s.a.step);
    EXPECT_EQ(lyap.o.t_last, 1000.0);
    EXPECT_NEAR(lyap.exponent(0), kL1, 2e-3) << stepper;
    EXPECT_NEAR(lyap.exponent(1), kL2, 2e-3) << stepper;
    // The sum is the volume growth: the trace, up to the stepper's error.
    EXPECT_NEAR(lyap.exponent(0) + lyap.exponent(1), kL1 + kL2, 1e-8) << stepper;
    // Tangents stay orthonormal.
    EXPECT_NEAR(std::hypot(s.y[2], s.y[3]), 1.0, 1e-14);
    EXPECT_NEAR(s.y[2] * s.y[4] + s.y[3] * s.y[5], 0.0, 1e-14);
  }
  // The estimate improves with time (the transient of the initial direction decays like 1/t).
  double prev = 1;
  for (long long steps : {1000LL, 10000LL, 100000LL}) {
    Sim<Variational<Linear2>> s(Variational<Linear2>{lin, 1, nullptr}, "rk4", {0.3, -0.7, 0.0, 1.0},
                                {kA[0], kA[1], kA[2], kA[3]}, 0);
    s.fixed(0, 0.01, steps);
    TangentRun<1> lyap(s.m.model.n_state());
    ASSERT_EQ(s.run_all<RunVariant::analysis>(lyap.obs), DONE);
    const double e = std::abs(lyap.exponent(0) - kL1);
    EXPECT_LT(e, prev);
    prev = e;
  }
  EXPECT_LT(prev, 1e-3);
}

// Checks, after the renormaliser ran, that each step added log|a| to the sum.
struct ExactStretch {
  const TangentRun<1>& lyap;
  double expect;
  double sum = 0;
  long long checked = 0;
  template <class M>
  int on_step(const M&, const Observation<double>&) {
    sum += expect;
    EXPECT_NEAR(lyap.total(0), sum, 1e-12 * std::abs(sum));
    ++checked;
    return OBS_CONTINUE;
  }
};

TEST(Variational, LinearMapStretchesLogAPerStep) {
  const ScaleMap map;
  for (double a : {3.0, -1.7, 0.25, 1e-3}) {
    Sim<Variational<ScaleMap>> s(Variational<ScaleMap>{map, 1, nullptr}, "map", {0.5, -4.0}, {a},
                                 1);
    s.fixed(0, 1, 200);
    TangentRun<1> lyap(s.m.model.n_state());
    ExactStretch check{lyap, std::log(std::abs(a))};
    Both<TangentObserver<double>, ExactStretch> both{lyap.obs, check};
    ASSERT_EQ(s.run_all<RunVariant::ordinary>(both), DONE);
    EXPECT_EQ(check.checked, 200);
    EXPECT_NEAR(lyap.total(0) / 200, check.sum / 200, 1e-14);
    EXPECT_EQ(std::abs(s.y[1]), 1.0);  // normalised, sign of a^200 * v0
    EXPECT_EQ(s.rows(), 201);          // recording composes with the analysis observer
  }
}

}  // namespace
}  // namespace dynlib::kernel::testing

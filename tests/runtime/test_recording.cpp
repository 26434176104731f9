// Recording and the wrapper loop: intervals, selections, transients, buffer growth without lost or
// duplicated samples, partial results on NaN / max_steps / request_stop, progress reports.
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::inline_model;

TEST(Recording, IntervalKeepsEveryKthStepIncludingStepZero) {
  Sim sim = setup("builtin://ode/harmonic");
  const Results& r = sim.run({.N = 100, .dt = 0.01, .record_interval = 10});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.size(), 11u);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r.step()[i], static_cast<long long>(10 * i));
    EXPECT_TRUE(rt_test::same_bits(r.t()[i], static_cast<double>(10 * i) * 0.01));
  }
  // Every state and no aux by default (the reference dynlib's default).
  EXPECT_EQ(r.names(), (std::vector<std::string>{"x", "v"}));
  EXPECT_EQ(r.state_names(), (std::vector<std::string>{"x", "v"}));
  EXPECT_TRUE(r.aux_names().empty());
  EXPECT_EQ(r.width(), 2u);
  // The column is a strided view into the row-major buffer.
  const auto v = r.column("v");
  EXPECT_EQ(v.stride, 2u);
  EXPECT_EQ(v.data, r.raw_data<double>() + 1);
}

TEST(Recording, ARunThatCannotFitInMemoryIsRefusedBeforeItStarts) {
  // 1e15 recorded map steps are ~3e16 bytes: refused with the figures, the Sim unchanged.
  Sim sim = setup("builtin://map/logistic");
  const std::string err =
      rt_test::error_of<DynlibError>([&] { sim.run({.N = 1'000'000'000'000'000LL}); });
  EXPECT_TRUE(rt_test::contains(err, "would record 1e+15 samples")) << err;
  EXPECT_TRUE(rt_test::contains(err, "more than this machine's memory")) << err;
  EXPECT_TRUE(rt_test::contains(err, "record_interval")) << err;
  // The same for a fixed-step flow given by T, and for max_steps alone on an adaptive stepper.
  Sim flow = setup("builtin://ode/lorenz", {.stepper = std::string("rk4")});
  EXPECT_TRUE(rt_test::contains(
      rt_test::error_of<DynlibError>([&] { flow.run({.T = 1e13, .dt = 0.01}); }), "would record"));
  Sim adaptive = setup("builtin://ode/lorenz", {.stepper = std::string("rk45")});
  EXPECT_TRUE(rt_test::contains(rt_test::error_of<DynlibError>([&] {
                                  adaptive.run({.T = 1e300, .max_steps = 4'000'000'000'000LL});
                                }),
                                "would record"));
  // Nothing ran: the session is where it was, and a run that fits goes ahead.
  EXPECT_EQ(sim.state(), std::vector<double>{0.1});
  const Results& small = sim.run({.N = 10});
  EXPECT_TRUE(small.ok()) << small.message();
  EXPECT_EQ(small.size(), 11u);
}

TEST(Recording, SelectedVariables) {
  Sim sim = setup("builtin://ode/harmonic");
  const Results& r =
      sim.run({.N = 10, .dt = 0.1, .record_vars = std::vector<std::string>{"aux.energy", "v"}});
  // States first, then aux, each in the order given.
  EXPECT_EQ(r.names(), (std::vector<std::string>{"v", "energy"}));
  EXPECT_TRUE(r.has("aux.energy"));
  EXPECT_TRUE(r.has("energy"));
  EXPECT_FALSE(r.has("x"));
  EXPECT_EQ(r.column("aux.energy").data, r.column("energy").data);
  try {
    (void)r.column("x");
    FAIL();
  } catch (const DynlibError& e) {
    EXPECT_NE(std::string(e.what()).find("not recorded"), std::string::npos) << e.what();
  }
  try {
    (void)r.column("enrgy");
    FAIL();
  } catch (const DynlibError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'energy'"), std::string::npos) << e.what();
  }

  const Results& bare =
      sim.run({.N = 10, .dt = 0.1, .record_vars = std::vector<std::string>{"energy"}});
  EXPECT_EQ(bare.names(), std::vector<std::string>{"energy"});

  const Results& none = sim.run({.N = 10, .dt = 0.1, .record_vars = std::vector<std::string>{}});
  EXPECT_EQ(none.width(), 0u);
  EXPECT_EQ(none.size(), 11u);  // time only
  EXPECT_DOUBLE_EQ(none.t().back(), 1.0);
  EXPECT_EQ(none.final_state().size(), 2u);

  try {
    sim.run({.N = 10, .dt = 0.1, .record_vars = std::vector<std::string>{"energi"}});
    FAIL();
  } catch (const DynlibError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sim.run({.N = 1, .dt = 0.1, .record_vars = std::vector<std::string>{"omega"}}),
               DynlibError);  // a param
  EXPECT_THROW(sim.run({.N = 1, .dt = 0.1, .record_vars = std::vector<std::string>{"x", "x"}}),
               DynlibError);
}

TEST(Recording, RecordFalseKeepsTheFinalStateAndEvents) {
  Sim sim = setup("builtin://ode/leaky-if");
  const Results& r = sim.run({.T = 100.0, .dt = 0.1, .record = false, .params = {{"I", 20.0}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.final_state().size(), 1u);
  EXPECT_DOUBLE_EQ(r.final_time(), 100.0);
  EXPECT_EQ(r.steps(), 1000);
  EXPECT_EQ(r.event("reset").t.size(), 7u);  // events are still logged
}

TEST(Recording, TransientWarmUpLogsNothingButEventsStillAct) {
  Sim sim = setup("builtin://ode/leaky-if");
  const Results& full = sim.run({.T = 100.0, .dt = 0.1, .params = {{"I", 20.0}}});  // it fires
  const std::vector<double> all_spikes = full.event("reset").t;
  const std::vector<double> v_full = full.column("v").to_vector();
  sim.reset();
  const Results& r = sim.run({.T = 50.0, .dt = 0.1, .transient = 50.0, .params = {{"I", 20.0}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.size(), 501u);  // 500 warm-up steps, then t = 0.0 ... 50.0
  EXPECT_EQ(r.t().front(), 0.0);
  EXPECT_EQ(r.step().front(), 0);
  // The trajectory after the warm-up is the plain run's from step 500 on (resets happened in it).
  const auto v = r.column("v");
  for (size_t i = 0; i < r.size(); ++i) EXPECT_TRUE(rt_test::same_bits(v[i], v_full[500 + i])) << i;
  // Only the spikes after the warm-up are logged, 50 earlier than the plain run's.
  std::vector<double> late;
  for (double t : all_spikes)
    if (t >= 50.0) late.push_back(t - 50.0);
  ASSERT_EQ(r.event("reset").t.size(), late.size());
  for (size_t i = 0; i < late.size(); ++i) EXPECT_NEAR(r.event("reset").t[i], late[i], 1e-12);
  EXPECT_FALSE(late.empty());
}

TEST(Recording, GrowthFromTinyBuffersIsBitIdentical) {
  for (const char* stepper : {"rk4", "rk45", "ab3"}) {
    Sim sim = setup("builtin://ode/izhikevich", {.stepper = stepper});
    const RunOptions o{.T = 300.0, .dt = 0.01, .rtol = 1e-7};
    const Results big = sim.run(o);  // a copy: keeps the data alive
    ASSERT_TRUE(big.ok()) << big.message();
    ASSERT_GT(big.event("reset").t.size(), 3u);
    {
      rt_test::TinyBuffers tiny(1, 1, 13);
      sim.reset();  // the same start
      const Results& small = sim.run(o);
      ASSERT_TRUE(small.ok()) << small.message();
      SCOPED_TRACE(stepper);
      rt_test::expect_same_results(big, small);
    }
  }
}

TEST(Recording, RecordIntervalAndGrowthOnAMap) {
  Sim sim = setup("builtin://map/henon");
  const Results big = sim.run({.N = 5000, .record_interval = 7});
  rt_test::TinyBuffers tiny(1, 1, 3);
  sim.reset();
  const Results& small = sim.run({.N = 5000, .record_interval = 7});
  rt_test::expect_same_results(big, small);
  EXPECT_EQ(small.size(), 5000u / 7 + 1);
}

const char* kBlowUp = R"toml(
[model]
type = "ode"
[states]
y = 1.0
x = 1.0
[equations.rhs]
y = "0"
x = "x * x"
)toml";

TEST(Partial, NanDetectedKeepsResultsAndNamesTheVariable) {
  Sim sim = setup(inline_model(kBlowUp), {.stepper = "rk4"});
  const Results& r = sim.run({.T = 2.0, .dt = 0.01});  // x = 1/(1 - t) blows up at t = 1
  EXPECT_EQ(r.status(), Status::NanDetected);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message().find("'x'"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("step"), std::string::npos) << r.message();
  ASSERT_GT(r.size(), 50u);
  EXPECT_EQ(static_cast<long long>(r.size()), r.steps() + 1);  // every committed step recorded
  EXPECT_TRUE(std::isfinite(r.column("x")[r.size() - 1]));
  EXPECT_TRUE(std::isfinite(r.final_state()[1]));
  EXPECT_GT(r.final_time(), 0.9);
  EXPECT_LT(r.final_time(), 1.1);
  EXPECT_EQ(r.final_time(), r.t().back());
}

TEST(Partial, StepFailReportsTimeAndStepSize) {
  Sim sim = setup(inline_model(kBlowUp), {.stepper = "rk45"});
  const Results& r = sim.run({.T = 2.0, .dt_min = 1e-3, .max_rejects = 0});
  EXPECT_EQ(r.status(), Status::StepFail);
  EXPECT_NE(r.message().find("dt = "), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("dt_min = 0.001"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("t = 0.99"), std::string::npos) << r.message();
  EXPECT_EQ(static_cast<long long>(r.size()), r.steps() + 1);
  EXPECT_LT(r.final_time(), 1.0);
  // Without dt_min the step shrinks until it no longer moves t.
  sim.reset();
  const Results& r2 = sim.run({.T = 2.0, .max_rejects = 0});
  EXPECT_EQ(r2.status(), Status::StepFail);
  EXPECT_NE(r2.message().find("too small to advance t"), std::string::npos) << r2.message();
}

TEST(Partial, MaxStepsIsAnEarlyExitWithAWarning) {
  Sim sim = setup("builtin://ode/expdecay");
  const Results& r = sim.run({.T = 10.0, .max_steps = 100});
  EXPECT_EQ(r.status(), Status::EarlyExit);
  EXPECT_NE(r.message().find("max_steps"), std::string::npos) << r.message();
  EXPECT_EQ(r.steps(), 100);
  EXPECT_EQ(r.size(), 101u);
  EXPECT_NEAR(r.final_time(), 1.0, 1e-12);
  // Continue to the end.
  const Results& rest = sim.run({.T = 10.0, .resume = true});
  EXPECT_TRUE(rest.ok()) << rest.message();
  EXPECT_EQ(rest.size(), 1001u);
}

TEST(Partial, RequestStopFromAnotherThread) {
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  std::atomic<bool> started{false};
  sim.set_progress([&](double, long long) { started = true; }, 0.0);
  std::thread stopper([&] {
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sim.request_stop();
  });
  const Results& r = sim.run({.N = 2000000000LL, .dt = 1e-4, .record_interval = 1000});
  stopper.join();
  EXPECT_EQ(r.status(), Status::UserBreak);
  EXPECT_NE(r.message().find("stopped"), std::string::npos) << r.message();
  EXPECT_GT(r.steps(), 0);
  EXPECT_LT(r.steps(), 2000000000LL);
  EXPECT_EQ(static_cast<long long>(r.size()), r.steps() / 1000 + 1);
  // The stop request is consumed: the next run completes, and a stopped run can be resumed.
  sim.set_progress(nullptr);
  const Results& more = sim.run({.N = r.steps() + 1000, .resume = true});
  EXPECT_TRUE(more.ok()) << more.message();
}

TEST(Progress, CalledWithIncreasingFractions) {
  Sim sim = setup("builtin://ode/expdecay");
  std::vector<double> fractions;
  std::vector<long long> steps;
  sim.set_progress(
      [&](double f, long long s) {
        fractions.push_back(f);
        steps.push_back(s);
      },
      0.0);
  const Results& r = sim.run({.N = 200000, .dt = 1e-5, .record = false});
  ASSERT_TRUE(r.ok());
  ASSERT_GE(fractions.size(), 1u);
  for (size_t i = 0; i < fractions.size(); ++i) {
    EXPECT_GT(fractions[i], 0.0);
    EXPECT_LE(fractions[i], 1.0);
    EXPECT_NEAR(fractions[i], static_cast<double>(steps[i]) / 200000.0, 1e-12);
    if (i > 0) {
      EXPECT_GT(fractions[i], fractions[i - 1]);
    }
  }
  // Adaptive: fraction from time.
  Sim ad = setup("builtin://ode/expdecay", {.stepper = "rk45"});
  double last = -2;
  ad.set_progress([&](double f, long long) { last = f; }, 0.0);
  {
    rt_test::TinyBuffers tiny(0, 0, 10);
    ASSERT_TRUE(ad.run({.T = 10.0, .record = false, .rtol = 1e-10}).ok());
  }
  EXPECT_GT(last, 0.0);
  EXPECT_LT(last, 1.0);
}

}  // namespace

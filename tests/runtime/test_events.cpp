// Events through the public API: firing times against analytic values, phases, logs, tags, event
// macros on a hand-checked sequence, lags across buffer growth and resume.
#include <cmath>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::inline_model;

TEST(Events, LeakyIfSpikesAtAnalyticInterspikeInterval) {
  // tau v' = v_rest - v + I, reset to v_rest at v_th: ISI = tau ln(I / (I - (v_th - v_rest))).
  const double tau = 10, RI = 20, gap = 15, dt = 0.1;
  const double isi = tau * std::log(RI / (RI - gap));  // 13.86...
  Sim sim = setup("builtin://ode/leaky-if");
  sim.assign("I", RI);
  EXPECT_EQ(sim.model().stepper_name(), "rk4");  // [sim] stepper
  const Results& r = sim.run({.T = 200.0, .dt = dt});
  ASSERT_TRUE(r.ok()) << r.message();
  const EventLog& spikes = r.event("reset");
  EXPECT_EQ(spikes.tags, std::vector<std::string>{"spike"});
  EXPECT_EQ(spikes.fields, std::vector<std::string>{"t"});
  // Detected at the end of the step in which v crossed: up to one step late; the reset happens on
  // the grid, so every interval is the same whole number of steps.
  ASSERT_EQ(spikes.t.size(), static_cast<size_t>(200.0 / (std::ceil(isi / dt) * dt)));
  double prev = 0;
  for (size_t k = 0; k < spikes.t.size(); ++k) {
    const double interval = spikes.t[k] - prev;
    EXPECT_GE(interval, isi - 1e-9) << k;
    EXPECT_LT(interval, isi + dt + 1e-9) << k;
    EXPECT_DOUBLE_EQ(spikes.values[0][k], spikes.t[k]);  // log = ["t"]
    // The sample recorded at the firing step shows the reset value.
    const long long row = spikes.record_index[k];
    EXPECT_DOUBLE_EQ(r.t()[static_cast<size_t>(row)], spikes.t[k]);
    EXPECT_DOUBLE_EQ(r.column("v")[static_cast<size_t>(row)], -65.0);
    prev = spikes.t[k];
  }
}

TEST(Events, IzhikevichSpikeCountMatchesHandWrittenLoop) {
  Sim sim = setup("builtin://ode/izhikevich");
  const Results& r = sim.run({.T = 500.0, .dt = 0.01, .record = false});
  ASSERT_TRUE(r.ok()) << r.message();
  // The same model and RK4, written by hand with the model file's operation order.
  const double a = 0.02, b = 0.2, c = -65, d = 8, I = 10, h = 0.01;
  auto f = [&](double v, double u, double& dv, double& du) {
    dv = 0.04 * (v * v) + 5 * v + 140 - u + I;
    du = a * (b * v - u);
  };
  double v = -65, u = -13;
  std::vector<double> times;
  for (long long n = 1; n <= 50000; ++n) {
    double k1v, k1u, k2v, k2u, k3v, k3u, k4v, k4u;
    f(v, u, k1v, k1u);
    f(v + h / 2 * k1v, u + h / 2 * k1u, k2v, k2u);
    f(v + h / 2 * k2v, u + h / 2 * k2u, k3v, k3u);
    f(v + h * k3v, u + h * k3u, k4v, k4u);
    v = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
    u = u + h / 6 * (k1u + 2 * k2u + 2 * k3u + k4u);
    if (v >= 30) {
      times.push_back(static_cast<double>(n) * h);
      v = c;
      u += d;
    }
  }
  const EventLog& spikes = r.event("reset");
  ASSERT_GT(times.size(), 5u);  // tonic spiking
  ASSERT_EQ(spikes.t.size(), times.size());
  for (size_t k = 0; k < times.size(); ++k) EXPECT_NEAR(spikes.t[k], times[k], 1e-9) << k;
}

const char* kCounter = R"toml(
[model]
type = "map"
[states]
x = 0.0
[params]
resets = 0.0
[equations.rhs]
x = "x + 1"
[events.wrap]
cond = "x >= 3"
action = "x = 0; resets += 1"
phase = "PHASE"
tags = ["wrap", "counter"]
log = ["x", "t", "resets"]
)toml";

std::string counter(const std::string& phase) {
  std::string s = kCounter;
  s.replace(s.find("PHASE"), 5, phase);
  return inline_model(s);
}

TEST(Events, PhaseEndActsOnTheStateAfterTheStep) {
  Sim sim = setup(counter("end"));
  const Results& r = sim.run({.N = 9});
  ASSERT_TRUE(r.ok()) << r.message();
  // x: 0 1 2 (3 -> 0) 1 2 (3 -> 0) 1 2 (3 -> 0)
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}));
  const EventLog& w = r.event("wrap");
  EXPECT_EQ(w.t, (std::vector<double>{3, 6, 9}));
  EXPECT_EQ(w.record_index, (std::vector<long long>{3, 6, 9}));
  EXPECT_EQ(w.fields, (std::vector<std::string>{"x", "t", "resets"}));
  // Logged values are taken after the action (the reference dynlib's rule): x reset, resets
  // counted.
  EXPECT_EQ(w.values[0], (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(w.values[1], (std::vector<double>{3, 6, 9}));
  EXPECT_EQ(w.values[2], (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(w.tags, (std::vector<std::string>{"wrap", "counter"}));
  EXPECT_EQ(sim.param("resets"), std::vector<double>{3});  // events change params
}

TEST(Events, PhaseStartActsOnTheStateBeforeTheStep) {
  Sim sim = setup(counter("start"));
  const Results& r = sim.run({.N = 9});
  ASSERT_TRUE(r.ok()) << r.message();
  // x reaches 3 and is recorded; the reset happens before the next step: 3 -> 0 -> 1.
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
  const EventLog& w = r.event("wrap");
  EXPECT_EQ(w.t, (std::vector<double>{3, 6}));
  EXPECT_EQ(w.record_index, (std::vector<long long>{4, 7}));
  EXPECT_EQ(w.values[0], (std::vector<double>{0, 0}));  // after the action
}

TEST(Events, PhaseBothFiresAtBothPoints) {
  Sim sim = setup(counter("both"));
  const Results& r = sim.run({.N = 4});
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 1, 2, 0, 1}));
  EXPECT_EQ(r.event("wrap").t.size(), 1u);
}

TEST(Events, MacrosOnAHandCheckedSequence) {
  // x_n = n^2 mod 7 (n >= 1), x_0 = 0: 0 1 4 2 2 4 1 0 1 4 2 2 4 1 0
  const std::string model = inline_model(R"toml(
[model]
type = "map"
[states]
x = 0.0
[equations.rhs]
x = "(t + 1) * (t + 1) % 7"
[events.up]
cond = "cross_up(x, 3)"
[events.down]
cond = "cross_down(x, 3)"
[events.either]
cond = "cross_either(x, 3)"
[events.inc]
cond = "increasing(x)"
[events.dec]
cond = "decreasing(x)"
[events.changed]
cond = "changed(x)"
[events.enters]
cond = "enters_interval(x, 1, 2)"
[events.leaves]
cond = "leaves_interval(x, 1, 2)"
[events.inside]
cond = "in_interval(x, 1, 2)"
)toml");
  Sim sim = setup(model);
  const Results& r = sim.run({.N = 14});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.column("x").to_vector(),
            (std::vector<double>{0, 1, 4, 2, 2, 4, 1, 0, 1, 4, 2, 2, 4, 1, 0}));
  auto at = [&](const char* e) { return r.event(e).t; };
  using V = std::vector<double>;
  EXPECT_EQ(at("up"), (V{2, 5, 9, 12}));
  EXPECT_EQ(at("down"), (V{3, 6, 10, 13}));
  EXPECT_EQ(at("either"), (V{2, 3, 5, 6, 9, 10, 12, 13}));
  EXPECT_EQ(at("inc"), (V{1, 2, 5, 8, 9, 12}));
  EXPECT_EQ(at("dec"), (V{3, 6, 7, 10, 13, 14}));
  EXPECT_EQ(at("changed"), (V{1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14}));
  EXPECT_EQ(at("enters"), (V{1, 3, 6, 8, 10, 13}));
  EXPECT_EQ(at("leaves"), (V{2, 5, 7, 9, 12, 14}));
  EXPECT_EQ(at("inside"), (V{1, 3, 4, 6, 8, 10, 11, 13}));
  EXPECT_TRUE(r.event("up").fields.empty());
}

const char* kLagModel = R"toml(
[model]
type = "map"
[states]
x = 0.0
[equations.rhs]
x = "x + 1"
[aux]
l1 = "lag_x(1)"
l2 = "lag_x(2)"
)toml";

void expect_lags(const Results& r, long long first_step) {
  const auto x = r.column("x"), l1 = r.column("l1"), l2 = r.column("aux.l2");
  for (size_t i = 0; i < r.size(); ++i) {
    const double n = static_cast<double>(r.step()[i]);
    EXPECT_EQ(r.step()[i], first_step + static_cast<long long>(i));
    EXPECT_EQ(x[i], n);
    EXPECT_EQ(l1[i], std::max(n - 1, 0.0)) << i;  // before k steps exist, lag = x_0
    EXPECT_EQ(l2[i], std::max(n - 2, 0.0)) << i;
  }
}

TEST(Lags, CorrectAfterBufferGrowthAndAcrossResume) {
  rt_test::TinyBuffers tiny(1, 1, 3);
  Sim sim = setup(inline_model(kLagModel));
  const std::vector<std::string> all{"x", "l1", "aux.l2"};
  const Results& r1 = sim.run({.N = 5, .record_vars = all});
  ASSERT_TRUE(r1.ok());
  ASSERT_EQ(r1.size(), 6u);
  expect_lags(r1, 0);
  const Results& r2 = sim.run({.N = 25, .resume = true});
  ASSERT_TRUE(r2.ok()) << r2.message();
  ASSERT_EQ(r2.size(), 26u);  // appended, junction sample once
  expect_lags(r2, 0);
}

TEST(Events, AnActionOnTheRingSeesCommittedHistory) {
  // cross_up after growth of the event buffer: every upward crossing of 0 by sin is logged once.
  rt_test::TinyBuffers tiny(2, 1, 5);
  Sim sim = setup(inline_model(R"toml(
[model]
type = "ode"
[states]
s = 0.0
c = 1.0
[equations.rhs]
s = "c"
c = "-s"
[events.up]
cond = "cross_up(s, 0.5)"
log = ["s", "lag_s(1)"]
)toml"),
                  {.stepper = "rk4"});
  const double two_pi = 2 * std::acos(-1.0);
  const Results& r = sim.run({.T = 10 * two_pi, .dt = 0.01});
  ASSERT_TRUE(r.ok()) << r.message();
  const EventLog& up = r.event("up");
  ASSERT_EQ(up.t.size(), 10u);  // sin crosses 0.5 upward at pi/6 + 2 pi k
  for (size_t k = 0; k < up.t.size(); ++k) {
    const double expected = std::acos(-1.0) / 6 + two_pi * static_cast<double>(k);
    EXPECT_GE(up.t[k], expected - 1e-6);
    EXPECT_LT(up.t[k], expected + 0.01 + 1e-6);
    EXPECT_GE(up.values[0][k], 0.5);
    EXPECT_LT(up.values[1][k], 0.5);
  }
}

}  // namespace

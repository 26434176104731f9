// run_batch: every trajectory is the run a fresh Sim makes with the same row (bit for bit), the
// thread count never changes a bit, shapes and names are checked before any work starts, and the
// packed [n, time, var] arrays say exactly which samples exist.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>

#include "dynlib/ensemble.hpp"
#include "jit/jit.hpp"
#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::contains;
using rt_test::inline_model;
using rt_test::same_bits;

std::vector<std::string> vars(std::initializer_list<const char*> names) {
  return std::vector<std::string>(names.begin(), names.end());
}

using rt_test::error_of;

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

std::vector<double> linspace(double a, double b, size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = a + (b - a) * static_cast<double>(i) / (n - 1.0);
  return v;
}

// Trajectory i of `b` holds exactly the samples, final state and status of `r`.
void expect_trajectory_is(const BatchResults& b, size_t i, const Results& r) {
  ASSERT_EQ(b.counts[i], r.size()) << "trajectory " << i;
  ASSERT_EQ(b.names, r.names());
  std::vector<std::vector<double>> columns;
  for (const auto& name : b.names) columns.push_back(r.column_as_double(name));
  for (size_t k = 0; k < b.n_time; ++k) {
    const double t = b.t[i * b.n_time + k];
    if (k < r.size()) {
      ASSERT_TRUE(same_bits(t, r.t()[k])) << "trajectory " << i << " t at " << k;
    } else {
      ASSERT_TRUE(std::isnan(t)) << "padding of trajectory " << i << " at " << k;
    }
    for (size_t v = 0; v < b.n_var; ++v) {
      if (k < r.size())
        ASSERT_TRUE(same_bits(b.at(i, k, v), columns[v][k]))
            << "trajectory " << i << " " << b.names[v] << " at " << k;
      else
        ASSERT_TRUE(std::isnan(b.at(i, k, v)));
    }
  }
  const std::vector<double> fs = r.final_state();
  for (size_t j = 0; j < fs.size(); ++j)
    EXPECT_TRUE(same_bits(b.final_state[i * fs.size() + j], fs[j])) << "final state " << j;
  EXPECT_TRUE(same_bits(b.final_time[i], r.final_time()));
  EXPECT_EQ(b.steps[i], r.steps());
  EXPECT_EQ(b.status[i], r.status());
  EXPECT_EQ(b.message[i], r.message());
}

void expect_same_batch(const BatchResults& a, const BatchResults& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.n_time, b.n_time);
  EXPECT_EQ(a.n_var, b.n_var);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_TRUE(same_bits(a.data, b.data));  // NaN padding has one bit pattern: memcmp is exact
  EXPECT_TRUE(same_bits(a.t, b.t));
  EXPECT_TRUE(same_bits(a.time, b.time));
  EXPECT_TRUE(same_bits(a.final_state, b.final_state));
  EXPECT_TRUE(same_bits(a.final_time, b.final_time));
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.message, b.message);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i)
    for (size_t e = 0; e < a.events[i].size(); ++e) {
      EXPECT_TRUE(same_bits(a.events[i][e].t, b.events[i][e].t));
      EXPECT_EQ(a.events[i][e].values, b.events[i][e].values);
    }
}

// ---- the bifurcation diagram of the logistic map ----

TEST(Batch, LogisticSweepEqualsOneSimPerParam) {
  const FullModel m = build("builtin://map/logistic");
  const std::vector<double> r = linspace(2.5, 4.0, 151);
  const BatchResults b = run_batch(m, {.params = {{"r", r}},
                                       .N = 1000,
                                       .record_vars = vars({"x"}),
                                       .transient = 500,
                                       .threads = 2});
  ASSERT_EQ(b.n, r.size());
  EXPECT_EQ(b.n_time, 1001u);  // 500 warm-up iterations, then t = 0 ... 1000
  EXPECT_EQ(b.n_var, 1u);
  EXPECT_EQ(b.data.size(), b.n * b.n_time * b.n_var);
  ASSERT_EQ(b.time.size(), 1001u);
  EXPECT_EQ(b.time.front(), 0.0);
  EXPECT_EQ(b.time.back(), 1000.0);
  EXPECT_TRUE(b.all_ok());
  for (size_t i = 0; i < r.size(); ++i) {
    Sim sim(m);
    const Results& one =
        sim.run({.N = 1000, .record_vars = vars({"x"}), .transient = 500, .params = {{"r", r[i]}}});
    expect_trajectory_is(b, i, one);
  }
}

TEST(Batch, LogisticAttractorsHaveTheirPeriods) {
  // Closed forms: for 1 < r < 3 the orbit settles on x* = 1 - 1/r; at r = 3.2 on the 2-cycle
  // x = (r + 1 +- sqrt((r - 3)(r + 1))) / (2r); at r = 3.5 on a 4-cycle.
  const FullModel m = build("builtin://map/logistic");
  const BatchResults b = run_batch(m, {.params = {{"r", {2.8, 3.2, 3.5}}},
                                       .N = 100,
                                       .record_vars = vars({"x"}),
                                       .transient = 1900});
  ASSERT_EQ(b.n_time, 101u);
  auto distinct = [&](size_t i) {
    std::vector<double> v;
    for (size_t k = 0; k < b.n_time; ++k) {
      const double x = b.at(i, k, 0);
      if (std::none_of(v.begin(), v.end(), [&](double y) { return std::fabs(x - y) < 1e-9; }))
        v.push_back(x);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto fixed = distinct(0);
  ASSERT_EQ(fixed.size(), 1u);
  EXPECT_NEAR(fixed[0], 1 - 1 / 2.8, 1e-12);
  const auto two = distinct(1);
  ASSERT_EQ(two.size(), 2u);
  const double r = 3.2, root = std::sqrt((r - 3) * (r + 1));
  EXPECT_NEAR(two[0], (r + 1 - root) / (2 * r), 1e-12);
  EXPECT_NEAR(two[1], (r + 1 + root) / (2 * r), 1e-12);
  EXPECT_EQ(distinct(2).size(), 4u);
}

// ---- determinism ----

TEST(Batch, ThreadCountNeverChangesABit) {
  // A chaotic ODE (any difference would grow) with varied ic and params, and an adaptive run
  // whose sample counts differ per trajectory.
  const FullModel lorenz = build("builtin://ode/lorenz", {.stepper = "rk4"});
  const size_t n = 24;
  std::vector<double> ic(n * 3), rho(n);
  for (size_t i = 0; i < n; ++i) {
    ic[i * 3] = 1.0 + 0.01 * static_cast<double>(i);
    ic[i * 3 + 1] = 1.0;
    ic[i * 3 + 2] = 1.0 + 0.5 * static_cast<double>(i % 5);
    rho[i] = 20.0 + static_cast<double>(i);
  }
  BatchOptions o{
      .params = {{"rho", rho}}, .ic_values = ic, .T = 20.0, .dt = 0.01, .record_interval = 7};
  o.threads = 1;
  const BatchResults one = run_batch(lorenz, o);
  for (int k : {2, 3, 5}) {
    o.threads = k;
    const BatchResults many = run_batch(lorenz, o);
    EXPECT_EQ(many.threads, k);
    expect_same_batch(one, many);
  }

  const FullModel vdp = build("builtin://ode/vanderpol", {.stepper = "rk45"});
  const std::string p = vdp.spec().param_names.at(0);
  BatchOptions a{.params = {{p, linspace(0.5, 5.0, 9)}}, .T = 30.0, .rtol = 1e-7};
  a.threads = 1;
  const BatchResults a1 = run_batch(vdp, a);
  a.threads = 2;
  expect_same_batch(a1, run_batch(vdp, a));
}

// ---- ic batches against exact solutions ----

TEST(Batch, IcBatchOnExpDecayMatchesTheExactSolution) {
  // x' = -k x: x(t) = x0 exp(-k t). RK4's relative global error is about t k^5 dt^4 / 120, at
  // most 4e-8 here (k = 3, t = 2).
  const FullModel m = build("builtin://ode/expdecay");
  const std::vector<double> x0{1.0, -2.0, 0.5, 10.0}, k{1.0, 2.0, 0.5, 3.0};
  const BatchResults b =
      run_batch(m, {.params = {{"a", k}}, .ic_values = x0, .T = 2.0, .dt = 0.01, .threads = 2});
  ASSERT_EQ(b.n, 4u);
  ASSERT_EQ(b.n_time, 201u);
  const size_t x = b.var_index("x");
  for (size_t i = 0; i < b.n; ++i)
    for (size_t s = 0; s < b.n_time; ++s) {
      const double t = b.time[s];
      EXPECT_NEAR(b.at(i, s, x), x0[i] * std::exp(-k[i] * t), 1e-7 * std::fabs(x0[i]))
          << "row " << i << " t " << t;
    }
}

TEST(Batch, HarmonicIcByNameConservesEnergy) {
  // x'' = -omega^2 x from (x0, v0): x = x0 cos(w t) + v0/w sin(w t); the energy aux is constant
  // up to RK4's error.
  const FullModel m = build("builtin://ode/harmonic");
  const std::vector<double> x0{1.0, 0.0, 0.3}, v0{0.0, 2.0, -0.7}, w{1.0, 2.0, 0.5};
  const BatchResults b = run_batch(m, {.params = {{"omega", w}},
                                       .ic = {{"x", x0}, {"v", v0}},
                                       .T = 10.0,
                                       .dt = 0.001,
                                       .record_vars = vars({"x", "aux.energy"})});
  EXPECT_EQ(b.names, vars({"x", "energy"}));
  const size_t xi = b.var_index("x"), ei = b.var_index("aux.energy");
  for (size_t i = 0; i < b.n; ++i) {
    const double e0 = 0.5 * v0[i] * v0[i] + 0.5 * w[i] * w[i] * x0[i] * x0[i];
    for (size_t s = 0; s < b.n_time; s += 100) {
      const double t = b.time[s];
      EXPECT_NEAR(b.at(i, s, xi), x0[i] * std::cos(w[i] * t) + v0[i] / w[i] * std::sin(w[i] * t),
                  1e-9);
      EXPECT_NEAR(b.at(i, s, ei), e0, 1e-10);
    }
  }
}

// ---- final_only ----

TEST(Batch, FinalOnlyKeepsTheEndPointsOfFullRuns) {
  const FullModel m = build("builtin://ode/lorenz", {.stepper = "rk4"});
  BatchOptions o{.params = {{"rho", {10.0, 28.0, 99.96}}}, .T = 5.0, .dt = 0.01};
  const BatchResults full = run_batch(m, o);
  o.final_only = true;
  const BatchResults fin = run_batch(m, o);
  EXPECT_EQ(fin.n, 3u);
  EXPECT_EQ(fin.n_time, 0u);
  EXPECT_EQ(fin.n_var, 0u);
  EXPECT_TRUE(fin.data.empty());
  EXPECT_TRUE(fin.t.empty());
  EXPECT_TRUE(fin.events.empty());
  EXPECT_EQ(fin.counts, (std::vector<size_t>{0, 0, 0}));
  EXPECT_EQ(fin.state_names, vars({"x", "y", "z"}));
  EXPECT_TRUE(same_bits(fin.final_state, full.final_state));
  EXPECT_TRUE(same_bits(fin.final_time, full.final_time));
  EXPECT_EQ(fin.steps, (std::vector<long long>{500, 500, 500}));
  // rho = 10 < 24.74: the orbit falls into a stable fixed point (sqrt(b (rho-1)), ..., rho - 1).
  EXPECT_NEAR(fin.final_state[2], 9.0, 0.5);
  o.record = true;
  EXPECT_TRUE(contains(error_of([&] { run_batch(m, o); }), "final_only"));
}

// ---- bad input: DynlibError before any work ----

TEST(Batch, ShapeAndNameErrorsComeFirst) {
  const FullModel m = build("builtin://ode/lorenz", {.stepper = "rk4"});
  size_t calls = 0;
  auto err = [&](BatchOptions o) {
    o.T = 1.0;
    o.dt = 0.01;
    o.progress = [&](size_t, size_t) { ++calls; };
    return error_of([&] { run_batch(m, o); });
  };
  EXPECT_TRUE(contains(err({.params = {{"rhoo", {1.0, 2.0}}}}), "did you mean 'rho'"));
  EXPECT_TRUE(contains(err({.params = {{"x", {1.0}}}}), "'x' is a state: vary it with ic"));
  EXPECT_TRUE(contains(err({.ic = {{"rho", {1.0}}}}), "'rho' is a param: vary it with params"));
  EXPECT_TRUE(contains(err({.ic = {{"zz", {1.0}}}}), "did you mean 'z'"));
  EXPECT_TRUE(contains(err({.param_names = {"sigma", "beta"}, .param_values = {1, 2, 3}}),
                       "not a whole number of rows of 2"));
  EXPECT_TRUE(contains(err({.param_values = {1, 2, 3}}), "param_names is empty"));
  EXPECT_TRUE(contains(err({.ic_values = {1, 2, 3, 4}}), "not a whole number of rows of 3"));
  EXPECT_TRUE(contains(err({.params = {{"rho", {1.0, 2.0}}}, .ic_values = {1, 1, 1}}),
                       "has 1 rows but params[\"rho\"] has 2"));
  EXPECT_TRUE(contains(err({.params = {{"rho", {1.0}}, {"sigma", {1.0, 2.0}}}}), "rows"));
  EXPECT_TRUE(
      contains(err({.param_names = {"rho"}, .param_values = {1}, .params = {{"rho", {2.0}}}}),
               "given twice"));
  EXPECT_TRUE(contains(err({}), "nothing varies"));
  EXPECT_TRUE(contains(err({.params = {{"rho", {1.0}}}, .threads = -1}), "threads"));
  // Shared options go through the run's own checks.
  EXPECT_TRUE(
      contains(err({.params = {{"rho", {1.0}}}, .record_vars = vars({"yy"})}), "did you mean 'y'"));
  EXPECT_TRUE(contains(err({.params = {{"rho", {1.0}}}, .t0 = 5.0}), "before the start time"));
  const FullModel bare =
      build(inline_model("[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[params]\nk = 1.0\n"
                         "[equations.rhs]\nx = \"-k * x\"\n"),
            {.stepper = "rk4"});
  auto bare_err = [&](BatchOptions o) {
    o.params = {{"k", {1.0, 2.0}}};
    o.progress = [&](size_t, size_t) { ++calls; };
    return error_of([&] { run_batch(bare, o); });
  };
  EXPECT_TRUE(contains(bare_err({.dt = -1.0}), "dt = -1 must be positive"));
  EXPECT_EQ(calls, 0u);  // nothing ran

  // Array params are varied element by element.
  const FullModel arr = build(inline_model(R"toml([model]
type = "map"
[states]
x = 0.0
[params]
w = [1, 2, 3]
[equations.rhs]
x = "w[0] + w[1] * w[2]"
)toml"));
  EXPECT_TRUE(contains(error_of([&] {
                         run_batch(arr, {.params = {{"w", {1.0}}}, .N = 1});
                       }),
                       "vary its elements by name, as 'w[0]' ... 'w[2]'"));
  EXPECT_TRUE(contains(error_of([&] {
                         run_batch(arr, {.params = {{"w[3]", {1.0}}}, .N = 1});
                       }),
                       "out of range"));
  const BatchResults b =
      run_batch(arr, {.param_names = {"w[2]", "w[0]"}, .param_values = {5, 0, 7, 1}, .N = 1});
  ASSERT_EQ(b.n, 2u);
  EXPECT_EQ(b.at(0, 1, 0), 0 + 2 * 5.0);  // w = [0, 2, 5]
  EXPECT_EQ(b.at(1, 1, 0), 1 + 2 * 7.0);  // w = [1, 2, 7]

  // Int64 models take whole numbers, checked up front.
  const FullModel collatz = build("builtin://map/collatz");
  EXPECT_TRUE(contains(error_of([&] {
                         run_batch(collatz, {.ic = {{"x", {7.0, 2.5}}}, .N = 1});
                       }),
                       "whole numbers"));
}

TEST(Batch, ResultsNameLookup) {
  const BatchResults b =
      run_batch(build("builtin://ode/harmonic"), {.params = {{"omega", {1.0}}},
                                                  .T = 0.1,
                                                  .dt = 0.01,
                                                  .record_vars = vars({"x", "v", "energy"})});
  EXPECT_EQ(b.names, vars({"x", "v", "energy"}));
  EXPECT_EQ(b.var_index("energy"), 2u);
  EXPECT_EQ(b.var_index("aux.energy"), 2u);
  EXPECT_TRUE(contains(error_of([&] { (void)b.var_index("enrgy"); }), "did you mean 'energy'"));
}

// ---- trajectories of different lengths ----

TEST(Batch, AdaptiveStepperPadsWithNaNAndCountsSamples) {
  const FullModel m = build("builtin://ode/expdecay", {.stepper = "rk45"});
  const std::vector<double> k{0.1, 1.0, 10.0, 50.0};
  const BatchResults b =
      run_batch(m, {.params = {{"a", k}}, .T = 5.0, .atol = 1e-12, .rtol = 1e-9});
  std::set<size_t> counts(b.counts.begin(), b.counts.end());
  EXPECT_GT(counts.size(), 1u);  // stiffer rows take more steps
  EXPECT_EQ(b.n_time, *counts.rbegin());
  EXPECT_TRUE(b.time.empty());  // no common time axis
  for (size_t i = 0; i < k.size(); ++i) {
    Sim sim(m);
    expect_trajectory_is(b, i,
                         sim.run({.T = 5.0, .params = {{"a", k[i]}}, .atol = 1e-12, .rtol = 1e-9}));
    // Every trajectory lands exactly on T.
    EXPECT_EQ(b.t[i * b.n_time + b.counts[i] - 1], 5.0);
  }
}

TEST(Batch, EarlyEndsKeepACommonTimeAxis) {
  // Above r = 4 the logistic map leaves [0, 1] and diverges to -inf: NanDetected ends those
  // rows early; their times are still a prefix of the common grid.
  const FullModel m = build("builtin://map/logistic");
  const BatchResults b = run_batch(m, {.params = {{"r", {3.9, 4.5, 3.5}}}, .N = 200});
  EXPECT_EQ(b.status[0], Status::Done);
  EXPECT_EQ(b.status[1], Status::NanDetected);
  EXPECT_EQ(b.status[2], Status::Done);
  EXPECT_FALSE(b.all_ok());
  EXPECT_EQ(b.counts[0], 201u);
  EXPECT_LT(b.counts[1], 201u);
  ASSERT_EQ(b.time.size(), 201u);
  EXPECT_TRUE(std::isnan(b.at(1, b.counts[1], 0)));
  Sim sim(m);
  expect_trajectory_is(b, 1, sim.run({.N = 200, .params = {{"r", 4.5}}}));
}

// ---- events ----

TEST(Batch, EventFiringModelMatchesSimRunsAndLogs) {
  // Izhikevich neurons with increasing input current: resets fire as events; the spike count
  // grows with I and is 0 below rheobase.
  const FullModel m = build("builtin://ode/izhikevich");
  const std::vector<double> I{0.0, 5.0, 10.0, 20.0, 40.0};
  BatchOptions o{.params = {{"I", I}}, .T = 200.0, .record_interval = 10};
  o.threads = 2;
  const BatchResults b = run_batch(m, o);
  ASSERT_EQ(b.events.size(), I.size());
  size_t previous = 0;
  for (size_t i = 0; i < I.size(); ++i) {
    Sim sim(m);
    const Results& r = sim.run({.T = 200.0, .record_interval = 10, .params = {{"I", I[i]}}});
    expect_trajectory_is(b, i, r);
    ASSERT_EQ(b.events[i].size(), 1u);
    EXPECT_EQ(b.events[i][0].name, "reset");
    EXPECT_TRUE(same_bits(b.events[i][0].t, r.event("reset").t));
    EXPECT_EQ(b.events[i][0].record_index, r.event("reset").record_index);
    const size_t spikes = b.events[i][0].t.size();
    EXPECT_GE(spikes, previous) << "I = " << I[i];
    previous = spikes;
  }
  EXPECT_EQ(b.events[0][0].t.size(), 0u);
  EXPECT_GT(b.events[4][0].t.size(), 5u);
  o.threads = 1;
  expect_same_batch(b, run_batch(m, o));
}

// ---- backends ----

TEST(Batch, NativeKernelGivesTheInterpretersBits) {
  // One compiled kernel shared by every worker; DESIGN rule 2 makes it the interpreter's bits.
  BatchOptions o{.params = {{"I", {0.0, 8.0, 15.0, 30.0}}},
                 .ic = {{"v", {-70.0, -65.0, -60.0, 0.0}}},
                 .T = 100.0,
                 .record_interval = 5,
                 .threads = 2};
  const BatchResults interp = run_batch(build("builtin://ode/izhikevich"), o);
  const FullModel native = build("builtin://ode/izhikevich", {.jit = true});
  ASSERT_TRUE(native.is_jitted());
  expect_same_batch(interp, run_batch(native, o));
}

TEST(Batch, AutoModeSwitchingMidBatchChangesNoBit) {
  // jit=auto with the switch pinned at step 300 (a YIELD every 64 steps): the first trajectories
  // start interpreted and go native mid-run, later ones find the kernel ready. Same bits. (rk2:
  // a kernel no other test here compiles; the memory cache is emptied so it starts cold.)
  BatchOptions o{.params = {{"I", {0.0, 8.0, 15.0, 30.0, 12.0, 4.0}}},
                 .T = 20.0,
                 .record_interval = 3,
                 .threads = 2};
  const BatchResults interp = run_batch(build("builtin://ode/izhikevich", {.stepper = "rk2"}), o);
  jit::clear_memory_cache();
  reset_jit_stats();
  rt_test::TinyBuffers tiny(16, 16, 64);
  detail::tuning().auto_switch_step = 300;
  const BatchResults automatic =
      run_batch(build("builtin://ode/izhikevich", {.stepper = "rk2", .jit = JitMode::Auto}), o);
  detail::tuning().auto_switch_step = 0;
  expect_same_batch(interp, automatic);
  long long interp_steps = 0, native_steps = 0;
  for (const KernelStats& k : jit_stats())
    if (k.model_name == "izhikevich" && k.stepper == "rk2") {
      interp_steps += k.interp_steps;
      native_steps += k.native_steps;
    }
  EXPECT_GT(interp_steps, 0);  // both backends took part
  EXPECT_GT(native_steps, 0);
}

// ---- a Sim as the base ----

TEST(Batch, SimOverloadStartsFromItsCurrentValues) {
  Sim base = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  base.assign("sigma", 12.0);
  base.assign("z", 3.0);
  const BatchResults b =
      run_batch(base, {.ic = {{"x", {0.5, -0.5}}}, .T = 2.0, .dt = 0.01, .threads = 2});
  for (size_t i = 0; i < 2; ++i) {
    Sim sim(base.model());
    sim.assign("sigma", 12.0);
    const Results& r =
        sim.run({.T = 2.0, .dt = 0.01, .ic = {{"x", i == 0 ? 0.5 : -0.5}, {"z", 3.0}}});
    expect_trajectory_is(b, i, r);
  }
  EXPECT_EQ(base.param("sigma"), std::vector<double>{12.0});  // the base is only read
  EXPECT_EQ(base.results().size(), 0u);
}

TEST(Batch, Int64AndFloat32Models) {
  // Collatz from 7 reaches 1 in 16 steps, from 27 in 111.
  const BatchResults c =
      run_batch(build("builtin://map/collatz"), {.ic = {{"x", {7.0, 27.0}}}, .N = 111});
  EXPECT_EQ(c.at(0, 16, 0), 1.0);
  EXPECT_EQ(c.at(1, 111, 0), 1.0);
  EXPECT_EQ(c.at(1, 110, 0), 2.0);

  const FullModel f32 = build("builtin://map/logistic", {.dtype = "float32"});
  const BatchResults b = run_batch(f32, {.params = {{"r", {3.7, 3.8}}}, .N = 50});
  for (size_t i = 0; i < 2; ++i) {
    Sim sim(f32);
    expect_trajectory_is(b, i, sim.run({.N = 50, .params = {{"r", i == 0 ? 3.7 : 3.8}}}));
  }
}

// ---- errors in workers, stopping, progress ----

struct CallbackFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(Batch, WorkerExceptionsPropagateAfterJoining) {
  const FullModel m = build("builtin://map/logistic");
  const std::vector<double> r = linspace(3.0, 4.0, 64);
  for (int threads : {1, 2}) {
    size_t calls = 0;
    BatchOptions o{.params = {{"r", r}}, .N = 2000, .threads = threads};
    o.progress = [&](size_t done, size_t n) {
      EXPECT_EQ(n, r.size());
      EXPECT_EQ(done, ++calls);  // serialized: counts go up by one
      if (done == 5) throw CallbackFailure("progress failed at 5");
    };
    try {
      run_batch(m, o);
      ADD_FAILURE() << "no exception";
    } catch (const CallbackFailure& e) {
      EXPECT_STREQ(e.what(), "progress failed at 5");
    }
    EXPECT_EQ(calls, 5u);  // the batch stopped at the first error
  }
}

TEST(Batch, StopFlagEndsTheBatch) {
  const FullModel m = build("builtin://map/logistic");
  std::atomic<bool> stop{false};
  BatchOptions o{.params = {{"r", linspace(3.0, 4.0, 10)}}, .N = 100, .threads = 1};
  o.stop = &stop;
  o.progress = [&](size_t done, size_t) {
    if (done == 3) stop.store(true);
  };
  const BatchResults b = run_batch(m, o);
  ASSERT_EQ(b.n, 10u);
  for (size_t i = 0; i < 10; ++i) {
    if (i < 3) {
      EXPECT_EQ(b.status[i], Status::Done);
      EXPECT_EQ(b.counts[i], 101u);
    } else {
      EXPECT_EQ(b.status[i], Status::UserBreak);
      EXPECT_EQ(b.counts[i], 0u);
      EXPECT_TRUE(std::isnan(b.final_time[i]));
      EXPECT_TRUE(contains(b.message[i], "not run"));
    }
  }

  // A long trajectory in progress stops at its next YIELD with what it computed.
  rt_test::TinyBuffers tiny(0, 0, 64);
  stop.store(false);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.store(true);
  });
  const BatchResults l =
      run_batch(m, {.params = {{"r", {3.9}}}, .N = 2000000000LL, .record = false, .stop = &stop});
  stopper.join();
  EXPECT_EQ(l.status[0], Status::UserBreak);
  EXPECT_GT(l.steps[0], 0);
  EXPECT_LT(l.steps[0], 2000000000LL);
}

TEST(Batch, EmptyBatch) {
  const BatchResults b =
      run_batch(build("builtin://map/logistic"), {.params = {{"r", {}}}, .N = 10});
  EXPECT_EQ(b.n, 0u);
  EXPECT_EQ(b.names, vars({"x"}));
  EXPECT_TRUE(b.data.empty());
  EXPECT_TRUE(b.all_ok());
}

}  // namespace

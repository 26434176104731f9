// The public API's contract: typed errors with did-you-mean, option precedence, presets, assign,
// reset, config, resume (appends, bit-identical to one long run), the stepper listing.
#include <cmath>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::contains;
using rt_test::inline_model;

using rt_test::error_of;

TEST(Build, InfoFromTheSpec) {
  FullModel m = build("builtin://ode/izhikevich");
  const ModelInfo& i = m.spec();
  EXPECT_EQ(i.name, "izhikevich");
  EXPECT_EQ(i.kind, "ode");
  EXPECT_EQ(i.state_names, (std::vector<std::string>{"v", "u"}));
  EXPECT_EQ(i.initial_state, (std::vector<double>{-65.0, -13.0}));
  EXPECT_EQ(i.param_names, (std::vector<std::string>{"a", "b", "c", "d", "I", "v_th"}));
  EXPECT_EQ(i.param_values[3], std::vector<double>{8.0});
  EXPECT_EQ(i.event_names, std::vector<std::string>{"reset"});
  EXPECT_EQ(i.preset_names.size(), 8u);
  EXPECT_EQ(i.t_end, 500.0);
  EXPECT_EQ(i.dt, 0.01);
  EXPECT_TRUE(i.has_jacobian);
  EXPECT_EQ(i.hash.size(), 64u);
  EXPECT_EQ(m.stepper_name(), "rk4");
  EXPECT_FALSE(m.is_jitted());
  EXPECT_FALSE(m.rhs().native);
  EXPECT_TRUE(m.runner().signatures.empty());
  // Defaults without [sim] stepper: rk4 for ODEs (the reference's), map for maps; aliases resolve
  // to the name.
  EXPECT_EQ(build(inline_model(
                      "[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"-x\"\n"))
                .stepper_name(),
            "rk4");
  EXPECT_EQ(build("builtin://ode/lorenz", {.stepper = "dopri5"}).stepper_name(), "rk45");
  EXPECT_EQ(build("builtin://map/henon", {.stepper = "discrete"}).stepper_name(), "map");
}

TEST(Build, UnknownStepperInOptions) {
  const std::string msg = error_of([] { build("builtin://ode/lorenz", {.stepper = "eulr"}); });
  EXPECT_TRUE(contains(msg, "unknown stepper 'eulr'")) << msg;
  EXPECT_TRUE(contains(msg, "did you mean 'euler'")) << msg;
}

TEST(Build, UnknownStepperInTheModelPointsAtSim) {
  const std::string model = inline_model(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "-x"
[sim]
stepper = "rk5"
)toml");
  try {
    build(model);
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_EQ(e.where().line, 8);
    EXPECT_GT(e.where().column, 1);
    EXPECT_TRUE(contains(e.message(), "unknown stepper 'rk5'")) << e.what();
    EXPECT_TRUE(contains(e.hint(), "did you mean")) << e.what();
    EXPECT_TRUE(contains(e.what(), "stepper = \"rk5\"")) << e.what();  // the source line
  }
  // An explicit stepper replaces the model's: no error then.
  EXPECT_EQ(build(model, {.stepper = "rk4"}).stepper_name(), "rk4");
}

TEST(Build, WrongKindStepper) {
  EXPECT_TRUE(contains(error_of([] { build("builtin://map/logistic", {.stepper = "rk4"}); }),
                       "is for ODEs"));
  EXPECT_TRUE(
      contains(error_of([] { build("builtin://ode/lorenz", {.stepper = "map"}); }), "is for maps"));
  // From [sim]: a ModelError.
  EXPECT_THROW(build(inline_model("[model]\ntype = \"map\"\n[states]\nx = 1.0\n[equations.rhs]\n"
                                  "x = \"x\"\n[sim]\nstepper = \"rk4\"\n")),
               ModelError);
}

TEST(Build, DTypes) {
  EXPECT_EQ(build("builtin://ode/lorenz", {.dtype = "float32"}).dtype(), DType::Float32);
  EXPECT_EQ(build("builtin://ode/lorenz", {.dtype = "float64"}).dtype(), DType::Float64);
  EXPECT_EQ(build("builtin://map/collatz", {.dtype = "int64"}).dtype(), DType::Int64);
  EXPECT_TRUE(contains(error_of([] { build("builtin://ode/lorenz", {.dtype = "int64"}); }),
                       "cannot run as int64"));
  EXPECT_TRUE(contains(error_of([] { build("builtin://map/collatz", {.dtype = "float64"}); }),
                       "cannot run as float64"));
  EXPECT_TRUE(contains(error_of([] { build("builtin://ode/lorenz", {.dtype = "float33"}); }),
                       "did you mean 'float32'"));
}

TEST(Build, StepperListing) {
  const auto list = steppers();
  ASSERT_EQ(list.size(), 14u);
  bool saw_rk45 = false;
  for (const auto& s : list) {
    if (s.name != "rk45") continue;
    saw_rk45 = true;
    EXPECT_TRUE(s.adaptive);
    EXPECT_EQ(s.order, 5);
    EXPECT_EQ(s.embedded_order, 4);
    EXPECT_EQ(s.kind, "ode");
    EXPECT_FALSE(s.aliases.empty());
  }
  EXPECT_TRUE(saw_rk45);
}

TEST(RunErrors, NamesAndValues) {
  Sim sim = setup("builtin://ode/izhikevich");
  EXPECT_TRUE(contains(error_of([&] {
                         sim.run({.N = 1, .ic = {{"vv", 1.0}}});
                       }),
                       "did you mean 'v'"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.N = 1, .ic = {{"a", 1.0}}}); }), "is a param"));
  EXPECT_TRUE(contains(error_of([&] {
                         sim.run({.N = 1, .params = {{"II", 1.0}}});
                       }),
                       "did you mean 'I'"));
  EXPECT_TRUE(contains(error_of([&] {
                         sim.run({.N = 1, .params = {{"a", std::vector<double>{1, 2}}}});
                       }),
                       "scalar"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.T = -1.0}); }), "before the start"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.N = 1, .dt = -0.1}); }), "dt"));
  EXPECT_TRUE(
      contains(error_of([&] { sim.run({.N = 1, .record_interval = 0}); }), "record_interval"));
  EXPECT_TRUE(
      contains(error_of([&] { sim.run({.N = 1, .controller = "pii"}); }), "did you mean 'pi'"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.N = 1, .resume = true}); }), "no run to continue"));
  EXPECT_TRUE(
      contains(error_of([&] { sim.apply_preset("chatering"); }), "did you mean 'chattering'"));
  EXPECT_TRUE(contains(error_of([&] { sim.assign("w", 1.0); }), "no state or param"));
  EXPECT_TRUE(contains(error_of([&] { (void)sim.param("dd"); }), "did you mean 'd'"));
  // Nothing ran: results stay empty.
  EXPECT_EQ(sim.results().size(), 0u);
}

TEST(RunErrors, ArrayParamsNeedTheRightLength) {
  Sim sim = setup(inline_model(R"toml([model]
type = "map"
[states]
x = 0.0
[params]
w = [1, 2, 3]
[equations.rhs]
x = "w[0] + w[1] * w[2]"
)toml"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.N = 1, .params = {{"w", 2.0}}}); }), "array of 3"));
  EXPECT_TRUE(contains(error_of([&] {
                         sim.run({.N = 1, .params = {{"w", std::vector<double>{1, 2}}}});
                       }),
                       "array of 3"));
  const Results& r = sim.run({.N = 1, .params = {{"w", std::vector<double>{2, 3, 4}}}});
  EXPECT_EQ(r.column("x")[1], 14.0);
  EXPECT_EQ(sim.param("w"), (std::vector<double>{2, 3, 4}));  // params persist
}

// Without [sim], the reference's defaults: rk4, T = 1, dt = 0.01; a map needs an end.
TEST(RunDefaults, AModelWithoutSimRunsToOneWithRk4AndDtOneHundredth) {
  const std::string model =
      inline_model("[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"-x\"\n");
  Sim sim = setup(model);
  EXPECT_EQ(sim.model().stepper_name(), "rk4");
  const Results& r = sim.run();
  EXPECT_EQ(r.steps(), 100);
  EXPECT_EQ(r.final_time(), 1.0);
  EXPECT_NEAR(r.final_state()[0], std::exp(-1.0), 1e-10);
  EXPECT_EQ(sim.run({.T = 1.0, .dt = 0.1}).steps(), 10);
  // rk45 takes no default dt (its first step is guessed).
  Sim ad = setup(model, {.stepper = "rk45"});
  EXPECT_TRUE(ad.run().ok());
  EXPECT_LT(ad.results().steps(), 100);
  Sim map = setup(
      inline_model("[model]\ntype = \"map\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"-x\"\n"));
  EXPECT_TRUE(contains(error_of([&] { map.run(); }), "no end for the run: give N"));
}

TEST(RunErrors, Int64TakesWholeNumbers) {
  Sim sim = setup("builtin://map/collatz");
  EXPECT_TRUE(contains(error_of([&] { sim.assign("x", 2.5); }), "whole numbers"));
  sim.assign("x", 7.0);
  const Results& r = sim.run({.N = 16});
  EXPECT_EQ(r.column_i64("x")[16], 1);  // 7 reaches 1 in 16 steps
}

TEST(Precedence, RunOptionsOverConfigOverSim) {
  Sim sim = setup("builtin://ode/expdecay");  // [sim] t_end = 10, dt = 0.01
  const Results& a = sim.run();
  EXPECT_EQ(a.steps(), 1000);
  EXPECT_DOUBLE_EQ(a.final_time(), 10.0);
  sim.config({.T = 2.0, .dt = 0.1, .record_interval = 5});
  const Results& b = sim.run();
  EXPECT_EQ(b.steps(), 20);
  EXPECT_EQ(b.size(), 5u);
  const Results& c = sim.run({.N = 3});  // N at the run level replaces the config's T
  EXPECT_EQ(c.steps(), 3);
  EXPECT_DOUBLE_EQ(c.final_time(), 0.3);
  const Results& d = sim.run({.dt = 0.5, .record_interval = 1});
  EXPECT_EQ(d.steps(), 4);
  // T and N together: whichever comes first.
  EXPECT_EQ(sim.run({.T = 1.0, .N = 3}).steps(), 3);
  EXPECT_EQ(sim.run({.T = 0.5, .N = 300}).steps(), 5);
  // config() checks names at once and keeps the old defaults when it throws.
  EXPECT_TRUE(
      contains(error_of([&] { sim.config({.record_vars = std::vector<std::string>{"y"}}); }),
               "unknown variable"));
  EXPECT_EQ(sim.run().steps(), 20);
}

TEST(Precedence, FixedStepTimeHasNoDrift) {
  Sim sim = setup("builtin://ode/expdecay");
  const Results& r = sim.run({.T = 1.0, .dt = 0.1, .t0 = 0.0});
  ASSERT_EQ(r.size(), 11u);
  for (size_t i = 0; i < r.size(); ++i)
    EXPECT_TRUE(rt_test::same_bits(r.t()[i], static_cast<double>(i) * 0.1)) << i;
  EXPECT_EQ(r.final_time(), 1.0);
  // N = llround((T - t0) / dt): 0.3 / 0.1 = 2.9999999999999996 is 3 steps.
  EXPECT_EQ(sim.run({.T = 0.3, .dt = 0.1}).steps(), 3);
}

TEST(State, PresetsAssignReset) {
  Sim sim = setup("builtin://ode/izhikevich");
  EXPECT_EQ(sim.state(), (std::vector<double>{-65, -13}));
  sim.apply_preset("low_threshold");
  EXPECT_EQ(sim.param("b"), std::vector<double>{0.25});
  EXPECT_EQ(sim.param("d"), std::vector<double>{2.0});
  EXPECT_EQ(sim.state(), (std::vector<double>{-65, -13}));  // presets set params only
  sim.assign("u", -16.25);                                  // b * v for the preset's b
  const Results& r = sim.run({.T = 10.0});
  EXPECT_EQ(r.column("u")[0], -16.25);
  // A fresh run starts from the current state (where the last one ended), with the params.
  const double u_end = sim.state()[1];
  const Results& r2 = sim.run({.T = 10.0});
  EXPECT_EQ(r2.column("u")[0], u_end);
  // ic overrides apply to the names given.
  EXPECT_EQ(sim.run({.T = 1.0, .ic = {{"u", -14.0}}}).column("u")[0], -14.0);
  const double u_after = sim.state()[1];
  EXPECT_EQ(sim.run({.T = 1.0}).column("u")[0], u_after);
  sim.assign({{"I", 0.0}, {"v", -70.0}});
  EXPECT_EQ(sim.param("I"), std::vector<double>{0.0});
  EXPECT_EQ(sim.run({.T = 1.0}).column("v")[0], -70.0);
  // assign is all or nothing.
  EXPECT_THROW(sim.assign({{"a", 1.0}, {"nope", 2.0}}), DynlibError);
  EXPECT_EQ(sim.param("a"), std::vector<double>{0.02});
  sim.reset();
  EXPECT_EQ(sim.state(), (std::vector<double>{-65, -13}));
  EXPECT_EQ(sim.param("b"), std::vector<double>{0.2});
  EXPECT_EQ(sim.param("I"), std::vector<double>{10.0});
  EXPECT_EQ(sim.results().size(), 0u);
  EXPECT_THROW(sim.run({.T = 1.0, .resume = true}), DynlibError);
}

TEST(State, EventChangedParamsCarryIntoResumeAndFreshRuns) {
  Sim sim = setup(inline_model(R"toml([model]
type = "map"
[states]
x = 0.0
[params]
k = 1.0
[equations.rhs]
x = "x + k"
[events.double]
cond = "x >= 2"
action = "k = 2*k; x = 0"
log = ["x", "k"]
)toml"));
  const Results& a = sim.run({.N = 2});
  EXPECT_EQ(a.column("x").to_vector(), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(sim.param("k"), std::vector<double>{2});
  const Results& b = sim.run({.N = 3, .resume = true});
  EXPECT_EQ(b.column("x")[3], 0.0);  // 0 + k = 2 with the event's k = 2: fired again
  EXPECT_EQ(b.event("double").values[1], (std::vector<double>{2, 4}));  // k after each action
  EXPECT_EQ(sim.param("k"), std::vector<double>{4});
  // Fresh: from x = 0 with the session's k = 4, which the event doubles at each firing.
  const Results& c = sim.run({.N = 2});
  EXPECT_EQ(c.column("x").to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(sim.param("k"), std::vector<double>{16});
  sim.reset();  // the model's k = 1 again
  EXPECT_EQ(sim.run({.N = 2}).column("x").to_vector(), (std::vector<double>{0, 1, 0}));
}

TEST(State, AssignBetweenResumes) {
  Sim sim = setup("builtin://ode/expdecay");
  sim.run({.T = 1.0, .dt = 0.1});
  EXPECT_NEAR(sim.state()[0], std::exp(-1.0), 1e-6);
  sim.assign("x", 5.0);  // the state a resume continues from
  EXPECT_EQ(sim.state()[0], 5.0);
  const Results& r = sim.run({.T = 2.0, .resume = true});
  EXPECT_EQ(r.size(), 21u);
  EXPECT_NEAR(r.final_state()[0], 5.0 * std::exp(-1.0), 1e-5);
  const double x_end = sim.state()[0];
  EXPECT_EQ(sim.run({.T = 1.0, .dt = 0.1}).column("x")[0], x_end);  // fresh runs continue
  // A param change before a resume restarts the stepper's history (here: the rate).
  sim.assign("x", 5.0);
  sim.run({.T = 1.0, .dt = 0.1});
  sim.assign("a", 2.0);
  const Results& r2 = sim.run({.T = 2.0, .resume = true});
  EXPECT_NEAR(r2.final_state()[0], 5.0 * std::exp(-1.0) * std::exp(-2.0), 1e-5);
}

TEST(Resume, AppendsAndEqualsOneLongRunFixedStep) {
  for (const char* stepper : {"rk4", "ab3", "euler"}) {
    SCOPED_TRACE(stepper);
    Sim sim = setup("builtin://ode/izhikevich", {.stepper = stepper});
    const Results whole = sim.run({.T = 200.0, .dt = 0.01});
    sim.reset();
    sim.run({.T = 70.0, .dt = 0.01});
    sim.run({.N = 12000, .resume = true});  // to t = 120 (N is the run's total)
    const Results& parts = sim.run({.T = 200.0, .resume = true});
    ASSERT_TRUE(parts.ok()) << parts.message();
    rt_test::expect_same_results(whole, parts);
    EXPECT_EQ(parts.size(), 20001u);
  }
}

TEST(Resume, AppendsAndEqualsOneLongRunRk45) {
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk45"});
  // N counts accepted steps for an adaptive stepper: no end time clips the last step, so a run
  // cut at N continues exactly as one long run.
  const Results whole = sim.run({.N = 3000, .rtol = 1e-8});
  sim.reset();
  sim.run({.N = 1000, .rtol = 1e-8});
  sim.run({.N = 2500, .resume = true, .rtol = 1e-8});
  const Results& parts = sim.run({.N = 3000, .resume = true, .rtol = 1e-8});
  ASSERT_TRUE(parts.ok()) << parts.message();
  rt_test::expect_same_results(whole, parts);
  EXPECT_EQ(parts.accepted_steps(), whole.accepted_steps());
  EXPECT_EQ(parts.rejected_steps(), whole.rejected_steps());

  // Runs to T cut by max_steps and resumed are the same as one run to T.
  sim.reset();
  const Results to_t = sim.run({.T = 20.0, .rtol = 1e-8});
  sim.reset();
  sim.run({.T = 20.0, .max_steps = 700, .rtol = 1e-8});
  EXPECT_EQ(sim.results().status(), Status::EarlyExit);
  const Results& cont = sim.run({.T = 20.0, .resume = true, .rtol = 1e-8});
  rt_test::expect_same_results(to_t, cont);
  EXPECT_DOUBLE_EQ(cont.final_time(), 20.0);
}

TEST(Resume, HeldResultsStayValidAndUnchanged) {
  Sim sim = setup("builtin://map/logistic");
  const Results first = sim.run({.N = 10});  // the user keeps a copy
  const std::vector<double> x = first.column("x").to_vector();
  const Results& more = sim.run({.N = 20, .resume = true});
  EXPECT_EQ(first.size(), 11u);
  EXPECT_EQ(first.column("x").to_vector(), x);
  EXPECT_EQ(more.size(), 21u);
  for (size_t i = 0; i <= 10; ++i) EXPECT_EQ(more.column("x")[i], x[i]);
}

TEST(Resume, OptionsThatCannotChange) {
  Sim sim = setup("builtin://ode/harmonic");
  sim.run({.T = 1.0, .record_vars = std::vector<std::string>{"x"}});
  EXPECT_TRUE(contains(error_of([&] { sim.run({.T = 2.0, .t0 = 1.0, .resume = true}); }), "t0"));
  EXPECT_TRUE(contains(error_of([&] {
                         sim.run({.T = 2.0, .ic = {{"x", 1.0}}, .resume = true});
                       }),
                       "assign"));
  EXPECT_TRUE(
      contains(error_of([&] {
                 sim.run({.T = 2.0, .record_vars = std::vector<std::string>{"v"}, .resume = true});
               }),
               "record_vars"));
  EXPECT_TRUE(contains(error_of([&] { sim.run({.T = 0.5, .resume = true}); }), "before"));
  // The failed attempts left the run resumable.
  const Results& r = sim.run({.T = 2.0, .resume = true});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.names(), std::vector<std::string>{"x"});
  EXPECT_EQ(r.size(), 201u);
}

TEST(Resume, Float32AndInt64AppendExactly) {
  {
    Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk4", .dtype = "float32"});
    const Results whole = sim.run({.N = 300, .dt = 0.01});
    sim.reset();
    sim.run({.N = 100, .dt = 0.01});
    const Results held = sim.results();  // forces the copy path on resume
    const Results& parts = sim.run({.N = 300, .resume = true});
    rt_test::expect_same_results(whole, parts);
    EXPECT_EQ(held.size(), 101u);
    const auto a = whole.column_f32("z"), b = parts.column_f32("z");
    for (size_t i = 0; i < whole.size(); ++i) ASSERT_EQ(a[i], b[i]);
  }
  {
    Sim sim = setup("builtin://map/collatz");
    const Results whole = sim.run({.N = 120});
    sim.reset();
    sim.run({.N = 50});
    const Results& parts = sim.run({.T = 120.0, .resume = true});
    rt_test::expect_same_results(whole, parts);
  }
}

TEST(Resume, NewDtContinuesFromTheCurrentTime) {
  Sim sim = setup("builtin://ode/expdecay");
  sim.run({.T = 1.0, .dt = 0.1});
  const Results& r = sim.run({.T = 2.0, .dt = 0.05, .resume = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.steps(), 30);
  EXPECT_EQ(r.size(), 31u);
  EXPECT_NEAR(r.t()[10], 1.0, 1e-15);
  EXPECT_NEAR(r.t()[11], 1.05, 1e-15);
  EXPECT_NEAR(r.final_time(), 2.0, 1e-14);
  EXPECT_NEAR(r.final_state()[0], std::exp(-2.0), 1e-6);  // rk4 error at dt = 0.1
}

TEST(Resume, AfterATransientWarmUpIsOneLongRun) {
  Sim sim = setup("builtin://ode/expdecay");
  const Results whole = sim.run({.T = 3.0, .dt = 0.1, .transient = 1.5});
  sim.reset();
  EXPECT_EQ(sim.run({.T = 1.0, .dt = 0.1, .transient = 1.5}).size(), 11u);
  const Results& parts = sim.run({.T = 3.0, .resume = true});
  rt_test::expect_same_results(whole, parts);
}

TEST(Progress, AThrowingCallbackAbortsTheRun) {
  Sim sim = setup("builtin://ode/expdecay");
  sim.set_progress([](double, long long) { throw std::runtime_error("cancelled by the UI"); }, 0.0);
  rt_test::TinyBuffers tiny(0, 0, 100);
  EXPECT_THROW(sim.run({.N = 1000, .dt = 1e-3}), std::runtime_error);
  EXPECT_THROW(sim.run({.N = 10, .resume = true}), DynlibError);
  sim.set_progress(nullptr);
  EXPECT_TRUE(sim.run({.N = 1000, .dt = 1e-3}).ok());
}

TEST(Threads, SimsShareOneFullModel) {
  FullModel m = build("builtin://ode/lorenz", {.stepper = "rk4"});
  std::vector<std::vector<double>> finals(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      Sim sim(m);
      finals[static_cast<size_t>(i)] =
          sim.run({.N = 20000, .dt = 0.001, .record = false, .params = {{"rho", 28.0 + i % 2}}})
              .final_state();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(finals[0], finals[2]);
  EXPECT_EQ(finals[1], finals[3]);
  EXPECT_NE(finals[0], finals[1]);
}

}  // namespace

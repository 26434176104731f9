// Lyapunov observers in runs (observers.hpp, kernel/variational.hpp): exponents that are exact for
// the discretisation, published values, invariants, interpreter vs native bit for bit, the trace,
// transients, resume, callbacks and errors.
#include <cmath>
#include <numbers>

#include "runtime/runtime_test_util.hpp"

namespace {

using dynlib::lyapunov_mle_observer;
using dynlib::lyapunov_spectrum_observer;
using rt_test::contains;
using rt_test::error_of;
using rt_test::same_bits;

// x' = lam x: the stepper's map is linear, so the tangent is proportional to x and the exponent
// of the discretisation is log|x(T)/x(0)| / T, whatever the stepper (one-step, multistep with its
// history, adaptive, implicit).
const std::string kDecay = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "decay"
[states]
x = 1.0
[params]
lam = -0.7
[equations.rhs]
x = "lam * x"
)toml");

// A diagonal linear system: its spectrum is the diagonal (as the discretisation sees it).
const std::string kDiagonal = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "diagonal"
[states]
x = 1.0
y = 1.0
z = 1.0
[params]
a = 0.3
b = -0.5
c = -2.0
[equations.rhs]
x = "a * x"
y = "b * y"
z = "c * z"
)toml");

const std::string kDiagonalMap = rt_test::inline_model(R"toml(
[model]
type = "map"
name = "diagonal_map"
[states]
x = 1.0
y = 1.0
[params]
a = 1.5
b = -0.25
[equations.rhs]
x = "a * x"
y = "b * y"
)toml");

dynlib::Sim sim_of(const std::string& uri, const std::string& stepper, bool jit = false) {
  return dynlib::setup(uri, {.stepper = stepper, .jit = jit});
}

TEST(LyapunovObservers, ExactForTheDiscretisationOfEveryStepper) {
  const std::vector<std::string> steppers = {"euler",  "rk2",  "rk4",   "rk45",     "ab2",   "ab3",
                                             "sdirk2", "bdf2", "bdf2a", "tr-bdf2a", "rodas3"};
  for (const auto& name : steppers) {
    SCOPED_TRACE(name);
    dynlib::Sim sim = sim_of(kDecay, name);
    const dynlib::Results& res =
        sim.run({.T = 20.0, .dt = 0.05, .observers = {lyapunov_mle_observer()}});
    ASSERT_TRUE(res.ok()) << res.message();
    const double x_end = res.final_state()[0];
    const double expected = std::log(std::abs(x_end)) / 20.0;
    const dynlib::ObserverResult& ly = res.observer("lyapunov_mle");
    EXPECT_NEAR(ly.output("mle"), expected, 1e-12 * std::abs(expected));
    EXPECT_NEAR(ly.output("mle"), -0.7, 0.05);  // and the continuous exponent, roughly
    EXPECT_NEAR(ly.output("denom"), 20.0, 1e-12);
    EXPECT_EQ(ly.output("steps"), static_cast<double>(res.steps()));
  }
}

TEST(LyapunovObservers, StateIsBitForBitThePlainRun) {
  // The tangents never change the trajectory: fixed steps, adaptive steps (the error norm covers
  // the state only) and multistep history (rebased, not restarted).
  for (const std::string name : {"rk4", "rk45", "ab3", "bdf2a"}) {
    SCOPED_TRACE(name);
    dynlib::Sim plain = sim_of("builtin://ode/lorenz", name);
    dynlib::Sim observed = sim_of("builtin://ode/lorenz", name);
    const dynlib::RunOptions base{.T = 3.0, .dt = 0.01};
    dynlib::RunOptions with = base;
    with.observers = {lyapunov_spectrum_observer(3)};
    const dynlib::Results& a = plain.run(base);
    const dynlib::Results& b = observed.run(with);
    rt_test::expect_same_results(a, b);
    ASSERT_EQ(a.final_state().size(), 3u);
    ASSERT_EQ(b.final_state().size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(same_bits(a.final_state()[i], b.final_state()[i]));
    EXPECT_EQ(observed.state().size(), 3u);
  }
}

TEST(LyapunovObservers, DiagonalSpectrumIsTheDiagonal) {
  dynlib::Sim sim = sim_of(kDiagonal, "rk4");
  const double h = 0.01;
  const auto& res = sim.run({.T = 10.0, .dt = h, .observers = {lyapunov_spectrum_observer(3)}});
  const auto& ly = res.observer("lyapunov_spectrum");
  // RK4's growth factor per step is its stability polynomial P(h lam).
  auto rk4_rate = [&](double lam) {
    const double z = h * lam;
    return std::log(std::abs(1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24)) / h;
  };
  EXPECT_NEAR(ly.output("lyap0"), rk4_rate(0.3), 1e-12);
  EXPECT_NEAR(ly.output("lyap1"), rk4_rate(-0.5), 1e-12);
  EXPECT_NEAR(ly.output("lyap2"), rk4_rate(-2.0), 1e-12);
  EXPECT_NEAR(ly.output("lyap0"), 0.3, 1e-9);
  EXPECT_NEAR(ly.output("sum"), 0.3 - 0.5 - 2.0, 1e-8);
}

TEST(LyapunovObservers, MapSpectrumPerIteration) {
  dynlib::Sim sim = sim_of(kDiagonalMap, "map");
  const auto& res = sim.run({.N = 200, .observers = {lyapunov_spectrum_observer(2)}});
  const auto& ly = res.observer("lyapunov_spectrum");
  EXPECT_NEAR(ly.output("lyap0"), std::log(1.5), 1e-13);
  EXPECT_NEAR(ly.output("lyap1"), std::log(0.25), 1e-13);
  EXPECT_EQ(ly.output("denom"), 200.0);
  EXPECT_EQ(ly.meta.at("mode"), "map");
}

TEST(LyapunovObservers, MleBesideASpectrumIsItsFirstExponent) {
  dynlib::Sim sim = sim_of("builtin://ode/lorenz", "rk4");
  const auto& res =
      sim.run({.T = 5.0,
               .dt = 0.01,
               .observers = {lyapunov_mle_observer(10), lyapunov_spectrum_observer(3, 10)}});
  const auto& mle = res.observer("lyapunov_mle");
  const auto& spectrum = res.observer("lyapunov_spectrum");
  EXPECT_TRUE(same_bits(mle.output("mle"), spectrum.output("lyap0")));
  EXPECT_EQ(mle.trace_column("mle"), spectrum.trace_column("lyap0"));
  dynlib::Sim alone = sim_of("builtin://ode/lorenz", "rk4");
  const auto& single = alone.run({.T = 5.0, .dt = 0.01, .observers = {lyapunov_mle_observer(10)}})
                           .observer("lyapunov_mle");
  EXPECT_TRUE(same_bits(single.output("mle"), mle.output("mle")));
}

TEST(LyapunovObservers, LogisticAtFourIsLn2) {
  dynlib::Sim sim = sim_of("builtin://map/logistic", "map");
  sim.assign({{"r", 4.0}, {"x", 0.3}});
  const auto& res = sim.run({.N = 1000000,
                             .record = false,
                             .transient = 100.0,
                             .observers = {lyapunov_mle_observer(1000)}});
  ASSERT_TRUE(res.ok()) << res.message();
  const auto& ly = res.observer("lyapunov_mle");
  EXPECT_NEAR(ly.output("mle"), std::numbers::ln2, 5e-3);
  EXPECT_EQ(ly.output("steps"), 1000000.0);  // N counts after the 100-iteration warm-up
  // A stable fixed point: r = 2.5, x* = 0.6, F'(x*) = 2 - r = -0.5.
  sim.assign({{"r", 2.5}, {"x", 0.3}});
  const auto& fixed = sim.run({.N = 2000, .observers = {lyapunov_mle_observer(0)}});
  EXPECT_NEAR(fixed.observer("lyapunov_mle").output("mle"), std::log(0.5), 1e-2);
}

TEST(LyapunovObservers, LorenzSpectrumSumsToTheDivergenceAndHasAZero) {
  dynlib::Sim sim = sim_of("builtin://ode/lorenz", "rk4");
  const auto& res = sim.run({.T = 100.0,
                             .dt = 0.01,
                             .record = false,
                             .transient = 20.0,
                             .observers = {lyapunov_spectrum_observer(3, 100)}});
  ASSERT_TRUE(res.ok()) << res.message();
  const auto& ly = res.observer("lyapunov_spectrum");
  const double sigma = 10, beta = 8.0 / 3.0;
  // QR keeps volume: the sum is the time average of the divergence, -(sigma + 1 + beta), up to
  // RK4's O(h^4) error in the determinant.
  EXPECT_NEAR(ly.output("sum"), -(sigma + 1 + beta), 2e-3);
  EXPECT_NEAR(ly.output("lyap0"), 0.9056, 0.06);  // published: 0.9056 (Sprott)
  EXPECT_NEAR(ly.output("lyap1"), 0.0, 0.03);     // the flow direction
  EXPECT_NEAR(ly.output("lyap2"), -14.5723, 0.06);
  EXPECT_NEAR(ly.output("denom"), 100.0, 1e-9);
  // The trace: one row per 100 steps after the warm-up, in the run's times and steps.
  EXPECT_EQ(ly.trace_rows, 100u);
  EXPECT_NEAR(ly.trace_time.front(), 1.0, 1e-9);
  EXPECT_NEAR(ly.trace_time.back(), 100.0, 1e-9);
  EXPECT_EQ(ly.trace_steps.back(), 10000);
  EXPECT_TRUE(same_bits(ly.trace_column("lyap0").back(), ly.output("lyap0")));
}

TEST(LyapunovObservers, InterpreterAndNativeAgreeBitForBit) {
  for (const std::string name : {"rk45", "ab2"}) {
    SCOPED_TRACE(name);
    dynlib::Sim interp = sim_of("builtin://ode/lorenz", name, false);
    dynlib::Sim native = sim_of("builtin://ode/lorenz", name, true);
    const dynlib::RunOptions o{
        .T = 4.0, .dt = 0.01, .transient = 1.0, .observers = {lyapunov_spectrum_observer(3, 7)}};
    const auto& a = interp.run(o).observer("lyapunov_spectrum");
    const auto& b = native.run(o).observer("lyapunov_spectrum");
    ASSERT_EQ(a.out.size(), b.out.size());
    for (size_t i = 0; i < a.out.size(); ++i)
      EXPECT_TRUE(same_bits(a.out[i], b.out[i])) << a.output_names[i];
    ASSERT_EQ(a.trace.size(), b.trace.size());
    for (size_t i = 0; i < a.trace.size(); ++i) EXPECT_TRUE(same_bits(a.trace[i], b.trace[i]));
    // Every step natively, the transient warm-up's included.
    EXPECT_EQ(native.results().run_stats().interp_steps, 0);
    EXPECT_GT(native.results().run_stats().native_steps, native.results().steps());
  }
}

TEST(LyapunovObservers, TraceGrowsAndResumeContinues) {
  rt_test::TinyBuffers tiny(1, 1, 5);  // many GROW_REC / YIELD re-entries
  dynlib::Sim once = sim_of(kDiagonal, "rk4");
  const auto& a = once.run({.T = 2.0, .dt = 0.01, .observers = {lyapunov_spectrum_observer(3)}})
                      .observer("lyapunov_spectrum");
  EXPECT_EQ(a.trace_rows, 200u);
  dynlib::Sim twice = sim_of(kDiagonal, "rk4");
  twice.run({.T = 1.0, .dt = 0.01, .observers = {lyapunov_spectrum_observer(3)}});
  const auto& b =
      twice.run({.T = 2.0, .resume = true, .observers = {lyapunov_spectrum_observer(3)}})
          .observer("lyapunov_spectrum");
  ASSERT_EQ(a.out.size(), b.out.size());
  for (size_t i = 0; i < a.out.size(); ++i) EXPECT_TRUE(same_bits(a.out[i], b.out[i]));
  EXPECT_TRUE(contains(error_of([&] {
                         twice.run(
                             {.T = 3.0, .resume = true, .observers = {lyapunov_mle_observer()}});
                       }),
                       "observers cannot change when resuming"));
}

TEST(LyapunovObservers, RenormalisingLessOftenGivesTheSameExponents) {
  dynlib::Sim every = sim_of(kDiagonal, "rk4");
  dynlib::Sim tenth = sim_of(kDiagonal, "rk4");
  dynlib::ObserverSpec spec = lyapunov_spectrum_observer(3, 0);
  const auto& a =
      every.run({.T = 5.0, .dt = 0.01, .observers = {spec}}).observer("lyapunov_spectrum");
  spec.renorm_every = 10;
  const auto& b =
      tenth.run({.T = 5.0, .dt = 0.01, .observers = {spec}}).observer("lyapunov_spectrum");
  EXPECT_EQ(b.output("renormalisations"), 50.0);
  for (const char* name : {"lyap0", "lyap1", "lyap2"})
    EXPECT_NEAR(a.output(name), b.output(name), 1e-11) << name;
}

TEST(LyapunovObservers, CallbackSeesEveryPointAndCanStop) {
  dynlib::Sim sim = sim_of(kDecay, "rk4");
  std::vector<long long> steps;
  auto cb = [&](const dynlib::ObserverPoint& pt) {
    steps.push_back(pt.step);
    EXPECT_EQ(pt.y->size(), 1u);
    return dynlib::ObserverReply{.stop = pt.step >= 30};
  };
  const auto& res =
      sim.run({.T = 10.0, .dt = 0.1, .observers = {dynlib::callback_observer("watch", cb, 10)}});
  EXPECT_EQ(res.status(), dynlib::Status::EarlyExit);
  EXPECT_EQ(res.steps(), 30);
  EXPECT_EQ(steps, (std::vector<long long>{0, 10, 20, 30}));
  EXPECT_TRUE(contains(res.message(), "stopped by an observer"));
  EXPECT_EQ(res.observers().count("watch"), 1u);

  // A callback may set the state; an exception it throws ends the run and propagates.
  dynlib::Sim kick = sim_of(kDecay, "rk4");
  auto set = [](const dynlib::ObserverPoint& pt) {
    if (pt.step == 5) (*pt.y)[0] = 100.0;
    return dynlib::ObserverReply{.state_changed = pt.step == 5};
  };
  const auto& kicked =
      kick.run({.T = 1.0, .dt = 0.1, .observers = {dynlib::callback_observer("kick", set)}});
  // The recorder samples before the observer acts: row 5 is the state as stepped, row 6 the
  // step from the kicked state.
  EXPECT_LT(kicked.column("x")[5], 1.0);
  EXPECT_NEAR(kicked.column("x")[6], 100.0 * std::exp(-0.7 * 0.1), 1e-4);
  auto boom = [](const dynlib::ObserverPoint& pt) -> dynlib::ObserverReply {
    if (pt.step == 3) throw std::runtime_error("boom");
    return {};
  };
  dynlib::Sim thrower = sim_of(kDecay, "rk4");
  EXPECT_THROW(
      thrower.run({.T = 1.0, .dt = 0.1, .observers = {dynlib::callback_observer("boom", boom)}}),
      std::runtime_error);
  EXPECT_EQ(thrower.results().steps(), 3);
}

TEST(LyapunovObservers, ClearErrors) {
  dynlib::Sim sim = sim_of("builtin://ode/lorenz", "rk4");
  auto err = [&](std::vector<dynlib::ObserverSpec> obs) {
    return error_of([&] { sim.run({.T = 1.0, .dt = 0.01, .observers = std::move(obs)}); });
  };
  EXPECT_TRUE(contains(err({lyapunov_spectrum_observer(4)}), "k = 4 must be between 1 and"));
  EXPECT_TRUE(contains(err({lyapunov_mle_observer(1, "flows")}), "mode = 'flows' must be"));
  EXPECT_TRUE(contains(err({lyapunov_spectrum_observer(1), lyapunov_spectrum_observer(2)}),
                       "two observers are named 'lyapunov_spectrum'"));
  dynlib::ObserverSpec other = lyapunov_spectrum_observer(2);
  other.name = "other";
  EXPECT_TRUE(contains(err({lyapunov_spectrum_observer(1), other}),
                       "at most one lyapunov_mle and one lyapunov_spectrum observer"));
  EXPECT_TRUE(contains(err({lyapunov_mle_observer(1), lyapunov_spectrum_observer(2, 5)}),
                       "record_interval must agree"));
  EXPECT_TRUE(contains(err({lyapunov_spectrum_observer(2, 1, "auto", {1, 0, 0})}),
                       "init_basis has 3 values"));
  EXPECT_TRUE(contains(error_of([&] { sim.results().observer("lyapunov"); }),
                       "no observer named 'lyapunov'"));
  dynlib::Sim cvode = sim_of("builtin://ode/lorenz", "cvode");
  EXPECT_TRUE(
      contains(error_of([&] { cvode.run({.T = 1.0, .observers = {lyapunov_mle_observer()}}); }),
               "steps inside SUNDIALS"));
  dynlib::Sim collatz = dynlib::setup("builtin://map/collatz");
  EXPECT_TRUE(
      contains(error_of([&] { collatz.run({.N = 10, .observers = {lyapunov_mle_observer()}}); }),
               "observers need a float model, and 'collatz' is int64"));
  auto nothing = [](const dynlib::ObserverPoint&) { return dynlib::ObserverReply{}; };
  EXPECT_TRUE(contains(error_of([&] {
                         collatz.run(
                             {.N = 10, .observers = {dynlib::callback_observer("cb", nothing)}});
                       }),
                       "observers need a float model"));
}

}  // namespace

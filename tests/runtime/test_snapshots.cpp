// Sessions and snapshots: a restored session resumes bit for bit as the run it was taken from
// (stepper state, lag ring, event state), pins refuse other models, bad images change nothing,
// int64 values stay exact, and the "initial" snapshot is the session before the first run.
#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::contains;
using rt_test::inline_model;

using rt_test::error_of;

// The samples of `tail` are the last samples of `whole`, bit for bit.
void expect_tail(const Results& whole, const Results& tail) {
  ASSERT_GT(tail.size(), 0u);
  ASSERT_LE(tail.size(), whole.size());
  const size_t off = whole.size() - tail.size();
  for (size_t i = 0; i < tail.size(); ++i) {
    ASSERT_EQ(whole.t()[off + i], tail.t()[i]) << i;
    for (const std::string& name : tail.names())
      ASSERT_EQ(whole.column_as_double(name)[off + i], tail.column_as_double(name)[i]) << name;
  }
}

TEST(Snapshots, RestoredSessionsResumeBitForBit) {
  for (const char* stepper : {"rk45", "rk4", "bdf2", "dopri5"}) {
    Sim sim = setup("builtin://ode/vanderpol", {.stepper = std::string(stepper)});
    sim.run({.T = 2.0});
    const SessionImage mid = sim.session();
    EXPECT_TRUE(mid.running);
    const Results straight = sim.run({.T = 5.0, .resume = true});
    sim.restore(mid);
    EXPECT_EQ(sim.results().size(), 0u);
    const Results again = sim.run({.T = 5.0, .resume = true});
    expect_tail(straight, again);
    EXPECT_EQ(again.steps(), straight.steps()) << stepper;
  }
}

TEST(Snapshots, LagRingAndEventsAreRestored) {
  // An event on a lagged condition and a lagged term in the rhs: both read the lag ring.
  const std::string model = inline_model(R"TOML(
[model]
type = "map"
[states]
x = 0.1
n = 0.0
[params]
r = 3.9
[equations.rhs]
x = "r*x*(1-x) + 0.0*lag_x(3)"
n = "n"
[events.up]
cond = "cross_up(x, 0.5)"
action = "n += 1"
log = ["x", "n"]
)TOML");
  Sim sim = setup(model);
  sim.run({.N = 37});
  const SessionImage image = sim.session();
  const Results straight = sim.run({.N = 200, .resume = true});
  Sim other = setup(model);
  other.restore(image);
  const Results again = other.run({.N = 200, .resume = true});
  expect_tail(straight, again);
  const EventLog& a = straight.event("up");
  const EventLog& b = again.event("up");
  ASSERT_GT(b.t.size(), 3u);
  EXPECT_EQ(std::vector<double>(a.t.end() - static_cast<long>(b.t.size()), a.t.end()), b.t);
}

TEST(Snapshots, PinsRefuseAnotherModelStepperOrDtype) {
  Sim henon = setup("builtin://map/henon");
  henon.run({.N = 3});
  Sim logistic = setup("builtin://map/logistic");
  const std::string msg = error_of([&] { logistic.restore(henon.session()); });
  EXPECT_TRUE(contains(msg, "spec_hash")) << msg;
  Sim rk4 = setup("builtin://ode/lorenz", {.stepper = std::string("rk4")});
  Sim rk45 = setup("builtin://ode/lorenz", {.stepper = std::string("rk45")});
  const auto diff = rk45.compat_check(rk4.session());
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff.at("stepper"), (std::pair<std::string, std::string>{"rk45", "rk4"}));
  Sim f32 = setup("builtin://ode/lorenz", {.stepper = std::string("rk4"), .dtype = "float32"});
  EXPECT_TRUE(contains(error_of([&] { f32.restore(rk4.session()); }), "dtype"));
}

TEST(Snapshots, ABadImageChangesNothing) {
  Sim sim = setup("builtin://ode/lorenz", {.stepper = std::string("rk45")});
  sim.run({.T = 1.0});
  const std::vector<double> before = sim.state();
  SessionImage bad = sim.session();
  bad.reals["work"].pop_back();
  EXPECT_TRUE(contains(error_of([&] { sim.restore(bad); }), "'work' has"));
  bad = sim.session();
  bad.ints["rec_state"] = {7};
  EXPECT_TRUE(contains(error_of([&] { sim.restore(bad); }), "out of range"));
  bad = sim.session();
  bad.counters.erase("lag_head");
  EXPECT_TRUE(contains(error_of([&] { sim.restore(bad); }), "'lag_head' is missing"));
  EXPECT_EQ(sim.state(), before);
  EXPECT_EQ(sim.results().size(), 1u + static_cast<size_t>(sim.results().steps()));
}

TEST(Snapshots, Int64ValuesStayExact) {
  Sim sim = setup("builtin://map/collatz");
  sim.run({.N = 2});
  SessionImage image = sim.session();
  EXPECT_TRUE(image.reals.empty());
  EXPECT_EQ(image.ints.at("y0").at(0), 27);
  EXPECT_EQ(image.ints.at("y").at(0), 41);  // 27 -> 82 -> 41
  const long long big = (1LL << 53) + 3;    // odd; 3 * big + 1 is no float64
  image.ints.at("y").at(0) = big;
  Sim other = setup("builtin://map/collatz");
  other.restore(image);
  other.run({.N = 3, .resume = true});
  EXPECT_EQ(other.session().ints.at("y").at(0), 3 * big + 1);
}

TEST(Snapshots, NamedSnapshotsAndTheInitialOne) {
  Sim sim = setup("builtin://map/henon");
  sim.assign("x", Value(0.1));
  const Results first = sim.run({.N = 5, .params = {{"a", Value(1.2)}}});
  sim.run({.N = 5});
  sim.create_snapshot("later", "two runs in");
  ASSERT_EQ(sim.snapshots().size(), 2u);
  EXPECT_EQ(sim.snapshots()[0].name, "initial");
  EXPECT_EQ(sim.snapshot("initial").image.reals.at("y0").at(0), 0.1);
  EXPECT_EQ(sim.snapshot("initial").image.reals.at("p0").at(0), 1.2);
  EXPECT_FALSE(sim.snapshot("initial").image.running);
  EXPECT_EQ(sim.snapshot("later").description, "two runs in");
  EXPECT_TRUE(contains(error_of([&] { sim.create_snapshot("later"); }), "exists already"));
  EXPECT_TRUE(contains(error_of([&] { sim.snapshot("latr"); }), "did you mean 'later'"));
  sim.reset("initial");
  const Results again = sim.run({.N = 5});
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(first.column_as_double("x")[i], again.column_as_double("x")[i]);
}

TEST(Snapshots, ResetLeavesARunWithObserversForTheInitialSnapshot) {
  Sim sim = setup("builtin://map/logistic");
  sim.run({.N = 50, .observers = {lyapunov_mle_observer()}});
  EXPECT_TRUE(contains(error_of([&] { sim.create_snapshot("obs"); }), "observers"));
  sim.reset("initial");  // only the snapshot must be imageable, not the session it replaces
  EXPECT_FALSE(sim.session().running);
}

}  // namespace

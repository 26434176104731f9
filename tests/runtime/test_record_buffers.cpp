// Recording buffers come back to their Sim (runtime/record_pool.hpp): results nobody holds any
// more lend their memory to the Sim's next run, while results someone still holds are never
// written into. Every run records the same bits as a twin Sim whose buffers are all fresh.
#include <vector>

#include "runtime/record_pool.hpp"
#include "runtime/runtime_test_util.hpp"
#include "runtime/tuning.hpp"

namespace {

using namespace dynlib;
using rt_test::expect_same_results;
using rt_test::inline_model;

// The same Sim twice: `reused` drops its results after each run, `fresh` keeps them all (so it
// never gets buffers back). Both runs continue from where the previous one ended.
struct Twins {
  Sim reused, fresh;
  std::vector<Results> kept;
  explicit Twins(const std::string& uri, const BuildOptions& options = {})
      : reused(setup(uri, options)), fresh(setup(uri, options)) {}

  // Runs both with `options`; returns where the reused Sim's rows were written.
  const void* run(const RunOptions& options) {
    const Results& a = reused.run(options);
    kept.push_back(fresh.run(options));
    expect_same_results(a, kept.back());
    return a.t().data();
  }
};

TEST(RecordBuffers, ReleasedResultsLendTheirBuffersToTheSimsNextRun) {
  Twins twins("builtin://ode/lorenz", {.stepper = "rk4"});
  const RunOptions options{.N = 5000, .dt = 1e-3};
  std::vector<const void*> where;
  const long long reused0 = detail::tuning().record_buffers_reused;
  for (int i = 0; i < 5; ++i) where.push_back(twins.run(options));
  // Run k's results are released when run k+1 ends, so run k+2 records into run k's memory; the
  // twin keeping every result gets none back.
  EXPECT_EQ(detail::tuning().record_buffers_reused - reused0, 3);
  EXPECT_EQ(where[2], where[0]);
  EXPECT_EQ(where[3], where[1]);
  EXPECT_EQ(where[4], where[2]);
}

TEST(RecordBuffers, ResultsStillHeldAreNeverWrittenInto) {
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  Sim twin = setup("builtin://ode/lorenz", {.stepper = "rk4"});
  const RunOptions options{.N = 3000, .dt = 1e-3};
  std::vector<Results> held, expected;
  for (int i = 0; i < 4; ++i) {
    held.push_back(sim.run(options));  // a copy: these results stay alive
    expected.push_back(twin.run(options));
    for (int j = 0; j < 2; ++j) sim.run(options), twin.run(options);  // released ones, reused
  }
  for (size_t i = 0; i < held.size(); ++i) expect_same_results(held[i], expected[i]);
  for (size_t i = 1; i < held.size(); ++i) EXPECT_NE(held[i].t().data(), held[i - 1].t().data());
}

TEST(RecordBuffers, ReusedBuffersFitAWiderRecordingThanTheRunTheyCameFrom) {
  // One column, then every state and aux: the reused data buffer must grow to the new width
  // (ASan, under make test, would see a row written past its end).
  const std::string uri = inline_model(R"(
[model]
type = "ode"
name = "widen"
[states]
x = 1.0
y = 0.5
z = -0.25
[params]
k = 0.3
[equations.rhs]
x = "-k * x + y"
y = "-x + z"
z = "-z * y"
[aux]
energy = "x * x + y * y + z * z"
)");
  Twins twins(uri, {.stepper = "rk4"});
  twins.run({.N = 4000, .dt = 1e-3, .record_vars = std::vector<std::string>{"y"}});
  twins.run({.N = 4000, .dt = 1e-3, .record_vars = std::vector<std::string>{"y"}});
  twins.run(
      {.N = 4000, .dt = 1e-3, .record_vars = std::vector<std::string>{"x", "y", "z", "energy"}});
  twins.run({.N = 9000, .dt = 1e-3, .record_interval = 3});
  twins.run({.N = 100, .dt = 1e-3});  // far fewer rows than the buffers it may get
}

TEST(RecordBuffers, EveryDtypeAndAdaptiveRunsReuseBitForBit) {
  for (const char* dtype : {"float64", "float32"}) {
    Twins twins("builtin://ode/vanderpol", {.stepper = "rk45", .dtype = std::string(dtype)});
    for (int i = 0; i < 4; ++i) twins.run({.T = 20.0, .dt = 1e-3});  // unknown length: grows
  }
  Twins maps("builtin://map/logistic");
  for (int i = 0; i < 4; ++i) maps.run({.N = 20000});
  Twins ints(inline_model(R"(
[model]
type = "map"
name = "counter"
dtype = "int64"
[states]
n = 9007199254740993
[equations.rhs]
n = "n + 3"
)"));
  for (int i = 0; i < 4; ++i) ints.run({.N = 5000});
}

TEST(RecordBuffers, APoolKeepsOneSetAndFreesOneFarLargerThanARunNeeds) {
  auto set_of = [](size_t rows) {
    detail::RecordBuffers b;
    b.t.resize(rows);
    b.step.resize(rows);
    b.f64.resize(rows * 2);
    return b;
  };
  detail::RecordPool pool;
  EXPECT_FALSE(pool.take(-1));
  pool.give(set_of(100));
  pool.give(set_of(100000));    // the latest replaces the earlier one
  EXPECT_FALSE(pool.take(10));  // 10 rows would carry 100000: freed, not lent
  EXPECT_FALSE(pool.take(-1));  // ... and gone
  pool.give(set_of(100000));
  const auto taken = pool.take(30000);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->t.size(), 100000u);
  EXPECT_EQ(taken->f64.size(), 200000u);
  EXPECT_FALSE(pool.take(-1));
  pool.give(set_of(100000));
  EXPECT_TRUE(pool.take(-1));  // a run of unknown length takes any set
}

}  // namespace

// Bounded memory for long runs: a streamed recording (Sim::set_record_sink) hands over parts whose
// concatenation is the unstreamed run bit for bit; a buffer that cannot grow stops the run with
// Status::MemoryLimit keeping every sample; a run that failed midway never looks like a successful
// empty one.
#include <gtest/gtest.h>

#include <stdexcept>

#include "dynlib/ensemble.hpp"
#include "runtime/runtime_test_util.hpp"
#include "runtime/tuning.hpp"

using namespace dynlib;
using rt_test::inline_model;
using rt_test::same_bits;

namespace {

// Everything the parts of a streamed run held, in order.
struct Concatenated {
  std::vector<double> t;
  std::vector<long long> step;
  std::map<std::string, std::vector<double>> columns;
  std::map<std::string, std::vector<double>> event_t;
  std::map<std::string, std::vector<long long>> event_row;
  std::map<std::string, std::vector<std::vector<double>>> event_values;
  size_t parts = 0;
  size_t largest_part = 0;  // rows or firings

  void add(const Results& part) {
    ++parts;
    t.insert(t.end(), part.t().begin(), part.t().end());
    step.insert(step.end(), part.step().begin(), part.step().end());
    for (const auto& n : part.names()) {
      const auto c = part.column_as_double(n);
      columns[n].insert(columns[n].end(), c.begin(), c.end());
    }
    size_t firings = 0;
    for (const auto& e : part.events()) {
      firings += e.t.size();
      event_t[e.name].insert(event_t[e.name].end(), e.t.begin(), e.t.end());
      event_row[e.name].insert(event_row[e.name].end(), e.record_index.begin(),
                               e.record_index.end());
      auto& values = event_values[e.name];
      values.resize(e.values.size());
      for (size_t f = 0; f < e.values.size(); ++f)
        values[f].insert(values[f].end(), e.values[f].begin(), e.values[f].end());
    }
    largest_part = std::max({largest_part, part.size(), firings});
  }
};

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same_bits(a[i], b[i])) << what << " " << i;
}

// Streams `run` in parts of `rows` and checks the parts add up to the unstreamed run exactly.
void expect_streamed_equals_whole(const std::string& uri, const BuildOptions& bo,
                                  const RunOptions& run, long long rows) {
  Sim whole_sim = setup(uri, bo);
  const Results& whole = whole_sim.run(run);
  ASSERT_TRUE(whole.ok()) << whole.message();

  Sim sim = setup(uri, bo);
  Concatenated got;
  sim.set_record_sink([&](const Results& part) { got.add(part); }, rows);
  const Results& tail = sim.run(run);
  ASSERT_TRUE(tail.ok()) << tail.message();
  EXPECT_GT(got.parts, 1u) << "the run should have been handed over in parts";
  EXPECT_LE(got.largest_part, static_cast<size_t>(rows));
  got.add(tail);

  expect_same_bits(got.t, whole.t(), "t");
  EXPECT_EQ(got.step, whole.step());
  for (const auto& n : whole.names())
    expect_same_bits(got.columns[n], whole.column_as_double(n), n);
  for (const auto& e : whole.events()) {
    expect_same_bits(got.event_t[e.name], e.t, e.name + " t");
    EXPECT_EQ(got.event_row[e.name], e.record_index) << e.name;
    for (size_t f = 0; f < e.values.size(); ++f)
      expect_same_bits(got.event_values[e.name][f], e.values[f], e.name + " " + e.fields[f]);
  }
  const auto fa = tail.final_state(), fb = whole.final_state();
  for (size_t i = 0; i < fa.size(); ++i) EXPECT_TRUE(same_bits(fa[i], fb[i]));
  EXPECT_EQ(tail.steps(), whole.steps());
}

// An event that fires at every step of a map.
const char* kTicker = R"toml(
[model]
type = "map"
[states]
x = 0.0
[equations.rhs]
x = "x + 1"
[events.tick]
cond = "x >= 0"
action = "x = x"
log = ["x", "t"]
)toml";

struct MemoryLimit {
  explicit MemoryLimit(long long bytes) { detail::tuning().memory_limit = bytes; }
  ~MemoryLimit() { detail::tuning().memory_limit = 0; }
};

}  // namespace

TEST(RecordSink, PartsOfAStreamedRunAreTheWholeRunBitForBit) {
  // Events with logged values and record indices, a record interval, a warm-up, float32, an
  // adaptive stepper, and buffers forced to grow before the first hand-over.
  expect_streamed_equals_whole("builtin://ode/izhikevich", {.stepper = "rk4"},
                               {.T = 300.0, .dt = 0.05, .record_interval = 3}, 97);
  expect_streamed_equals_whole("builtin://ode/leaky-if", {},
                               {.T = 200.0, .dt = 0.1, .transient = 20.0}, 64);
  expect_streamed_equals_whole("builtin://ode/hodgkin-huxley-1952",
                               {.stepper = "ab2", .dtype = "float32"}, {.T = 10.0, .dt = 0.01},
                               128);
  expect_streamed_equals_whole("builtin://ode/vanderpol", {.stepper = "rk45"}, {.T = 200.0}, 50);
  rt_test::TinyBuffers tiny(3, 2, 11);
  expect_streamed_equals_whole("builtin://ode/izhikevich", {.stepper = "rk4"},
                               {.T = 100.0, .dt = 0.05}, 40);
}

TEST(RecordSink, AnEventAtEveryStepStaysBoundedWithoutRecording) {
  Sim whole_sim = setup(inline_model(kTicker));
  const Results& whole = whole_sim.run({.N = 20000, .record = false});
  ASSERT_EQ(whole.event("tick").t.size(), 20000u);

  Sim sim = setup(inline_model(kTicker));
  Concatenated got;
  sim.set_record_sink([&](const Results& part) { got.add(part); }, 500);
  const Results& tail = sim.run({.N = 20000, .record = false});
  got.add(tail);
  // A part holds at most the rows asked for, plus the firings of the step that filled it.
  EXPECT_LE(got.largest_part, 504u);
  EXPECT_GE(got.parts, 40u);
  expect_same_bits(got.event_t["tick"], whole.event("tick").t, "tick t");
  EXPECT_EQ(got.event_values["tick"][0], whole.event("tick").values[0]);
}

TEST(RecordSink, ASinkThatThrowsEndsTheRunAndLeavesNoResultsBehind) {
  Sim sim = setup("builtin://ode/lorenz");
  const Results& first = sim.run({.T = 1.0, .dt = 0.01});
  ASSERT_TRUE(first.ok());
  sim.set_record_sink([](const Results&) { throw std::runtime_error("disk full"); }, 16);
  EXPECT_THROW(sim.run({.T = 10.0, .dt = 0.01}), std::runtime_error);
  // Not the previous run's results, and not an empty successful one.
  const std::string msg = rt_test::error_of([&] { (void)sim.results(); });
  EXPECT_TRUE(rt_test::contains(msg, "the last run failed")) << msg;
  EXPECT_TRUE(rt_test::contains(msg, "disk full")) << msg;
  EXPECT_THROW(sim.set_record_sink([](const Results&) {}, 0), DynlibError);
  sim.set_record_sink({});
  EXPECT_TRUE(sim.run({.T = 1.0, .dt = 0.01}).ok());
  EXPECT_EQ(sim.results().size(), 101u);
}

TEST(RecordSink, ARefusedRunKeepsThePreviousResults) {
  Sim sim = setup("builtin://ode/lorenz");
  ASSERT_TRUE(sim.run({.T = 1.0, .dt = 0.01}).ok());
  EXPECT_THROW(sim.run({.T = -5.0, .dt = 0.01}), DynlibError);
  EXPECT_EQ(sim.results().size(), 101u);
}

TEST(MemoryLimit, ABufferThatCannotGrowStopsTheRunKeepingEverySample) {
  Sim unlimited = setup("builtin://ode/vanderpol", {.stepper = "rk45"});
  Sim sim = setup("builtin://ode/vanderpol", {.stepper = "rk45"});
  Results limited{nullptr};
  {
    MemoryLimit limit(256 * 1024);  // ~10 000 samples of 3 columns
    limited = sim.run({.T = 1e7});  // of unknown length: not refused up front
  }
  EXPECT_EQ(limited.status(), Status::MemoryLimit);
  EXPECT_EQ(std::string(status_name(limited.status())), "memory_limit");
  EXPECT_FALSE(limited.ok());
  EXPECT_TRUE(rt_test::contains(limited.message(), "memory")) << limited.message();
  ASSERT_GT(limited.size(), 1000u);
  // Every sample it kept is the one the unlimited run computes.
  const Results& want = unlimited.run({.T = 1e7, .max_steps = limited.steps()});
  ASSERT_GE(want.size(), limited.size());
  for (const auto& n : limited.names()) {
    const auto a = limited.column_as_double(n), b = want.column_as_double(n);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same_bits(a[i], b[i])) << n << " " << i;
  }
}

TEST(MemoryLimit, EventLogsStopTooAndARunOfKnownSizeIsRefusedUpFront) {
  MemoryLimit limit(64 * 1024);
  Sim sim = setup(inline_model(kTicker));
  const Results& r = sim.run({.N = 1000000, .record = false});
  EXPECT_EQ(r.status(), Status::MemoryLimit) << r.message();
  EXPECT_GT(r.event("tick").t.size(), 100u);
  EXPECT_EQ(static_cast<long long>(r.event("tick").t.size()), r.steps());

  Sim lorenz = setup("builtin://ode/lorenz");
  const std::string msg = rt_test::error_of([&] { lorenz.run({.N = 1000000, .dt = 0.01}); });
  EXPECT_TRUE(rt_test::contains(msg, "would record")) << msg;
}

TEST(MemoryLimit, ABatchWhoseResultsCannotFitIsRefusedBeforeAnyWork) {
  MemoryLimit limit(16 * 1024);
  std::vector<double> r(2000);
  for (size_t i = 0; i < r.size(); ++i) r[i] = 2.5 + 1.5 * static_cast<double>(i) / 2000.0;
  const FullModel model = build("builtin://map/logistic");
  const std::string msg = rt_test::error_of([&] {
    (void)run_batch(model, {.params = {{"r", r}}, .N = 10, .threads = 1});
  });
  EXPECT_TRUE(rt_test::contains(msg, "2000 trajectories")) << msg;
  EXPECT_TRUE(rt_test::contains(msg, "run fewer at a time")) << msg;
  r.resize(10);  // these fit
  EXPECT_TRUE(run_batch(model, {.params = {{"r", r}}, .N = 10, .threads = 1}).all_ok());
}

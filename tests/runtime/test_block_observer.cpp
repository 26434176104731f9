// Block observers (observers.hpp, kernel/variational.hpp): every point of the run, in blocks of
// consecutive steps, bit for bit what the recorder keeps; stopping at a block's end; float32 rows
// widened; a transient's points; exceptions; interpreter vs native; errors.
#include <stdexcept>

#include "runtime/runtime_test_util.hpp"

namespace {

using rt_test::contains;
using rt_test::error_of;
using rt_test::same_bits;

// Every block a block observer was handed, flattened.
struct Seen {
  std::vector<long long> steps;
  std::vector<double> t, y;
  std::vector<size_t> block_sizes;
};

dynlib::ObserverSpec collecting(Seen& seen, long long rows, long long stop_at = -1) {
  return dynlib::block_observer(
      "blocks",
      [&seen, stop_at](const dynlib::ObserverBlock& b) {
        seen.block_sizes.push_back(b.rows);
        bool stop = false;
        for (size_t r = 0; r < b.rows; ++r) {
          const long long step = b.first_step + static_cast<long long>(r);
          seen.steps.push_back(step);
          seen.t.push_back(b.t[r]);
          for (size_t j = 0; j < b.n; ++j) seen.y.push_back(b.y[r * b.n + j]);
          stop = stop || (stop_at >= 0 && step >= stop_at);
        }
        return stop;
      },
      rows);
}

// The recorded rows of `res` (every state) against what the observer saw, bit for bit.
void expect_rows_seen(const dynlib::Results& res, const Seen& seen,
                      const std::vector<std::string>& states) {
  ASSERT_EQ(seen.steps.size(), res.size());
  for (size_t r = 0; r < res.size(); ++r) {
    EXPECT_EQ(seen.steps[r], res.step()[r]) << "row " << r;
    EXPECT_TRUE(same_bits(seen.t[r], res.t()[r])) << "t at row " << r;
    for (size_t j = 0; j < states.size(); ++j)
      ASSERT_TRUE(same_bits(seen.y[r * states.size() + j], res.column_as_double(states[j])[r]))
          << states[j] << " at row " << r;
  }
}

TEST(BlockObserver, SeesEveryPointBitForBitInBlocks) {
  for (const bool jit : {false, true}) {
    dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4", .jit = jit});
    Seen seen;
    const dynlib::Results res = sim.run({.T = 1.0, .dt = 0.01, .observers = {collecting(seen, 7)}});
    EXPECT_EQ(res.status(), dynlib::Status::Done);
    ASSERT_EQ(res.size(), 101u);
    expect_rows_seen(res, seen, {"x", "y", "z"});
    // 101 points: 14 full blocks, then the 3 left when the run ended.
    std::vector<size_t> sizes(14, 7);
    sizes.push_back(3);
    EXPECT_EQ(seen.block_sizes, sizes);
    EXPECT_EQ(res.observer("blocks").meta.at("kind"), "block");
    // Watching changes nothing: the same bits as a run without the observer.
    dynlib::Sim plain = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4", .jit = jit});
    rt_test::expect_same_results(res, plain.run({.T = 1.0, .dt = 0.01}));
  }
}

TEST(BlockObserver, InterpreterAndNativeHandOverTheSameRows) {
  Seen interp, native;
  for (Seen* seen : {&interp, &native}) {
    dynlib::Sim sim =
        dynlib::setup("builtin://ode/vanderpol", {.stepper = "rk45", .jit = seen == &native});
    sim.run({.T = 20.0, .record = false, .observers = {collecting(*seen, 64)}});
  }
  ASSERT_EQ(interp.steps, native.steps);
  ASSERT_EQ(interp.y.size(), native.y.size());
  for (size_t i = 0; i < interp.y.size(); ++i) ASSERT_TRUE(same_bits(interp.y[i], native.y[i]));
  for (size_t i = 0; i < interp.t.size(); ++i) ASSERT_TRUE(same_bits(interp.t[i], native.t[i]));
}

TEST(BlockObserver, StopEndsTheRunAfterTheBlock) {
  dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4"});
  Seen seen;
  // Blocks of 8 from step 0: step 30 is in the block 24..31, so the run ends at step 31.
  const dynlib::Results res =
      sim.run({.T = 10.0, .dt = 0.01, .observers = {collecting(seen, 8, 30)}});
  EXPECT_EQ(res.status(), dynlib::Status::EarlyExit);
  EXPECT_EQ(res.steps(), 31);
  EXPECT_TRUE(contains(res.message(), "stopped by an observer"));
  EXPECT_EQ(seen.steps.size(), 32u);
  expect_rows_seen(res, seen, {"x", "y", "z"});
}

TEST(BlockObserver, Float32RowsAreTheModelsValuesWidened) {
  dynlib::Sim sim = dynlib::setup("builtin://map/henon", {.dtype = "float32"});
  Seen seen;
  const dynlib::Results res = sim.run({.N = 50, .observers = {collecting(seen, 16)}});
  EXPECT_EQ(res.dtype(), dynlib::DType::Float32);
  expect_rows_seen(res, seen, {"x", "y"});
}

TEST(BlockObserver, TransientPointsComeFirstThenTheRunFromStepZero) {
  dynlib::Sim sim = dynlib::setup("builtin://map/logistic");
  Seen seen;
  const dynlib::Results res =
      sim.run({.N = 20, .transient = 10, .observers = {collecting(seen, 256)}});
  // The warm-up's 11 points (steps 0..10), delivered when it ended, then the run's 21.
  ASSERT_EQ(seen.steps.size(), 32u);
  EXPECT_EQ(seen.block_sizes, (std::vector<size_t>{11, 21}));
  for (long long k = 0; k <= 10; ++k) EXPECT_EQ(seen.steps[static_cast<size_t>(k)], k);
  Seen run;
  run.steps.assign(seen.steps.begin() + 11, seen.steps.end());
  run.t.assign(seen.t.begin() + 11, seen.t.end());
  run.y.assign(seen.y.begin() + 11, seen.y.end());
  // The run proper's points carry the model's clock, as the callback observer's do; its steps
  // and states are the recorded rows.
  ASSERT_EQ(run.steps.size(), res.size());
  for (size_t r = 0; r < res.size(); ++r) {
    EXPECT_EQ(run.steps[r], res.step()[r]);
    EXPECT_TRUE(same_bits(run.y[r], res.column("x")[r]));
  }
}

TEST(BlockObserver, AnExceptionEndsTheRunAndPropagates) {
  dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4"});
  auto boom = [](const dynlib::ObserverBlock& b) -> bool {
    if (b.first_step >= 20) throw std::runtime_error("boom");
    return false;
  };
  EXPECT_THROW(
      sim.run({.T = 1.0, .dt = 0.01, .observers = {dynlib::block_observer("b", boom, 10)}}),
      std::runtime_error);
  // The blocks 0..9 and 10..19 went by; the one from 20 threw, so the run ended at step 29.
  EXPECT_EQ(sim.results().steps(), 29);
}

TEST(BlockObserver, ClearErrors) {
  dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4"});
  auto nothing = [](const dynlib::ObserverBlock&) { return false; };
  auto err = [&](std::vector<dynlib::ObserverSpec> obs) {
    return error_of([&] { sim.run({.T = 1.0, .dt = 0.01, .observers = std::move(obs)}); });
  };
  EXPECT_TRUE(contains(err({dynlib::block_observer("b", nothing, 0)}),
                       "observer 'b': block_rows = 0 must be between 1 and 1048576"));
  EXPECT_TRUE(contains(err({dynlib::block_observer("b", nothing, 1LL << 21)}),
                       "must be between 1 and 1048576"));
  EXPECT_TRUE(contains(err({dynlib::block_observer("b", {})}), "observer 'b' has no callback"));
  EXPECT_TRUE(
      contains(err({dynlib::block_observer("a", nothing), dynlib::block_observer("b", nothing)}),
               "at most one block observer per run"));
  dynlib::Sim collatz = dynlib::setup("builtin://map/collatz");
  EXPECT_TRUE(contains(error_of([&] {
                         collatz.run(
                             {.N = 10, .observers = {dynlib::block_observer("b", nothing)}});
                       }),
                       "observers need a float model"));
  EXPECT_TRUE(contains(error_of([&] {
                         dynlib::run_batch(sim,
                                           {.ic = {{"x", {1.0, 2.0}}},
                                            .T = 1.0,
                                            .observers = {dynlib::block_observer("b", nothing)}});
                       }),
                       "observer 'b' is a block observer"));
}

}  // namespace

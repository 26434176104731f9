// jit=auto across runs: a loop of short runs, the case a per-run decision never compiles. Lorenz
// RK4, 20000 runs of 500 steps (none reaches a YIELD), every step recorded; each iteration is a
// fresh child process (nothing compiled, no run counted yet) timing build() plus the whole loop:
//   _Interp      jit=off
//   _AutoPerRun  jit=auto deciding per run only (auto_min_calls too large to count): stays
//                interpreted, as jit=auto did before runs were counted together
//   _Auto        jit=auto with its defaults: compiles in the background once 3 runs have spent
//                0.25 s interpreted, and later runs go native
//   _Native      jit=on: the compile inside build(), every run native
// against the hand-written loop doing the same steps (_Baseline, recording into a preallocated
// buffer). Counters: native_runs (runs that ran native), compiles.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <limits>

#include "baselines.hpp"
#include "dynlib/cache.hpp"
#include "dynlib/dynlib.hpp"
#include "fresh_child.hpp"

namespace {

constexpr int kRuns = 20000;
constexpr long long kStepsPerRun = 500;
constexpr double kDt = 1e-3;

struct LoopTiming {
  double seconds = -1;  // negative: the child failed
  long long native_runs = 0, compiles = 0;
};

LoopTiming loop_in_fresh_child(const dynlib::BuildOptions& options) {
  return bench::in_fresh_child<LoopTiming>([&] {
    LoopTiming t;
    try {
      dynlib::clear_memory_cache();
      const long long compiles_before = dynlib::compile_counters().compiles;
      const auto t0 = std::chrono::steady_clock::now();
      dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", options);
      for (int i = 0; i < kRuns; ++i) {
        const dynlib::Results& r = sim.run({.N = kStepsPerRun, .dt = kDt});
        benchmark::DoNotOptimize(r.final_state());
        t.native_runs += r.run_stats().native_steps == kStepsPerRun;
      }
      t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      t.compiles = dynlib::compile_counters().compiles - compiles_before;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_tiers child: %s\n", e.what());
    }
    return t;
  });
}

void set_steps(benchmark::State& state) {
  state.counters["s/step"] = benchmark::Counter(
      static_cast<double>(kRuns * kStepsPerRun) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ShortRuns_Lorenz_Baseline(benchmark::State& state) {
  bench::Recorder rec;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i) {
      rec.clear();
      rec.reserve(kStepsPerRun + 1, 3);
      benchmark::DoNotOptimize(bench::lorenz_rk4(kDt, kStepsPerRun, &rec));
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  set_steps(state);
}

void BM_ShortRuns_Lorenz(benchmark::State& state, dynlib::BuildOptions options) {
  options.stepper = "rk4";
  long long native_runs = 0, compiles = 0;
  for (auto _ : state) {
    const LoopTiming t = loop_in_fresh_child(options);
    if (t.seconds < 0) {
      state.SkipWithError("the child failed");
      return;
    }
    state.SetIterationTime(t.seconds);
    native_runs += t.native_runs;
    compiles += t.compiles;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["native_runs"] = static_cast<double>(native_runs) / n;
  state.counters["compiles"] = static_cast<double>(compiles) / n;
  set_steps(state);
}

BENCHMARK(BM_ShortRuns_Lorenz_Baseline)
    ->UseManualTime()
    ->Iterations(3)  // the same name suffix as its twins: the ratio table pairs them
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ShortRuns_Lorenz, Interp, dynlib::BuildOptions{.jit = false})
    ->Name("BM_ShortRuns_Lorenz_Interp")
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ShortRuns_Lorenz, AutoPerRun,
                  dynlib::BuildOptions{.jit = dynlib::JitMode::Auto,
                                       .auto_min_calls = std::numeric_limits<long long>::max()})
    ->Name("BM_ShortRuns_Lorenz_AutoPerRun")
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ShortRuns_Lorenz, Auto, dynlib::BuildOptions{.jit = dynlib::JitMode::Auto})
    ->Name("BM_ShortRuns_Lorenz_Auto")
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ShortRuns_Lorenz, Native, dynlib::BuildOptions{.jit = true})
    ->Name("BM_ShortRuns_Lorenz_Native")
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace

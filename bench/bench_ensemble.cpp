// Ensemble throughput: a compute-bound batch (64 Lorenz RK4 trajectories of 20000 steps, final
// states only) through run_batch at 1 and 2 threads. BM_Ensemble_Scaling times both thread counts
// in the same iteration and reports their ratio as `speedup` (the goal on 2 cores: >= 1.8x).
// Timings are measurements, never test thresholds.
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <exception>
#include <memory>

#include "dynlib/dynlib.hpp"
#include "dynlib/ensemble.hpp"

namespace {

constexpr size_t kTrajectories = 64;
constexpr long long kSteps = 20000;
constexpr double kDt = 1e-3;

// Each trajectory starts from its own point on the attractor's neighbourhood.
dynlib::BatchOptions ensemble(int threads) {
  dynlib::BatchOptions o;
  o.ic_values.resize(kTrajectories * 3);
  for (size_t i = 0; i < kTrajectories; ++i) {
    o.ic_values[3 * i] = 1.0 + 0.01 * static_cast<double>(i);
    o.ic_values[3 * i + 1] = 1.0;
    o.ic_values[3 * i + 2] = 1.0;
  }
  o.N = kSteps;
  o.dt = kDt;
  o.final_only = true;
  o.threads = threads;
  return o;
}

// Null when the backend is not available (jit without a compiler): the benchmark is skipped.
std::unique_ptr<dynlib::FullModel> lorenz(bool native, benchmark::State& state) {
  try {
    return std::make_unique<dynlib::FullModel>(
        dynlib::build("builtin://ode/lorenz", {.stepper = "rk4", .jit = native}));
  } catch (const dynlib::DynlibError& e) {
    state.SkipWithError(e.what());
    return nullptr;
  }
}

// CPU time of the whole process (every thread).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
  double wall = 0, cpu = 0;
};

void time_batch(const dynlib::FullModel& m, const dynlib::BatchOptions& o, Timing& acc) {
  const double c0 = process_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const dynlib::BatchResults b = dynlib::run_batch(m, o);
  benchmark::DoNotOptimize(b.final_state.data());
  acc.wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  acc.cpu += process_cpu_seconds() - c0;
}

// Throughput at state.range(0) threads: trajectories and steps per second of wall time.
template <bool Native>
void BM_Ensemble_Lorenz_RK4(benchmark::State& state) {
  const auto m = lorenz(Native, state);
  if (!m) return;
  const dynlib::BatchOptions o = ensemble(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(dynlib::run_batch(*m, o).final_state.data());
  const double iters = static_cast<double>(state.iterations());
  state.counters["traj/s"] =
      benchmark::Counter(static_cast<double>(kTrajectories) * iters, benchmark::Counter::kIsRate);
  state.counters["s/step"] =
      benchmark::Counter(static_cast<double>(kTrajectories * kSteps) * iters,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// 1 thread and 2 threads back to back in each iteration (so both see the same machine state);
// speedup = wall time(1 thread) / wall time(2 threads). cpu_ratio = CPU time of all threads at 2
// threads / at 1 thread: 1.0 means the second thread adds no work (no contention, no overhead),
// so the speedup is then bounded only by the cores actually free during the run.
template <bool Native>
void BM_Ensemble_Scaling(benchmark::State& state) {
  const auto m = lorenz(Native, state);
  if (!m) return;
  const dynlib::BatchOptions one = ensemble(1), two = ensemble(2);
  Timing t1, t2;
  for (auto _ : state) {
    time_batch(*m, one, t1);
    time_batch(*m, two, t2);
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["t1_ms"] = 1e3 * t1.wall / iters;
  state.counters["t2_ms"] = 1e3 * t2.wall / iters;
  state.counters["speedup"] = t1.wall / t2.wall;
  state.counters["cpu_ratio"] = t2.cpu / t1.cpu;
}

BENCHMARK(BM_Ensemble_Lorenz_RK4<false>)
    ->Name("BM_Ensemble_Lorenz_RK4_Interp")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ensemble_Lorenz_RK4<true>)
    ->Name("BM_Ensemble_Lorenz_RK4_Native")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ensemble_Scaling<false>)
    ->Name("BM_Ensemble_Scaling_Interp")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ensemble_Scaling<true>)
    ->Name("BM_Ensemble_Scaling_Native")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

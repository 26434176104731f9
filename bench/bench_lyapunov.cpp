// Lyapunov benchmarks (issue: observers, Lyapunov exponents): the Lorenz spectrum (k = 3) over
// 10^6 RK4 steps against a plain run of the same steps and against a hand-written C++ variational
// integrator, and an MLE sweep of the logistic map (1000 r values x 10^5 iterations) on all cores
// against a hand-written threaded loop. Names: BM_Lyapunov_<Problem>_<Kind>_<Backend>; the ratio
// tables of bench_main.cpp pair each backend with its _Baseline and each observed run with its
// _Plain twin. Timings are measurements, never test thresholds.
#include <benchmark/benchmark.h>

#include <cmath>
#include <thread>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "dynlib/lyapunov.hpp"

namespace {

constexpr long long kSteps = 1000000;
constexpr double kDt = 1e-3;

void set_steps(benchmark::State& state, long long steps_per_iter) {
  state.counters["s/step"] = benchmark::Counter(
      static_cast<double>(steps_per_iter) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Hand-written: Lorenz and its three tangents by RK4 on the 12-value variational system (J·v
// written out), modified Gram-Schmidt after every step, log stretch summed. What a careful
// researcher would write in C++ for this one model.
double lorenz_spectrum_rk4(double dt, long long n, double* exps) {
  const double s = 10, r = 28, b = 8.0 / 3.0;
  double u[12] = {1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  auto f = [&](const double* w, double* d) {
    const double x = w[0], y = w[1], z = w[2];
    d[0] = s * (y - x);
    d[1] = x * (r - z) - y;
    d[2] = x * y - b * z;
    for (int k = 1; k <= 3; ++k) {
      const double* v = w + 3 * k;
      double* dv = d + 3 * k;
      dv[0] = s * (v[1] - v[0]);
      dv[1] = (r - z) * v[0] - v[1] - x * v[2];
      dv[2] = y * v[0] + x * v[1] - b * v[2];
    }
  };
  double k1[12], k2[12], k3[12], k4[12], tmp[12], sum[3] = {0, 0, 0};
  for (long long i = 0; i < n; ++i) {
    f(u, k1);
    for (int j = 0; j < 12; ++j) tmp[j] = u[j] + 0.5 * dt * k1[j];
    f(tmp, k2);
    for (int j = 0; j < 12; ++j) tmp[j] = u[j] + 0.5 * dt * k2[j];
    f(tmp, k3);
    for (int j = 0; j < 12; ++j) tmp[j] = u[j] + dt * k3[j];
    f(tmp, k4);
    for (int j = 0; j < 12; ++j) u[j] += dt / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    for (int k = 0; k < 3; ++k) {
      double* v = u + 3 * (k + 1);
      for (int q = 0; q < k; ++q) {
        const double* w = u + 3 * (q + 1);
        const double d = w[0] * v[0] + w[1] * v[1] + w[2] * v[2];
        for (int c = 0; c < 3; ++c) v[c] -= d * w[c];
      }
      const double norm = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
      sum[k] += std::log(norm);
      for (int c = 0; c < 3; ++c) v[c] /= norm;
    }
  }
  for (int k = 0; k < 3; ++k) exps[k] = sum[k] / (static_cast<double>(n) * dt);
  return u[0];
}

void BM_Lyapunov_Lorenz_Spectrum3_Baseline(benchmark::State& state) {
  double exps[3];
  for (auto _ : state) benchmark::DoNotOptimize(lorenz_spectrum_rk4(kDt, kSteps, exps));
  set_steps(state, kSteps);
}

// The same steps through dynlib, without observers (Plain), with the spectrum observer, or with
// a host observer that sees every point (a block observer of 128 rows, or a callback every step;
// both only sum x, to show what watching costs).
enum class Watch { Plain, Spectrum, Block, Callback };

template <bool Native, Watch W>
void BM_Lyapunov_Lorenz(benchmark::State& state) {
  dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4", .jit = Native});
  dynlib::RunOptions o{.N = kSteps, .dt = kDt, .record = false};
  o.ic = {{"x", 1.0}, {"y", 1.0}, {"z", 1.0}};
  double seen = 0;
  if (W == Watch::Spectrum) o.observers = {dynlib::lyapunov_spectrum_observer(3, 0)};
  if (W == Watch::Block)
    o.observers = {dynlib::block_observer(
        "block",
        [&](const dynlib::ObserverBlock& b) {
          for (size_t r = 0; r < b.rows; ++r) seen += b.y[r * b.n];
          return false;
        },
        128)};
  if (W == Watch::Callback)
    o.observers = {dynlib::callback_observer("callback", [&](const dynlib::ObserverPoint& p) {
      seen += (*p.y)[0];
      return dynlib::ObserverReply{};
    })};
  sim.run(o);  // builds the kernel with derivatives before timing
  for (auto _ : state) benchmark::DoNotOptimize(sim.run(o).final_state());
  benchmark::DoNotOptimize(seen);
  set_steps(state, kSteps);
}

constexpr int kSweepValues = 1000;
constexpr long long kSweepIterations = 100000;

std::vector<double> sweep_values() {
  std::vector<double> r(kSweepValues);
  for (int i = 0; i < kSweepValues; ++i) r[i] = 2.8 + 1.2 * i / (kSweepValues - 1);
  return r;
}

// Hand-written: the logistic map and its derivative, log|F'| summed, values split over the cores.
void BM_Lyapunov_LogisticSweep_MLE_Baseline(benchmark::State& state) {
  const std::vector<double> r = sweep_values();
  std::vector<double> mle(r.size());
  const unsigned k = std::max(1u, std::thread::hardware_concurrency());
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < k; ++w)
      workers.emplace_back([&, w] {
        for (size_t i = w; i < r.size(); i += k) {
          double x = 0.4, v = 1.0, sum = 0.0;
          for (long long n = 0; n < kSweepIterations; ++n) {
            v *= r[i] * (1 - 2 * x);
            x = r[i] * x * (1 - x);
            const double a = std::abs(v);
            sum += std::log(a);
            v = v / a;
          }
          mle[i] = sum / static_cast<double>(kSweepIterations);
        }
      });
    for (auto& t : workers) t.join();
    benchmark::DoNotOptimize(mle.data());
  }
  set_steps(state, kSweepValues * kSweepIterations);
}

template <bool Native>
void BM_Lyapunov_LogisticSweep_MLE(benchmark::State& state) {
  dynlib::Sim sim = dynlib::setup("builtin://map/logistic", {.jit = Native});
  sim.assign("x", 0.4);
  const std::vector<double> r = sweep_values();
  const dynlib::BatchOptions o{.N = kSweepIterations};
  dynlib::lyapunov_mle_sweep(sim, "r", {3.5}, {.N = 10});  // kernel with derivatives, untimed
  for (auto _ : state) benchmark::DoNotOptimize(dynlib::lyapunov_mle_sweep(sim, "r", r, o).values);
  set_steps(state, kSweepValues * kSweepIterations);
}

}  // namespace

BENCHMARK(BM_Lyapunov_Lorenz_Spectrum3_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lyapunov_Lorenz<true, Watch::Plain>)
    ->Name("BM_Lyapunov_Lorenz_Plain_Native")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lyapunov_Lorenz<true, Watch::Spectrum>)
    ->Name("BM_Lyapunov_Lorenz_Spectrum3_Native")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lyapunov_Lorenz<true, Watch::Block>)
    ->Name("BM_Lyapunov_Lorenz_BlockObserver_Native")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lyapunov_Lorenz<true, Watch::Callback>)
    ->Name("BM_Lyapunov_Lorenz_CallbackObserver_Native")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lyapunov_Lorenz<false, Watch::Plain>)
    ->Name("BM_Lyapunov_Lorenz_Plain_Interp")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_Lyapunov_Lorenz<false, Watch::Spectrum>)
    ->Name("BM_Lyapunov_Lorenz_Spectrum3_Interp")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_Lyapunov_LogisticSweep_MLE_Baseline)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Lyapunov_LogisticSweep_MLE<true>)
    ->Name("BM_Lyapunov_LogisticSweep_MLE_Native")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Lyapunov_LogisticSweep_MLE<false>)
    ->Name("BM_Lyapunov_LogisticSweep_MLE_Interp")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

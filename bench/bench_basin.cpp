// Basin benchmark (issue 14): the unforced damped Duffing double well, classified on an n x n grid
// of (x, v) in [-1.5, 1.5]^2 by basin_known against the two wells (the reference's example
// examples/analysis/basin_duffing_known.py: rk2, dt_obs 0.01, max_samples 60000, wells at (+-1, 0)
// with radius 0.3, escape box +-2, b_max 1e6), native, on every core, beside a hand-written
// threaded C++ loop doing the same classification with the same steps. The hand loop's labels and
// sample counts must equal dynlib's (counted after the timing: label_mismatch, sample_mismatch).
//
// n is DYNLIB_BENCH_BASIN_N (default 200, so `make bench` stays short); the figure is
// DYNLIB_BENCH_BASIN_N=1000 with --benchmark_filter=BM_Basin (docs/PERFORMANCE.md, "Basins").
// Reported per sample (one RK2 step and its classification), so bench_main.cpp's ratio table
// pairs _Native with _Baseline. Timings are measurements, never test thresholds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

#include "dynlib/basins.hpp"
#include "dynlib/dynlib.hpp"

namespace {

// The reference example's settings.
constexpr double kDelta = 0.02, kAlpha = -0.5, kBeta = 0.5, kGamma = 0.0, kOmega = 1.0;
constexpr double kDt = 0.01;
constexpr long long kMaxSamples = 60000;
constexpr double kRadius = 0.3, kEscape = 2.0, kBMax = 1e6, kIcHalfWidth = 1.5;
constexpr long long kSettle = 10;  // fixed_point_settle_steps (default)
// basin_known's default outside_limit: max(10, min(50, max_samples / 5))
constexpr long long kOutsideLimit = std::max(10LL, std::min(50LL, kMaxSamples / 5));

long long grid_n() {
  const char* s = std::getenv("DYNLIB_BENCH_BASIN_N");
  const long long n = s ? std::atoll(s) : 0;
  return n > 1 ? n : 200;
}

void grid_args(benchmark::internal::Benchmark* b) {
  b->Arg(grid_n())->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
}

struct Labels {
  std::vector<int> labels;
  std::vector<long long> samples;
  long long total_samples() const {
    long long s = 0;
    for (long long k : samples) s += k;
    return s;
  }
};

// Hand-written: for each initial condition, explicit-midpoint RK2 steps of the model's equation as
// written (gamma is a runtime parameter, so the forcing term is evaluated as the kernel does) and
// the classification rule of basin_known, inline: not finite or |x|, |v| > b_max is BLOWUP;
// outside the escape box for outside_limit samples in a row is OUTSIDE (and resets the settle
// count); inside a well's radius (the first well first) for kSettle samples in a row is that
// well; max_samples without either is UNRESOLVED. Rows are claimed in order by std::threads.
void hand_basin(const std::vector<double>& xs, const std::vector<double>& vs, Labels& out) {
  const size_t n = xs.size(), m = vs.size();
  out.labels.assign(n * m, dynlib::BASIN_UNRESOLVED);
  out.samples.assign(n * m, 0);
  const double well[2] = {1.0, -1.0};
  auto rhs = [](double t, double x, double v, double& dx, double& dv) {
    dx = v;
    dv = -kDelta * v - kAlpha * x - kBeta * (x * x * x) + kGamma * std::cos(kOmega * t);
  };
  auto classify = [&](double x, double v, long long& samples) {
    long long outside_run = 0, fp_run = 0;
    int fp_cand = -1;
    const double h = kDt, h2 = kDt / 2;
    for (long long k = 1; k <= kMaxSamples; ++k) {
      const double t = static_cast<double>(k - 1) * h;
      double kx, kv;
      rhs(t, x, v, kx, kv);
      const double tx = x + h2 * kx, tv = v + h2 * kv;
      rhs(t + h2, tx, tv, kx, kv);
      x = x + h * kx;
      v = v + h * kv;
      samples = k;
      if (!std::isfinite(x) || !std::isfinite(v)) return dynlib::BASIN_BLOWUP;
      if (std::fabs(x) > kBMax || std::fabs(v) > kBMax) return dynlib::BASIN_BLOWUP;
      if (!(x >= -kEscape && x <= kEscape) || !(v >= -kEscape && v <= kEscape)) {
        fp_cand = -1;
        fp_run = 0;
        if (++outside_run >= kOutsideLimit) return dynlib::BASIN_OUTSIDE;
        continue;
      }
      outside_run = 0;
      int in = -1;
      for (int a = 0; a < 2 && in < 0; ++a) {
        const double dx = x - well[a], dv = v;
        double s = (dx / kRadius) * (dx / kRadius);
        s += (dv / kRadius) * (dv / kRadius);
        if (s <= 1.0) in = a;
      }
      if (in >= 0 && in == fp_cand) {
        if (++fp_run >= kSettle) return in;
      } else {
        fp_cand = in;
        fp_run = in >= 0 ? 1 : 0;
      }
    }
    return dynlib::BASIN_UNRESOLVED;
  };
  std::atomic<size_t> next_row{0};
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < threads; ++w)
    pool.emplace_back([&] {
      for (size_t i; (i = next_row.fetch_add(1)) < n;)
        for (size_t j = 0; j < m; ++j)
          out.labels[i * m + j] = classify(xs[i], vs[j], out.samples[i * m + j]);
    });
  for (auto& t : pool) t.join();
}

std::vector<double> axis(long long n) {
  return dynlib::basin_axis("x", -kIcHalfWidth, kIcHalfWidth, n).values;
}

// The hand loop's result per grid size (computed once; the check against dynlib's labels).
std::map<long long, Labels>& hand_results() {
  static std::map<long long, Labels> r;
  return r;
}

void set_samples(benchmark::State& state, long long samples) {
  state.counters["s/step"] =
      benchmark::Counter(static_cast<double>(samples) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["samples"] = static_cast<double>(samples);
}

void BM_Basin_Duffing_Baseline(benchmark::State& state) {
  const long long n = state.range(0);
  const std::vector<double> a = axis(n);
  Labels out;
  for (auto _ : state) {
    hand_basin(a, a, out);
    benchmark::DoNotOptimize(out.labels.data());
  }
  set_samples(state, out.total_samples());
  hand_results()[n] = out;
}

void BM_Basin_Duffing_Native(benchmark::State& state) {
  const long long n = state.range(0);
  dynlib::Sim sim = dynlib::setup("builtin://ode/duffing", {.stepper = "rk2", .jit = true});
  sim.assign({{"delta", kDelta},
              {"alpha", kAlpha},
              {"beta", kBeta},
              {"gamma", kGamma},
              {"omega", kOmega}});
  const std::vector<dynlib::AttractorSpec> wells = {
      dynlib::BasinFixedPoint{"+1", {1.0, 0.0}, {kRadius}},
      dynlib::BasinFixedPoint{"-1", {-1.0, 0.0}, {kRadius}}};
  const dynlib::BasinIC ic{.axes = {dynlib::basin_axis("x", -kIcHalfWidth, kIcHalfWidth, n),
                                    dynlib::basin_axis("y", -kIcHalfWidth, kIcHalfWidth, n)}};
  dynlib::BasinKnownOptions o{.escape_bounds = {{-kEscape, kEscape}, {-kEscape, kEscape}},
                              .dt_obs = kDt,
                              .max_samples = kMaxSamples,
                              .transient_samples = 0,
                              .signature_samples = 0,
                              .b_max = kBMax,
                              .fixed_point_settle_steps = kSettle,
                              .threads = 0};
  dynlib::basin_known(sim, wells, {.axes = {dynlib::basin_values("x", {0.5})}, .fixed = {{"y", 0}}},
                      o);  // compiles (or loads) the kernel before timing
  dynlib::BasinResult r;
  for (auto _ : state) {
    r = dynlib::basin_known(sim, wells, ic, o);
    benchmark::DoNotOptimize(r.labels.data());
  }
  long long total = 0;
  for (long long k : r.samples) total += k;
  set_samples(state, total);
  state.counters["threads"] = r.threads;

  // The baseline must classify exactly as dynlib does.
  auto it = hand_results().find(n);
  if (it == hand_results().end()) {
    Labels h;
    const std::vector<double> a = axis(n);
    hand_basin(a, a, h);
    it = hand_results().emplace(n, std::move(h)).first;
  }
  long long label_mismatch = 0, sample_mismatch = 0;
  for (size_t i = 0; i < r.labels.size(); ++i) {
    label_mismatch += r.labels[i] != it->second.labels[i];
    sample_mismatch += r.samples[i] != it->second.samples[i];
  }
  state.counters["label_mismatch"] = static_cast<double>(label_mismatch);
  state.counters["sample_mismatch"] = static_cast<double>(sample_mismatch);
  if (label_mismatch || sample_mismatch)
    std::fprintf(stderr,
                 "BM_Basin_Duffing: hand loop differs from basin_known: %lld labels, %lld "
                 "sample counts of %zu\n",
                 label_mismatch, sample_mismatch, r.labels.size());
  std::map<int, long long> counts;
  for (int l : r.labels) ++counts[l];
  for (const auto& [label, c] : counts)
    state.counters["n_label_" + std::to_string(label)] = static_cast<double>(c);
}

}  // namespace

BENCHMARK(BM_Basin_Duffing_Baseline)->Apply(grid_args);
BENCHMARK(BM_Basin_Duffing_Native)->Apply(grid_args);

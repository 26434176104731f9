// `make bench`: dynlib's backends against hand-written C++ baselines, in the same binary and run.
// Each benchmark reports ns/step; the table at the end prints each backend's ratio to the
// baseline of the same model and algorithm. Timings are measurements, never test thresholds.
#include <benchmark/benchmark.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "baselines.hpp"
#include "dynlib/cache.hpp"
#include "dynlib/dynlib.hpp"

namespace {

using namespace dynlib;

// The interpreter as users run it: the public API (wrapper loop, buffers, results) included.
long long run_sim(dynlib::Sim& sim, const dynlib::RunOptions& options) {
  const dynlib::Results& r = sim.run(options);
  benchmark::DoNotOptimize(r.final_state());
  return r.steps();
}

// Reported as seconds per step (an inverted rate); the ratio table prints nanoseconds.
void set_steps(benchmark::State& state, long long steps_per_iter) {
  state.counters["s/step"] = benchmark::Counter(
      static_cast<double>(steps_per_iter) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Whether jit=auto has judged the tier-2 build of the Sim's kernel (in an earlier benchmark of
// this process): once dropped, it is not tried again.
bool tier2_judged(const dynlib::Sim& sim) {
  for (const dynlib::KernelStats& k : dynlib::jit_stats())
    if (k.id == sim.model().build_stats().kernel_id) return !k.tier2_verdict.empty();
  return false;
}

// The Sim a *_Interp (tier 0), *_Native (tier 1: jit=on), *_Quick (3: jit=quick, the model's
// functions native under the library's steppers) or *_Tier2 benchmark runs. Tier 2 is
// jit=auto's recompile of a hot kernel at -O3 -march=native: thresholds 0 make every run hot, and
// short runs go on until the background compiles are done (before timing); the timed runs then
// alternate tiers 2 and 1 until jit=auto's verdict, and run the tier it keeps.
dynlib::Sim bench_sim(const std::string& uri, const std::string& stepper, int tier) {
  dynlib::BuildOptions options;
  if (!stepper.empty()) options.stepper = stepper;
  options.jit = tier == 1;
  if (tier == 3) options.jit = dynlib::JitMode::Quick;
  if (tier == 2) {
    options.jit = dynlib::JitMode::Auto;
    options.auto_threshold = 0.0;
    options.auto_min_calls = 1;
    options.auto_tier_threshold = 0.0;
  }
  dynlib::Sim sim = dynlib::setup(uri, options);
  for (int i = 0; i < 60000 && tier == 2 && sim.model().jit_tier() < tier && !tier2_judged(sim);
       ++i) {
    sim.run({.N = 10});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return sim;
}

// *_Tier2: the tier jit=auto settled on after the timed runs (tier 2 on trial alternates with
// tier 1 until its verdict; 2: kept, 1: dropped as slower, docs/jit.md).
template <int Tier>
void tier_counter(benchmark::State& state, const dynlib::Sim& sim) {
  if (Tier == 2) state.counters["tier_after"] = sim.model().jit_tier();
}

constexpr long long kLorenzSteps = 100000;
constexpr double kLorenzDt = 1e-3;

void BM_Lorenz_RK4_Baseline(benchmark::State& state) {
  const bool record = state.range(0) != 0;
  bench::Recorder rec;
  for (auto _ : state) {
    rec.clear();
    rec.reserve(kLorenzSteps + 1, 3);
    benchmark::DoNotOptimize(record ? bench::lorenz_rk4(kLorenzDt, kLorenzSteps, &rec)
                                    : bench::lorenz_rk4(kLorenzDt, kLorenzSteps, nullptr));
  }
  set_steps(state, kLorenzSteps);
}

// Backend of the *_Interp, *_Native and *_Tier2 twins: the same code, jit off, on, or auto's
// tier 2 (kernel built before timing).
template <int Tier>
void BM_Lorenz_RK4(benchmark::State& state) {
  dynlib::Sim sim = bench_sim("builtin://ode/lorenz", "rk4", Tier);
  dynlib::RunOptions o;
  o.N = kLorenzSteps;
  o.dt = kLorenzDt;
  o.record = state.range(0) != 0;
  for (auto _ : state) run_sim(sim, o);
  set_steps(state, kLorenzSteps);
  tier_counter<Tier>(state, sim);
}

constexpr long long kIzhSteps = 100000;
constexpr double kIzhDt = 0.01;

void BM_Izhikevich_RK4_Baseline(benchmark::State& state) {
  bench::Recorder rec;
  long long spikes = 0;
  for (auto _ : state) {
    rec.clear();
    rec.reserve(kIzhSteps + 1, 2);
    benchmark::DoNotOptimize(bench::izhikevich_rk4(kIzhDt, kIzhSteps, &rec, &spikes));
  }
  set_steps(state, kIzhSteps);
}

template <int Tier>
void BM_Izhikevich_RK4(benchmark::State& state) {
  dynlib::Sim sim = bench_sim("builtin://ode/izhikevich", "rk4", Tier);
  dynlib::RunOptions o;
  o.N = kIzhSteps;
  o.dt = kIzhDt;
  for (auto _ : state) run_sim(sim, o);
  set_steps(state, kIzhSteps);
  tier_counter<Tier>(state, sim);
}

constexpr double kVdpEnd = 200.0;
constexpr double kVdpTol = 1e-8;

void BM_VanDerPol_RK45_Baseline(benchmark::State& state) {
  bench::Recorder rec;
  long long steps = 0;
  for (auto _ : state) {
    rec.clear();
    benchmark::DoNotOptimize(bench::vanderpol_rk45(kVdpEnd, kVdpTol, &rec, &steps));
  }
  set_steps(state, steps);
}

template <int Tier>
void BM_VanDerPol_RK45(benchmark::State& state) {
  dynlib::Sim sim = bench_sim("builtin://ode/vanderpol", "rk45", Tier);
  dynlib::RunOptions o;
  o.T = kVdpEnd;
  o.dt = 1e-3;
  o.atol = o.rtol = kVdpTol;
  o.ic["x"] = 2.0;
  o.ic["y"] = 0.0;
  long long steps = 0;
  for (auto _ : state) steps = run_sim(sim, o);
  set_steps(state, steps);
  tier_counter<Tier>(state, sim);
}

constexpr long long kMapSteps = 1000000;

void BM_Logistic_Baseline(benchmark::State& state) {
  const bool record = state.range(0) != 0;
  bench::Recorder rec;
  for (auto _ : state) {
    rec.clear();
    rec.reserve(kMapSteps + 1, 1);
    // The unrecorded loop is a function of its own (baselines.hpp), with no recording branch.
    benchmark::DoNotOptimize(record ? bench::logistic(3.9, kMapSteps, &rec)
                                    : bench::logistic(3.9, kMapSteps));
  }
  set_steps(state, kMapSteps);
}

template <int Tier>
void BM_Logistic(benchmark::State& state) {
  dynlib::Sim sim = bench_sim("builtin://map/logistic", "", Tier);
  dynlib::RunOptions o;
  o.N = kMapSteps;
  o.ic["x"] = 0.1;
  o.params["r"] = 3.9;
  o.record = state.range(0) != 0;
  for (auto _ : state) run_sim(sim, o);
  set_steps(state, kMapSteps);
  tier_counter<Tier>(state, sim);
}

// Recording into fresh memory: each iteration's buffers are new (and freed untimed afterwards).
// The hand-written loop allocates its vectors while timed; dynlib runs a new Sim, which has no
// released results whose buffers it could reuse (runtime/record_pool.hpp).
template <class Work>
void fresh_baseline(benchmark::State& state, size_t rows, size_t width, Work work) {
  for (auto _ : state) {
    auto rec = std::make_unique<bench::Recorder>();
    rec->reserve(rows, width);
    work(*rec);
    state.PauseTiming();
    rec.reset();
    state.ResumeTiming();
  }
}
void fresh_native(benchmark::State& state, const std::string& uri, const std::string& stepper,
                  const dynlib::RunOptions& o) {
  dynlib::BuildOptions options{.jit = true};
  if (!stepper.empty()) options.stepper = stepper;
  const dynlib::FullModel model = dynlib::build(uri, options);
  for (auto _ : state) {
    state.PauseTiming();
    auto sim = std::make_unique<dynlib::Sim>(model);
    state.ResumeTiming();
    run_sim(*sim, o);
    state.PauseTiming();
    sim.reset();
    state.ResumeTiming();
  }
}

void BM_Logistic_Fresh_Baseline(benchmark::State& state) {
  fresh_baseline(state, kMapSteps + 1, 1,
                 [](bench::Recorder& rec) { bench::logistic(3.9, kMapSteps, &rec); });
  set_steps(state, kMapSteps);
}
void BM_Logistic_Fresh_Native(benchmark::State& state) {
  dynlib::RunOptions o;
  o.N = kMapSteps;
  o.ic["x"] = 0.1;
  o.params["r"] = 3.9;
  fresh_native(state, "builtin://map/logistic", "", o);
  set_steps(state, kMapSteps);
}
void BM_Lorenz_RK4_Fresh_Baseline(benchmark::State& state) {
  fresh_baseline(state, kLorenzSteps + 1, 3,
                 [](bench::Recorder& rec) { bench::lorenz_rk4(kLorenzDt, kLorenzSteps, &rec); });
  set_steps(state, kLorenzSteps);
}
void BM_Lorenz_RK4_Fresh_Native(benchmark::State& state) {
  fresh_native(state, "builtin://ode/lorenz", "rk4", {.N = kLorenzSteps, .dt = kLorenzDt});
  set_steps(state, kLorenzSteps);
}

// A model with a 1000-term reduction: it must stay a loop, so its compile time stays small.
std::string sum_model(int terms) {
  std::string w;
  for (int i = 0; i < terms; ++i) w += (i ? ", " : "") + std::to_string(1.0 + 1.0 / (i + 1));
  return "inline:[model]\ntype = \"ode\"\nname = \"sum" + std::to_string(terms) +
         "\"\n[states]\nx = 1.0\ny = 0.5\n[params]\nw = [" + w +
         "]\n[equations.rhs]\nx = \"-sum(w[i] * x for i in range(" + std::to_string(terms) +
         ")) / " + std::to_string(terms) + " + y\"\ny = \"-x\"\n";
}

// Cold compile latency: from build() to a runnable kernel, with the memory cache emptied before
// each iteration (the compiler probe, once per process, is not included: see PERFORMANCE.md).
// `mode`: jit=on (the whole kernel) or jit=quick (the model's functions alone).
void BM_Compile_Cold(benchmark::State& state, std::string uri, std::string stepper,
                     dynlib::JitMode mode) {
  dynlib::build(uri, {.stepper = stepper, .jit = mode});  // probe the compiler once
  for (auto _ : state) {
    dynlib::clear_memory_cache();
    const dynlib::FullModel m = dynlib::build(uri, {.stepper = stepper, .jit = mode});
    benchmark::DoNotOptimize(m.is_jitted());
  }
}

// The floor under every cold compile: the system compiler (c++ on PATH) turning an empty file into
// a shared object with the JIT's flags (jit=on's link, libstdc++ included), one process per
// iteration, as the JIT starts it. A yardstick for BM_Compile_Cold measured in the same run.
void BM_Compile_EmptyFile(benchmark::State& state) {
  char dir[] = "/tmp/dynlib-bench-XXXXXX";
  if (!mkdtemp(dir)) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string src = std::string(dir) + "/empty.cpp", so = std::string(dir) + "/empty.so";
  std::fclose(std::fopen(src.c_str(), "w"));
  std::vector<std::string> args{"c++",
                                "-std=c++20",
                                "-O2",
                                "-fPIC",
                                "-shared",
                                "-ffp-contract=off",
                                "-fno-fast-math",
                                "-Wl,-Bsymbolic",
                                "-o",
                                so,
                                src};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto _ : state) {
    pid_t pid = 0;
    int status = -1;
    if (posix_spawnp(&pid, "c++", nullptr, nullptr, argv.data(), environ) != 0 ||
        waitpid(pid, &status, 0) != pid || status != 0) {
      state.SkipWithError("c++ could not compile an empty file");
      break;
    }
  }
  std::remove(so.c_str());
  std::remove(src.c_str());
  rmdir(dir);
}

BENCHMARK(BM_Lorenz_RK4_Baseline)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4<0>)
    ->Name("BM_Lorenz_RK4_Interp")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4<1>)
    ->Name("BM_Lorenz_RK4_Native")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4<2>)
    ->Name("BM_Lorenz_RK4_Tier2")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4<3>)
    ->Name("BM_Lorenz_RK4_Quick")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VanDerPol_RK45_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VanDerPol_RK45<0>)->Name("BM_VanDerPol_RK45_Interp")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VanDerPol_RK45<1>)->Name("BM_VanDerPol_RK45_Native")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VanDerPol_RK45<2>)->Name("BM_VanDerPol_RK45_Tier2")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VanDerPol_RK45<3>)->Name("BM_VanDerPol_RK45_Quick")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Izhikevich_RK4_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Izhikevich_RK4<0>)->Name("BM_Izhikevich_RK4_Interp")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Izhikevich_RK4<1>)->Name("BM_Izhikevich_RK4_Native")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Izhikevich_RK4<2>)->Name("BM_Izhikevich_RK4_Tier2")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Izhikevich_RK4<3>)->Name("BM_Izhikevich_RK4_Quick")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic_Baseline)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic<0>)
    ->Name("BM_Logistic_Interp")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic<1>)
    ->Name("BM_Logistic_Native")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic<2>)->Name("BM_Logistic_Tier2")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic_Fresh_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Logistic_Fresh_Native)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4_Fresh_Baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lorenz_RK4_Fresh_Native)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compile_EmptyFile)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, lorenz_rk4, "builtin://ode/lorenz", "rk4", dynlib::JitMode::On)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, lorenz_rk4_quick, "builtin://ode/lorenz", "rk4",
                  dynlib::JitMode::Quick)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, vanderpol_rk45, "builtin://ode/vanderpol", "rk45",
                  dynlib::JitMode::On)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, vanderpol_rk45_quick, "builtin://ode/vanderpol", "rk45",
                  dynlib::JitMode::Quick)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, hodgkin_huxley_rk4, "builtin://ode/hodgkin-huxley-1952", "rk4",
                  dynlib::JitMode::On)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, hodgkin_huxley_rk4_quick, "builtin://ode/hodgkin-huxley-1952",
                  "rk4", dynlib::JitMode::Quick)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, sum100_rk4, sum_model(100), "rk4", dynlib::JitMode::On)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, sum1000_rk4, sum_model(1000), "rk4", dynlib::JitMode::On)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Compile_Cold, sum1000_rk4_quick, sum_model(1000), "rk4",
                  dynlib::JitMode::Quick)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// Collects ns/step per benchmark and prints backend/baseline ratios after the normal report.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      // With --benchmark_repetitions the median stands for the benchmark; without, the one run.
      const bool use = r.run_type == Run::RT_Iteration ? !r.repetitions || r.repetitions == 1
                                                       : r.aggregate_name == "median";
      auto it = r.counters.find("s/step");
      if (use && it != r.counters.end()) ns_per_step_[r.run_name.str()] = it->second.value * 1e9;
      // Stiff problems (bench_stiff.cpp) and Van der Pol against Boost.Odeint (bench_odeint.cpp)
      // compare whole solves: milliseconds per run.
      const std::string name = r.run_name.str();
      if (use && !r.error_occurred &&
          (name.rfind("BM_Stiff_", 0) == 0 || name.rfind("BM_VanDerPol_RK45_", 0) == 0))
        ms_per_solve_[name] = r.GetAdjustedRealTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-44s %12s %12s %8s\n", "benchmark", "ns/step", "baseline", "ratio");
    for (const auto& [name, ns] : ns_per_step_) {
      if (name.find("_Baseline") != std::string::npos) continue;
      std::string base = name;
      // Backends (and jit=auto variants, bench_tiers.cpp) of one baseline; first match wins.
      for (const char* backend :
           {"_Interp", "_Native", "_Quick", "_Tier2", "_AutoPerRun", "_Auto"}) {
        const auto pos = base.find(backend);
        if (pos == std::string::npos) continue;
        base.replace(pos, std::string(backend).size(), "_Baseline");
        break;
      }
      auto b = ns_per_step_.find(base);
      if (base == name || b == ns_per_step_.end()) continue;  // no backend twin of a baseline
      std::printf("%-44s %12.2f %12.2f %7.2fx\n", name.c_str(), ns, b->second, ns / b->second);
    }
    // BM_Lyapunov_<Problem>_<Kind>_<Backend> against the plain run of the same steps,
    // BM_Lyapunov_<Problem>_Plain_<Backend> (bench_lyapunov.cpp): what the tangents cost.
    std::printf("\n%-44s %12s %12s %8s\n", "observed run", "ns/step", "plain run", "ratio");
    for (const auto& [name, ns] : ns_per_step_) {
      if (name.rfind("BM_Lyapunov_", 0) != 0 || name.find("_Plain_") != std::string::npos) continue;
      const auto backend = name.rfind('_');
      const auto kind = name.rfind('_', backend - 1);
      auto p = ns_per_step_.find(name.substr(0, kind) + "_Plain" + name.substr(backend));
      if (p == ns_per_step_.end()) continue;
      std::printf("%-44s %12.2f %12.2f %7.2fx\n", name.c_str(), ns, p->second, ns / p->second);
    }
    // BM_<Problem>_Native/_Interp/_Tier2 against BM_<Problem>_Odeint (built with Boost only).
    std::printf("\n%-44s %12s %12s %8s\n", "whole solve", "ms", "odeint ms", "ratio");
    for (const auto& [name, ms] : ms_per_solve_) {
      const auto cut = name.rfind('_');
      auto b = ms_per_solve_.find(name.substr(0, cut) + "_Odeint");
      if (name.rfind("BM_Stiff_", 0) == 0 || b == ms_per_solve_.end() || b->first == name) continue;
      std::printf("%-44s %12.3f %12.3f %7.2fx\n", name.c_str(), ms, b->second, ms / b->second);
    }
    // BM_Stiff_<Problem>_<stepper>_<backend> against BM_Stiff_<Problem>_CVODE_Baseline.
    std::printf("\n%-44s %12s %12s %8s\n", "stiff solve", "ms", "CVODE ms", "ratio");
    for (const auto& [name, ms] : ms_per_solve_) {
      if (name.find("_Baseline") != std::string::npos || name.rfind("BM_Stiff_", 0) != 0) continue;
      const auto cut = name.find('_', sizeof("BM_Stiff_") - 1);
      auto b = ms_per_solve_.find(name.substr(0, cut) + "_CVODE_Baseline");
      if (cut == std::string::npos || b == ms_per_solve_.end()) continue;
      std::printf("%-44s %12.3f %12.3f %7.2fx\n", name.c_str(), ms, b->second, ms / b->second);
    }
  }

 private:
  std::map<std::string, double> ns_per_step_;
  std::map<std::string, double> ms_per_solve_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

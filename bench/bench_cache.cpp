// Warm disk-cache hit: a fresh process builds a model whose kernel is already on disk. Each
// iteration forks a child that forgets everything a previous build left in memory (memory cache,
// compiler probe) and times dynlib::build(..., {.jit = true, .disk_cache = true}) until the kernel
// is runnable; the child reports the time, which is the iteration's (manual) time. The cache root
// is a temp dir named by a temp config file, never the user's cache.
//
// Counters: jit_ms = the JIT layer's share (BuildStats compile + load: key digest, verification,
// dlopen); compiles = compiler runs in all children (0 when every build was a warm hit).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "dynlib/cache.hpp"
#include "dynlib/dynlib.hpp"
#include "fresh_child.hpp"

namespace {

// Sets an environment variable for the benchmark's lifetime.
class EnvOverride {
 public:
  EnvOverride(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~EnvOverride() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  EnvOverride(const EnvOverride&) = delete;
  EnvOverride& operator=(const EnvOverride&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct ChildTiming {
  double build_s = -1;  // negative: the child failed
  double jit_s = 0;
  long long compiles = 0;
  bool disk = false;
};

ChildTiming build_in_fresh_child(const std::string& uri, const std::string& stepper) {
  return bench::in_fresh_child<ChildTiming>([&] {
    ChildTiming t;
    try {
      dynlib::clear_memory_cache();
      dynlib::reset_compiler_probe();
      const long long compiles_before = dynlib::compile_counters().compiles;
      const auto t0 = std::chrono::steady_clock::now();
      const dynlib::FullModel m =
          dynlib::build(uri, {.stepper = stepper, .jit = true, .disk_cache = true});
      t.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      t.jit_s = m.build_stats().compile + m.build_stats().load;
      t.compiles = dynlib::compile_counters().compiles - compiles_before;
      t.disk = m.build_stats().kernel_source == "disk";
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_cache child: %s\n", e.what());
    }
    return t;
  });
}

void BM_DiskCache_WarmHit_FreshProcess(benchmark::State& state, std::string uri,
                                       std::string stepper) {
  char pattern[] = "/tmp/dynlib-bench-cache-XXXXXX";
  if (!::mkdtemp(pattern)) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::filesystem::path dir(pattern);
  const std::string config = (dir / "config.toml").string();
  std::ofstream(config) << "cache_root = \"" << (dir / "cache").string() << "\"\n";
  {
    EnvOverride env("DYNLIB_CONFIG", config);
    const ChildTiming cold = build_in_fresh_child(uri, stepper);  // compiles and publishes
    if (cold.build_s < 0) {
      state.SkipWithError("the cold build failed");
    } else {
      long long compiles = 0, misses = 0;
      double jit_s = 0;
      for (auto _ : state) {
        const ChildTiming t = build_in_fresh_child(uri, stepper);
        if (t.build_s < 0) {
          state.SkipWithError("a warm build failed");
          break;
        }
        state.SetIterationTime(t.build_s);
        jit_s += t.jit_s;
        compiles += t.compiles;
        misses += t.disk ? 0 : 1;
      }
      const double n = static_cast<double>(state.iterations());
      state.counters["jit_ms"] = n > 0 ? 1e3 * jit_s / n : 0;
      state.counters["compiles"] = static_cast<double>(compiles);
      state.counters["not_from_disk"] = static_cast<double>(misses);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

BENCHMARK_CAPTURE(BM_DiskCache_WarmHit_FreshProcess, lorenz_rk4, "builtin://ode/lorenz", "rk4")
    ->UseManualTime()
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DiskCache_WarmHit_FreshProcess, lorenz_rk45, "builtin://ode/lorenz", "rk45")
    ->UseManualTime()
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);

}  // namespace

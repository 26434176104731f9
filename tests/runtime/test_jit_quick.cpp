// jit=quick: the model's functions compiled alone and run by the library's steppers. Every run,
// callable and observed run gives the interpreter's bits (DESIGN rule 2), the kernel holds no
// runner or stepper, and the mode has its own statistics and cache entries.
#include <gtest/gtest.h>

#include <cmath>

#include "dsl/temp_dir.hpp"
#include "dynlib/inspect.hpp"
#include "dynlib/observers.hpp"
#include "jit/jit.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using rt_test::contains;
using rt_test::expect_same_results;
using rt_test::same_bits;

namespace {

// The same run, interpreted and quick; the quick Sim must really be native.
void expect_quick_is_interpreted(const std::string& uri, const BuildOptions& base,
                                 const RunOptions& run) {
  BuildOptions quick = base;
  quick.jit = JitMode::Quick;
  Sim interpreted = setup(uri, base);
  Sim native = setup(uri, quick);
  ASSERT_TRUE(native.model().is_jitted());
  const Results& want = interpreted.run(run);
  const Results& got = native.run(run);
  EXPECT_EQ(got.run_stats().native_steps, got.steps());
  EXPECT_EQ(got.run_stats().interp_steps, 0);
  expect_same_results(want, got);
}

}  // namespace

TEST(JitQuick, EveryBuiltinModelInEveryDtypeIsTheInterpretersBits) {
  int cases = 0;
  for (const auto& uri : list_models()) {
    if (uri.rfind("builtin://", 0) != 0) continue;
    for (const char* dtype : {"float64", "float32", "int64"}) {
      SCOPED_TRACE(uri + " " + dtype);
      try {
        setup(uri, {.dtype = std::string(dtype)});
      } catch (const DynlibError&) {
        continue;  // not a dtype (or stepper) this model runs in
      }
      expect_quick_is_interpreted(uri, {.dtype = std::string(dtype)}, {.N = 300});
      ++cases;
    }
  }
  EXPECT_GE(cases, 30);
}

TEST(JitQuick, EventsAuxAndEveryStepperKind) {
  const std::string lif = "builtin://ode/leaky-if";
  for (const char* stepper : {"euler", "rk2", "rk45", "ab3"}) {
    SCOPED_TRACE(stepper);
    expect_quick_is_interpreted(lif, {.stepper = std::string(stepper)},
                                {.T = 60.0, .dt = 0.01, .params = {{"I", 20.0}}});
  }
  // Implicit steppers step with the quick kernel's Jacobian; cvode calls it through the host.
  for (const char* stepper : {"sdirk2", "bdf2a", "tr-bdf2a", "rodas3", "cvode"}) {
    SCOPED_TRACE(stepper);
    expect_quick_is_interpreted("builtin://ode/vanderpol", {.stepper = std::string(stepper)},
                                {.T = 20.0, .dt = 0.01});
  }
}

TEST(JitQuick, CallablesAndTangentsAreTheInterpretersBits) {
  const std::string uri = "builtin://ode/lorenz";
  FullModel interpreted = build(uri, {.stepper = "rk4"});
  FullModel quick = build(uri, {.stepper = "rk4", .jit = JitMode::Quick});
  const std::vector<double> y{1.5, -2.25, 20.0};
  const auto f0 = interpreted.rhs(0.0, y), f1 = quick.rhs(0.0, y);
  const auto j0 = interpreted.jacobian(0.0, y), j1 = quick.jacobian(0.0, y);
  ASSERT_EQ(f0.size(), f1.size());
  for (size_t i = 0; i < f0.size(); ++i) EXPECT_TRUE(same_bits(f0[i], f1[i])) << i;
  ASSERT_EQ(j0.size(), j1.size());
  for (size_t i = 0; i < j0.size(); ++i) EXPECT_TRUE(same_bits(j0[i], j1[i])) << i;

  const RunOptions run{.T = 5.0, .dt = 0.01, .observers = {lyapunov_spectrum_observer(3)}};
  Sim a(interpreted), b(quick);
  const Results& ra = a.run(run);
  const Results& rb = b.run(run);
  expect_same_results(ra, rb);
  const auto& la = ra.observer("lyapunov_spectrum");
  const auto& lb = rb.observer("lyapunov_spectrum");
  ASSERT_EQ(la.out.size(), lb.out.size());
  for (size_t i = 0; i < la.out.size(); ++i)
    EXPECT_TRUE(same_bits(la.out[i], lb.out[i])) << la.output_names[i];
  EXPECT_GT(rb.run_stats().native_steps, 0);
}

TEST(JitQuick, ItsOwnKernelStatisticsAndReport) {
  reset_jit_stats();
  jit::clear_memory_cache();
  Sim sim = setup("builtin://ode/lorenz", {.stepper = "rk4", .jit = JitMode::Quick});
  sim.run({.N = 1000});
  EXPECT_EQ(sim.model().jit_tier(), 1);
  Sim whole = setup("builtin://ode/lorenz", {.stepper = "rk4", .jit = true});
  whole.run({.N = 1000});
  const auto all = jit_stats();
  ASSERT_EQ(all.size(), 2u);  // a quick build is another kernel than jit=on's
  const KernelStats& q = all[0].quick ? all[0] : all[1];
  const KernelStats& w = all[0].quick ? all[1] : all[0];
  ASSERT_TRUE(q.quick);
  EXPECT_FALSE(w.quick);
  EXPECT_EQ(q.tiers[1].steps, 1000);
  EXPECT_EQ(q.tiers[1].compiles + q.memory_hits + q.disk_hits, 1);
  EXPECT_NE(q.digest, w.digest);
  const std::string report = jit_report();
  EXPECT_TRUE(contains(report, "1 native functions (quick)")) << report;
  EXPECT_TRUE(contains(report, "1 native -O2")) << report;
}

TEST(JitQuick, ModeNamesAndMisspellings) {
  EXPECT_EQ(parse_jit_mode("Quick"), JitMode::Quick);
  EXPECT_STREQ(jit_mode_name(JitMode::Quick), "quick");
  const std::string msg = rt_test::error_of([] { parse_jit_mode("quik"); });
  EXPECT_TRUE(contains(msg, "unknown jit mode 'quik'")) << msg;
  EXPECT_TRUE(contains(msg, "quick")) << msg;
}

TEST(JitQuick, DiskCacheKeepsItUnderItsOwnKind) {
  dynlib::testing::TempDir root;
  PathConfig config = load_path_config("");
  config.cache_root = root.path();
  const BuildOptions o{
      .stepper = "rk4", .jit = JitMode::Quick, .disk_cache = true, .config = config};
  jit::clear_memory_cache();
  const FullModel first = build("builtin://ode/lorenz", o);
  EXPECT_EQ(first.build_stats().kernel_source, "compiled");
  jit::clear_memory_cache();
  const FullModel second = build("builtin://ode/lorenz", o);
  EXPECT_EQ(second.build_stats().kernel_source, "disk");
  EXPECT_EQ(first.build_stats().kernel_digest, second.build_stats().kernel_digest);
  int entries = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root.path()))
    if (e.path().filename() == "kernel.so" && contains(e.path().string(), "/functions/")) ++entries;
  EXPECT_EQ(entries, 1);
}

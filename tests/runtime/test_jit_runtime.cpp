// jit=true through the public API: the native kernel runs the same trajectory, bit for bit, as the
// interpreter (DESIGN rule 2) through the whole wrapper (growth, YIELD, resume, events, params);
// the parts report what is native; sources are inspectable and exportable; a missing compiler is
// a JITUnavailableError and never a silent fallback; threads build and run concurrently.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "dsl/temp_dir.hpp"
#include "jit/compiler.hpp"
#include "jit/jit.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using dynlib::testing::ScopedEnv;
using dynlib::testing::TempDir;
using rt_test::contains;
using rt_test::expect_same_results;

namespace {

struct Pair {
  std::string uri, stepper;
  std::optional<std::string> dtype;
  RunOptions run;
};

// Both backends through Sim::run, with the wrapper's buffers tiny so growth and YIELD re-entry
// happen many times in the native kernel too.
void expect_backends_agree(const Pair& c) {
  SCOPED_TRACE(c.uri + " " + c.stepper + " " + c.dtype.value_or("model dtype"));
  rt_test::TinyBuffers tiny(1, 1, 13);
  Sim interp = setup(c.uri, {.stepper = c.stepper, .jit = false, .dtype = c.dtype});
  Sim native = setup(c.uri, {.stepper = c.stepper, .jit = true, .dtype = c.dtype});
  ASSERT_FALSE(interp.model().is_jitted());
  ASSERT_TRUE(native.model().is_jitted());
  const Results& a = interp.run(c.run);
  const Results& b = native.run(c.run);
  ASSERT_GT(a.size(), 2u);
  expect_same_results(a, b);
  EXPECT_EQ(a.status(), b.status());
  EXPECT_EQ(a.message(), b.message());
  EXPECT_EQ(a.rejected_steps(), b.rejected_steps());
}

}  // namespace

TEST(JitRuntime, BackendsAgreeBitForBitThroughTheWrapper) {
  const std::vector<Pair> cases = {
      {"builtin://ode/lorenz", "rk4", std::nullopt, {.T = 20.0, .dt = 0.01}},
      {"builtin://ode/lorenz", "rk4", "float32", {.T = 20.0, .dt = 0.01}},
      {"builtin://ode/vanderpol", "rk45", std::nullopt, {.T = 20.0}},
      {"builtin://ode/izhikevich", "rk4", std::nullopt, {.T = 300.0, .dt = 0.05}},
      {"builtin://ode/leaky-if", "euler", "float32", {.T = 100.0, .dt = 0.1}},
      {"builtin://ode/hodgkin-huxley-1952", "ab3", std::nullopt, {.T = 50.0, .dt = 0.01}},
      {"builtin://map/logistic", "map", std::nullopt, {.N = 1000}},
      {"builtin://map/collatz", "map", std::nullopt, {.N = 200}},
  };
  for (const auto& c : cases) expect_backends_agree(c);
}

TEST(JitRuntime, ResumeParamsAndPresetsAgree) {
  Sim a = setup("builtin://ode/izhikevich", {.stepper = "rk4", .jit = false});
  Sim b = setup("builtin://ode/izhikevich", {.stepper = "rk4", .jit = true});
  for (Sim* s : {&a, &b}) {
    s->apply_preset("chattering");
    s->run({.T = 100.0, .dt = 0.05});
    s->assign("I", 12.0);  // a param change mid-run restarts the stepper history, never compiles
    s->run({.T = 250.0, .resume = true});
  }
  expect_same_results(a.results(), b.results());
  ASSERT_FALSE(a.results().events().empty());
}

TEST(JitRuntime, AdaptiveStepFailureAndNanAgree) {
  // A finite-time blow-up: y' = y^2 from y(0) = 1 reaches infinity at t = 1.
  const std::string blowup = rt_test::inline_model(R"(
[model]
type = "ode"
[states]
y = 1.0
[equations.rhs]
y = "y * y"
)");
  for (const char* stepper : {"rk45", "rk4"}) {
    Sim a = setup(blowup, {.stepper = stepper});
    Sim b = setup(blowup, {.stepper = stepper, .jit = true});
    const Results& ra = a.run({.T = 2.0, .dt = 0.01});
    const Results& rb = b.run({.T = 2.0, .dt = 0.01});
    EXPECT_NE(ra.status(), Status::Done) << stepper;
    expect_same_results(ra, rb);
    EXPECT_EQ(ra.message(), rb.message());
  }
}

TEST(JitRuntime, PartsReportNativeAndSignatures) {
  const FullModel off = build("builtin://ode/vanderpol", {.stepper = "euler"});
  const FullModel on = build("builtin://ode/vanderpol", {.stepper = "euler", .jit = true});
  for (const ModelPart& p : {off.rhs(), off.events_pre(), off.events_post(), off.update_aux(),
                             off.stepper(), off.runner(), off.guards()}) {
    EXPECT_FALSE(p.is_jitted()) << p.name;
    EXPECT_TRUE(p.signatures.empty()) << p.name;
  }
  for (const ModelPart& p : {on.rhs(), on.events_pre(), on.events_post(), on.update_aux(),
                             on.stepper(), on.runner(), on.guards()}) {
    EXPECT_TRUE(p.is_jitted()) << p.name;
    ASSERT_FALSE(p.signatures.empty()) << p.name;
    EXPECT_TRUE(contains(p.signatures[0], "dynlib_run_euler")) << p.signatures[0];
  }
  EXPECT_TRUE(on.is_jitted());
  EXPECT_FALSE(off.is_jitted());
  EXPECT_EQ(on.build_stats().kernel_digest.size(), 64u);
  EXPECT_TRUE(off.build_stats().kernel_digest.empty());
  EXPECT_TRUE(off.build_stats().kernel_source.empty());
}

TEST(JitRuntime, SourcesAreTheSameInBothModesAndSectionsOfTheUnit) {
  const FullModel off = build("builtin://ode/izhikevich", {.stepper = "rk4"});
  const FullModel on = build("builtin://ode/izhikevich", {.stepper = "rk4", .jit = true});
  EXPECT_EQ(off.translation_unit_source(), on.translation_unit_source());
  const std::string& tu = on.translation_unit_source();
  for (const std::string* part : {&on.rhs_source(), &on.events_source(), &on.aux_source(),
                                  &on.stepper_source(), &on.runner_source()}) {
    ASSERT_FALSE(part->empty());
    EXPECT_TRUE(contains(tu, *part));
  }
  EXPECT_TRUE(contains(on.runner_source(), "dynlib_run_rk4"));
  // Different steppers and dtypes are different kernels.
  const FullModel f32 = build("builtin://ode/izhikevich", {.stepper = "rk4", .dtype = "float32"});
  const FullModel rk2 = build("builtin://ode/izhikevich", {.stepper = "rk2"});
  EXPECT_NE(f32.translation_unit_source(), tu);
  EXPECT_NE(rk2.translation_unit_source(), tu);
}

TEST(JitRuntime, SecondBuildInTheProcessComesFromTheMemoryCache) {
  const FullModel a = build("builtin://ode/duffing", {.stepper = "rk2", .jit = true});
  const FullModel b = build("builtin://ode/duffing", {.stepper = "rk2", .jit = true});
  EXPECT_EQ(a.build_stats().kernel_digest, b.build_stats().kernel_digest);
  EXPECT_EQ(b.build_stats().kernel_source, "memory");
  EXPECT_EQ(b.build_stats().compile, 0.0);
  // A parameter change is runtime data (rule 6): same kernel.
  Sim s(b);
  s.assign("delta", 0.5);
  EXPECT_TRUE(s.run({.T = 1.0, .dt = 0.01}).ok());
}

TEST(JitRuntime, ExportedSourcesRebuildAKernelThatRunsTheSameBits) {
  TempDir dir;
  const FullModel m = build("builtin://ode/lorenz", {.stepper = "rk4", .jit = true});
  const auto files = m.export_sources(dir.str());
  std::set<std::string> names;
  for (const auto& f : files) names.insert(std::filesystem::path(f).filename().string());
  for (const char* want : {"rhs.cpp", "events.cpp", "aux.cpp", "stepper.cpp", "runner.cpp",
                           "kernel.cpp", "build.sh", "runner.hpp", "explicit_rk.hpp"})
    EXPECT_TRUE(names.count(want)) << want;
  std::ifstream in(dir / "kernel.cpp");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), m.translation_unit_source());

  ASSERT_EQ(std::system(("sh " + dir / "build.sh" + " > " + dir / "log.txt" + " 2>&1").c_str()), 0);
  void* h = dlopen((dir / "kernel.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto abi = reinterpret_cast<int (*)()>(dlsym(h, "dynlib_abi_version"));
  auto run = reinterpret_cast<int (*)(void*)>(dlsym(h, "dynlib_run_rk4"));
  ASSERT_NE(abi, nullptr);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(abi(), kernel::kRunArgsAbi);
  // The hand-built kernel computes Lorenz's right-hand side in the order it is written.
  auto rhs = reinterpret_cast<void (*)(double, const double*, const double*, const void*, double*)>(
      dlsym(h, "dynlib_rhs"));
  ASSERT_NE(rhs, nullptr);
  const ModelInfo& info = m.spec();
  std::vector<double> p;
  for (const auto& v : info.param_values) p.push_back(v[0]);
  const double y[3] = {1.25, -0.5, 20.125};
  double dy[3];
  rhs(0.0, y, p.data(), nullptr, dy);
  const double sigma = p[0], rho = p[1], beta = p[2];
  EXPECT_TRUE(rt_test::same_bits(dy[0], sigma * (y[1] - y[0])));
  EXPECT_TRUE(rt_test::same_bits(dy[1], y[0] * (rho - y[2]) - y[1]));
  EXPECT_TRUE(rt_test::same_bits(dy[2], y[0] * y[1] - beta * y[2]));
  dlclose(h);
}

TEST(JitRuntime, NoCompilerIsJitUnavailableAndTheInterpreterStillRuns) {
  ScopedEnv env;
  env.set("DYNLIB_CXX", "/nonexistent/dynlib-test-compiler++").set("PATH", "");
  jit::reset_compiler_probe();
  const std::string msg = [] {
    try {
      build("builtin://ode/rossler", {.stepper = "rk4", .jit = true});
    } catch (const JITUnavailableError& e) {
      return std::string(e.what());
    }
    return std::string("no JITUnavailableError");
  }();
  EXPECT_TRUE(contains(msg, "/nonexistent/dynlib-test-compiler++")) << msg;
  EXPECT_TRUE(contains(msg, "DYNLIB_CXX")) << msg;
  Sim s = setup("builtin://ode/rossler", {.stepper = "rk4"});
  EXPECT_TRUE(s.run({.T = 1.0, .dt = 0.01}).ok());
  jit::reset_compiler_probe();
}

TEST(JitRuntime, ThreadsBuildAndRunTheSameAndDifferentModels) {
  const std::vector<std::string> uris = {"builtin://ode/fitzhugh-nagumo", "builtin://ode/rossler",
                                         "builtin://ode/fitzhugh-nagumo", "builtin://ode/rossler"};
  std::vector<std::vector<double>> finals(uris.size());
  std::vector<std::string> errors(uris.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < uris.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        Sim s = setup(uris[i], {.stepper = "rk45", .jit = true});
        finals[i] = s.run({.T = 30.0}).final_state();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  Sim ref0 = setup(uris[0], {.stepper = "rk45"});
  Sim ref1 = setup(uris[1], {.stepper = "rk45"});
  const auto f0 = ref0.run({.T = 30.0}).final_state();
  const auto f1 = ref1.run({.T = 30.0}).final_state();
  EXPECT_EQ(finals[0], f0);
  EXPECT_EQ(finals[2], f0);
  EXPECT_EQ(finals[1], f1);
  EXPECT_EQ(finals[3], f1);
}

TEST(JitRuntime, JitModeParsing) {
  EXPECT_EQ(parse_jit_mode("on"), JitMode::On);
  EXPECT_EQ(parse_jit_mode("TRUE"), JitMode::On);
  EXPECT_EQ(parse_jit_mode("off"), JitMode::Off);
  EXPECT_EQ(parse_jit_mode("auto"), JitMode::Auto);
  try {
    parse_jit_mode("atuo");
    FAIL();
  } catch (const DynlibError& e) {
    EXPECT_TRUE(contains(e.what(), "did you mean 'auto'")) << e.what();
  }
  EXPECT_EQ(BuildOptions{.jit = true}.jit.mode, JitMode::On);
  EXPECT_EQ(BuildOptions{.jit = JitMode::Auto}.jit.mode, JitMode::Auto);
}

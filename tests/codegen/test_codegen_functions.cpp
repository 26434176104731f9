// Quick kernels (codegen::generate_functions): the model's functions alone (and one explicit
// stepper's step), compiled with the quick kernel's flags, export exactly the names
// interp::native_function_names() asks for; an InterpModel whose programs call them gives the
// tape's bits in every function, and a run through interp::CalledStep the tape run's bits.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "interp/called_step.hpp"
#include "interp/interp_model.hpp"
#include "ir/derivative.hpp"
#include "ir/ir.hpp"
#include "kernel/runner.hpp"

namespace {

using namespace dynlib;
namespace ct = dynlib::codegen::testing;

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// An ODE with aux, a logged event, an early-exit condition and a lagged state; derivatives added.
const char* kOde = R"toml(
[model]
type = "ode"
[states]
x = 0.5
v = -0.25
[params]
k = 2.0
c = 0.1
[aux]
energy = "0.5 * v * v + 0.5 * k * x * x"
[equations.rhs]
x = "v"
v = "-k * x - c * v + 0.1 * lag_x(2) + sin(t)"
[events.kick]
cond = "cross_up(x, 0.2)"
action = "v = -v; k = k * 1.5"
log = ["t", "x"]
[sim]
stop = "energy > 100"
)toml";

// A map with its inverse.
const char* kMap = R"toml(
[model]
type = "map"
[states]
x = 0.1
y = 0.2
[params]
a = 1.4
b = 0.3
[equations.rhs]
x = "1 - a * x * x + y"
y = "b * x"
[equations.inverse]
expr = """
x = y / b
y = x - 1 + a * (y / b) * (y / b)
"""
)toml";

struct Quick {
  std::shared_ptr<const ir::Module> module;
  std::string source;
  ct::Compiled native;
  std::shared_ptr<const interp::CompiledModule> tape, called;
};

std::unique_ptr<Quick> quick(const char* text, bool derivatives, const std::string& stepper = "") {
  auto q = std::make_unique<Quick>();
  ir::Module m = ir::lower(dsl::load_model_text(text, "t.toml"));
  if (derivatives) ir::add_derivatives(m);
  q->module = std::make_shared<const ir::Module>(std::move(m));
  q->source = codegen::generate_functions(*q->module, stepper);
  ct::compile(q->native, q->source, "-nostdlib -Wl,--no-as-needed -lm");
  if (!ct::load(q->native)) return q;
  q->tape = interp::compile(q->module);
  q->called = interp::with_native_functions(
      *q->tape,
      [&](const std::string& name) {
        void* f = dlsym(q->native.handle, name.c_str());
        if (!f) throw std::runtime_error("missing " + name);
        return f;
      },
      dlsym(q->native.handle, "dynlib_step"), nullptr);
  return q;
}

}  // namespace

TEST(CodegenFunctions, IncludesNoRunnerAndExportsEveryFunction) {
  auto q = quick(kOde, true);
  ASSERT_TRUE(q->native.handle) << q->native.log;
  for (const char* absent :
       {"runner.hpp", "steppers/", "dynlib_run_", "observer.hpp", "dynlib_step"})
    EXPECT_EQ(q->source.find(absent), std::string::npos) << absent;
  EXPECT_EQ(dlsym(q->native.handle, "dynlib_step"), nullptr);
  const auto names = interp::native_function_names(*q->module);
  const std::vector<std::string> want = {
      "dynlib_fn_rhs",         "dynlib_fn_aux",           "dynlib_fn_stop",
      "dynlib_fn_jacobian",    "dynlib_fn_jvp",           "dynlib_fn_dfdp",
      "dynlib_fn_event0_cond", "dynlib_fn_event0_action", "dynlib_fn_event0_log"};
  EXPECT_EQ(names, want);
  // Every program calls its native twin.
  const interp::CompiledModule& c = *q->called;
  for (const interp::Program* p : {&c.rhs, &c.aux, &c.stop, &c.jacobian, &c.jvp, &c.dfdp,
                                   &c.events[0].cond, &c.events[0].action, &c.events[0].log})
    EXPECT_NE(p->native, nullptr);
  EXPECT_EQ(q->tape->rhs.native, nullptr);
  EXPECT_EQ(q->called->step, nullptr);
}

TEST(CodegenFunctions, EveryFunctionIsTheTapesBits) {
  auto q = quick(kOde, true);
  ASSERT_TRUE(q->native.handle) << q->native.log;
  const interp::InterpModel<double> tape(q->tape), called(q->called);
  // A lag ring of depth 3 for state x (column 0).
  double ring[4] = {0.31, -0.12, 0.07, 0.44};
  kernel::LagView<double> lag{ring, 1, 4, 0};
  const std::vector<double> p{2.0, 0.1};
  for (double x : {-1.5, 0.0, 0.19, 0.21, 3.0}) {
    const std::vector<double> y{x, 0.75 - x};
    const double t = 0.3 + x;
    auto both = [&](auto&& f, size_t n) {
      std::vector<double> a(n, -7.0), b(n, -7.0);
      f(tape, a.data());
      f(called, b.data());
      EXPECT_TRUE(same(a, b)) << "x = " << x;
    };
    both([&](const auto& m, double* out) { m.rhs(t, y.data(), p.data(), lag, out); }, 2);
    both([&](const auto& m, double* out) { m.aux(t, y.data(), p.data(), lag, out); }, 1);
    both([&](const auto& m, double* out) { m.jacobian(t, y.data(), p.data(), lag, out); }, 4);
    both([&](const auto& m, double* out) { m.dfdp(t, y.data(), p.data(), lag, out); }, 4);
    const std::vector<double> v{0.5, -2.0};
    both([&](const auto& m, double* out) { m.jvp(t, y.data(), p.data(), lag, v.data(), out); }, 2);
    both([&](const auto& m, double* out) { m.event_log(0, t, y.data(), p.data(), lag, out); }, 2);
    both(
        [&](const auto& m, double* out) {
          out[0] = y[0], out[1] = y[1], out[2] = p[0], out[3] = p[1];  // preloaded, as the runner
          m.event_action(0, t, y.data(), p.data(), lag, out, out + 2);
        },
        4);
    EXPECT_EQ(tape.event_cond(0, t, y.data(), p.data(), lag),
              called.event_cond(0, t, y.data(), p.data(), lag));
    EXPECT_EQ(tape.stop_cond(t, y.data(), p.data(), lag),
              called.stop_cond(t, y.data(), p.data(), lag));
  }
}

TEST(CodegenFunctions, AMapsInverse) {
  auto q = quick(kMap, false);
  ASSERT_TRUE(q->native.handle) << q->native.log;
  EXPECT_EQ(interp::native_function_names(*q->module),
            (std::vector<std::string>{"dynlib_fn_rhs", "dynlib_fn_aux", "dynlib_fn_inverse"}));
  const interp::InterpModel<double> tape(q->tape), called(q->called);
  const kernel::LagView<double> none{};
  const std::vector<double> y{0.3, -0.1}, p{1.4, 0.3};
  std::vector<double> a(2), b(2);
  tape.inverse(0.0, y.data(), p.data(), none, a.data());
  called.inverse(0.0, y.data(), p.data(), none, b.data());
  EXPECT_TRUE(same(a, b));
  tape.rhs(0.0, y.data(), p.data(), none, a.data());
  called.rhs(0.0, y.data(), p.data(), none, b.data());
  EXPECT_TRUE(same(a, b));
}

// Runs `sim` to its end with kernel::run<CalledStep<S>>, growing buffers as the wrapper does.
template <class S, class Sim>
int run_called(Sim& sim) {
  for (int guard = 0; guard < 100000; ++guard) {
    const int s = kernel::run<interp::CalledStep<S>>(sim.m, sim.a);
    if (s == kernel::GROW_REC)
      sim.resize_rec(sim.a.rec_cap * 2 + 1);
    else if (s == kernel::GROW_EVT)
      sim.resize_evt(sim.a.evt_cap * 2 + 1);
    else if (s != kernel::YIELD)
      return s;
  }
  return -1;
}

template <class Sim>
void expect_same_run(const Sim& a, const Sim& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.events(), b.events());
  const size_t rows = static_cast<size_t>(a.rows()), width = static_cast<size_t>(a.rec_width());
  EXPECT_EQ(std::memcmp(a.rec_t.data(), b.rec_t.data(), rows * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(a.rec_data.data(), b.rec_data.data(), rows * width * sizeof(double)), 0);
  const size_t ev = static_cast<size_t>(a.events());
  EXPECT_EQ(std::memcmp(a.evt_time.data(), b.evt_time.data(), ev * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(a.evt_data.data(), b.evt_data.data(), ev * a.a.evt_width * sizeof(double)),
            0);
  EXPECT_EQ(a.a.n_rhs, b.a.n_rhs);
  EXPECT_EQ(a.a.n_rejected, b.a.n_rejected);
}

TEST(CodegenFunctions, TheStepOfAnExplicitStepperRunsTheTapesBits) {
  EXPECT_TRUE(codegen::has_quick_step("rk4"));
  EXPECT_TRUE(codegen::has_quick_step("rk45"));
  EXPECT_TRUE(codegen::has_quick_step("ab3"));
  EXPECT_FALSE(codegen::has_quick_step("bdf2a"));
  EXPECT_FALSE(codegen::has_quick_step("cvode"));
  EXPECT_FALSE(codegen::has_quick_step(""));
  for (const char* stepper : {"rk4", "rk45", "ab3"}) {
    SCOPED_TRACE(stepper);
    auto q = quick(kOde, false, stepper);
    ASSERT_TRUE(q->native.handle) << q->native.log;
    EXPECT_NE(q->source.find("dynlib_step"), std::string::npos);
    EXPECT_EQ(q->source.find("runner.hpp"), std::string::npos);
    ASSERT_NE(q->called->step, nullptr);
    const std::vector<double> y0{0.5, -0.25}, p0{2.0, 0.1};
    kernel::testing::Sim<interp::InterpModel<double>> tape(interp::InterpModel<double>(q->tape),
                                                           stepper, y0, p0);
    kernel::testing::Sim<interp::InterpModel<double>> called(interp::InterpModel<double>(q->called),
                                                             stepper, y0, p0);
    ASSERT_TRUE(called.m.has_native_step());
    for (auto* sim : {&tape, &called}) {
      if (std::string(stepper) == "rk45")
        sim->adaptive(0.0, 30.0, 1e-7);
      else
        sim->fixed(0.0, 0.01, 3000);
    }
    const int want = tape.run_all();
    const int status = std::string(stepper) == "rk4"    ? run_called<kernel::RK4>(called)
                       : std::string(stepper) == "rk45" ? run_called<kernel::RK45>(called)
                                                        : run_called<kernel::AB3>(called);
    ASSERT_EQ(status, want);
    EXPECT_GT(tape.events(), 0);  // the kick fires
    expect_same_run(tape, called);
  }
}

TEST(CodegenFunctions, AMissingFunctionIsAnError) {
  const auto module =
      std::make_shared<const ir::Module>(ir::lower(dsl::load_model_text(kMap, "t.toml")));
  const auto tape = interp::compile(module);
  EXPECT_THROW(
      interp::with_native_functions(
          *tape,
          [](const std::string& name) -> void* { throw std::runtime_error("missing " + name); },
          nullptr, nullptr),
      std::runtime_error);
}

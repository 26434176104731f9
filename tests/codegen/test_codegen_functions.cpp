// Quick kernels (codegen::generate_functions): the model's functions alone, compiled with the
// quick kernel's flags, export exactly the names interp::native_function_names() asks for, and an
// InterpModel whose programs call them gives the tape's bits in every function.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/derivative.hpp"
#include "ir/ir.hpp"

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

std::unique_ptr<Quick> quick(const char* text, bool derivatives) {
  auto q = std::make_unique<Quick>();
  ir::Module m = ir::lower(dsl::load_model_text(text, "t.toml"));
  if (derivatives) ir::add_derivatives(m);
  q->module = std::make_shared<const ir::Module>(std::move(m));
  q->source = codegen::generate_functions(*q->module);
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
      nullptr);
  return q;
}

}  // namespace

TEST(CodegenFunctions, IncludesNoRunnerAndExportsEveryFunction) {
  auto q = quick(kOde, true);
  ASSERT_TRUE(q->native.handle) << q->native.log;
  for (const char* absent : {"runner.hpp", "steppers/", "dynlib_run_", "observer.hpp"})
    EXPECT_EQ(q->source.find(absent), std::string::npos) << absent;
  for (const auto& h : codegen::quick_kernel_headers())
    EXPECT_NE(q->source.find("#include \"" + h + "\""), std::string::npos) << h;
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

TEST(CodegenFunctions, AMissingFunctionIsAnError) {
  const auto module =
      std::make_shared<const ir::Module>(ir::lower(dsl::load_model_text(kMap, "t.toml")));
  const auto tape = interp::compile(module);
  EXPECT_THROW(
      interp::with_native_functions(
          *tape,
          [](const std::string& name) -> void* { throw std::runtime_error("missing " + name); },
          nullptr),
      std::runtime_error);
}

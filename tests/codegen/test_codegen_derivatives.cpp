// Symbolic derivatives in generated code: the native jacobian, jvp and dfdp exports reproduce the
// interpreter bit for bit (DESIGN rule 2) for every builtin float model at float64 and float32
// (int64 models have no derivatives), and a module without derivatives generates none of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"
#include "interp/interp_model.hpp"
#include "ir/derivative.hpp"
#include "ir/ir.hpp"

namespace {

using namespace dynlib;
namespace ct = dynlib::codegen::testing;

struct DerivCase {
  std::string name;
  dsl::ModelSpec spec;
  std::shared_ptr<const ir::Module> module;
  std::string source;
  std::unique_ptr<ct::Compiled> native = std::make_unique<ct::Compiled>();
};

DerivCase make(const std::string& name, dsl::ModelSpec spec, DType dtype) {
  DerivCase c;
  c.name = name + " " + dtype_name(dtype);
  spec.dtype = dtype;
  ir::Module m = ir::lower(spec);
  ir::add_derivatives(m);
  c.module = std::make_shared<const ir::Module>(std::move(m));
  c.source = codegen::generate(*c.module, {}).whole();
  c.spec = std::move(spec);
  return c;
}

// Compiles every case, two at a time.
void compile_all(std::vector<DerivCase>& cases) {
  ct::for_each_in_parallel(cases.size(),
                           [&](size_t i) { ct::compile(*cases[i].native, cases[i].source); });
}

template <class Real>
bool same(const std::vector<Real>& a, const std::vector<Real>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Real)) == 0;
}

template <class Real>
void compare(const DerivCase& c) {
  SCOPED_TRACE(c.name);
  using Time = kernel::time_t_of<Real>;
  using Fn = void(Time, const Real*, const Real*, const void*, Real*);
  using JvpFn = void(Time, const Real*, const Real*, const void*, const Real*, Real*);
  auto* jac = c.native->sym<Fn>("dynlib_jacobian");
  auto* jvp = c.native->sym<JvpFn>("dynlib_jvp");
  auto* dfdp = c.native->sym<Fn>("dynlib_dfdp");
  ASSERT_TRUE(jac && jvp && dfdp);
  interp::InterpModel<Real> model(interp::compile(c.module));
  ASSERT_TRUE(model.has_derivatives());
  const size_t n = static_cast<size_t>(c.module->n_state);
  const size_t np = static_cast<size_t>(c.module->n_param);
  std::vector<Real> p;
  for (const auto& pr : c.spec.params)
    for (double v : pr.values) p.push_back(static_cast<Real>(v));
  // A lag ring for models that read lagged states (harmless for the others).
  std::vector<Real> ring(n * 4);
  for (size_t k = 0; k < ring.size(); ++k) ring[k] = static_cast<Real>(0.125 * (k + 1));
  kernel::LagView<Real> lag{ring.data(), 0, 0, 0};
  int depth = 0;
  for (int s = 0; s < c.module->n_state; ++s) {
    depth = std::max(depth, c.module->lag_depth[static_cast<size_t>(s)]);
    if (c.module->lag_column[static_cast<size_t>(s)] >= 0) ++lag.width;
  }
  lag.depth = depth;
  for (int k = 0; k < 4; ++k) {
    std::vector<Real> y, v;
    for (size_t j = 0; j < n; ++j) {
      const double y0 = c.spec.states[j].init_value;
      y.push_back(
          static_cast<Real>(y0 * (1.0 + 0.07 * k) + 0.013 * k * static_cast<double>(j + 1)));
      v.push_back(static_cast<Real>(0.5 - 0.3 * static_cast<double>(j) + 0.1 * k));
    }
    const Time t = static_cast<Time>(0.25 + k);
    std::vector<Real> a(n * n, Real(-7)), b(n * n, Real(-9));
    model.jacobian(t, y.data(), p.data(), lag, a.data());
    jac(t, y.data(), p.data(), &lag, b.data());
    EXPECT_TRUE(same(a, b)) << "jacobian, state " << k;
    a.assign(n, Real(-7));
    b.assign(n, Real(-9));
    model.jvp(t, y.data(), p.data(), lag, v.data(), a.data());
    jvp(t, y.data(), p.data(), &lag, v.data(), b.data());
    EXPECT_TRUE(same(a, b)) << "jvp, state " << k;
    a.assign(n * np, Real(-7));
    b.assign(n * np, Real(-9));
    model.dfdp(t, y.data(), p.data(), lag, a.data());
    dfdp(t, y.data(), p.data(), &lag, b.data());
    EXPECT_TRUE(same(a, b)) << "dfdp, state " << k;
  }
}

const char* kConstructs = R"toml(
[model]
type = "ode"
[states]
x = 0.7
y = -0.4
z = 1.3
[params]
w = [0.5, -1.0, 2.0, 0.25]
k = 1.5
[functions.bump]
args = ["u"]
expr = "exp(-u * u) if u > -3 else 0"
[aux]
r = "hypot(x, y) + abs(z - x)"
[equations.rhs]
x = "sum(w[i] * sin((i + 1) * x) * y for i in range(4) if i != 2) + min(x, y, k)"
y = "prod(1 + w[i] * x * z for i in range(0, 4, 2)) - r ** 1.5 + bump(z) * (x % k)"
z = "clip(x * y, -0.5, 0.5) + atan2(y, z) + erf(x) * copysign(z, y) + z ** 3"
)toml";

const char* kLagged = R"toml(
[model]
type = "map"
[states]
x = 0.5
y = 0.25
[params]
r = 3.5
[equations.rhs]
x = "r * x * (1 - lag_x(2)) + lag_y(1) * y"
y = "x - lag_y(1) + sqrt(1 + x * x)"
)toml";

TEST(CodegenDerivatives, NativeMatchesInterpreterForEveryModel) {
  std::vector<DerivCase> cases;
  for (DType d : {DType::Float64, DType::Float32}) {
    for (const auto& uri : dsl::list_models()) {
      if (uri.rfind("builtin://", 0) != 0) continue;
      dsl::ModelSpec spec = dsl::load_model(uri);
      if (spec.dtype == DType::Int64) continue;  // exact integer maps: no derivatives
      cases.push_back(make(uri, std::move(spec), d));
    }
    cases.push_back(make("constructs", dsl::load_model_text(kConstructs, "c.toml"), d));
    cases.push_back(make("lagged", dsl::load_model_text(kLagged, "l.toml"), d));
  }
  ASSERT_GE(cases.size(), 30u);
  compile_all(cases);
  for (auto& c : cases) {
    ASSERT_TRUE(ct::load(*c.native)) << c.name << "\n" << c.native->log;
    if (c.module->dtype == DType::Float32)
      compare<float>(c);
    else
      compare<double>(c);
  }
}

// Without add_derivatives the generated text has no derivative code at all, and a module with
// derivatives still compiles freestanding and warning-free.
TEST(CodegenDerivatives, EmittedOnlyWhenTheModuleHasDerivatives) {
  const dsl::ModelSpec spec = dsl::load_model("builtin://ode/hodgkin-huxley-1952");
  const std::string plain = codegen::generate(ir::lower(spec), {"rk4"}).whole();
  for (const char* w : {"f_jacobian", "f_jvp", "f_dfdp", "dynlib_jacobian", "dynlib_jvp",
                        "dynlib_dfdp", "const Real* v"})
    EXPECT_EQ(plain.find(w), std::string::npos) << w;
  EXPECT_NE(plain.find("dynlib_user_jacobian"), std::string::npos);

  ir::Module m = ir::lower(spec);
  ir::add_derivatives(m);
  const std::string with = codegen::generate(m, {"rk4"}).whole();
  ct::Compiled c;
  ct::compile(c, with, "-nostdinc++ -Wall -Wextra -Wpedantic -Werror");
  ASSERT_TRUE(ct::load(c)) << c.log;
  for (const char* s : {"dynlib_jacobian", "dynlib_jvp", "dynlib_dfdp", "dynlib_user_jacobian",
                        "dynlib_rhs", "dynlib_run_rk4"})
    EXPECT_NE(c.sym<void>(s), nullptr) << s;
}

TEST(CodegenDerivatives, InverseExportMatchesTheInterpreter) {
  const dsl::ModelSpec spec = dsl::load_model("builtin://map/henon");
  auto module = std::make_shared<const ir::Module>(ir::lower(spec));
  ASSERT_TRUE(module->has_inverse);
  ct::Compiled c;
  ct::compile(c, codegen::generate(*module, {"map"}).whole());
  ASSERT_TRUE(ct::load(c)) << c.log;
  interp::InterpModel<double> model(interp::compile(module));
  ASSERT_TRUE(model.has_inverse());
  const std::vector<double> y{0.3, -0.2};
  std::vector<double> p;
  for (const auto& pr : spec.params)
    for (double v : pr.values) p.push_back(v);
  kernel::LagView<double> lag;
  double fwd[2], a[2], b[2];
  model.rhs(0, y.data(), p.data(), lag, fwd);
  model.inverse(0, fwd, p.data(), lag, a);
  c.sym<void(double, const double*, const double*, const void*, double*)>("dynlib_inverse")(
      0, fwd, p.data(), nullptr, b);
  EXPECT_EQ(std::memcmp(a, b, sizeof a), 0);
  EXPECT_NEAR(a[0], y[0], 1e-12);
  EXPECT_NEAR(a[1], y[1], 1e-12);
}

}  // namespace

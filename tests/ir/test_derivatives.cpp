// Symbolic derivatives (ir/derivative.hpp), checked as mathematics: against the models' own
// [equations.jacobian], against central finite differences (builtin and random models), J v
// against J times v, and the sparsity, reduction, conditional, lag and piecewise rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"
#include "interp/interp_model.hpp"
#include "ir/derivative.hpp"
#include "ir/ir.hpp"

namespace {

using namespace dynlib;

struct Built {
  dsl::ModelSpec spec;
  std::shared_ptr<const ir::Module> module;
  std::unique_ptr<interp::InterpModel<double>> model;
  std::vector<double> y, p;
  kernel::LagView<double> lag;
  int n = 0, np = 0;

  std::vector<double> f(const std::vector<double>& yy, const std::vector<double>& pp) const {
    std::vector<double> out(static_cast<size_t>(n));
    model->rhs(0.25, yy.data(), pp.data(), lag, out.data());
    return out;
  }
  std::vector<double> jac(const std::vector<double>& yy) const {
    std::vector<double> out(static_cast<size_t>(n * n), -7.0);
    model->jacobian(0.25, yy.data(), p.data(), lag, out.data());
    return out;
  }
  std::vector<double> jvp(const std::vector<double>& yy, const std::vector<double>& v) const {
    std::vector<double> out(static_cast<size_t>(n), -7.0);
    model->jvp(0.25, yy.data(), p.data(), lag, v.data(), out.data());
    return out;
  }
  std::vector<double> dfdp(const std::vector<double>& yy) const {
    std::vector<double> out(static_cast<size_t>(n * np), -7.0);
    model->dfdp(0.25, yy.data(), p.data(), lag, out.data());
    return out;
  }
};

Built build_spec(dsl::ModelSpec spec) {
  Built b;
  b.spec = std::move(spec);
  ir::Module m = ir::lower(b.spec);
  ir::add_derivatives(m);
  b.module = std::make_shared<const ir::Module>(std::move(m));
  b.model = std::make_unique<interp::InterpModel<double>>(interp::compile(b.module));
  b.n = b.module->n_state;
  b.np = b.module->n_param;
  for (const auto& s : b.spec.states) b.y.push_back(s.init_value);
  for (const auto& pr : b.spec.params)
    for (double v : pr.values) b.p.push_back(v);
  return b;
}
Built build(const std::string& uri) {
  return build_spec(dsl::load_model(uri));
}
Built build_text(const std::string& text) {
  return build_spec(dsl::load_model_text(text, "t.toml"));
}

std::vector<std::string> builtin_float_models() {
  std::vector<std::string> out;
  for (const auto& uri : dsl::list_models())
    if (uri.rfind("builtin://", 0) == 0 && dsl::load_model(uri).dtype != DType::Int64)
      out.push_back(uri);
  return out;
}

// The initial state and a few deterministic perturbations of it.
std::vector<std::vector<double>> states_of(const Built& b) {
  std::vector<std::vector<double>> out{b.y};
  for (int k = 1; k <= 3; ++k) {
    std::vector<double> y = b.y;
    for (size_t j = 0; j < y.size(); ++j)
      y[j] = y[j] * (1.0 + 0.07 * k) + 0.013 * k * static_cast<double>(j + 1);
    out.push_back(y);
  }
  return out;
}

// Central differences of f in y (which = 0) or p (which = 1), column `col`.
std::vector<double> central(const Built& b, const std::vector<double>& y, int which, int col) {
  std::vector<double> yp = y, ym = y, pp = b.p, pm = b.p;
  double& up = which == 0 ? yp[static_cast<size_t>(col)] : pp[static_cast<size_t>(col)];
  double& dn = which == 0 ? ym[static_cast<size_t>(col)] : pm[static_cast<size_t>(col)];
  const double h = 1e-6 * std::max(1.0, std::fabs(up));
  up += h;
  dn -= h;
  const auto fp = b.f(yp, pp), fm = b.f(ym, pm);
  std::vector<double> d(fp.size());
  for (size_t i = 0; i < d.size(); ++i) d[i] = (fp[i] - fm[i]) / ((up - dn));
  return d;
}

// |a - b| <= tol * scale (+ slack[k] when given), scale at least 1 and at least the row's largest
// entry.
void expect_close_rows(const std::vector<double>& got, const std::vector<double>& want, int cols,
                       double tol, const std::string& what, const std::vector<double>& slack = {}) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r * static_cast<size_t>(cols) < got.size(); ++r) {
    double scale = 1.0;
    for (int c = 0; c < cols; ++c)
      scale =
          std::max(scale, std::fabs(want[r * static_cast<size_t>(cols) + static_cast<size_t>(c)]));
    for (int c = 0; c < cols; ++c) {
      const size_t k = r * static_cast<size_t>(cols) + static_cast<size_t>(c);
      EXPECT_LE(std::fabs(got[k] - want[k]), tol * scale + (slack.empty() ? 0.0 : slack[k]))
          << what << " entry (" << r << ", " << c << "): " << got[k] << " vs " << want[k];
    }
  }
}

void check_against_finite_differences(const Built& b, const std::string& what) {
  for (const auto& y : states_of(b)) {
    const auto J = b.jac(y);
    std::vector<double> fd(J.size());
    for (int j = 0; j < b.n; ++j) {
      const auto col = central(b, y, 0, j);
      for (int i = 0; i < b.n; ++i)
        fd[static_cast<size_t>(i * b.n + j)] = col[static_cast<size_t>(i)];
    }
    expect_close_rows(J, fd, b.n, 1e-6, what + " jacobian");
    const auto P = b.dfdp(y);
    std::vector<double> fdp(P.size());
    // A central difference also carries the rounding error of f, ~eps |f_i| / h: it dominates
    // where f_i is large next to its parameter derivatives (Robertson's k2 y2^2 ~ 1e5 at these
    // probe states, while df_2/dk1 = y1 ~ 1).
    const auto f0 = b.f(y, b.p);
    std::vector<double> noise(P.size());
    for (int k = 0; k < b.np; ++k) {
      const auto col = central(b, y, 1, k);
      const double h = 1e-6 * std::max(1.0, std::fabs(b.p[static_cast<size_t>(k)]));
      for (int i = 0; i < b.n; ++i) {
        fdp[static_cast<size_t>(i * b.np + k)] = col[static_cast<size_t>(i)];
        noise[static_cast<size_t>(i * b.np + k)] =
            4 * DBL_EPSILON * std::fabs(f0[static_cast<size_t>(i)]) / h;
      }
    }
    if (b.np > 0) expect_close_rows(P, fdp, b.np, 1e-6, what + " dfdp", noise);
    // J v against J times v.
    std::vector<double> v(static_cast<size_t>(b.n));
    for (int j = 0; j < b.n; ++j) v[static_cast<size_t>(j)] = 0.5 - 0.3 * j + 0.01 * j * j;
    const auto Jv = b.jvp(y, v);
    for (int i = 0; i < b.n; ++i) {
      double s = 0, mag = 0;
      for (int j = 0; j < b.n; ++j) {
        const double t = J[static_cast<size_t>(i * b.n + j)] * v[static_cast<size_t>(j)];
        s += t;
        mag += std::fabs(t);
      }
      EXPECT_LE(std::fabs(Jv[static_cast<size_t>(i)] - s), 1e-14 * mag + 1e-300)
          << what << " jvp row " << i;
    }
  }
}

// ---- builtin models ----

TEST(Derivatives, MatchTheUserJacobianOfEveryBuiltinModel) {
  int checked = 0;
  for (const auto& uri : builtin_float_models()) {
    SCOPED_TRACE(uri);
    const Built b = build(uri);
    if (!b.model->has_user_jacobian()) continue;
    ++checked;
    for (const auto& y : states_of(b)) {
      const auto J = b.jac(y);
      std::vector<double> U(J.size());
      b.model->user_jacobian(0.25, y.data(), b.p.data(), b.lag, U.data());
      for (size_t k = 0; k < J.size(); ++k)
        EXPECT_LE(std::fabs(J[k] - U[k]), 1e-14 * std::max(std::fabs(J[k]), std::fabs(U[k])))
            << "entry " << k << ": " << J[k] << " vs user " << U[k];
    }
  }
  EXPECT_GE(checked, 10);
}

TEST(Derivatives, MatchFiniteDifferencesOnEveryBuiltinModel) {
  for (const auto& uri : builtin_float_models()) {
    SCOPED_TRACE(uri);
    check_against_finite_differences(build(uri), uri);
  }
}

TEST(Derivatives, LorenzSparsityAndValues) {
  const Built b = build("builtin://ode/lorenz");
  EXPECT_EQ(b.module->jac_sparsity, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 1, 1, 1}));
  const std::vector<double> y{1.5, -2.0, 3.25};
  const auto J = b.jac(y);
  const double s = b.p[0], r = b.p[1], be = b.p[2];
  EXPECT_EQ(J, (std::vector<double>{-s, s, 0, r - y[2], -1, -y[0], y[1], y[0], -be}));
  // The structural zero is the constant 0, not a computed value.
  const ir::Function& f = b.module->jacobian;
  for (const auto& o : f.outputs) {
    if (o.index != 2) continue;
    ASSERT_LT(static_cast<size_t>(o.slot), b.module->n_consts());
    EXPECT_EQ(b.module->consts[static_cast<size_t>(o.slot)], 0.0);
  }
}

TEST(Derivatives, StructuralZerosAreZeroEverywhere) {
  for (const auto& uri : builtin_float_models()) {
    SCOPED_TRACE(uri);
    const Built b = build(uri);
    for (const auto& y : states_of(b)) {
      const auto J = b.jac(y);
      for (size_t k = 0; k < J.size(); ++k) {
        if (!b.module->jac_sparsity[k]) {
          EXPECT_EQ(J[k], 0.0) << k;
        }
      }
    }
  }
}

// Straight-line code at the top level never computes the same (op, operands) twice.
TEST(Derivatives, NoInstructionIsRepeated) {
  for (const auto& uri : builtin_float_models()) {
    SCOPED_TRACE(uri);
    const Built b = build(uri);
    for (const ir::Function* f : {&b.module->jacobian, &b.module->jvp, &b.module->dfdp}) {
      std::map<std::tuple<int, int, int>, int> seen;
      int depth = 0;
      for (const auto& ins : f->code) {
        if (ins.op == ir::Op::LoopBegin || ins.op == ir::Op::If) ++depth;
        if (ins.op == ir::Op::LoopEnd || ins.op == ir::Op::EndIf) --depth;
        if (depth > 0 || ins.op >= ir::Op::ParamAt || ins.op == ir::Op::Copy) continue;
        const int b2 = ir::op_arity(ins.op) >= 2 ? ins.b : -1;
        EXPECT_TRUE(
            seen.emplace(std::make_tuple(static_cast<int>(ins.op), ins.a, b2), ins.dst).second)
            << f->name << ": " << ir::op_name(ins.op) << " repeated";
      }
    }
  }
}

// Adding derivatives renumbers slots but changes nothing the existing functions compute.
TEST(Derivatives, ExistingFunctionsComputeTheSameBits) {
  for (const auto& uri : builtin_float_models()) {
    SCOPED_TRACE(uri);
    const dsl::ModelSpec spec = dsl::load_model(uri);
    auto plain = std::make_shared<const ir::Module>(ir::lower(spec));
    const Built b = build(uri);
    interp::InterpModel<double> before(interp::compile(plain));
    for (const auto& y : states_of(b)) {
      std::vector<double> r1(static_cast<size_t>(b.n)), r2(r1.size());
      before.rhs(0.25, y.data(), b.p.data(), b.lag, r1.data());
      b.model->rhs(0.25, y.data(), b.p.data(), b.lag, r2.data());
      EXPECT_EQ(r1, r2);
      std::vector<double> a1(static_cast<size_t>(b.module->n_aux)), a2(a1.size());
      before.aux(0.25, y.data(), b.p.data(), b.lag, a1.data());
      b.model->aux(0.25, y.data(), b.p.data(), b.lag, a2.data());
      for (size_t k = 0; k < a1.size(); ++k)
        EXPECT_TRUE(a1[k] == a2[k] || (std::isnan(a1[k]) && std::isnan(a2[k])));
    }
  }
}

TEST(Derivatives, AbsentUnlessAdded) {
  auto plain =
      std::make_shared<const ir::Module>(ir::lower(dsl::load_model("builtin://ode/lorenz")));
  EXPECT_FALSE(plain->has_derivatives);
  EXPECT_TRUE(plain->has_user_jacobian);
  interp::InterpModel<double> model(interp::compile(plain));
  EXPECT_FALSE(model.has_derivatives());
  EXPECT_FALSE(model.has_inverse());
  // Calling an absent part is a no-op, not a crash.
  const double y[3] = {1, 2, 3}, p[3] = {10, 28, 8.0 / 3.0};
  std::vector<double> out(9, -7.0);
  model.jacobian(0, y, p, {}, out.data());
  model.inverse(0, y, p, {}, out.data());
  EXPECT_EQ(out, std::vector<double>(9, -7.0));
}

TEST(Derivatives, Int64ModelsAreRejected) {
  ir::Module m = ir::lower(dsl::load_model("builtin://map/collatz"));
  ASSERT_EQ(m.dtype, DType::Int64);
  EXPECT_THROW(ir::add_derivatives(m), std::invalid_argument);
  EXPECT_FALSE(m.has_derivatives);
}

// ---- constructs ----

TEST(Derivatives, SumReductionWithFilterAndArrayParams) {
  const Built b = build_text(R"toml(
[model]
type = "ode"
[states]
x = 0.7
y = -0.4
[params]
w = [0.5, -1.0, 2.0, 0.25]
k = 1.5
[equations.rhs]
x = "sum(w[i] * sin((i + 1) * x) * y for i in range(4))"
y = "prod(1 + w[i] * x * x for i in range(0, 4) if i % 2 == 0) + k * y"
)toml");
  check_against_finite_differences(b, "reduction");
  const auto J = b.jac(b.y);
  double want = 0;
  for (int i = 0; i < 4; ++i)
    want = want + b.p[static_cast<size_t>(i)] * (i + 1) * std::cos((i + 1) * b.y[0]) * b.y[1];
  EXPECT_NEAR(J[0], want, 1e-14);
  // d/dw_k of the sum: sin((k+1) x) y, through ParamAt's indicator.
  const auto P = b.dfdp(b.y);
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(P[static_cast<size_t>(k)], std::sin((k + 1) * b.y[0]) * b.y[1], 1e-15) << k;
  EXPECT_EQ(P[4], 0.0);  // k does not appear in f_0
}

TEST(Derivatives, ConditionalDifferentiatesTheTakenBranch) {
  const Built b = build_text(R"toml(
[model]
type = "ode"
[states]
x = 0.5
y = 2.0
[params]
a = 3.0
[equations.rhs]
x = "x * x * a if x > 0 else sin(y)"
y = "(y if y > 1 else x) * 2"
)toml");
  auto J = b.jac({0.5, 2.0});
  EXPECT_EQ(J, (std::vector<double>{2 * 0.5 * 3.0, 0, 0, 2}));
  J = b.jac({-0.5, 0.5});
  EXPECT_EQ(J, (std::vector<double>{0, std::cos(0.5), 2, 0}));
  EXPECT_EQ(b.module->jac_sparsity, (std::vector<uint8_t>{1, 1, 1, 1}));
  check_against_finite_differences(b, "conditional");
}

TEST(Derivatives, LaggedTermsCountAsConstants) {
  Built b = build_text(R"toml(
[model]
type = "map"
[states]
x = 0.5
y = 0.25
[params]
r = 3.5
[equations.rhs]
x = "r * x * (1 - lag_x(2)) + lag_y(1) * y"
y = "x - lag_y(1)"
)toml");
  // Ring: depth 2, columns x, y.
  const std::vector<double> ring{0.125, 0.75, 0.375, 0.5};
  b.lag = {ring.data(), 2, 2, 0};
  const std::vector<double> y{0.5, 0.25};
  const double x2 = b.lag(0, 2), y1 = b.lag(1, 1);
  EXPECT_EQ(b.jac(y), (std::vector<double>{b.p[0] * (1 - x2), y1, 1, 0}));
  const auto P = b.dfdp(y);
  EXPECT_EQ(P, (std::vector<double>{y[0] * (1 - x2), 0}));
}

TEST(Derivatives, PiecewiseRules) {
  const Built b = build_text(R"toml(
[model]
type = "map"
[states]
x = -1.5
y = 0.75
[params]
c = 2.0
[equations.rhs]
x = "abs(x) + max(x, y) + min(x, y, c) + clip(y, -1, 0.5) + floor(x) * y + relu(y) + copysign(x, y)"
y = "x % c + (x // c) + heaviside(y) + sign(x) + pow(x, 3) * 0.5 + round(x * y)"
)toml");
  const std::vector<double> y{-1.5, 0.75};
  const auto J = b.jac(y);
  // abs: sign(x) = -1; max picks y; min picks x; clip(0.75) saturated: 0; floor(x) y -> floor(x)
  // dy; relu(y) = y; copysign(x, y) is |x| here: -1 dx.
  EXPECT_EQ(J[0], -1.0 + 0 + 1 - 1);
  EXPECT_EQ(J[1], 1.0 + 0 + std::floor(-1.5) + 1);
  // x % c: dx, and -(x // c) dc in dfdp; pow(x, 3) of negative x stays finite (no log(x) db term).
  EXPECT_EQ(J[2], 1.0 + 3 * 2.25 * 0.5);
  EXPECT_EQ(J[3], 0.0);
  const auto P = b.dfdp(y);
  EXPECT_EQ(P[0], 0.0);  // c only in min's third argument, not selected
  EXPECT_EQ(P[1], -std::floor(-1.5 / 2.0));
}

TEST(Derivatives, MinMaxTiesFollowTheOperation) {
  const Built b = build_text(R"toml(
[model]
type = "map"
[states]
x = 1.0
y = 1.0
[equations.rhs]
x = "min(x, 2 * y - 1)"
y = "max(3 * x - 2, y)"
)toml");
  // At x = y = 1 both ties: min2/max2 return the first argument.
  EXPECT_EQ(b.jac({1.0, 1.0}), (std::vector<double>{1, 0, 3, 0}));
}

// ---- random smooth models ----

class ExprGen {
 public:
  explicit ExprGen(uint64_t seed) : s_(seed) {}
  uint64_t next() {  // xorshift64*
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 2685821657736338717ULL;
  }
  bool allow_aux = false;  // a0 may appear (not inside a0 itself)
  int pick(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }

  std::string leaf() {
    switch (pick(allow_aux ? 4 : 3)) {
      case 0:
        return "x" + std::to_string(pick(3));
      case 1:
        return "p" + std::to_string(pick(2));
      case 3:
        return "a0";
      default:
        return std::to_string(1 + pick(9)) + "." + std::to_string(pick(10));
    }
  }
  // Smooth everywhere on the reals (domains protected by construction).
  std::string expr(int depth) {
    if (depth == 0 || pick(5) == 0) return leaf();
    const std::string a = expr(depth - 1);
    switch (pick(20)) {
      case 0:
        return "(" + a + " + " + expr(depth - 1) + ")";
      case 1:
        return "(" + a + " - " + expr(depth - 1) + ")";
      case 2:
        return "(" + a + " * " + expr(depth - 1) + ")";
      case 3:
        return "(" + a + " / (1.5 + " + expr(depth - 1) + " ** 2))";
      case 4:
        return "sin(" + a + ")";
      case 5:
        return "cos(" + a + ")";
      case 6:
        return "exp(sin(" + a + "))";
      case 7:
        return "tanh(" + a + ")";
      case 8:
        return "atan(" + a + ")";
      case 9:
        return "sqrt(1 + " + a + " ** 2)";
      case 10:
        return "log(2 + cos(" + a + "))";
      case 11:
        return "(2 + sin(" + a + ")) ** (1 + 0.5 * cos(" + expr(depth - 1) + "))";
      case 12:
        return "atan2(" + a + ", 2 + cos(" + expr(depth - 1) + "))";
      case 13:
        return "hypot(1, " + a + ")";
      case 14:
        return "erf(" + a + ") + erfc(0.5 * " + a + ")";
      case 15:
        return "asinh(" + a + ") + log1p(" + a + " ** 2) + expm1(sin(" + a + "))";
      case 16:
        return "sq(" + a + ")";
      case 17:
        return "(-" + a + ")";
      case 18:
        return "(" + a + ") ** 3 * 0.1";
      default:
        return "sinh(0.5 * sin(" + a + ")) + cosh(0.3 * cos(" + a + ")) + tan(0.5 * sin(" + a +
               ")) + asin(0.5 * sin(" + a + ")) + acos(0.5 * cos(" + a + ")) + atanh(0.5 * tanh(" +
               a + ")) + acosh(2 + " + a + " ** 2) + log10(3 + sin(" + a + ")) + log2(3 + cos(" +
               a + "))";
    }
  }

 private:
  uint64_t s_;
};

TEST(Derivatives, RandomSmoothModelsMatchFiniteDifferences) {
  ExprGen gen(0x9e3779b97f4a7c15ULL);
  for (int model = 0; model < 40; ++model) {
    std::string text = "[model]\ntype = \"" + std::string(model % 4 == 3 ? "map" : "ode") +
                       "\"\n[states]\nx0 = 0.3\nx1 = -0.7\nx2 = 1.1\n[params]\np0 = 0.9\np1 = "
                       "-1.3\n[functions.sq]\nargs = [\"u\"]\nexpr = \"u * u + 0.5 * u\"\n";
    gen.allow_aux = false;
    text += "[aux]\na0 = \"" + gen.expr(2) + "\"\n[equations.rhs]\n";
    gen.allow_aux = true;
    for (int i = 0; i < 3; ++i) text += "x" + std::to_string(i) + " = \"" + gen.expr(4) + "\"\n";
    SCOPED_TRACE(text);
    check_against_finite_differences(build_text(text), "random model " + std::to_string(model));
  }
}

}  // namespace

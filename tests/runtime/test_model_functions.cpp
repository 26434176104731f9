// FullModel as callable functions (rhs, jacobian, jvp, dfdp, inv_rhs): the values are the
// mathematics of the model (Lorenz by hand, J·v, finite differences, inverse maps), both backends
// give the same bits for every builtin model in both float dtypes (DESIGN rule 2), the user's
// [equations.jacobian] agrees with the symbolic one (rule 8), and misuse is a precise DynlibError.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "dynlib/inspect.hpp"
#include "jit/jit.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using rt_test::contains;
using rt_test::error_of;
using rt_test::inline_model;
using rt_test::same_bits;

namespace {

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(same_bits(a[i], b[i])) << what << "[" << i << "]: " << a[i] << " vs " << b[i];
}

// Every builtin model, as "builtin://ode/lorenz".
std::vector<std::string> builtin_models() {
  std::vector<std::string> out;
  for (const auto& uri : list_models())
    if (uri.rfind("builtin://", 0) == 0) out.push_back(uri);
  return out;
}

// A state near the model's initial one, off its symmetric points (x = 0 kinks, zeros of y),
// rounded to float32 so that both dtypes see the same inputs.
std::vector<double> probe_state(const FullModel& m) {
  std::vector<double> y = m.spec().initial_state;
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(y[i] + 0.125 * static_cast<double>(i + 1) + 0.3 * y[i]);
  return y;
}

std::vector<double> probe_direction(size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(0.5 - 0.37 * static_cast<double>(i));
  return v;
}

constexpr double kSigma = 10.0, kRho = 28.0, kBeta = 8.0 / 3.0;

}  // namespace

TEST(ModelFunctions, LorenzRhsIsTheFormulaBitForBit) {
  const FullModel m = build("builtin://ode/lorenz");
  ASSERT_EQ(m.layout().param_value_labels(), (std::vector<std::string>{"sigma", "rho", "beta"}));
  for (const std::vector<double>& y :
       {std::vector<double>{1.0, 1.0, 1.0}, std::vector<double>{-3.25, 7.5, 19.125},
        std::vector<double>{0.1, -0.2, 0.3}}) {
    const double x = y[0], yy = y[1], z = y[2];
    const std::vector<double> want = {kSigma * (yy - x), x * (kRho - z) - yy, x * yy - kBeta * z};
    // Default params and the same params given explicitly.
    expect_same_bits(m.rhs(0.0, y), want, "rhs default params");
    expect_same_bits(m.rhs(0.0, y, {kSigma, kRho, kBeta}), want, "rhs explicit params");
    // Other params: the formula with those.
    const double s = 3.5, r = 0.75, b = 1.25;
    expect_same_bits(m.rhs(2.0, y, {s, r, b}), {s * (yy - x), x * (r - z) - yy, x * yy - b * z},
                     "rhs other params");
  }
}

TEST(ModelFunctions, LorenzJacobianJvpAndDfdp) {
  const FullModel m = build("builtin://ode/lorenz");
  const std::vector<double> y = {-3.25, 7.5, 19.125}, p = {kSigma, kRho, kBeta};
  const double x = y[0], yy = y[1], z = y[2];
  const std::vector<double> J = {-kSigma, kSigma, 0.0, kRho - z, -1.0, -x, yy, x, -kBeta};
  const std::vector<double> got = m.jacobian(0.0, y, p);
  ASSERT_EQ(got.size(), 9u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(got[i], J[i]) << "J[" << i / 3 << "][" << i % 3 << "]";

  // J·v for a few directions.
  for (const std::vector<double>& v :
       {std::vector<double>{1, 0, 0}, std::vector<double>{0.3, -1.7, 2.25}, probe_direction(3)}) {
    const std::vector<double> jv = m.jvp(0.0, y, p, v);
    ASSERT_EQ(jv.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      double want = 0;
      for (size_t j = 0; j < 3; ++j) want += J[i * 3 + j] * v[j];
      EXPECT_NEAR(jv[i], want, 1e-14 * std::max(1.0, std::abs(want))) << "row " << i;
    }
  }

  // d rhs / d p against central differences, and against the exact values.
  const std::vector<double> D = m.dfdp(0.0, y, p);
  ASSERT_EQ(D.size(), 9u);  // 3 states x 3 params
  const std::vector<double> exact = {yy - x, 0, 0, 0, x, 0, 0, 0, -z};
  for (size_t k = 0; k < 3; ++k) {
    const double h = 1e-6 * std::max(1.0, std::abs(p[k]));
    std::vector<double> pp = p, pm = p;
    pp[k] += h;
    pm[k] -= h;
    const std::vector<double> fp = m.rhs(0.0, y, pp), fm = m.rhs(0.0, y, pm);
    for (size_t i = 0; i < 3; ++i) {
      const double fd = (fp[i] - fm[i]) / (2 * h);
      const double d = D[i * 3 + k];
      EXPECT_NEAR(d, fd, 1e-6 * std::max(1.0, std::abs(d))) << "d f" << i << " / d p" << k;
      EXPECT_EQ(d, exact[i * 3 + k]) << "d f" << i << " / d p" << k;
    }
  }
}

TEST(ModelFunctions, DfdpMatchesFiniteDifferencesOnEveryFloatBuiltin) {
  for (const auto& uri : builtin_models()) {
    const FullModel m = build(uri);
    if (m.dtype() == DType::Int64) continue;
    SCOPED_TRACE(uri);
    const std::vector<double> y = probe_state(m);
    std::vector<double> p;
    for (const auto& vals : m.spec().param_values) p.insert(p.end(), vals.begin(), vals.end());
    const size_t n = y.size(), np = p.size();
    const std::vector<double> D = m.dfdp(0.5, y, p);
    ASSERT_EQ(D.size(), n * np);
    for (size_t k = 0; k < np; ++k) {
      const double h = 1e-6 * std::max(1.0, std::abs(p[k]));
      std::vector<double> pp = p, pm = p;
      pp[k] += h;
      pm[k] -= h;
      const std::vector<double> fp = m.rhs(0.5, y, pp), fm = m.rhs(0.5, y, pm);
      for (size_t i = 0; i < n; ++i) {
        const double fd = (fp[i] - fm[i]) / (2 * h);
        const double d = D[i * np + k];
        const double scale = std::max({1.0, std::abs(d), std::abs(fp[i])});
        EXPECT_NEAR(d, fd, 1e-6 * scale) << "d f" << i << " / d " << k;
      }
    }
  }
}

// One FullModel per model × dtype × backend; the native ones compile once each.
TEST(ModelFunctions, InterpreterAndNativeAgreeBitForBitOnEveryBuiltin) {
  int compared = 0;
  for (const auto& uri : builtin_models()) {
    const FullModel probe = build(uri);
    if (probe.dtype() == DType::Int64) continue;
    for (const std::string dtype : {"float64", "float32"}) {
      SCOPED_TRACE(uri + " " + dtype);
      const FullModel interp = build(uri, {.jit = false, .dtype = dtype});
      const FullModel native = build(uri, {.jit = true, .dtype = dtype});
      ASSERT_FALSE(interp.is_jitted());
      ASSERT_TRUE(native.is_jitted());
      const std::vector<double> y = probe_state(interp), v = probe_direction(y.size());
      const bool has_inverse = describe_model(uri).inverse.has_value();
      std::vector<double> p;
      for (const auto& vals : interp.spec().param_values)
        for (double x : vals) p.push_back(static_cast<float>(x * 1.0625));
      for (const double t : {0.0, 1.5}) {
        for (const std::vector<double>& params : {std::vector<double>{}, p}) {
          expect_same_bits(interp.rhs(t, y, params), native.rhs(t, y, params), "rhs");
          expect_same_bits(interp.jacobian(t, y, params), native.jacobian(t, y, params),
                           "jacobian");
          expect_same_bits(interp.jvp(t, y, params, v), native.jvp(t, y, params, v), "jvp");
          expect_same_bits(interp.dfdp(t, y, params), native.dfdp(t, y, params), "dfdp");
          if (has_inverse)
            expect_same_bits(interp.inv_rhs(t, y, params), native.inv_rhs(t, y, params), "inv_rhs");
        }
      }
      // float32 really evaluates in float32: every output is a float.
      if (dtype == "float32") {
        for (double x : native.jacobian(0.0, y)) EXPECT_EQ(x, static_cast<double>(float(x)));
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, 2 * 16);
}

TEST(ModelFunctions, Int64ModelsHaveNoDerivatives) {
  int seen = 0;
  for (const auto& uri : builtin_models()) {
    const FullModel m = build(uri);
    if (m.dtype() != DType::Int64) continue;
    SCOPED_TRACE(uri);
    ++seen;
    const std::vector<double> y = m.spec().initial_state;
    const std::vector<double> v(y.size(), 1.0);
    // rhs works (collatz: 27 is odd -> 82).
    const std::vector<double> next = m.rhs(0.0, y);
    ASSERT_EQ(next.size(), y.size());
    if (uri == "builtin://map/collatz") {
      EXPECT_EQ(next[0], 82.0);
    }
    for (const std::string& msg :
         {error_of([&] { m.jacobian(0.0, y); }), error_of([&] { m.jvp(0.0, y, {}, v); }),
          error_of([&] { m.dfdp(0.0, y); })}) {
      EXPECT_TRUE(contains(msg, "int64")) << msg;
      EXPECT_TRUE(contains(msg, m.spec().name)) << msg;
    }
  }
  EXPECT_GE(seen, 1);
}

TEST(ModelFunctions, UserJacobianAgreesWithTheSymbolicOne) {
  int checked = 0;
  for (const auto& uri : builtin_models()) {
    const ModelDescription d = describe_model(uri);
    if (!d.jacobian || d.dtype == DType::Int64) continue;
    SCOPED_TRACE(uri);
    const FullModel symbolic = build(uri);
    const FullModel user = build(uri, {.jacobian = "user"});
    const FullModel symbolic2 = build(uri, {.jacobian = "symbolic"});
    const std::vector<double> y = probe_state(symbolic);
    for (const double t : {0.0, 0.7}) {
      const std::vector<double> a = symbolic.jacobian(t, y), b = user.jacobian(t, y);
      expect_same_bits(a, symbolic2.jacobian(t, y), "symbolic == default");
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i)
        EXPECT_NEAR(a[i], b[i], 1e-13 * std::max(std::abs(a[i]), std::abs(b[i])))
            << "entry " << i << ": symbolic " << a[i] << ", user " << b[i];
      // jvp and dfdp stay symbolic with jacobian = "user".
      const std::vector<double> v = probe_direction(y.size());
      expect_same_bits(symbolic.jvp(t, y, {}, v), user.jvp(t, y, {}, v), "jvp");
      expect_same_bits(symbolic.dfdp(t, y), user.dfdp(t, y), "dfdp");
    }
    ++checked;
  }
  EXPECT_GE(checked, 16);
}

TEST(ModelFunctions, UserJacobianErrors) {
  const std::string no_jac = inline_model(R"toml(
[model]
type = "ode"
name = "nojac"
[states]
x = 1.0
[equations.rhs]
x = "-x"
)toml");
  const std::string m1 = error_of([&] { build(no_jac, {.jacobian = "user"}); });
  EXPECT_TRUE(contains(m1, "nojac")) << m1;
  EXPECT_TRUE(contains(m1, "[equations.jacobian]")) << m1;
  // The symbolic one exists for it.
  EXPECT_EQ(build(no_jac).jacobian(0.0, {2.0}), std::vector<double>{-1.0});

  const std::string m2 = error_of([&] { build("builtin://ode/lorenz", {.jacobian = "symbolc"}); });
  EXPECT_TRUE(contains(m2, "symbolc")) << m2;
  EXPECT_TRUE(contains(m2, "did you mean")) << m2;
  EXPECT_TRUE(contains(m2, "symbolic")) << m2;
}

TEST(ModelFunctions, InverseMapsUndoTheMap) {
  int checked = 0;
  for (const auto& uri : builtin_models()) {
    const ModelDescription d = describe_model(uri);
    const FullModel m = build(uri);
    if (!d.inverse) {
      if (m.dtype() == DType::Int64) continue;
      SCOPED_TRACE(uri);
      const std::string msg = error_of([&] { m.inv_rhs(0.0, probe_state(m)); });
      EXPECT_TRUE(contains(msg, "no inverse")) << msg;
      EXPECT_TRUE(contains(msg, m.spec().name)) << msg;
      continue;
    }
    SCOPED_TRACE(uri);
    ++checked;
    // A state inside the fundamental domain (the standard map takes theta mod 2 pi).
    std::vector<double> y = {1.0, 0.3};
    ASSERT_EQ(y.size(), m.spec().state_names.size());
    const std::vector<double> back = m.inv_rhs(0.0, m.rhs(0.0, y));
    const std::vector<double> fwd = m.rhs(0.0, m.inv_rhs(0.0, y));
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(back[i], y[i], 1e-12) << "inv(f(y)) " << i;
      EXPECT_NEAR(fwd[i], y[i], 1e-12) << "f(inv(y)) " << i;
    }
  }
  EXPECT_GE(checked, 3);
}

TEST(ModelFunctions, WrongSizesNameTheModel) {
  const FullModel m = build("builtin://ode/lorenz");
  const std::vector<double> y = {1, 2, 3};
  for (const std::string& msg :
       {error_of([&] {
          m.rhs(0.0, {1, 2});
        }),
        error_of([&] {
          m.jacobian(0.0, {1, 2, 3, 4});
        }),
        error_of([&] { m.dfdp(0.0, {}); }), error_of([&] { m.rhs(0.0, y, {1.0}); }),
        error_of([&] { m.jvp(0.0, y, {}, {1.0}); }), error_of([&] {
          m.jvp(0.0, y, {1, 2, 3, 4}, {1, 2, 3});
        })}) {
    EXPECT_FALSE(msg.empty());
    EXPECT_TRUE(contains(msg, "'lorenz'")) << msg;
  }
  const std::string pmsg = error_of([&] { m.rhs(0.0, y, {1.0, 2.0}); });
  EXPECT_TRUE(contains(pmsg, "sigma, rho, beta")) << pmsg;
  EXPECT_TRUE(contains(error_of([&] { m.rhs(0.0, {1, 2}); }), "3 states"));
}

TEST(ModelFunctions, ArrayParamsAreFlat) {
  const FullModel m = build(inline_model(R"toml(
[model]
type = "ode"
name = "arr"
[states]
x = 1.0
y = 2.0
[params]
a = 0.5
w = [1.0, 2.0, 3.0]
[equations.rhs]
x = "a*x + w[0]*y + w[2]"
y = "w[1]*x*y"
)toml"));
  EXPECT_EQ(m.layout().param_value_labels(),
            (std::vector<std::string>{"a", "w[0]", "w[1]", "w[2]"}));
  const std::vector<double> y = {1.5, -2.0}, p = {0.25, 3.0, -1.0, 7.0};
  expect_same_bits(m.rhs(0, y, p), {0.25 * 1.5 + 3.0 * -2.0 + 7.0, -1.0 * 1.5 * -2.0}, "rhs");
  // d/dp over (a, w0, w1, w2), row-major per state.
  EXPECT_EQ(m.dfdp(0, y, p), (std::vector<double>{1.5, -2.0, 0, 1, 0, 0, 1.5 * -2.0, 0}));
}

TEST(ModelFunctions, LaggedTermsReadTheStateGiven) {
  const std::string lagged = inline_model(R"toml(
[model]
type = "map"
name = "lagged"
[states]
x = 0.0
u = 1.0
[params]
c = 0.5
[equations.rhs]
x = "x + 2*lag_x(1) + c*lag_u(3)"
u = "u*lag_x(2)"
)toml");
  const FullModel m = build(lagged);
  const double x = 1.25, u = -3.0, c = 0.5;
  expect_same_bits(m.rhs(0, {x, u}), {x + 2 * x + c * u, u * x}, "rhs");
  // Lagged states are constants to the derivatives (docs/derivatives.md), read at y.
  EXPECT_EQ(m.jacobian(0, {x, u}), (std::vector<double>{1, 0, 0, x}));
  EXPECT_EQ(m.dfdp(0, {x, u}), (std::vector<double>{u, 0}));
  EXPECT_EQ(m.jvp(0, {x, u}, {}, {2.0, 3.0}), (std::vector<double>{2.0, 3.0 * x}));
  const FullModel native = build(lagged, {.jit = true});
  expect_same_bits(native.rhs(0, {x, u}), m.rhs(0, {x, u}), "native rhs");
  expect_same_bits(native.jacobian(0, {x, u}), m.jacobian(0, {x, u}), "native jacobian");
}

TEST(ModelFunctions, ConcurrentCallsGiveIdenticalResults) {
  for (const bool jit : {false, true}) {
    SCOPED_TRACE(jit ? "native" : "interpreter");
    // A fresh model: the first derivative call (which builds the derivatives) races too.
    const FullModel m = build("builtin://ode/hodgkin-huxley-1952", {.jit = jit});
    const std::vector<double> y = probe_state(m), v = probe_direction(y.size());
    constexpr int kThreads = 4, kRounds = 200;
    std::vector<std::vector<double>> out(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&, i] {
        std::vector<double> all;
        for (int r = 0; r < kRounds; ++r) {
          all = m.jacobian(0.25, y);
          const auto a = m.rhs(0.25, y), b = m.jvp(0.25, y, {}, v), c = m.dfdp(0.25, y);
          all.insert(all.end(), a.begin(), a.end());
          all.insert(all.end(), b.begin(), b.end());
          all.insert(all.end(), c.begin(), c.end());
        }
        out[static_cast<size_t>(i)] = all;
      });
    for (auto& t : threads) t.join();
    std::vector<double> serial = m.jacobian(0.25, y);
    for (const auto& part : {m.rhs(0.25, y), m.jvp(0.25, y, {}, v), m.dfdp(0.25, y)})
      serial.insert(serial.end(), part.begin(), part.end());
    for (int i = 0; i < kThreads; ++i)
      expect_same_bits(out[static_cast<size_t>(i)], serial, "thread");
  }
}

TEST(ModelFunctions, JitAutoBeforeTheSwitchEvaluatesLikeTheInterpreter) {
  jit::clear_memory_cache();  // else a ready kernel is picked up at build time
  const FullModel interp = build("builtin://ode/vanderpol");
  const FullModel automatic = build("builtin://ode/vanderpol", {.jit = JitMode::Auto});
  ASSERT_FALSE(automatic.is_jitted());
  const std::vector<double> y = probe_state(interp), v = probe_direction(y.size());
  expect_same_bits(automatic.rhs(0.5, y), interp.rhs(0.5, y), "rhs");
  expect_same_bits(automatic.jacobian(0.5, y), interp.jacobian(0.5, y), "jacobian");
  expect_same_bits(automatic.jvp(0.5, y, {}, v), interp.jvp(0.5, y, {}, v), "jvp");
  expect_same_bits(automatic.dfdp(0.5, y), interp.dfdp(0.5, y), "dfdp");
  // The raw-buffer entry point gives the same as the vector ones.
  std::vector<double> out(automatic.output_size(ModelFunction::Jacobian));
  automatic.evaluate(ModelFunction::Jacobian, 0.5, y.data(), nullptr, nullptr, out.data());
  expect_same_bits(out, interp.jacobian(0.5, y), "evaluate");
}

TEST(ModelFunctions, Int64ModelsTakeWholeNumbersOnly) {
  const FullModel m = build("builtin://map/collatz");
  ASSERT_EQ(m.dtype(), DType::Int64);
  EXPECT_EQ(m.rhs(0.0, {6.0}), std::vector<double>{3.0});
  // 27.5 is no int64: an error, not a silent truncation to 27 (-> 82).
  const std::string msg = error_of([&] { m.rhs(0.0, {27.5}); });
  EXPECT_TRUE(contains(msg, "whole numbers")) << msg;
  EXPECT_TRUE(contains(msg, "collatz")) << msg;
  EXPECT_FALSE(error_of([&] { m.rhs(0.0, {std::nan("")}); }).empty());
}

// Model semantics of the front end (ModelSpec contents), the model hash, and the builtin models.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"
#include "dynlib/errors.hpp"
#include "model_test_util.hpp"
#include "temp_dir.hpp"

namespace dynlib::dsl {
namespace {

using dynlib::testing::contains;
using dynlib::testing::IsolatedEnv;

ModelSpec load(const std::string& text, const std::string& name = "m.toml") {
  return load_model_text(text, name);
}

std::vector<std::string> state_names(const ModelSpec& m) {
  std::vector<std::string> v;
  for (const auto& s : m.states) v.push_back(s.name);
  return v;
}

std::string eq(const ModelSpec& m, const std::string& state) {
  return to_source(*m.equations.at(static_cast<size_t>(m.state_index(state))).expr);
}

const ConstantSpec& constant(const ModelSpec& m, const std::string& n) {
  for (const auto& c : m.constants)
    if (c.name == n) return c;
  throw std::runtime_error("no constant " + n);
}

double param(const ModelSpec& m, const std::string& n) {
  return m.params.at(static_cast<size_t>(m.param_index(n))).values.at(0);
}

using Names = std::vector<std::string>;

// ---------- declaration order ----------

TEST(ModelOrder, StatesKeepDeclarationOrder) {
  // Not alphabetical, and the [equations.rhs] keys come in yet another order.
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
zeta = 3.0
alpha = 1.0
mid = 2.0
Beta = 4.0
[equations.rhs]
alpha = "zeta"
Beta = "alpha"
zeta = "mid"
mid = "Beta"
)toml");
  EXPECT_EQ(state_names(m), (Names{"zeta", "alpha", "mid", "Beta"}));
  EXPECT_EQ(m.states[0].init_value, 3.0);
  EXPECT_EQ(m.states[3].init_value, 4.0);
  // equations[i] belongs to states[i]
  EXPECT_EQ(to_source(*m.equations[0].expr), "mid");
  EXPECT_EQ(to_source(*m.equations[1].expr), "zeta");
  EXPECT_EQ(to_source(*m.equations[2].expr), "Beta");
  EXPECT_EQ(to_source(*m.equations[3].expr), "alpha");
  // State references resolve to the declaration index.
  EXPECT_EQ(m.equations[0].expr->ref, Ref::State);
  EXPECT_EQ(m.equations[0].expr->ref_index, 2);
}

TEST(ModelOrder, ParamsAuxEventsActionsPresetsKeepDeclarationOrder) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
[params]
zz = 1.0
aa = 2.0
mm = 3.0
[aux]
zaux = "x"
aaux = "x"
[equations.rhs]
x = "-x"
[events.zlast]
cond = "x > 1"
action.zz = "1"
action.x = "0"
action.aa = "2"
[events.afirst]
cond = "x < -1"
[presets.zp.params]
mm = 1
aa = 2
[presets.ap.states]
x = 5
)toml");
  EXPECT_EQ(m.params[0].name, "zz");
  EXPECT_EQ(m.params[1].name, "aa");
  EXPECT_EQ(m.params[2].name, "mm");
  EXPECT_EQ(m.aux[0].name, "zaux");
  EXPECT_EQ(m.aux[1].name, "aaux");
  ASSERT_EQ(m.events.size(), 2u);
  EXPECT_EQ(m.events[0].name, "zlast");
  EXPECT_EQ(m.events[1].name, "afirst");
  ASSERT_EQ(m.events[0].actions.size(), 3u);
  EXPECT_EQ(m.events[0].actions[0].target, "zz");
  EXPECT_EQ(m.events[0].actions[1].target, "x");
  EXPECT_EQ(m.events[0].actions[2].target, "aa");
  ASSERT_EQ(m.presets.size(), 2u);
  EXPECT_EQ(m.presets[0].name, "zp");
  EXPECT_EQ(m.presets[0].values[0].name, "mm");
  EXPECT_EQ(m.presets[0].values[1].name, "aa");
  EXPECT_EQ(m.presets[1].name, "ap");
}

// ---------- equation forms ----------

TEST(ModelEquations, BlockAndRhsTableMixed) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
z = 1.0
[params]
sigma = 10.0
rho = 28.0
beta = "8/3"
[equations.rhs]
x = "sigma * (y - x)"
[equations]
expr = """
dy = x * (rho - z) - y   # comment
d(z) = x * y - \
       beta * z
"""
)toml");
  EXPECT_EQ(eq(m, "x"), "sigma * (y - x)");
  EXPECT_EQ(eq(m, "y"), "x * (rho - z) - y");
  EXPECT_EQ(eq(m, "z"), "x * y - beta * z");
}

TEST(ModelEquations, DerivativeNameCanBeAStateStartingWithD) {
  // 'dx' is both the derivative notation of x and a state of its own: ddx = ... is dx's equation.
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 0.0
dx = 1.0
[equations]
expr = """
dx = dx
ddx = -x
"""
)toml");
  EXPECT_EQ(eq(m, "x"), "dx");
  EXPECT_EQ(eq(m, "dx"), "-x");
}

TEST(ModelEquations, MapBlockIsNextValue) {
  const ModelSpec m = load(R"toml([model]
type = "map"
[states]
x = 1.0
y = 2.0
[equations]
expr = "x = y; y = x"
)toml");
  EXPECT_EQ(m.kind, ModelKind::Map);
  EXPECT_EQ(eq(m, "x"), "y");
  EXPECT_EQ(eq(m, "y"), "x");
}

TEST(ModelEquations, InverseMapPerStateKeysAndBlock) {
  const std::string head = R"toml([model]
type = "map"
[states]
x = 0.0
y = 0.0
[params]
a = 1.4
b = 0.3
[equations.rhs]
x = "1 - a*x**2 + y"
y = "b*x"
)toml";
  const ModelSpec keys = load(head + R"toml([equations.inverse.rhs]
x = "y/b"
y = "x - 1 + a*(y/b)**2"
)toml");
  const ModelSpec block = load(head + R"toml([equations.inverse]
expr = """
x = y/b
y = x - 1 + a*(y/b)**2
"""
)toml");
  const ModelSpec mixed = load(head + R"toml([equations.inverse]
expr = "y = x - 1 + a*(y/b)**2"
[equations.inverse.rhs]
x = "y/b"
)toml");
  for (const ModelSpec* m : {&keys, &block, &mixed}) {
    ASSERT_TRUE(m->inverse.has_value());
    ASSERT_EQ(m->inverse->size(), 2u);
    EXPECT_EQ(to_source(*(*m->inverse)[0].expr), "y / b");
    EXPECT_EQ(to_source(*(*m->inverse)[1].expr), "x - 1 + a * (y / b) ** 2");
  }
  EXPECT_EQ(keys.hash, block.hash);
  EXPECT_EQ(keys.hash, mixed.hash);
  EXPECT_FALSE(load(head).inverse.has_value());
}

TEST(ModelEquations, Jacobian) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
[params]
k = 2.0
[equations.rhs]
x = "y"
y = "-k*x"
[equations.jacobian]
expr = [[0, "1"], ["-k", 0.0]]
)toml");
  ASSERT_TRUE(m.jacobian.has_value());
  ASSERT_EQ(m.jacobian->size(), 2u);
  EXPECT_EQ(to_source(*(*m.jacobian)[0][0].expr), "0");
  EXPECT_EQ(to_source(*(*m.jacobian)[0][1].expr), "1");
  EXPECT_EQ(to_source(*(*m.jacobian)[1][0].expr), "-k");
  EXPECT_EQ(to_source(*(*m.jacobian)[1][1].expr), "0.0");
}

// ---------- aux and lags ----------

TEST(ModelAux, EvaluationOrderPutsDependenciesFirst) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.twice]
args = ["u"]
expr = "2*u + d"
[aux]
a = "b + c"
b = "twice(c)"
c = "x * x"
d = "1"
e2 = "a + b"
[equations.rhs]
x = "-e2"
)toml");
  ASSERT_EQ(m.aux.size(), 5u);
  ASSERT_EQ(m.aux_order.size(), 5u);
  auto rank = [&](const std::string& name) {
    const int i = m.aux_index(name);
    return std::find(m.aux_order.begin(), m.aux_order.end(), i) - m.aux_order.begin();
  };
  EXPECT_LT(rank("b"), rank("a"));
  EXPECT_LT(rank("c"), rank("a"));
  EXPECT_LT(rank("c"), rank("b"));
  EXPECT_LT(rank("d"), rank("b"));  // through the function twice()
  EXPECT_LT(rank("a"), rank("e2"));
  EXPECT_LT(rank("b"), rank("e2"));
  std::vector<int> sorted = m.aux_order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4}));
  // Declaration order is kept for recording.
  EXPECT_EQ(m.aux[0].name, "a");
  EXPECT_EQ(m.aux[4].name, "e2");
}

TEST(ModelAux, LagDepths) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
z = 1.0
w = 1.0
v = 1.0
[functions.f]
args = ["u"]
expr = "u - lag_v(2)"
[aux]
dx = "x - lag_x(3) + lag_x(2)"
dy = "y - lag_y()"
[equations.rhs]
x = "-x"
y = "-y"
z = "-z"
w = "-w + f(w)"
v = "-v"
[events.up]
cond = "cross_up(z, 0) or lag_w(1) > 5"
)toml");
  EXPECT_EQ(m.states[0].lag_depth, 3);  // x: the largest k
  EXPECT_EQ(m.states[1].lag_depth, 1);  // y: lag_y() == lag_y(1)
  EXPECT_GE(m.states[2].lag_depth, 1);  // z: event macros need lag 1
  EXPECT_EQ(m.states[3].lag_depth, 1);  // w
  EXPECT_EQ(m.states[4].lag_depth, 2);  // v: inside a function body
  const Expr& lag = *m.aux[0].expr.expr->args[0]->args[1];
  EXPECT_EQ(lag.ref, Ref::Lag);
  EXPECT_EQ(lag.ref_index, 0);
  EXPECT_EQ(lag.int_value, 3);
}

TEST(ModelAux, UnusedStateHasNoLag) {
  const ModelSpec m = load(dynlib::testing::ode_with("-x"));
  EXPECT_EQ(m.states[0].lag_depth, 0);
}

// ---------- constants, params, initial values ----------

TEST(ModelValues, ConstantsAndParamExpressionsAreEvaluated) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[constants]
two_pi = "2*pi"
n = 4
half = "n / 8"
[params]
beta = "8/3"
a = 1.3
cube = "a**3"
square = "a**2"
neg = "-2**2"
w = [0.5, "half * 3", "-n"]
fd = "-7 // 2"
md = "-7 % 3"
mneg = "7 % -3"
mf = "5.5 % 2"
r1 = "round(2.5)"
r2 = "round(-0.5)"
ee = "e"
[states]
x = "beta * -65"
y = "w[1] + n"
[equations.rhs]
x = "-x"
y = "-y"
)toml");
  EXPECT_EQ(constant(m, "two_pi").value, 2 * 3.141592653589793);
  EXPECT_TRUE(constant(m, "n").is_integer);
  EXPECT_EQ(constant(m, "n").int_value, 4);
  EXPECT_EQ(constant(m, "half").value, 0.5);
  EXPECT_FALSE(constant(m, "half").is_integer);
  EXPECT_EQ(param(m, "beta"), 8.0 / 3.0);
  const double a = 1.3;
  EXPECT_EQ(param(m, "cube"), a * a * a);  // a repeated multiplication, not pow(a, 3)
  EXPECT_EQ(param(m, "square"), a * a);
  EXPECT_EQ(param(m, "neg"), -4.0);
  const ParamSpec& w = m.params.at(static_cast<size_t>(m.param_index("w")));
  EXPECT_TRUE(w.is_array);
  EXPECT_EQ(w.values, (std::vector<double>{0.5, 1.5, -4.0}));
  EXPECT_EQ(param(m, "fd"), -4.0);
  EXPECT_EQ(param(m, "md"), 2.0);
  EXPECT_EQ(param(m, "mneg"), -2.0);
  EXPECT_EQ(param(m, "mf"), 1.5);
  EXPECT_EQ(param(m, "r1"), 2.0);
  EXPECT_EQ(param(m, "r2"), 0.0);
  EXPECT_EQ(param(m, "ee"), 2.718281828459045);
  EXPECT_EQ(m.states[0].init_value, (8.0 / 3.0) * -65);
  EXPECT_EQ(m.states[1].init_value, 5.5);
  // The initial value keeps its expression.
  EXPECT_EQ(to_source(*m.states[0].init.expr), "beta * -65");
}

TEST(ModelValues, ConstantsAreFoldedIntoNames) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[constants]
k = "3 * 2"
[states]
x = 1.0
[equations.rhs]
x = "-k * x"
)toml");
  const Expr& k = *m.equations[0].expr->args[0]->args[0];
  EXPECT_EQ(k.kind, ExprKind::Name);
  EXPECT_EQ(k.ref, Ref::Constant);
  EXPECT_EQ(k.number, 6.0);
}

TEST(ModelValues, Int64CollatzExact) {
  const ModelSpec m = load(R"toml([model]
type = "map"
dtype = "int64"
[constants]
three = 3
[params]
big = 9007199254740993
[states]
x = 27
y = "big + 1"
[equations.rhs]
x = "x // 2 if x % 2 == 0 else three*x + 1"
y = "max(y - 1, 0) ** 2"
[presets.p.params]
big = "big - 2"
)toml");
  EXPECT_EQ(m.dtype, DType::Int64);
  EXPECT_EQ(m.params[0].int_values.at(0), 9007199254740993LL);  // 2^53 + 1: not a double
  EXPECT_EQ(m.states[0].init_int, 27);
  EXPECT_EQ(m.states[1].init_int, 9007199254740994LL);
  ASSERT_EQ(m.presets.size(), 1u);
  EXPECT_EQ(m.presets[0].values[0].int_values.at(0), 9007199254740991LL);
  EXPECT_TRUE(constant(m, "three").is_integer);
  EXPECT_TRUE(contains(canonical_form(m), "param big = 9007199254740993"));
}

TEST(ModelValues, Int64ConstantsAreExact) {
  auto constant_of = [](const std::string& expr) {
    const ModelSpec m = load("[model]\ntype = \"map\"\ndtype = \"int64\"\n[constants]\nc = \"" +
                             expr + "\"\n[states]\nx = 1\n[equations.rhs]\nx = \"x + c\"\n");
    return m.constants.at(0).int_value;
  };
  EXPECT_EQ(constant_of("-9223372036854775807 - 1"), LLONG_MIN);
  EXPECT_EQ(constant_of("(-2) ** 63"), LLONG_MIN);
  EXPECT_EQ(constant_of("3 ** 39"), 4052555153018976267LL);
  EXPECT_EQ(constant_of("1 ** 9223372036854775807"), 1);  // by squaring: no 2^63 iterations
  EXPECT_EQ(constant_of("0 ** 0"), 1);
  EXPECT_EQ(constant_of("(-9223372036854775807 - 1) % -1"), 0);
  EXPECT_EQ(constant_of("-7 // 2"), -4);
  EXPECT_EQ(constant_of("-7 % 3"), 2);
  EXPECT_EQ(constant_of("7 % -3"), -2);
  EXPECT_EQ(constant_of("sum(i for i in range(4))"), 6);
  EXPECT_EQ(constant_of("prod(i + 1 for i in range(5) if i % 2 == 0)"), 15);
  EXPECT_EQ(constant_of("sum(i for i in range(10, 0, -3))"), 22);
  EXPECT_EQ(constant_of("9007199254740993 * 1"), 9007199254740993LL);
}

TEST(ModelHash, Int64ConstantsBeyondDoublePrecisionCount) {
  auto hash_with = [](const std::string& value) {
    return load("[model]\ntype = \"map\"\ndtype = \"int64\"\n[constants]\nc = " + value +
                "\n[states]\nx = 1\n[equations.rhs]\nx = \"x + c\"\n")
        .hash;
  };
  // 2^53 + 1 and 2^53 are the same double but different int64 constants.
  EXPECT_NE(hash_with("9007199254740993"), hash_with("9007199254740992"));
}

TEST(ModelValues, Int64AcceptsTheIntegerFunctionsAndMacros) {
  const ModelSpec m = load(R"toml([model]
type = "map"
dtype = "int64"
[params]
w = [1, 2, 3]
[states]
x = 5
[equations.rhs]
x = """abs(x) + min(x, 1) + max(x, 2, 3) + sign(x) + heaviside(x) + step(-x) + relu(x) \
     + clip(x, 0, 10) + approx(x, 1, 2) + x**3 + (x // 2) % 3 + (1 if x > 2 and not x == 4 else 0) \
     + sum(w[i] * i for i in range(3))"""
[events.e]
cond = "cross_up(x, 10) or changed(x)"
action = "x -= 1"
)toml");
  EXPECT_EQ(m.dtype, DType::Int64);
  EXPECT_EQ(m.states[0].lag_depth, 1);
}

// ---------- presets, sim, events ----------

TEST(ModelPresets, Parsed) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[params]
a = 0.02
w = [1.0, 2.0]
[states]
v = -65.0
u = -13.0
[equations.rhs]
v = "-v + a"
u = "-u + w[0]"
[presets.bursting.params]
a = "2 * 0.01"
w = [3, "a * 100"]
[presets.bursting.states]
u = -10
)toml");
  const PresetSpec* p = m.preset("bursting");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(m.preset("nope"), nullptr);
  ASSERT_EQ(p->values.size(), 3u);
  EXPECT_EQ(p->values[0].name, "a");
  EXPECT_EQ(p->values[0].kind, Ref::Param);
  EXPECT_EQ(p->values[0].index, 0);
  EXPECT_EQ(p->values[0].values, (std::vector<double>{0.02}));
  EXPECT_EQ(p->values[1].name, "w");
  // Preset expressions see the default params.
  EXPECT_EQ(p->values[1].values, (std::vector<double>{3.0, 2.0}));
  EXPECT_EQ(p->values[2].name, "u");
  EXPECT_EQ(p->values[2].kind, Ref::State);
  EXPECT_EQ(p->values[2].index, 1);
  EXPECT_EQ(p->values[2].values, (std::vector<double>{-10.0}));
}

TEST(ModelSim, Defaults) {
  const ModelSpec m = load(dynlib::testing::ode_with("-x"));
  EXPECT_EQ(m.sim.t0, 0.0);
  EXPECT_FALSE(m.sim.t_end.has_value());
  EXPECT_FALSE(m.sim.dt.has_value());
  EXPECT_FALSE(m.sim.stepper.has_value());
  EXPECT_TRUE(m.sim.record);
  EXPECT_EQ(m.sim.record_interval, 1);
  EXPECT_FALSE(m.sim.max_steps.has_value());
  EXPECT_EQ(m.sim.atol, 1e-8);
  EXPECT_EQ(m.sim.rtol, 1e-5);  // the reference dynlib's default
  EXPECT_FALSE(m.sim.dt_min.has_value());
  EXPECT_FALSE(m.sim.controller.has_value());
  EXPECT_EQ(m.name, "m");  // from the file name when [model] has none
  EXPECT_EQ(load(dynlib::testing::ode_with("-x"), "<inline>").name, "model");
  EXPECT_EQ(m.dtype, DType::Float64);
  EXPECT_EQ(m.kind, ModelKind::Ode);
}

TEST(ModelSim, Values) {
  const ModelSpec m = load(dynlib::testing::ode_with("-x", R"toml([sim]
t0 = 1
t_end = 50
dt = 0.01
stepper = "rk45"
record = false
record_interval = 10
max_steps = 1000
atol = 1e-9
rtol = 1e-7
dt_min = 1e-6
dt_max = 0.5
safety = 0.9
min_factor = 0.2
max_factor = 5
max_rejects = 50
controller = "pi"
)toml"));
  EXPECT_EQ(m.sim.t0, 1.0);
  EXPECT_EQ(m.sim.t_end, 50.0);
  EXPECT_EQ(m.sim.dt, 0.01);
  EXPECT_EQ(m.sim.stepper, "rk45");
  EXPECT_EQ(m.sim.stepper_where.line, 11);
  EXPECT_EQ(m.sim.stepper_where.column, 11);
  EXPECT_FALSE(m.sim.record);
  EXPECT_EQ(m.sim.record_interval, 10);
  EXPECT_EQ(m.sim.max_steps, 1000);
  EXPECT_EQ(m.sim.atol, 1e-9);
  EXPECT_EQ(m.sim.rtol, 1e-7);
  EXPECT_EQ(m.sim.dt_min, 1e-6);
  EXPECT_EQ(m.sim.dt_max, 0.5);
  EXPECT_EQ(m.sim.safety, 0.9);
  EXPECT_EQ(m.sim.min_factor, 0.2);
  EXPECT_EQ(m.sim.max_factor, 5.0);
  EXPECT_EQ(m.sim.max_rejects, 50);
  EXPECT_EQ(m.sim.controller, "pi");
}

TEST(ModelEvents, StringAndTableActionsPhaseTagsLog) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
v = -65.0
u = -13.0
[params]
c = -65.0
d = 8.0
[equations.rhs]
v = "1"
u = "0"
[events.spike]
cond = "v >= 30"
action = "v = c; u += d; d -= 1"
tags = ["spike", "fast"]
log = [" t ", "v", "u + d"]
[events.reset]
cond = "cross_down(v, 0)"
phase = "start"
[events.reset.action]
v = "c"
u = "u + d"
[events.both]
cond = "v > 100"
phase = "both"
)toml");
  ASSERT_EQ(m.events.size(), 3u);
  const EventSpec& spike = m.events[0];
  EXPECT_EQ(spike.phase, EventPhase::End);
  EXPECT_EQ(spike.tags, (Names{"spike", "fast"}));
  EXPECT_EQ(spike.log_names, (Names{"t", "v", "u + d"}));
  ASSERT_EQ(spike.log.size(), 3u);
  EXPECT_EQ(spike.log[0].expr->ref, Ref::Time);
  ASSERT_EQ(spike.actions.size(), 3u);
  EXPECT_EQ(spike.actions[0].target, "v");
  EXPECT_EQ(spike.actions[0].op, AssignOp::Set);
  EXPECT_EQ(spike.actions[0].target_kind, Ref::State);
  EXPECT_EQ(spike.actions[0].target_index, 0);
  EXPECT_EQ(to_source(*spike.actions[0].value.expr), "c");
  EXPECT_EQ(spike.actions[1].op, AssignOp::AddTo);
  EXPECT_EQ(spike.actions[1].target_index, 1);
  EXPECT_EQ(spike.actions[2].op, AssignOp::SubFrom);
  EXPECT_EQ(spike.actions[2].target_kind, Ref::Param);
  EXPECT_EQ(spike.actions[2].target_index, 1);
  EXPECT_EQ(to_source(*spike.cond.expr), "v >= 30");

  const EventSpec& reset = m.events[1];
  EXPECT_EQ(reset.phase, EventPhase::Start);
  EXPECT_TRUE(reset.tags.empty());
  ASSERT_EQ(reset.actions.size(), 2u);
  EXPECT_EQ(reset.actions[0].target, "v");
  EXPECT_EQ(reset.actions[1].target, "u");
  EXPECT_EQ(reset.actions[1].op, AssignOp::Set);
  EXPECT_EQ(to_source(*reset.actions[1].value.expr), "u + d");
  EXPECT_EQ(reset.cond.expr->ref, Ref::EventMacro);

  EXPECT_EQ(m.events[2].phase, EventPhase::Both);
  EXPECT_TRUE(m.events[2].actions.empty());
  EXPECT_EQ(m.event_index("both"), 2);
}

TEST(ModelFunctions, Resolved) {
  const ModelSpec m = load(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.sq]
args = ["u"]
expr = "u*u"
[functions.norm2]
args = ["a", "b"]
expr = "sq(a) + sq(b)"
[equations.rhs]
x = "-norm2(x, 1)"
)toml");
  ASSERT_EQ(m.functions.size(), 2u);
  EXPECT_EQ(m.functions[1].args, (Names{"a", "b"}));
  const Expr& call = *m.equations[0].expr->args[0];
  EXPECT_EQ(call.ref, Ref::Function);
  EXPECT_EQ(call.ref_index, 1);
  EXPECT_EQ(m.functions[0].body.expr->args[0]->ref, Ref::FuncArg);
}

// ---------- model hash ----------

const char* kHashBase = R"toml([model]
type = "ode"
name = "osc"
[states]
x = 1.0
v = 0.0
[params]
omega = 2.0
damp = 0.1
[aux]
energy = "0.5*(v**2 + omega**2*x**2)"
[equations.rhs]
x = "v"
v = "-omega**2*x - damp*v"
[events.bounce]
cond = "x < -1"
action = "v = -v"
phase = "end"
tags = ["wall"]
[sim]
t_end = 10.0
dt = 0.01
stepper = "rk4"
)toml";

std::string hash_of(const std::string& text) {
  return load(text).hash;
}

TEST(ModelHash, IsHexSha256) {
  const std::string h = hash_of(kHashBase);
  ASSERT_EQ(h.size(), 64u);
  EXPECT_TRUE(std::all_of(h.begin(), h.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  EXPECT_EQ(h, model_hash(load(kHashBase)));
}

TEST(ModelHash, StableUnderFormatting) {
  const std::string base = hash_of(kHashBase);
  // Comments, blank lines, spacing inside and around expressions, quoting styles, redundant
  // parentheses, key order of [sim] and [params]-free tables, block vs rhs form, numbers written
  // differently.
  const std::string variant = R"toml(# An oscillator.

[model]   # the model
name = 'osc'
type = "ode"

[states]
x = 1.0      # position
v = 0e0

[params]
omega = 2.00
damp = 1e-1

[aux]
energy = '''0.5 * ((v ** 2) + (omega**2) * x**2)'''

[equations]
expr = """
# derivatives
dx = (v)
d(v) = ((-(omega**2))*x) - (damp * v)
"""

[sim]
stepper = 'rk4'
dt = 1e-2
t_end = 10

[events.bounce]
tags = ['wall']
action = """v = -v"""
cond = "(x) < -1"

[meta]
description = "does not count"
)toml";
  EXPECT_EQ(hash_of(variant), base);
}

TEST(ModelHash, MetaDoesNotCount) {
  const std::string base = hash_of(kHashBase);
  EXPECT_EQ(hash_of(std::string(kHashBase) + "[meta]\nauthor = \"a\"\n"), base);
  EXPECT_EQ(hash_of(std::string(kHashBase) + "[meta]\nauthor = \"b\"\nrefs = [1, 2]\n"), base);
}

TEST(ModelHash, ChangesWithEverySemanticChange) {
  const std::string base_text = kHashBase;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = base_text;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"x = \"v\"", "x = \"v + 0\""},                             // an equation
      {"- damp*v", "- damp*x"},                                   // another equation
      {"omega = 2.0", "omega = 2.5"},                             // a param value
      {"damp = 0.1", "damp = 0.1000000000000001"},                // a param value, last digit
      {"x = 1.0\n", "x = 1.5\n"},                                 // a state initial value
      {"cond = \"x < -1\"", "cond = \"x <= -1\""},                // an event condition
      {"action = \"v = -v\"", "action = \"v = v\""},              // an event action
      {"phase = \"end\"", "phase = \"both\""},                    // an event phase
      {"tags = [\"wall\"]", "tags = [\"floor\"]"},                // an event tag
      {"type = \"ode\"", "type = \"ode\"\ndtype = \"float32\""},  // dtype
      {"stepper = \"rk4\"", "stepper = \"rk45\""},                // stepper
      {"dt = 0.01", "dt = 0.02"},                                 // sim default
      {"energy = \"0.5*", "energy = \"0.25*"},                    // an aux
      // The state order is the state vector's order.
      {"x = 1.0\nv = 0.0\n", "v = 0.0\nx = 1.0\n"},
  };
  std::set<std::string> seen = {hash_of(base_text)};
  for (const auto& [from, to] : changes) {
    SCOPED_TRACE(from + " -> " + to);
    const std::string h = hash_of(with(from, to));
    EXPECT_TRUE(seen.insert(h).second) << "hash did not change";
  }
}

// The hash identifies the mathematics: the model's name (which may come from the file name) and
// the way an initial value is spelled do not count; the value itself does.
TEST(ModelHash, IgnoresNameAndSpellingOfInitialValues) {
  const std::string base = hash_of(kHashBase);
  std::string renamed = kHashBase;
  renamed.replace(renamed.find("name = \"osc\""), 12, "name = \"osc2\"");
  EXPECT_EQ(hash_of(renamed), base);
  std::string spelled = kHashBase;
  spelled.replace(spelled.find("v = 0.0\n"), 8, "v = \"omega * 0\"\n");
  EXPECT_EQ(hash_of(spelled), base);
  std::string integer = kHashBase;
  integer.replace(integer.find("x = 1.0\n"), 8, "x = 1\n");
  EXPECT_EQ(hash_of(integer), base);
}

TEST(ModelHash, EventAndPresetAdditionsCount) {
  const std::string base = hash_of(kHashBase);
  EXPECT_NE(hash_of(std::string(kHashBase) + "[events.more]\ncond = \"x > 5\"\n"), base);
  EXPECT_NE(hash_of(std::string(kHashBase) + "[presets.p.params]\nomega = 3\n"), base);
  EXPECT_NE(hash_of(std::string(kHashBase) + "[events.log]\ncond = \"x > 5\"\nlog = [\"t\"]\n"),
            hash_of(std::string(kHashBase) + "[events.log]\ncond = \"x > 5\"\nlog = [\"v\"]\n"));
}

// ---------- builtins ----------

TEST(Builtins, EveryBuiltinValidates) {
  IsolatedEnv env;  // no user tags, no config: only the shipped models
  std::vector<std::string> builtins;
  for (const auto& uri : list_models())
    if (uri.rfind("builtin://", 0) == 0) builtins.push_back(uri);
  EXPECT_GE(builtins.size(), 17u);
  std::set<std::string> hashes;
  for (const auto& uri : builtins) {
    SCOPED_TRACE(uri);
    ModelSpec m;
    try {
      m = load_model(uri);
    } catch (const DynlibError& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_EQ(m.hash.size(), 64u);
    EXPECT_TRUE(hashes.insert(m.hash).second) << "two builtins share a hash";
    EXPECT_FALSE(m.name.empty());
    EXPECT_EQ(m.equations.size(), m.states.size());
    EXPECT_EQ(m.kind == ModelKind::Ode, contains(uri, "builtin://ode/"));
    if (m.kind == ModelKind::Ode && m.events.empty()) {
      EXPECT_TRUE(m.jacobian.has_value()) << "an ODE builtin without events has no Jacobian";
    }
    if (m.jacobian) {
      ASSERT_EQ(m.jacobian->size(), m.states.size());
      for (const auto& row : *m.jacobian) EXPECT_EQ(row.size(), m.states.size());
    }
    ASSERT_TRUE(m.sim.stepper.has_value());
    EXPECT_EQ(*m.sim.stepper == "map", m.kind == ModelKind::Map);
    // The canonical form is deterministic.
    EXPECT_EQ(load_model(uri).hash, m.hash);
  }
}

TEST(Builtins, SpotChecks) {
  IsolatedEnv env;
  const ModelSpec lorenz = load_model("builtin://ode/lorenz");
  EXPECT_EQ(state_names(lorenz), (Names{"x", "y", "z"}));
  EXPECT_EQ(param(lorenz, "beta"), 8.0 / 3.0);
  const ModelSpec collatz = load_model("builtin://map/collatz");
  EXPECT_EQ(collatz.dtype, DType::Int64);
  EXPECT_EQ(collatz.states[0].init_int, 27);
  const ModelSpec henon = load_model("builtin://map/henon");
  EXPECT_TRUE(henon.inverse.has_value());
  const ModelSpec izh = load_model("builtin://ode/izhikevich");
  ASSERT_EQ(izh.events.size(), 1u);
  EXPECT_EQ(izh.events[0].tags, (Names{"spike"}));
  EXPECT_NE(izh.preset("bursting"), nullptr);
}

}  // namespace
}  // namespace dynlib::dsl

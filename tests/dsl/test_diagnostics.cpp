// Diagnostics of the model front end: one test per kind of error, each checking the message, the
// exact file line and column, and the hint (did-you-mean) where there is one.
#include <gtest/gtest.h>

#include <string>

#include "dsl/model_spec.hpp"
#include "dynlib/errors.hpp"
#include "model_test_util.hpp"

namespace dynlib::dsl {
namespace {

using dynlib::testing::contains;
using dynlib::testing::model_error;

// Checks the error of `text`: message substring, line, column and (if given) hint substring.
void expect_error(const std::string& text, int line, int column, const std::string& message,
                  const std::string& hint = {}) {
  const ModelError e = model_error(text);
  EXPECT_TRUE(contains(e.message(), message))
      << "message: " << e.message() << "\nwanted: " << message;
  EXPECT_EQ(e.where().line, line) << e.what();
  EXPECT_EQ(e.where().column, column) << e.what();
  EXPECT_EQ(e.where().file, "m.toml");
  if (!hint.empty()) {
    EXPECT_TRUE(contains(e.hint(), hint)) << "hint: " << e.hint() << "\nwanted: " << hint;
  }
}

// ---------- the formatted diagnostic ----------

TEST(Diagnostics, WhatHasHeaderQuotedLineAndCaret) {
  const std::string text = R"toml([model]
type = "ode"
[states]
x = 1.0
[params]
sigma = 10.0
[equations.rhs]
x = "sigam * x"
)toml";
  const ModelError e = model_error(text);
  EXPECT_EQ(e.where().line, 8);
  EXPECT_EQ(e.where().column, 6);
  EXPECT_EQ(e.source_line(), "x = \"sigam * x\"");
  const std::string what = e.what();
  EXPECT_TRUE(contains(what, "m.toml:8:6: error: ")) << what;
  EXPECT_TRUE(contains(what, "unknown name 'sigam'")) << what;
  EXPECT_TRUE(contains(what, "x = \"sigam * x\"")) << what;
  EXPECT_TRUE(contains(what, "did you mean 'sigma'?")) << what;
  // The caret sits under column 6 of the quoted line.
  const size_t quoted = what.find("x = \"sigam * x\"");
  ASSERT_NE(quoted, std::string::npos);
  const size_t line_start = what.rfind('\n', quoted) + 1;
  const size_t prefix = quoted - line_start;  // the gutter before the quoted text
  const size_t next_line = what.find('\n', quoted) + 1;
  const size_t caret = what.find('^', next_line);
  ASSERT_NE(caret, std::string::npos) << what;
  EXPECT_EQ(caret - next_line, prefix + 5) << what;
}

// ---------- names, arity ----------

TEST(Diagnostics, UnknownIdentifierWithDidYouMean) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[params]
alpha = 2.0
[equations.rhs]
x = "-alhpa * x"
)toml",
               8, 7, "unknown name 'alhpa' in an equation", "did you mean 'alpha'?");
}

TEST(Diagnostics, UnknownFunctionWithDidYouMean) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1 + sinn(x)"
)toml",
               6, 10, "unknown function 'sinn'", "did you mean 'sin'?");
}

TEST(Diagnostics, WrongArityOfBuiltin) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "x * atan2(x)"
)toml",
               6, 10, "atan2() takes 2 arguments, got 1");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "max(x)"
)toml",
               6, 6, "max() takes at least 2 arguments, got 1");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "sin(x, 1)"
)toml",
               6, 6, "sin() takes 1 argument, got 2");
}

TEST(Diagnostics, WrongArityOfUserFunction) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.f]
args = ["u", "v"]
expr = "u * v"
[equations.rhs]
x = "2 + f(x)"
)toml",
               9, 10, "f() takes 2 arguments, got 1");
}

// ---------- actions ----------

TEST(Diagnostics, AssignmentToAuxInAction) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[aux]
energy = "x * x"
[equations.rhs]
x = "-x"
[events.e]
cond = "x > 1"
action = "x = 0; energy = 1"
)toml",
               11, 18, "cannot assign to 'energy' in an action: it is an aux variable");
}

TEST(Diagnostics, AssignmentToConstantInAction) {
  expect_error(R"toml([model]
type = "ode"
[constants]
C = 2
[states]
x = 1.0
[equations.rhs]
x = "-x"
[events.e]
cond = "x > 1"
action = "C += 1"
)toml",
               11, 11, "cannot assign to 'C' in an action: it is a constant");
}

TEST(Diagnostics, AssignmentToUnknownInActionTable) {
  expect_error(R"toml([model]
type = "ode"
[states]
xval = 1.0
[equations.rhs]
xval = "-xval"
[events.e]
cond = "xval > 1"
action.xvla = "0"
)toml",
               9, 8, "cannot assign to 'xvla' in an action: it is not a state or param",
               "did you mean 'xval'?");
}

TEST(Diagnostics, AssignmentToTimeInAction) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "-x"
[events.e]
cond = "x > 1"
action = """
x = 0
t = 0
"""
)toml",
               11, 1, "cannot assign to 't' in an action: it is time");
}

// ---------- lags ----------

TEST(Diagnostics, LagOfParam) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[params]
a = 1
[equations.rhs]
x = "x - lag_a(1)"
)toml",
               8, 10, "lag_a(): 'a' is a param; lags exist only for states", "lag_x");
}

TEST(Diagnostics, LagOfUnknown) {
  expect_error(R"toml([model]
type = "ode"
[states]
pos = 1.0
[equations.rhs]
pos = "lag_pso(2) + 1"
)toml",
               6, 8, "lag_pso(): 'pso' is not defined", "did you mean 'lag_pos'?");
}

TEST(Diagnostics, LagDepthMustBePositiveLiteral) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "lag_x(0)"
)toml",
               6, 12, "must be a positive integer literal");
}

// ---------- equations ----------

TEST(Diagnostics, StateWithoutEquation) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 2.0
[equations.rhs]
x = "y"
)toml",
               5, 1, "state 'y' has no equation", "dy = ...");
}

TEST(Diagnostics, EquationForUnknownStateInRhsTable) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
  z = "2"
)toml",
               7, 3, "equation for unknown state 'z'");
}

TEST(Diagnostics, EquationForUnknownStateInBlock) {
  expect_error(R"toml([model]
type = "ode"
[states]
speed = 1.0
[equations]
expr = """
dspeed = 1
  dsped = 2
"""
)toml",
               8, 3, "equation for unknown state 'sped'", "did you mean 'dspeed'?");
}

TEST(Diagnostics, DerivativeKeyInRhsTable) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
dx = "1"
)toml",
               6, 1, "equation for unknown state 'dx'", "write x = \"...\"");
}

TEST(Diagnostics, OdeBlockWithoutDerivativeNotation) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = "x = 1"
)toml",
               6, 9, "ODE equations give derivatives: write dx = ... or d(x) = ...");
}

TEST(Diagnostics, StateDefinedInRhsAndBlock) {
  // The block comes first in the file; the error points at the later definition.
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = """
dx = 1
"""
[equations.rhs]
x = "2"
)toml",
               10, 1, "state 'x' is defined twice", "first defined at line 7");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "2"
[equations]
expr = """
d(x) = 1
"""
)toml",
               9, 1, "state 'x' is defined twice", "first defined at line 6");
}

TEST(Diagnostics, StateDefinedTwiceInOneBlock) {
  expect_error(R"toml([model]
type = "map"
[states]
x = 1.0
[equations]
expr = "x = 1; x = 2"
)toml",
               6, 16, "state 'x' is defined twice", "first defined at line 6");
}

TEST(Diagnostics, NameDefinedAsStateAndParam) {
  expect_error(R"toml([model]
type = "ode"
[params]
x = 1
[states]
x = 1.0
[equations.rhs]
x = "2"
)toml",
               6, 1, "duplicate definition: 'x' is already a param", "first defined at line 4");
}

TEST(Diagnostics, AuxCycle) {
  const ModelError e = model_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[aux]
a = "b + 1"
b = "2 * a"
[equations.rhs]
x = "a"
)toml");
  EXPECT_TRUE(contains(e.message(), "cycle: a -> b -> a")) << e.message();
  EXPECT_EQ(e.where().line, 7);
  EXPECT_EQ(e.where().column, 10);
}

TEST(Diagnostics, AuxCycleThroughThreeAndSelf) {
  const ModelError e = model_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[aux]
a = "b + 1"
b = "c * 2"
c = "a"
[equations.rhs]
x = "a"
)toml");
  EXPECT_TRUE(contains(e.message(), "a -> b -> c -> a")) << e.message();
  EXPECT_EQ(e.where().line, 8);
  EXPECT_EQ(e.where().column, 6);
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[aux]
a = "1 + a"
[equations.rhs]
x = "a"
)toml",
               6, 10, "cycle: a -> a");
}

TEST(Diagnostics, AuxCycleThroughFunction) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.f]
args = ["u"]
expr = "u + a"
[aux]
a = "f(x)"
[equations.rhs]
x = "a"
)toml",
               9, 6, "cycle: a -> a");
}

TEST(Diagnostics, DirectRecursion) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.f]
args = ["u"]
expr = "1 + f(u - 1)"
[equations.rhs]
x = "f(x)"
)toml",
               7, 13, "recursion is not allowed: f -> f");
}

TEST(Diagnostics, MutualRecursion) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[functions.f]
args = ["u"]
expr = "1 + g(u)"
[functions.g]
args = ["u"]
expr = "2 * f(u)"
[equations.rhs]
x = "f(x)"
)toml",
               10, 13, "recursion is not allowed: f -> g -> f");
}

// ---------- Jacobian ----------

TEST(Diagnostics, JacobianWrongRowCount) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
[equations.rhs]
x = "y"
y = "x"
[equations.jacobian]
expr = [["0", "1"]]
)toml",
               10, 8, "the Jacobian must be square (2x2 for 2 states); it has 1 row");
}

TEST(Diagnostics, JacobianWrongRowLength) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
[equations.rhs]
x = "y"
y = "x"
[equations.jacobian]
expr = [
  ["0", "1"],
  ["1", "0", "0"],
]
)toml",
               12, 3, "row 1 has 3 entries");
}

TEST(Diagnostics, JacobianEntryIsChecked) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 1.0
[equations.rhs]
x = "y"
y = "x"
[equations.jacobian]
expr = [["0", "1"], ["1", "0 + q"]]
)toml",
               10, 32, "unknown name 'q' in the Jacobian");
}

// ---------- [model] ----------

TEST(Diagnostics, BadDtypeWithDidYouMean) {
  expect_error(R"toml([model]
type = "ode"
dtype = "float46"
[states]
x = 1.0
)toml",
               3, 9, "bad dtype \"float46\"", "did you mean 'float64'?");
}

TEST(Diagnostics, Int64OnOde) {
  expect_error(R"toml([model]
type = "ode"
dtype = "int64"
[states]
x = 1
)toml",
               3, 9, "dtype int64 is only allowed for maps");
}

TEST(Diagnostics, BadModelType) {
  expect_error(R"toml([model]
type = "mpa"
[states]
x = 1
)toml",
               2, 8, "model type must be \"ode\" or \"map\"", "did you mean 'map'?");
}

TEST(Diagnostics, MissingModelTable) {
  expect_error(R"toml([states]
x = 1.0
)toml",
               1, 1, "missing [model] table");
}

TEST(Diagnostics, MissingType) {
  expect_error(R"toml(# a comment

[model]
name = "q"
[states]
x = 1.0
)toml",
               3, 1, "[model] needs a type");
}

TEST(Diagnostics, NoStates) {
  expect_error(R"toml([model]
type = "map"
)toml",
               1, 1, "the model has no states");
}

// ---------- derivative notation in a map ----------

TEST(Diagnostics, DerivativeNotationInMap) {
  expect_error(R"toml([model]
type = "map"
[states]
x = 1.0
[equations]
expr = """
dx = x/2
"""
)toml",
               7, 1, "derivative notation in a map", "write x = ...");
  expect_error(R"toml([model]
type = "map"
[states]
x = 1.0
[equations]
expr = """
x = x/2  # fine
   d(x) = x/2
"""
)toml",
               8, 4, "derivative notation in a map", "write x = ...");
}

// ---------- unknown keys ----------

TEST(Diagnostics, UnknownTopLevelKey) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[parms]
a = 1
)toml",
               7, 2, "unknown key 'parms' at the top level", "did you mean 'params'?");
}

TEST(Diagnostics, UnknownKeyInModelIsAWarning) {
  const ModelSpec m = load_model_text(R"toml([model]
type = "ode"
  nmae = "q"
stepper = "rk4"
[states]
x = 1.0
[equations.rhs]
x = "1"
)toml",
                                      "m.toml");
  ASSERT_EQ(m.warnings.size(), 2u);
  EXPECT_EQ(m.warnings[0].message, "unknown key 'nmae' in [model] is ignored");
  EXPECT_EQ(m.warnings[0].where.line, 3);
  EXPECT_EQ(m.warnings[0].where.column, 3);
  EXPECT_EQ(m.warnings[0].hint, "did you mean 'name'?");
  EXPECT_EQ(m.warnings[1].message, "unknown key 'stepper' in [model] is ignored");
}

// An unknown [sim] key is accepted with a warning (the reference dynlib's files carry keys such as
// T); the warning has the place, the line, a caret and the did-you-mean.
TEST(Diagnostics, UnknownKeyInSimIsAWarning) {
  const ModelSpec m = load_model_text(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[sim]
t_end = 2
stpper = "rk2"
T = 10.0
)toml",
                                      "m.toml");
  ASSERT_EQ(m.warnings.size(), 2u);
  const ModelWarning& w = m.warnings[0];
  EXPECT_EQ(w.message, "unknown key 'stpper' in [sim] is ignored");
  EXPECT_EQ(w.where.file, "m.toml");
  EXPECT_EQ(w.where.line, 9);
  EXPECT_EQ(w.where.column, 1);
  EXPECT_EQ(w.hint, "did you mean 'stepper'?");
  EXPECT_EQ(w.text(),
            "m.toml:9:1: warning: unknown key 'stpper' in [sim] is ignored\n"
            "    9 | stpper = \"rk2\"\n"
            "      | ^\n"
            "      = did you mean 'stepper'?");
  EXPECT_EQ(m.warnings[1].where.line, 10);
  EXPECT_TRUE(contains(m.warnings[1].hint, "expected one of: t0, t_end, dt")) << m.warnings[1].hint;
  // The known keys still count; the ignored one changes nothing.
  EXPECT_EQ(*m.sim.t_end, 2.0);
  EXPECT_FALSE(m.sim.stepper.has_value());
}

// max_tries and min_step are the reference's names of max_rejects and dt_min; not both spellings.
TEST(Diagnostics, ReferenceNamesOfSimKeys) {
  const std::string head =
      "[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"1\"\n[sim]\n";
  const ModelSpec m = load_model_text(head + "max_tries = 7\nmin_step = 1e-9\n", "m.toml");
  EXPECT_TRUE(m.warnings.empty());
  EXPECT_EQ(*m.sim.max_rejects, 7);
  EXPECT_EQ(*m.sim.dt_min, 1e-9);
  expect_error(head + "max_rejects = 7\nmax_tries = 7\n", 9, 13,
               "max_tries is another name of max_rejects, which is also given", "keep one of them");
}

// A stop condition cannot be ignored like an unknown key: the run would not stop.
TEST(Diagnostics, SimStopPhaseOtherThanPost) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[sim]
stop = { cond = "x > 2", phase = "pre" }
)toml",
               8, 34, "[sim.stop] phase must be \"post\", not \"pre\"");
}

TEST(Diagnostics, SimStopConditionUnknownName) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[sim]
stop = "x + yy > 2"
)toml",
               8, 13, "unknown name 'yy' in the stop condition");
}

TEST(Diagnostics, LogPrefixNamesTheWrongKind) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[params]
a = 2.0
[equations.rhs]
x = "a"
[events.e]
cond = "x > 2"
log = ["t", "param:x"]
)toml",
               11, 20, "'x' is not a param of this model");
}

TEST(Diagnostics, UnknownKeyInEvent) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[events.reset]
cond = "x > 1"
acton = "x = 0"
)toml",
               9, 1, "unknown key 'acton' in [events.reset]", "did you mean 'action'?");
}

TEST(Diagnostics, UnknownKeyWithoutCloseMatchListsTheKeys) {
  const ModelError e = model_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1"
[events.e]
cond = "x > 1"
zzzzzz = 1
)toml");
  EXPECT_EQ(e.where().line, 9);
  EXPECT_EQ(e.where().column, 1);
  EXPECT_TRUE(contains(e.hint(), "cond, action, phase, tags, log")) << e.hint();
}

// ---------- TOML syntax and positions inside strings ----------

TEST(Diagnostics, TomlSyntaxError) {
  const ModelError e = model_error(R"toml([model]
type = "ode"
[states]
x = 1.0 2
)toml");
  EXPECT_EQ(e.where().line, 4);
  EXPECT_EQ(e.where().column, 9);
  EXPECT_FALSE(e.message().empty());
  EXPECT_EQ(e.source_line(), "x = 1.0 2");
}

TEST(Diagnostics, SyntaxErrorInOneLineString) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "x ^ 2"
)toml",
               6, 8, "syntax error: unexpected character '^'", "**");
}

TEST(Diagnostics, SyntaxErrorInMultiLineBlockAfterEscapes) {
  // The decoded string is shorter than the raw text: \t is one character, and the line-ending
  // backslash swallows the newline and the indentation. The column must still be the file's.
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = """
dx = \tx + 1 \
     * 2 $ 3
"""
)toml",
               8, 10, "syntax error: unexpected character '$'");
}

TEST(Diagnostics, SyntaxErrorAfterEscapeFollowingLineEndingBackslash) {
  // \u0020 right after a line-ending backslash's trimmed white space: six raw bytes, one decoded.
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = """
dx = x + 1 \
     \u0020* 2 $ 3
"""
)toml",
               8, 16, "unexpected character '$'");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = """
dx = x + 1 \
  \
     \\ * 2
"""
)toml",
               9, 6, "unexpected character '\\'");
}

TEST(Diagnostics, SyntaxErrorOnLaterLineOfBlock) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 0.0
[equations]
expr = """
dx = "\ty"
dy = (x +
      2 *) - 1
"""
)toml",
               8, 6, "unexpected character '\"'");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
y = 0.0
[equations]
expr = """
dx = \ty
dy = (x +
      2 *) - 1
"""
)toml",
               10, 10, "expected an expression, found ')'");
}

TEST(Diagnostics, SyntaxErrorInBasicStringWithEscapes) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "\u0078 \t+ \"x\" "
)toml",
               6, 17, "unexpected character '\"'");
}

TEST(Diagnostics, SyntaxErrorInLiteralStrings) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = 'x \t + 1'
)toml",
               6, 8, "unexpected character '\\'");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations]
expr = '''
dx = x + 1 \
  + 1 @
'''
)toml",
               8, 7, "unexpected character '@'");  // no escapes: '\' + newline continues the line
}

TEST(Diagnostics, SyntaxErrorAtEndOfString) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "x +"
)toml",
               6, 9, "expected an expression, found end of expression");
}

TEST(Diagnostics, SyntaxErrorWithMultiByteCharacters) {
  // Columns count characters, not bytes: "é" is two bytes but one column.
  expect_error(
      "[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[equations]\n"
      "expr = \"\"\"\ndx = x + 1 # é é\n     + é\n\"\"\"\n",
      8, 8, "unexpected character");
}

TEST(Diagnostics, SyntaxErrorInFileWithCrlfLineEndings) {
  expect_error(
      "[model]\r\ntype = \"ode\"\r\n[states]\r\nx = 1.0\r\n[equations]\r\n"
      "expr = \"\"\"\r\ndx = (1 +\r\n  x) $\r\n\"\"\"\r\n",
      8, 6, "unexpected character '$'");
  const ModelError e = model_error(
      "[model]\r\ntype = \"ode\"\r\n[states]\r\nx = 1.0\r\n[equations.rhs]\r\nx = \"-y\"\r\n");
  EXPECT_EQ(e.where().line, 6);
  EXPECT_EQ(e.where().column, 7);
  EXPECT_EQ(e.source_line(), "x = \"-y\"");  // without the '\r'
}

// ---------- event macros ----------

TEST(Diagnostics, EventMacroOutsideEventCond) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "1 + cross_up(x, 0)"
)toml",
               6, 10, "cross_up() is an event macro; use it in an event's cond");
}

TEST(Diagnostics, EventMacroFirstArgumentNotAState) {
  expect_error(R"toml([model]
type = "ode"
[states]
volt = 1.0
[params]
vth = 1
[equations.rhs]
volt = "-volt"
[events.spike]
cond = "cross_up(vth, 0) or changed(volt)"
)toml",
               10, 18, "the first argument of cross_up() must be a state");
  expect_error(R"toml([model]
type = "ode"
[states]
volt = 1.0
[equations.rhs]
volt = "-volt"
[events.spike]
cond = "increasing(vlt)"
)toml",
               8, 20, "the first argument of increasing() must be a state", "did you mean 'volt'?");
  expect_error(R"toml([model]
type = "ode"
[states]
volt = 1.0
[equations.rhs]
volt = "-volt"
[events.spike]
cond = "changed(2 * volt)"
)toml",
               8, 17, "the first argument of changed() must be a state");
}

// ---------- int64 models ----------

std::string int_map(const std::string& rhs) {
  return "[model]\ntype = \"map\"\ndtype = \"int64\"\n[states]\nx = 27\n[equations.rhs]\nx = \"" +
         rhs + "\"\n";
}

TEST(Diagnostics, Int64TrueDivision) {
  expect_error(int_map("x / 2"), 7, 8, "'/' is true division, not allowed in an int64 model", "//");
  expect_error(int_map("(x + 1)/2"), 7, 13, "'/' is true division", "//");
  expect_error(R"toml([model]
type = "map"
dtype = "int64"
[states]
x = 27
[equations]
expr = """
x = (x + 1  # (comment / with slash)
    )   / 2
"""
)toml",
               9, 9, "'/' is true division", "//");
}

TEST(Diagnostics, Int64FloatLiteral) {
  expect_error(int_map("x + 2.5"), 7, 10, "int64 models only take integer numbers");
  expect_error(int_map("x * 1e3"), 7, 10, "int64 models only take integer numbers");
}

TEST(Diagnostics, Int64FloatFunction) {
  expect_error(int_map("x + sin(x)"), 7, 10,
               "sin() works on floats; not allowed in an int64 model");
}

TEST(Diagnostics, Int64Time) {
  expect_error(int_map("x + t"), 7, 10, "time 't' is a float and cannot be used in an int64 model");
}

TEST(Diagnostics, Int64Pi) {
  expect_error(int_map("x + pi"), 7, 10, "'pi' is not an integer");
}

TEST(Diagnostics, Int64NegativeExponent) {
  expect_error(int_map("x ** -1"), 7, 11,
               "int64 powers need a non-negative integer literal exponent");
}

TEST(Diagnostics, Int64OverflowInConstant) {
  struct Case {
    const char* expr;
    int column;
  };
  for (const Case& c :
       {Case{"9223372036854775807 + 1", 6}, Case{"-(-9223372036854775807 - 1)", 6},
        Case{"2 ** 63", 6}, Case{"(-9223372036854775807 - 1) // -1", 7},
        Case{"abs(-9223372036854775807 - 1)", 6}, Case{"prod(i for i in range(1, 30))", 6},
        Case{"3037000500 * 3037000500", 6}}) {
    SCOPED_TRACE(c.expr);
    expect_error(std::string("[model]\ntype = \"map\"\ndtype = \"int64\"\n[constants]\nc = \"") +
                     c.expr + "\"\n[states]\nx = 1\n[equations.rhs]\nx = \"x\"\n",
                 5, c.column, "constant 'c': integer overflow: the result does not fit in int64");
  }
  // Reported at the operation that overflows.
  expect_error(R"toml([model]
type = "map"
dtype = "int64"
[params]
p = "1 + 2 * 4611686018427387904"
[states]
x = 1
[equations.rhs]
x = "x"
)toml",
               5, 10, "param 'p': integer overflow");
}

TEST(Diagnostics, Int64FloatParam) {
  expect_error(R"toml([model]
type = "map"
dtype = "int64"
[params]
k = 1.5
[states]
x = 1
[equations.rhs]
x = "x + k"
)toml",
               5, 5, "int64 models only take integer numbers");
}

// ---------- arrays and ranges ----------

TEST(Diagnostics, ArrayParamWithoutIndex) {
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
[states]
x = 1
[equations.rhs]
x = "2 * w"
)toml",
               8, 10, "'w' is an array param; index it, e.g. w[0]");
}

TEST(Diagnostics, IndexOutOfRangeConstant) {
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
[states]
x = 1
[equations.rhs]
x = "w[3] * 2"
)toml",
               8, 8, "index 3 is out of range for 'w' of size 3");
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
[states]
x = 1
[equations.rhs]
x = "w[-1]"
)toml",
               8, 8, "index -1 is out of range for 'w' of size 3");
}

TEST(Diagnostics, IndexOutOfRangeThroughLoopVariable) {
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
[states]
x = 1
[equations.rhs]
x = "sum(w[i] for i in range(4))"
)toml",
               8, 12, "index may be out of range for 'w' of size 3: it takes values from 0 to 3");
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
[states]
x = 1
[equations.rhs]
x = "sum(w[i + 1] for i in range(0, 3))"
)toml",
               8, 12, "it takes values from 1 to 3");
}

TEST(Diagnostics, IndexAndRangeBoundsAtInt64Limits) {
  // Extreme bounds must give an ordinary diagnostic (no overflow in the range analysis).
  const std::string head =
      "[model]\ntype = \"map\"\ndtype = \"int64\"\n[constants]\nc = \"-9223372036854775807 - 1\"\n"
      "[params]\nw = [1, 2]\n[states]\nx = 1\n[equations.rhs]\nx = \"";
  for (const char* rhs : {"w[-c]", "w[c - 1]", "w[c // -1]", "w[c * c]"}) {
    SCOPED_TRACE(rhs);
    expect_error(head + rhs + "\"\n", 11, 8, "is out of range for 'w' of size 2");
  }
  expect_error(head + "sum(w[i] for i in range(9223372036854775807, 0, -1))\"\n", 11, 12,
               "index may be out of range for 'w' of size 2");
  for (const char* rhs : {"sum(x for i in range(0, 9223372036854775807, -1))",
                          "sum(x for i in range(c))", "sum(x for i in range(0, 1, c))"}) {
    SCOPED_TRACE(rhs);
    EXPECT_NO_THROW(load_model_text(head + rhs + "\"\n", "m.toml"));
  }
}

TEST(Diagnostics, IndexingAScalar) {
  expect_error(R"toml([model]
type = "ode"
[params]
k = 2
[states]
x = 1
[equations.rhs]
x = "k[0]"
)toml",
               8, 6, "cannot index 'k': it is a scalar param");
}

TEST(Diagnostics, RangeBoundNotConstant) {
  expect_error(R"toml([model]
type = "ode"
[params]
w = [1, 2, 3]
n = 3
[states]
x = 1
[equations.rhs]
x = "sum(w[i] for i in range(n))"
)toml",
               9, 30, "a range bound must be an integer expression of integer literals");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "sum(i for i in range(0, 2.5))"
)toml",
               6, 30, "a range bound must be an integer expression");
}

TEST(Diagnostics, RangeStepZero) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "sum(i for i in range(0, 4, 2 - 2))"
)toml",
               6, 33, "the range step must not be zero");
}

// ---------- reserved names ----------

TEST(Diagnostics, ReservedNames) {
  struct Case {
    const char* name;
    const char* message;
  };
  const Case cases[] = {
      {"t", "'t' is predefined"},
      {"pi", "'pi' is predefined"},
      {"e", "'e' is predefined"},
      {"sin", "'sin' is the name of a builtin function"},
      {"sum", "'sum' is the name of a builtin function"},
      {"cross_up", "'cross_up' is the name of a builtin function"},
      {"lag_x", "'lag_x' starts with 'lag_', which is reserved for lagged states"},
      {"if", "'if' is a reserved word"},
      {"lambda", "'lambda' is a reserved word"},
      {"None", "'None' is a reserved word"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_error(std::string("[model]\ntype = \"ode\"\n[states]\nx = 1.0\n") + c.name + " = 2.0\n",
                 5, 1, c.message);
    expect_error(std::string("[model]\ntype = \"ode\"\n[params]\n  ") + c.name +
                     " = 2.0\n[states]\nx = 1.0\n",
                 4, 3, c.message);
  }
}

TEST(Diagnostics, InvalidNameInQuotedKey) {
  expect_error(R"toml([model]
type = "ode"
[states]
"my x" = 1.0
)toml",
               4, 1, "invalid state name 'my x'");
}

// ---------- presets ----------

TEST(Diagnostics, PresetUnknownParam) {
  expect_error(R"toml([model]
type = "ode"
[params]
alpha = 1
[states]
x = 1
[equations.rhs]
x = "-alpha * x"
[presets.slow.params]
alpah = 2
)toml",
               10, 1, "preset 'slow' sets unknown param 'alpah'", "did you mean 'alpha'?");
}

TEST(Diagnostics, PresetUnknownState) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[presets.p.states]
y = 2
)toml",
               8, 1, "preset 'p' sets unknown state 'y'", "");
}

// One-letter names are no typos of each other: 'y' is not offered for 'x' (nor 'C' for 'x').
TEST(Diagnostics, NoDidYouMeanBetweenOneLetterNames) {
  try {
    load_model_text("[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\nx = \"-y\"\n",
                    "m.toml");
    FAIL() << "no error";
  } catch (const dynlib::ModelError& e) {
    EXPECT_EQ(e.hint(), "");
  }
}

// ---------- order of constants and params ----------

TEST(Diagnostics, ConstantUsingLaterConstant) {
  expect_error(
      R"toml([model]
type = "ode"
[constants]
a = "2 * b"
b = 3
[states]
x = 1
[equations.rhs]
x = "-x"
)toml",
      4, 10, "constant 'b' is defined later; constants may only use constants defined before them");
}

TEST(Diagnostics, ParamUsingLaterParam) {
  expect_error(R"toml([model]
type = "ode"
[params]
a = "2 * b"
b = 3
[states]
x = 1
[equations.rhs]
x = "-x"
)toml",
               4, 10, "param 'b' is defined later; params may only use params defined before them");
}

TEST(Diagnostics, ParamUsingState) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[params]
a = "x * 2"
[equations.rhs]
x = "-x"
)toml",
               6, 6, "the state 'x' cannot be used in [params]");
}

TEST(Diagnostics, ConstantUsingParam) {
  expect_error(R"toml([model]
type = "ode"
[params]
p = 1
[constants]
c = "p + 1"
[states]
x = 1
[equations.rhs]
x = "-x"
)toml",
               6, 6, "the param 'p' cannot be used in [constants]");
}

TEST(Diagnostics, InitialValueUsingState) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
y = "x + 1"
[equations.rhs]
x = "-x"
y = "-y"
)toml",
               5, 6, "the state 'x' cannot be used in an initial value");
}

TEST(Diagnostics, ConstantDivisionByZero) {
  expect_error(R"toml([model]
type = "ode"
[constants]
c = "1 / (2 - 2)"
[states]
x = 1
[equations.rhs]
x = "-x"
)toml",
               4, 11, "division by zero");
}

// ---------- other schema checks ----------

TEST(Diagnostics, EmptyExpression) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "   "
)toml",
               6, 5, "equation of 'x' is empty");
}

TEST(Diagnostics, BadPhase) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[events.e]
cond = "x > 1"
phase = "strat"
)toml",
               9, 9, "phase must be \"start\", \"end\" or \"both\"", "did you mean 'start'?");
}

TEST(Diagnostics, EventWithoutCond) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[events.e]
action = "x = 0"
)toml",
               7, 9, "event 'e' has no cond");
}

TEST(Diagnostics, AssignedTwiceInOneAction) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[events.e]
cond = "x > 1"
action = "x = 0; x += 1"
)toml",
               9, 18, "'x' is assigned twice in one action");
}

TEST(Diagnostics, InverseOnlyForMaps) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[equations.inverse]
expr = "x = 1"
)toml",
               7, 1, "[equations.inverse] is only for maps");
}

TEST(Diagnostics, InverseMissingState) {
  expect_error(R"toml([model]
type = "map"
[states]
x = 1
y = 1
[equations.rhs]
x = "y"
y = "x"
[equations.inverse.rhs]
x = "y"
)toml",
               9, 1, "the inverse map has no equation for state 'y'");
}

TEST(Diagnostics, InverseUnknownKey) {
  expect_error(R"toml([model]
type = "map"
[states]
x = 1
[equations.rhs]
x = "2 * x"
[equations.inverse]
x = "x / 2"
)toml",
               8, 1, "unknown key 'x' in [equations.inverse]");
}

TEST(Diagnostics, SimValues) {
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[sim]
dt = -0.1
)toml",
               8, 6, "dt must be positive");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[sim]
t0 = 5
t_end = 1
)toml",
               9, 9, "t_end must not be before t0");
  expect_error(R"toml([model]
type = "ode"
[states]
x = 1
[equations.rhs]
x = "-x"
[sim]
controller = "PI"
)toml",
               8, 14, "controller must be \"pi\" or \"standard\"");
}

}  // namespace
}  // namespace dynlib::dsl

// Models deep or large enough to overflow a recursive walk or to explode when functions are
// inlined: each loads, lowers, differentiates and generates code, or is refused with a clear
// error at file:line:col; never a stack overflow (this suite also runs under ASan, whose frames are
// larger).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "codegen/codegen.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/derivative.hpp"
#include "ir/ir.hpp"

namespace {

using namespace dynlib;

// f0 calls f1, which calls f2, ... `body` is f_i's expression given f_(i+1)'s name.
template <class Body>
std::string function_chain(int depth, Body body) {
  std::string t =
      "[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\nx = \"f0(x)\"\n"
      "[aux]\na = \"f0(2 * x)\"\n";
  for (int i = 0; i < depth; ++i) {
    const std::string next = "f" + std::to_string(i + 1);
    t += "[functions.f" + std::to_string(i) + "]\nargs = [\"u\"]\nexpr = \"" +
         (i + 1 < depth ? body(next) : std::string("u")) + "\"\n";
  }
  return t;
}

std::string one_equation(const std::string& expr) {
  return "[model]\ntype = \"ode\"\n[states]\nx = 1\n[equations.rhs]\nx = \"" + expr + "\"\n";
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The ModelError `text` gives, or "" if it loads and lowers.
std::string load_and_lower_error(const std::string& text) {
  try {
    ir::lower(dsl::load_model_text(text, "deep.toml"));
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(DeepModels, ALongChainOfFunctionCallsIsRefusedAtTheCallThatGoesTooDeep) {
  for (int depth : {10'000, 100'000}) {
    SCOPED_TRACE(depth);
    const std::string what = load_and_lower_error(
        function_chain(depth, [](const std::string& next) { return next + "(u) + 1"; }));
    EXPECT_NE(what.find("function call chain deeper than 5000 levels"), std::string::npos) << what;
    EXPECT_EQ(what.rfind("deep.toml:", 0), 0u) << what;  // file:line:col first
  }
}

TEST(DeepModels, AChainWithinTheBoundLowersRunsAndGeneratesCode) {
  const int depth = 2000;  // two levels per function: 4000 of the 5000
  dsl::ModelSpec spec = dsl::load_model_text(
      function_chain(depth, [](const std::string& next) { return next + "(u) + 1"; }), "deep.toml");
  auto m = std::make_shared<ir::Module>(ir::lower(spec));
  ir::add_derivatives(*m);
  EXPECT_FALSE(codegen::generate(*m, {"rk4"}).whole().empty());
  interp::InterpModel<double> vm(interp::compile(m));
  const double y[1] = {1.0};
  double dy[1] = {0}, aux[1] = {0};
  kernel::LagView<double> lag;
  vm.rhs(0.0, y, nullptr, lag, dy);
  vm.aux(0.0, y, nullptr, lag, aux);
  EXPECT_EQ(dy[0], 1.0 + (depth - 1));
  EXPECT_EQ(aux[0], 2.0 + (depth - 1));
}

TEST(DeepModels, TheDeepestModelTheBoundsAcceptLowers) {
  // A chain just inside the bound (two levels per function), called at the bottom of an equation
  // as tall as the parser allows: lowering recurses about 7000 levels (under ASan too).
  std::string t = function_chain(2490, [](const std::string& next) { return next + "(u) + 1"; });
  std::string tall = "f0(x)";  // the leftmost leaf of a left-nested sum
  for (int i = 0; i < 1990; ++i) tall += " + 1";
  const std::string equation = "x = \"f0(x)\"";
  t.replace(t.find(equation), equation.size(), "x = \"" + tall + "\"");
  auto m = std::make_shared<ir::Module>(ir::lower(dsl::load_model_text(t, "deep.toml")));
  ir::add_derivatives(*m);
  EXPECT_FALSE(codegen::generate(*m, {"rk4"}).whole().empty());
}

TEST(DeepModels, FunctionsThatMultiplyWhenInlinedAreRefusedBeforeExhaustingMemory) {
  // Each function calls the next twice with different arguments: 2^40 operations once inlined.
  const std::string what = load_and_lower_error(function_chain(
      40, [](const std::string& next) { return next + "(u * 2) * " + next + "(u * 3)"; }));
  EXPECT_NE(what.find("the model is too large"), std::string::npos) << what;
  EXPECT_NE(what.find("deep.toml:6:6:"), std::string::npos) << what;  // x = "f0(x)", at f0
}

TEST(DeepModels, DeeplyNestedOrHugeExpressionsAreRefusedClearly) {
  const int n = 100'000;
  const struct {
    std::string expr;
    const char* message;
  } cases[] = {
      {repeat("(", n) + "x" + repeat(")", n), "nested too deeply"},
      {repeat("sin(", n) + "x" + repeat(")", n), "nested too deeply"},
      {repeat("-", n) + "x", "nested too deeply"},
      {repeat("not ", n) + "x", "nested too deeply"},
      {"x" + repeat(" + x", n), "too large"},
      {"x" + repeat(" * x", n), "too large"},
      {"x" + repeat(" ** x", n), "nested too deeply"},
      {"x" + repeat(" < x", n), ""},  // one comparison chain: a flat node, accepted
      {repeat("x if x > 0 else ", n) + "x", "nested too deeply"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expr.substr(0, 20));
    const std::string what = load_and_lower_error(one_equation(c.expr));
    if (*c.message == 0) {
      EXPECT_EQ(what, "");
    } else {
      EXPECT_NE(what.find(c.message), std::string::npos) << what.substr(0, 400);
      EXPECT_EQ(what.rfind("deep.toml:", 0), 0u) << what.substr(0, 400);
      EXPECT_LT(what.size(), 1000u);  // the line is shown as a window, not 100k characters
    }
  }
}

TEST(DeepModels, DeeplyNestedTomlIsRefusedClearly) {
  const int n = 100'000;
  const std::string text = one_equation("x") + "[sim]\nextra = " + repeat("[", n) + repeat("]", n) +
                           "\n" + "[presets.p]\nx = {a = " + repeat("{b = ", n) + "1" +
                           repeat("}", n) + "}\n";
  EXPECT_NE(load_and_lower_error(text), "");
}

TEST(DeepModels, ALongChainOfAuxVariablesWorks) {
  const int n = 100'000;
  std::string t = one_equation("a0") + "[aux]\n";
  for (int i = 0; i < n; ++i)
    t += "a" + std::to_string(i) + " = \"" +
         (i + 1 < n ? "a" + std::to_string(i + 1) + " + 1" : std::string("x")) + "\"\n";
  EXPECT_EQ(load_and_lower_error(t), "");
}

}  // namespace

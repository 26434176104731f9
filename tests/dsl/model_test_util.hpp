// Helpers shared by the front-end tests (test_parser, test_diagnostics, test_model).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "dsl/ast.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/parser.hpp"
#include "dynlib/errors.hpp"

namespace dynlib::testing {

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The tree in prefix form with every node parenthesized, so a test states the shape the parser
// built: "a + b * c" -> "(+ a (* b c))". Numbers print as written in the tree (ints bare, floats
// with a trailing 'f' flag when not integer literals), calls as (call f args...).
inline std::string sexpr(const dsl::Expr& e) {
  using dsl::ExprKind;
  auto args = [&](size_t from, size_t to) {
    std::string s;
    for (size_t i = from; i < to; ++i) s += " " + sexpr(*e.args[i]);
    return s;
  };
  switch (e.kind) {
    case ExprKind::Number: {
      if (e.is_integer_literal) return std::to_string(e.int_value);
      std::string s = std::to_string(e.number);
      return s + "f";
    }
    case ExprKind::Name:
      return e.name;
    case ExprKind::Unary:
      return std::string("(") + (e.op == dsl::Op::Neg ? "neg" : "pos") + args(0, 1) + ")";
    case ExprKind::Binary:
      return std::string("(") + dsl::op_text(e.op) + args(0, 2) + ")";
    case ExprKind::Compare: {
      std::string s = "(cmp " + sexpr(*e.args[0]);
      for (size_t i = 0; i < e.compare_ops.size(); ++i)
        s += std::string(" ") + dsl::op_text(e.compare_ops[i]) + " " + sexpr(*e.args[i + 1]);
      return s + ")";
    }
    case ExprKind::And:
      return "(and" + args(0, 2) + ")";
    case ExprKind::Or:
      return "(or" + args(0, 2) + ")";
    case ExprKind::Not:
      return "(not" + args(0, 1) + ")";
    case ExprKind::Conditional:
      return "(if" + args(0, 3) + ")";
    case ExprKind::Call:
      return "(call " + e.name + args(0, e.args.size()) + ")";
    case ExprKind::Index:
      return "(index " + e.name + args(0, 1) + ")";
    case ExprKind::Reduction: {
      std::string s = "(" + e.name + " " + e.loop_var + args(0, e.args.size());
      if (e.has_step) s += " :step";
      if (e.has_filter) s += " :filter";
      return s + ")";
    }
  }
  return "?";
}

inline std::string shape(const std::string& text) {
  return sexpr(*dsl::parse_expression(text));
}

// The error load_model_text throws for `text` (as file "m.toml"); fails the test if none.
inline ModelError model_error(const std::string& text) {
  try {
    dsl::load_model_text(text, "m.toml");
  } catch (const ModelError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ModelError for:\n" << text;
  return ModelError("(no error)", {});
}

// The syntax error parse_expression throws for `text`; fails the test if none.
inline dsl::ExprSyntaxError syntax_error(const std::string& text) {
  try {
    dsl::parse_expression(text);
  } catch (const dsl::ExprSyntaxError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a syntax error for: " << text;
  return dsl::ExprSyntaxError("(no error)", -1, -1);
}

// A one-state ODE with the given extra tables; the state x has equation `rhs`.
inline std::string ode_with(const std::string& rhs, const std::string& extra = {}) {
  return "[model]\ntype = \"ode\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"" + rhs + "\"\n" +
         extra;
}

}  // namespace dynlib::testing

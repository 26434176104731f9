// TOML values read as expressions (a string is parsed, a number becomes a literal) and as
// statement blocks, with syntax errors placed in the model file.

#include "dsl/frontend.hpp"

#include <cmath>

namespace dynlib::dsl::frontend {

// A string is parsed as an expression; a number becomes a literal.
Located Frontend::expr_value(const toml::node& n, const std::string& what) {
  Located l;
  if (const auto* s = n.as_string()) {
    l.src = file_.string_value(n, s->get());
    if (s->get().find_first_not_of(" \t\r\n") == std::string::npos)
      fail_node(n, fmt::format("{} is empty", what), "write an expression, e.g. \"0\"");
    l.expr = parse_located(*l.src);
    return l;
  }
  if (n.is_integer() || n.is_floating_point()) {
    const double v =
        n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    if (!std::isfinite(v)) fail_node(n, fmt::format("{} must be finite", what));
    std::string text =
        n.is_integer() ? std::to_string(n.as_integer()->get()) : fmt::format("{}", v);
    l.src = file_.at_value(n.source(), text);
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::Number;
    e->number = v;
    e->end = static_cast<int>(text.size());
    if (n.is_integer()) {
      e->is_integer_literal = true;
      e->int_value = n.as_integer()->get();
    }
    l.expr = std::move(e);
    return l;
  }
  fail_node(n, fmt::format("{} must be a number or a quoted expression", what));
}

ExprPtr Frontend::parse_located(const SourceText& src) {
  try {
    return parse_expression(src.text);
  } catch (const ExprSyntaxError& e) {
    fail_in(src, e.pos, fmt::format("syntax error: {}", e.what()), e.hint);
  }
}

std::vector<Assignment> Frontend::parse_block(const SourceText& src, StatementRules rules) {
  try {
    return parse_assignments(src.text, rules);
  } catch (const ExprSyntaxError& e) {
    fail_in(src, e.pos, fmt::format("syntax error: {}", e.what()), e.hint);
  }
}

}  // namespace dynlib::dsl::frontend

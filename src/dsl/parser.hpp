// Lexer and recursive-descent parser of the expression language (Python-like; see
// docs/modeling.md).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"

namespace dynlib::dsl {

// A syntax error inside one expression string; offsets are relative to that string. The front end
// maps them to file positions and turns this into a ModelError.
class ExprSyntaxError : public std::runtime_error {
 public:
  ExprSyntaxError(const std::string& message, int pos, int end, std::string hint = {})
      : std::runtime_error(message), pos(pos), end(end), hint(std::move(hint)) {}
  int pos, end;
  std::string hint;
};

ExprPtr parse_expression(std::string_view text);

// Statements separated by newlines or ';' (newlines inside brackets continue a statement; '#'
// starts a comment). Each is `target = expr`, and where allowed `target += expr` / `target -= expr`
// and `d(target) = expr`.
struct StatementRules {
  bool allow_augmented = false;  // += and -= (event actions)
  bool allow_d_call = false;     // d(x) = ... (ODE equations)
};
std::vector<Assignment> parse_assignments(std::string_view text, StatementRules rules);

// Reserved words of the language (cannot name a state, param, ...).
bool is_keyword(std::string_view word);

}  // namespace dynlib::dsl

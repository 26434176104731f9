#include "dsl/parser.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>

namespace dynlib::dsl {
namespace {

enum class Tok {
  Number,
  Name,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Newline,
  End,
  Plus,
  Minus,
  Star,
  Slash,
  SlashSlash,
  Percent,
  StarStar,
  Lt,
  Le,
  Gt,
  Ge,
  EqEq,
  Ne,
  Assign,
  PlusAssign,
  MinusAssign,
  KwAnd,
  KwOr,
  KwNot,
  KwIf,
  KwElse,
  KwFor,
  KwIn,
};

struct Token {
  Tok kind;
  int pos, end;
  std::string_view text;
};

constexpr std::string_view kKeywords[] = {"and", "or",     "not", "if",   "else",  "for",
                                          "in",  "lambda", "is",  "True", "False", "None"};

const char* describe(Tok t) {
  switch (t) {
    case Tok::Number:
      return "a number";
    case Tok::Name:
      return "a name";
    case Tok::LParen:
      return "'('";
    case Tok::RParen:
      return "')'";
    case Tok::LBracket:
      return "'['";
    case Tok::RBracket:
      return "']'";
    case Tok::Comma:
      return "','";
    case Tok::Semicolon:
      return "';'";
    case Tok::Newline:
      return "end of line";
    case Tok::End:
      return "end of expression";
    case Tok::Plus:
      return "'+'";
    case Tok::Minus:
      return "'-'";
    case Tok::Star:
      return "'*'";
    case Tok::Slash:
      return "'/'";
    case Tok::SlashSlash:
      return "'//'";
    case Tok::Percent:
      return "'%'";
    case Tok::StarStar:
      return "'**'";
    case Tok::Lt:
      return "'<'";
    case Tok::Le:
      return "'<='";
    case Tok::Gt:
      return "'>'";
    case Tok::Ge:
      return "'>='";
    case Tok::EqEq:
      return "'=='";
    case Tok::Ne:
      return "'!='";
    case Tok::Assign:
      return "'='";
    case Tok::PlusAssign:
      return "'+='";
    case Tok::MinusAssign:
      return "'-='";
    case Tok::KwAnd:
      return "'and'";
    case Tok::KwOr:
      return "'or'";
    case Tok::KwNot:
      return "'not'";
    case Tok::KwIf:
      return "'if'";
    case Tok::KwElse:
      return "'else'";
    case Tok::KwFor:
      return "'for'";
    case Tok::KwIn:
      return "'in'";
  }
  return "?";
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Splits the text into tokens. Newlines are tokens only outside brackets, so a statement may
// continue over several lines inside parentheses as in Python.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::vector<int> open_brackets;  // positions, to report an unclosed one
  const int n = static_cast<int>(s.size());
  int i = 0;
  auto add = [&](Tok k, int len) {
    out.push_back({k, i, i + len, s.substr(static_cast<size_t>(i), static_cast<size_t>(len))});
    i += len;
  };
  while (i < n) {
    const char c = s[static_cast<size_t>(i)];
    const char next = i + 1 < n ? s[static_cast<size_t>(i + 1)] : '\0';
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '\\' && (next == '\n' || next == '\r')) {
      i += 2;  // explicit line continuation
    } else if (c == '#') {
      while (i < n && s[static_cast<size_t>(i)] != '\n') ++i;
    } else if (c == '\n') {
      if (open_brackets.empty())
        add(Tok::Newline, 1);
      else
        ++i;
    } else if (is_digit(c) || (c == '.' && is_digit(next))) {
      int j = i;
      while (j < n && is_digit(s[static_cast<size_t>(j)])) ++j;
      if (j < n && s[static_cast<size_t>(j)] == '.') {
        ++j;
        while (j < n && is_digit(s[static_cast<size_t>(j)])) ++j;
      }
      if (j < n && (s[static_cast<size_t>(j)] == 'e' || s[static_cast<size_t>(j)] == 'E')) {
        int k = j + 1;
        if (k < n && (s[static_cast<size_t>(k)] == '+' || s[static_cast<size_t>(k)] == '-')) ++k;
        if (k < n && is_digit(s[static_cast<size_t>(k)])) {
          while (k < n && is_digit(s[static_cast<size_t>(k)])) ++k;
          j = k;
        } else {
          throw ExprSyntaxError("malformed number: exponent has no digits", i, k);
        }
      }
      if (j < n && (is_name_start(s[static_cast<size_t>(j)]) || s[static_cast<size_t>(j)] == '.')) {
        int k = j;
        while (k < n && (is_name_start(s[static_cast<size_t>(k)]) ||
                         is_digit(s[static_cast<size_t>(k)]) || s[static_cast<size_t>(k)] == '.'))
          ++k;
        throw ExprSyntaxError(fmt::format("malformed number '{}'", s.substr(i, k - i)), i, k,
                              "write a multiplication explicitly, e.g. 2*x");
      }
      add(Tok::Number, j - i);
    } else if (is_name_start(c)) {
      int j = i + 1;
      while (j < n &&
             (is_name_start(s[static_cast<size_t>(j)]) || is_digit(s[static_cast<size_t>(j)])))
        ++j;
      const std::string_view word = s.substr(static_cast<size_t>(i), static_cast<size_t>(j - i));
      Tok k = Tok::Name;
      if (word == "and")
        k = Tok::KwAnd;
      else if (word == "or")
        k = Tok::KwOr;
      else if (word == "not")
        k = Tok::KwNot;
      else if (word == "if")
        k = Tok::KwIf;
      else if (word == "else")
        k = Tok::KwElse;
      else if (word == "for")
        k = Tok::KwFor;
      else if (word == "in")
        k = Tok::KwIn;
      add(k, j - i);
    } else {
      switch (c) {
        case '(':
          open_brackets.push_back(i);
          add(Tok::LParen, 1);
          break;
        case '[':
          open_brackets.push_back(i);
          add(Tok::LBracket, 1);
          break;
        case ')':
        case ']':
          if (!open_brackets.empty()) open_brackets.pop_back();
          add(c == ')' ? Tok::RParen : Tok::RBracket, 1);
          break;
        case ',':
          add(Tok::Comma, 1);
          break;
        case ';':
          add(Tok::Semicolon, 1);
          break;
        case '+':
          next == '=' ? add(Tok::PlusAssign, 2) : add(Tok::Plus, 1);
          break;
        case '-':
          next == '=' ? add(Tok::MinusAssign, 2) : add(Tok::Minus, 1);
          break;
        case '*':
          next == '*' ? add(Tok::StarStar, 2) : add(Tok::Star, 1);
          break;
        case '/':
          next == '/' ? add(Tok::SlashSlash, 2) : add(Tok::Slash, 1);
          break;
        case '%':
          add(Tok::Percent, 1);
          break;
        case '<':
          next == '=' ? add(Tok::Le, 2) : add(Tok::Lt, 1);
          break;
        case '>':
          next == '=' ? add(Tok::Ge, 2) : add(Tok::Gt, 1);
          break;
        case '=':
          next == '=' ? add(Tok::EqEq, 2) : add(Tok::Assign, 1);
          break;
        case '!':
          if (next == '=') {
            add(Tok::Ne, 2);
            break;
          }
          throw ExprSyntaxError("unexpected character '!'", i, i + 1, "use 'not' for negation");
        case '^':
          throw ExprSyntaxError("unexpected character '^'", i, i + 1, "use ** for powers");
        case '&':
          throw ExprSyntaxError("unexpected character '&'", i, i + 1, "use 'and'");
        case '|':
          throw ExprSyntaxError("unexpected character '|'", i, i + 1, "use 'or'");
        default: {
          const unsigned char u = static_cast<unsigned char>(c);
          const std::string shown =
              (u < 0x20 || u >= 0x7f) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
          throw ExprSyntaxError(fmt::format("unexpected character '{}'", shown), i, i + 1,
                                "names use only letters, digits and '_'");
        }
      }
    }
  }
  if (!open_brackets.empty()) {
    const int at = open_brackets.back();
    throw ExprSyntaxError(fmt::format("'{}' is never closed", s[static_cast<size_t>(at)]), at,
                          at + 1);
  }
  out.push_back({Tok::End, n, n, {}});
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), toks_(tokenize(text)) {}

  ExprPtr parse_single_expression() {
    skip_newlines();
    ExprPtr e = expression();
    skip_newlines();
    if (peek().kind != Tok::End) unexpected("end of expression");
    return e;
  }

  std::vector<Assignment> parse_statements(StatementRules rules) {
    std::vector<Assignment> out;
    for (;;) {
      while (peek().kind == Tok::Newline || peek().kind == Tok::Semicolon) advance();
      if (peek().kind == Tok::End) break;
      out.push_back(statement(rules));
      const Tok k = peek().kind;
      if (k != Tok::Newline && k != Tok::Semicolon && k != Tok::End)
        unexpected("';' or a new line between statements");
    }
    return out;
  }

 private:
  const Token& peek(int ahead = 0) const {
    const size_t i = std::min(pos_ + static_cast<size_t>(ahead), toks_.size() - 1);
    return toks_[i];
  }
  const Token& advance() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool accept(Tok k) {
    if (peek().kind != k) return false;
    advance();
    return true;
  }
  void skip_newlines() {
    while (peek().kind == Tok::Newline) advance();
  }

  [[noreturn]] void unexpected(const std::string& expected) const {
    const Token& t = peek();
    std::string found = t.kind == Tok::End || t.kind == Tok::Newline ? describe(t.kind)
                                                                     : fmt::format("'{}'", t.text);
    std::string hint;
    if (t.kind == Tok::Assign) hint = "use == to compare";
    // Two operands in a row: most often a forgotten operator, as in `2 x` or `a b`.
    const Tok prev = pos_ > 0 ? toks_[pos_ - 1].kind : Tok::End;
    const bool operand_before =
        prev == Tok::Name || prev == Tok::Number || prev == Tok::RParen || prev == Tok::RBracket;
    if (operand_before && (t.kind == Tok::Name || t.kind == Tok::Number || t.kind == Tok::LParen))
      hint = "is an operator missing? write multiplication explicitly, e.g. a*b";
    throw ExprSyntaxError(fmt::format("expected {}, found {}", expected, found), t.pos,
                          std::max(t.end, t.pos + 1), hint);
  }
  const Token& expect(Tok k, const std::string& what) {
    if (peek().kind != k) unexpected(what);
    return advance();
  }

  static ExprPtr node(ExprKind kind, int pos, int end) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    e->end = end;
    return e;
  }

  // Every tree walk (checker, printer, lowering) recurses, so the tree's height is bounded here,
  // once, instead of in each of them.
  // Long flat chains (a1 + a2 + ... + a1000) are legitimate, deep bracket nesting is not.
  static constexpr int kMaxHeight = 2000;
  static constexpr int kMaxNesting = 200;
  ExprPtr finish(ExprPtr e) {
    int d = 0;
    for (const auto& a : e->args) d = std::max(d, a->depth);
    e->depth = d + 1;
    if (e->depth > kMaxHeight)
      throw ExprSyntaxError(
          fmt::format("expression is too large (more than {} levels deep)", kMaxHeight), e->pos,
          e->end, "split it with aux variables or functions");
    return e;
  }
  struct NestingGuard {  // bounds the parser's own recursion ((((...)))), - - - x, not not x)
    explicit NestingGuard(Parser& p) : p(p) {
      if (++p.nesting_ > kMaxNesting)
        throw ExprSyntaxError(
            fmt::format("expression is nested too deeply (more than {} levels)", kMaxNesting),
            p.peek().pos, p.peek().end, "split it with aux variables or functions");
    }
    ~NestingGuard() { --p.nesting_; }
    Parser& p;
  };

  Assignment statement(StatementRules rules) {
    Assignment a;
    const Token& first = peek();
    if (first.kind != Tok::Name) unexpected("a variable to assign, such as 'x = ...'");
    if (rules.allow_d_call && first.text == "d" && peek(1).kind == Tok::LParen) {
      advance();
      advance();
      const Token& var = expect(Tok::Name, "a state name inside d(...)");
      a.target = std::string(var.text);
      a.derivative = true;
      a.target_pos = first.pos;
      expect(Tok::RParen, "')' after the state name in d(...)");
      a.target_end = toks_[pos_ - 1].end;
    } else {
      advance();
      a.target = std::string(first.text);
      a.target_pos = first.pos;
      a.target_end = first.end;
    }
    const Token& op = peek();
    if (op.kind == Tok::Assign) {
      a.op = AssignOp::Set;
    } else if (rules.allow_augmented && op.kind == Tok::PlusAssign) {
      a.op = AssignOp::AddTo;
    } else if (rules.allow_augmented && op.kind == Tok::MinusAssign) {
      a.op = AssignOp::SubFrom;
    } else if (op.kind == Tok::PlusAssign || op.kind == Tok::MinusAssign) {
      throw ExprSyntaxError(fmt::format("{} is only allowed in event actions", describe(op.kind)),
                            op.pos, op.end);
    } else {
      unexpected("'=' after the assigned variable");
    }
    advance();
    a.value = expression();
    return a;
  }

  // conditional: or_test ['if' or_test 'else' conditional]
  ExprPtr expression() {
    NestingGuard guard(*this);
    ExprPtr then_branch = or_test();
    if (peek().kind != Tok::KwIf) return then_branch;
    advance();
    ExprPtr cond = or_test();
    if (peek().kind != Tok::KwElse)
      unexpected("'else' (a conditional is written 'a if condition else b')");
    advance();
    ExprPtr else_branch = expression();
    auto e = node(ExprKind::Conditional, then_branch->pos, else_branch->end);
    e->args.push_back(std::move(then_branch));
    e->args.push_back(std::move(cond));
    e->args.push_back(std::move(else_branch));
    return finish(std::move(e));
  }

  ExprPtr or_test() {
    ExprPtr lhs = and_test();
    while (peek().kind == Tok::KwOr) {
      advance();
      ExprPtr rhs = and_test();
      auto e = node(ExprKind::Or, lhs->pos, rhs->end);
      e->args.push_back(std::move(lhs));
      e->args.push_back(std::move(rhs));
      lhs = finish(std::move(e));
    }
    return lhs;
  }

  ExprPtr and_test() {
    ExprPtr lhs = not_test();
    while (peek().kind == Tok::KwAnd) {
      advance();
      ExprPtr rhs = not_test();
      auto e = node(ExprKind::And, lhs->pos, rhs->end);
      e->args.push_back(std::move(lhs));
      e->args.push_back(std::move(rhs));
      lhs = finish(std::move(e));
    }
    return lhs;
  }

  ExprPtr not_test() {
    NestingGuard guard(*this);
    if (peek().kind == Tok::KwNot) {
      const int start = advance().pos;
      ExprPtr operand = not_test();
      auto e = node(ExprKind::Not, start, operand->end);
      e->args.push_back(std::move(operand));
      return finish(std::move(e));
    }
    return comparison();
  }

  static bool compare_op(Tok k, Op& op) {
    switch (k) {
      case Tok::Lt:
        op = Op::Lt;
        return true;
      case Tok::Le:
        op = Op::Le;
        return true;
      case Tok::Gt:
        op = Op::Gt;
        return true;
      case Tok::Ge:
        op = Op::Ge;
        return true;
      case Tok::EqEq:
        op = Op::Eq;
        return true;
      case Tok::Ne:
        op = Op::Ne;
        return true;
      default:
        return false;
    }
  }

  ExprPtr comparison() {
    ExprPtr first = arith();
    Op op;
    if (!compare_op(peek().kind, op)) return first;
    auto e = node(ExprKind::Compare, first->pos, first->end);
    e->args.push_back(std::move(first));
    while (compare_op(peek().kind, op)) {
      advance();
      e->compare_ops.push_back(op);
      e->args.push_back(arith());
    }
    e->end = e->args.back()->end;
    return finish(std::move(e));
  }

  ExprPtr binary(Op op, ExprPtr lhs, ExprPtr rhs) {
    auto e = node(ExprKind::Binary, lhs->pos, rhs->end);
    e->op = op;
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return finish(std::move(e));
  }

  ExprPtr arith() {
    ExprPtr lhs = term();
    for (;;) {
      const Tok k = peek().kind;
      if (k != Tok::Plus && k != Tok::Minus) return lhs;
      advance();
      lhs = binary(k == Tok::Plus ? Op::Add : Op::Sub, std::move(lhs), term());
    }
  }

  ExprPtr term() {
    ExprPtr lhs = factor();
    for (;;) {
      Op op;
      switch (peek().kind) {
        case Tok::Star:
          op = Op::Mul;
          break;
        case Tok::Slash:
          op = Op::Div;
          break;
        case Tok::SlashSlash:
          op = Op::FloorDiv;
          break;
        case Tok::Percent:
          op = Op::Mod;
          break;
        default:
          return lhs;
      }
      advance();
      lhs = binary(op, std::move(lhs), factor());
    }
  }

  ExprPtr factor() {
    NestingGuard guard(*this);
    const Tok k = peek().kind;
    if (k == Tok::Plus || k == Tok::Minus) {
      const int start = advance().pos;
      ExprPtr operand = factor();
      auto e = node(ExprKind::Unary, start, operand->end);
      e->op = k == Tok::Minus ? Op::Neg : Op::Pos;
      e->args.push_back(std::move(operand));
      return finish(std::move(e));
    }
    return power();
  }

  // power: primary ['**' factor] — right-associative and binding tighter than a unary minus on its
  // left, as in Python: -x**2 == -(x**2), 2**-1 == 0.5, a**b**c == a**(b**c).
  ExprPtr power() {
    ExprPtr base = primary();
    if (peek().kind != Tok::StarStar) return base;
    advance();
    return binary(Op::Pow, std::move(base), factor());
  }

  ExprPtr primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number:
        return number(advance());
      case Tok::LParen: {
        advance();
        ExprPtr inner = expression();
        expect(Tok::RParen, "')'");
        // Parentheses only group; the node keeps its own span so diagnostics point inside them.
        return inner;
      }
      case Tok::Name: {
        const Token& name = advance();
        if (peek().kind == Tok::LParen) return call(name);
        if (peek().kind == Tok::LBracket) {
          advance();
          auto e = node(ExprKind::Index, name.pos, name.end);
          e->name = std::string(name.text);
          e->name_end = name.end;
          e->args.push_back(expression());
          e->end = expect(Tok::RBracket, "']'").end;
          return finish(std::move(e));
        }
        auto e = node(ExprKind::Name, name.pos, name.end);
        e->name = std::string(name.text);
        e->name_end = name.end;
        return e;
      }
      default:
        unexpected("an expression");
    }
  }

  ExprPtr number(const Token& t) {
    auto e = node(ExprKind::Number, t.pos, t.end);
    const char* first = t.text.data();
    const char* last = first + t.text.size();
    const auto r = std::from_chars(first, last, e->number);
    if (r.ec == std::errc::result_out_of_range ||
        (r.ec == std::errc{} && !std::isfinite(e->number)))
      throw ExprSyntaxError(fmt::format("number {} is out of range for float64", t.text), t.pos,
                            t.end);
    if (r.ec != std::errc{} || r.ptr != last)
      throw ExprSyntaxError(fmt::format("malformed number '{}'", t.text), t.pos, t.end);
    if (t.text.find_first_of(".eE") == std::string_view::npos) {
      long long v = 0;
      const auto ri = std::from_chars(first, last, v);
      if (ri.ec == std::errc{} && ri.ptr == last) {
        e->is_integer_literal = true;
        e->int_value = v;
      }
    }
    return e;
  }

  ExprPtr call(const Token& name) {
    auto e = node(ExprKind::Call, name.pos, name.end);
    e->name = std::string(name.text);
    e->name_end = name.end;
    expect(Tok::LParen, "'('");
    if (peek().kind == Tok::RParen) {
      e->end = advance().end;
      return e;
    }
    ExprPtr first = expression();
    if (peek().kind == Tok::KwFor) return generator(std::move(e), std::move(first));
    e->args.push_back(std::move(first));
    while (accept(Tok::Comma)) {
      if (peek().kind == Tok::RParen) break;  // a trailing comma, as Python allows
      e->args.push_back(expression());
    }
    e->end = expect(Tok::RParen, "',' or ')' in the argument list").end;
    return finish(std::move(e));
  }

  // sum(body for i in range(a[, b[, s]]) [if cond]) — kept as a loop by later layers.
  ExprPtr generator(ExprPtr call_node, ExprPtr body) {
    if (call_node->name != "sum" && call_node->name != "prod")
      throw ExprSyntaxError(
          fmt::format(
              "a generator ('... for ... in range(...)') is only allowed in sum() or prod(), "
              "not in {}()",
              call_node->name),
          call_node->pos, call_node->name_end);
    auto e = node(ExprKind::Reduction, call_node->pos, call_node->end);
    e->name = call_node->name;
    e->name_end = call_node->name_end;
    advance();  // for
    const Token& var = expect(Tok::Name, "a loop variable after 'for'");
    e->loop_var = std::string(var.text);
    expect(Tok::KwIn, "'in' after the loop variable");
    const Token& range = expect(Tok::Name, "range(...) after 'in'");
    if (range.text != "range")
      throw ExprSyntaxError(fmt::format("expected range(...) after 'in', found '{}'", range.text),
                            range.pos, range.end, "loops run over range(start, stop[, step])");
    expect(Tok::LParen, "'(' after range");
    std::vector<ExprPtr> bounds;
    bounds.push_back(expression());
    while (accept(Tok::Comma)) bounds.push_back(expression());
    const Token& close = expect(Tok::RParen, "')' closing range(...)");
    if (bounds.size() > 3)
      throw ExprSyntaxError("range() takes 1 to 3 arguments", range.pos, close.end);
    e->args.push_back(std::move(body));
    if (bounds.size() == 1) {  // range(n) == range(0, n)
      auto zero = node(ExprKind::Number, range.pos, range.end);
      zero->is_integer_literal = true;
      e->args.push_back(std::move(zero));
    }
    for (auto& b : bounds) e->args.push_back(std::move(b));
    e->has_step = bounds.size() == 3;
    if (accept(Tok::KwIf)) {
      e->args.push_back(or_test());
      e->has_filter = true;
    }
    e->end = expect(Tok::RParen, "')' closing the generator").end;
    return finish(std::move(e));
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int nesting_ = 0;
};

}  // namespace

const char* op_text(Op op) {
  switch (op) {
    case Op::Add:
      return "+";
    case Op::Sub:
      return "-";
    case Op::Mul:
      return "*";
    case Op::Div:
      return "/";
    case Op::FloorDiv:
      return "//";
    case Op::Mod:
      return "%";
    case Op::Pow:
      return "**";
    case Op::Neg:
      return "-";
    case Op::Pos:
      return "+";
    case Op::Lt:
      return "<";
    case Op::Le:
      return "<=";
    case Op::Gt:
      return ">";
    case Op::Ge:
      return ">=";
    case Op::Eq:
      return "==";
    case Op::Ne:
      return "!=";
  }
  return "?";
}

ExprPtr clone(const Expr& e) {
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->pos = e.pos;
  c->end = e.end;
  c->number = e.number;
  c->int_value = e.int_value;
  c->is_integer_literal = e.is_integer_literal;
  c->name = e.name;
  c->name_end = e.name_end;
  c->op = e.op;
  c->compare_ops = e.compare_ops;
  c->loop_var = e.loop_var;
  c->has_step = e.has_step;
  c->has_filter = e.has_filter;
  c->ref = e.ref;
  c->ref_index = e.ref_index;
  c->depth = e.depth;
  c->args.reserve(e.args.size());
  for (const auto& a : e.args) c->args.push_back(clone(*a));
  return c;
}

bool is_keyword(std::string_view word) {
  for (auto k : kKeywords)
    if (k == word) return true;
  return false;
}

ExprPtr parse_expression(std::string_view text) {
  return Parser(text).parse_single_expression();
}

std::vector<Assignment> parse_assignments(std::string_view text, StatementRules rules) {
  return Parser(text).parse_statements(rules);
}

}  // namespace dynlib::dsl

// The expression language's lexer and parser (src/dsl/parser.cpp) and the printer (to_source):
// precedence and associativity, numbers, statements, round trips and syntax errors with offsets.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "dsl/parser.hpp"
#include "model_test_util.hpp"

namespace dynlib::dsl {
namespace {

using dynlib::testing::contains;
using dynlib::testing::sexpr;
using dynlib::testing::shape;
using dynlib::testing::syntax_error;

std::string printed(const std::string& text) {
  return to_source(*parse_expression(text));
}

// Value of an expression folded as a constant by the front end.
double const_value(const std::string& expr) {
  const ModelSpec m = load_model_text("[model]\ntype = \"map\"\n[constants]\nc = \"" + expr +
                                          "\"\n[states]\nx = 1.0\n[equations.rhs]\nx = \"x\"\n",
                                      "m.toml");
  return m.constants.at(0).value;
}

// ---------- precedence and associativity ----------

TEST(ParserPrecedence, MultiplicationBindsTighterThanAddition) {
  EXPECT_EQ(shape("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(shape("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(shape("a - b / c // d % e"), "(- a (% (// (/ b c) d) e))");
}

TEST(ParserPrecedence, AdditiveAndMultiplicativeAreLeftAssociative) {
  EXPECT_EQ(shape("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(shape("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(shape("a - b + c"), "(+ (- a b) c)");
}

TEST(ParserPrecedence, ComparisonsBindLooserThanArithmetic) {
  EXPECT_EQ(shape("a + 1 < b * 2"), "(cmp (+ a 1) < (* b 2))");
  EXPECT_EQ(shape("a - b == c % d"), "(cmp (- a b) == (% c d))");
}

TEST(ParserPrecedence, NotBindsLooserThanComparisons) {
  EXPECT_EQ(shape("not a < b"), "(not (cmp a < b))");
  EXPECT_EQ(shape("not a == b + 1"), "(not (cmp a == (+ b 1)))");
  EXPECT_EQ(shape("not not a"), "(not (not a))");
  EXPECT_EQ(shape("not a and b"), "(and (not a) b)");
}

TEST(ParserPrecedence, AndBindsTighterThanOr) {
  EXPECT_EQ(shape("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(shape("a and b or c and d"), "(or (and a b) (and c d))");
  EXPECT_EQ(shape("a or b or c"), "(or (or a b) c)");
  EXPECT_EQ(shape("a and b and c"), "(and (and a b) c)");
}

TEST(ParserPrecedence, ConditionalIsLowest) {
  EXPECT_EQ(shape("a + 1 if x > 0 or y else b * 2"), "(if (+ a 1) (or (cmp x > 0) y) (* b 2))");
  EXPECT_EQ(shape("a or b if c and d else e or f"), "(if (or a b) (and c d) (or e f))");
}

TEST(ParserPrecedence, NestedConditionalsAssociateToTheRight) {
  EXPECT_EQ(shape("a if c else b if d else e"), "(if a c (if b d e))");
  EXPECT_EQ(shape("(a if c else b) if d else e"), "(if (if a c b) d e)");
  EXPECT_EQ(printed("a if c else b if d else e"), "a if c else b if d else e");
  EXPECT_EQ(printed("(a if c else b) if d else e"), "(a if c else b) if d else e");
}

TEST(ParserPrecedence, PowerIsRightAssociative) {
  EXPECT_EQ(shape("2**3**2"), "(** 2 (** 3 2))");
  EXPECT_EQ(shape("(2**3)**2"), "(** (** 2 3) 2)");
  EXPECT_EQ(const_value("2**3**2"), 512.0);
  EXPECT_EQ(const_value("(2**3)**2"), 64.0);
}

TEST(ParserPrecedence, PowerBindsTighterThanUnaryMinusOnItsLeft) {
  EXPECT_EQ(shape("-x**2"), "(neg (** x 2))");
  EXPECT_EQ(shape("-2**2 + 1"), "(+ (neg (** 2 2)) 1)");
  EXPECT_EQ(const_value("-2**2"), -4.0);
  EXPECT_EQ(shape("2**-1"), "(** 2 (neg 1))");
  EXPECT_EQ(const_value("2**-1"), 0.5);
  EXPECT_EQ(shape("2**-x**2"), "(** 2 (neg (** x 2)))");
  EXPECT_EQ(shape("a * -b"), "(* a (neg b))");
  EXPECT_EQ(shape("-a * b"), "(* (neg a) b)");
}

TEST(ParserPrecedence, ParenthesizedNegativeBaseKeepsItsParentheses) {
  EXPECT_EQ(shape("(-x)**2"), "(** (neg x) 2)");
  EXPECT_EQ(printed("(-x)**2"), "(-x) ** 2");
  EXPECT_EQ(printed("-x**2"), "-x ** 2");
  EXPECT_EQ(printed("-(x**2)"), "-x ** 2");
  EXPECT_EQ(const_value("(-3)**2"), 9.0);
  EXPECT_EQ(const_value("-3**2"), -9.0);
}

TEST(ParserPrecedence, UnaryChains) {
  EXPECT_EQ(shape("--x"), "(neg (neg x))");
  EXPECT_EQ(shape("-+-x"), "(neg (pos (neg x)))");
  EXPECT_EQ(shape("+x"), "(pos x)");
  EXPECT_EQ(shape("a - -b"), "(- a (neg b))");
  EXPECT_EQ(shape("a--b"), "(- a (neg b))");
  EXPECT_EQ(const_value("- - -2"), -2.0);
  EXPECT_EQ(printed("- - + x"), "--+x");
}

TEST(ParserPrecedence, ChainedComparisonIsOneNode) {
  const ExprPtr e = parse_expression("a < b <= c");
  ASSERT_EQ(e->kind, ExprKind::Compare);
  ASSERT_EQ(e->args.size(), 3u);
  ASSERT_EQ(e->compare_ops.size(), 2u);
  EXPECT_EQ(e->compare_ops[0], Op::Lt);
  EXPECT_EQ(e->compare_ops[1], Op::Le);
  EXPECT_EQ(shape("a == b != c > d >= e"), "(cmp a == b != c > d >= e)");
  // A parenthesized comparison is a separate node, and prints back with its parentheses.
  EXPECT_EQ(shape("(a < b) < c"), "(cmp (cmp a < b) < c)");
  EXPECT_EQ(printed("(a < b) < c"), "(a < b) < c");
  // Python semantics: 1 < 3 > 2 is true although (1 < 3) > 2 is false.
  EXPECT_EQ(const_value("1 < 3 > 2"), 1.0);
  EXPECT_EQ(const_value("(1 < 3) > 2"), 0.0);
}

// ---------- calls, indexing, generators ----------

TEST(ParserCalls, ArgumentCounts) {
  EXPECT_EQ(shape("f()"), "(call f)");
  EXPECT_EQ(shape("f(a)"), "(call f a)");
  EXPECT_EQ(shape("max(a, b + 1, c)"), "(call max a (+ b 1) c)");
  EXPECT_EQ(shape("f(a, b,)"), "(call f a b)");
  EXPECT_EQ(shape("f(a,)"), "(call f a)");
  EXPECT_EQ(shape("f(g(a), h(b, c))"), "(call f (call g a) (call h b c))");
  EXPECT_EQ(shape("f(a if b else c, d)"), "(call f (if a b c) d)");
}

TEST(ParserCalls, CallSpansAndNameEnd) {
  const ExprPtr e = parse_expression("  atan2(y, x) + 1");
  const Expr& call = *e->args[0];
  EXPECT_EQ(call.pos, 2);
  EXPECT_EQ(call.name_end, 7);
  EXPECT_EQ(call.end, 13);
}

TEST(ParserCalls, Indexing) {
  EXPECT_EQ(shape("w[i + 1] * 2"), "(* (index w (+ i 1)) 2)");
  EXPECT_EQ(shape("w[0]**2"), "(** (index w 0) 2)");
  EXPECT_EQ(shape("-w[i]"), "(neg (index w i))");
}

TEST(ParserCalls, GeneratorWithStepAndFilter) {
  const ExprPtr e = parse_expression("sum(x*i for i in range(0, 10, 2) if i % 3 == 0)");
  ASSERT_EQ(e->kind, ExprKind::Reduction);
  EXPECT_EQ(e->name, "sum");
  EXPECT_EQ(e->loop_var, "i");
  EXPECT_TRUE(e->has_step);
  EXPECT_TRUE(e->has_filter);
  EXPECT_EQ(sexpr(*e), "(sum i (* x i) 0 10 2 (cmp (% i 3) == 0) :step :filter)");
  EXPECT_EQ(to_source(*e), "sum(x * i for i in range(0, 10, 2) if i % 3 == 0)");
  // 0, 6 are the multiples of 2 below 10 that 3 divides: 0 + 6.
  EXPECT_EQ(const_value("sum(i for i in range(0, 10, 2) if i % 3 == 0)"), 6.0);
}

TEST(ParserCalls, SingleArgumentRangeStartsAtZero) {
  const ExprPtr e = parse_expression("prod(i + 1 for i in range(n))");
  ASSERT_EQ(e->kind, ExprKind::Reduction);
  EXPECT_FALSE(e->has_step);
  EXPECT_FALSE(e->has_filter);
  ASSERT_EQ(e->args.size(), 3u);  // body, start, stop
  EXPECT_EQ(e->args[1]->kind, ExprKind::Number);
  EXPECT_TRUE(e->args[1]->is_integer_literal);
  EXPECT_EQ(e->args[1]->int_value, 0);
  EXPECT_EQ(sexpr(*e), "(prod i (+ i 1) 0 n)");
  EXPECT_EQ(to_source(*e), "prod(i + 1 for i in range(0, n))");
  EXPECT_EQ(const_value("prod(i + 1 for i in range(5))"), 120.0);
  EXPECT_EQ(const_value("sum(i for i in range(10, 0, -3))"), 10.0 + 7 + 4 + 1);
  EXPECT_EQ(const_value("sum(i for i in range(3, 3))"), 0.0);
  EXPECT_EQ(const_value("prod(i for i in range(3, 3))"), 1.0);
}

TEST(ParserCalls, GeneratorErrors) {
  auto e = syntax_error("sum(i for i in rang(3))");
  EXPECT_TRUE(contains(e.what(), "expected range(...)")) << e.what();
  EXPECT_EQ(e.pos, 15);
  e = syntax_error("sum(i for i in range(1, 2, 3, 4))");
  EXPECT_TRUE(contains(e.what(), "range() takes 1 to 3 arguments")) << e.what();
  EXPECT_EQ(e.pos, 15);
  e = syntax_error("sum(i for 2 in range(3))");
  EXPECT_TRUE(contains(e.what(), "a loop variable after 'for'")) << e.what();
  EXPECT_EQ(e.pos, 10);
}

// ---------- numbers ----------

TEST(ParserNumbers, IntegerAndFloatLiterals) {
  struct Case {
    const char* text;
    double value;
    bool integer;
  };
  const Case cases[] = {{"1", 1.0, true},      {"0", 0.0, true},        {"42", 42.0, true},
                        {"2.5", 2.5, false},   {".5", 0.5, false},      {"5.", 5.0, false},
                        {"1e-3", 1e-3, false}, {"1E+3", 1000.0, false}, {"6.02E23", 6.02e23, false},
                        {"1.0", 1.0, false},   {"1e3", 1000.0, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const ExprPtr e = parse_expression(c.text);
    ASSERT_EQ(e->kind, ExprKind::Number);
    EXPECT_EQ(e->number, c.value);
    EXPECT_EQ(e->is_integer_literal, c.integer);
    if (c.integer) {
      EXPECT_EQ(static_cast<double>(e->int_value), c.value);
    }
  }
  // The largest int64 is still an exact integer literal.
  const ExprPtr big = parse_expression("9223372036854775807");
  EXPECT_TRUE(big->is_integer_literal);
  EXPECT_EQ(big->int_value, 9223372036854775807LL);
  // Beyond int64 a digit string is a float.
  const ExprPtr huge = parse_expression("99999999999999999999");
  EXPECT_FALSE(huge->is_integer_literal);
  EXPECT_EQ(huge->number, 1e20);
}

TEST(ParserNumbers, PrintedFloatsStayFloats) {
  EXPECT_EQ(printed("1E+3"), "1000.0");
  EXPECT_EQ(printed(".5"), "0.5");
  EXPECT_EQ(printed("1e-3"), "0.001");
  EXPECT_EQ(printed("3"), "3");
  EXPECT_EQ(printed("3.0"), "3.0");
  EXPECT_FALSE(parse_expression(printed("1E+3"))->is_integer_literal);
}

TEST(ParserNumbers, OutOfRange) {
  const auto e = syntax_error("x + 1e400");
  EXPECT_TRUE(contains(e.what(), "out of range")) << e.what();
  EXPECT_TRUE(contains(e.what(), "1e400")) << e.what();
  EXPECT_EQ(e.pos, 4);
  EXPECT_EQ(e.end, 9);
}

TEST(ParserNumbers, Malformed) {
  auto e = syntax_error("1.2.3");
  EXPECT_TRUE(contains(e.what(), "malformed number '1.2.3'")) << e.what();
  EXPECT_EQ(e.pos, 0);
  e = syntax_error("y + 2x");
  EXPECT_TRUE(contains(e.what(), "malformed number '2x'")) << e.what();
  EXPECT_EQ(e.pos, 4);
  EXPECT_TRUE(contains(e.hint, "2*x")) << e.hint;
  e = syntax_error("1e");
  EXPECT_TRUE(contains(e.what(), "exponent has no digits")) << e.what();
  e = syntax_error("3 * 1e+");
  EXPECT_TRUE(contains(e.what(), "exponent has no digits")) << e.what();
  EXPECT_EQ(e.pos, 4);
}

// ---------- statements ----------

TEST(ParserStatements, SeparatedBySemicolonsAndNewlines) {
  const auto s = parse_assignments("x = 1; y = 2\nz = 3;\n\n;w = 4", {});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].target, "x");
  EXPECT_EQ(s[1].target, "y");
  EXPECT_EQ(s[2].target, "z");
  EXPECT_EQ(s[3].target, "w");
  EXPECT_EQ(s[3].target_pos, 22);
  EXPECT_EQ(s[3].target_end, 23);
  EXPECT_EQ(s[0].op, AssignOp::Set);
  EXPECT_FALSE(s[0].derivative);
  EXPECT_TRUE(parse_assignments("  \n ; \n", {}).empty());
}

TEST(ParserStatements, ContinuationInsideBracketsAndAfterBackslash) {
  const auto s = parse_assignments("x = (1 +\n     2) * f(a,\n b)\ny = w[\n0]\nz = 1 + \\\n 2", {});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(sexpr(*s[0].value), "(* (+ 1 2) (call f a b))");
  EXPECT_EQ(sexpr(*s[1].value), "(index w 0)");
  EXPECT_EQ(sexpr(*s[2].value), "(+ 1 2)");
}

TEST(ParserStatements, Comments) {
  const auto s =
      parse_assignments("# heading\nx = 1 # trailing\n  # indented\ny = (2 # inside\n + 3)", {});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(sexpr(*s[1].value), "(+ 2 3)");
  EXPECT_EQ(sexpr(*parse_expression("a + b # the rest is ignored")), "(+ a b)");
}

TEST(ParserStatements, MissingSeparator) {
  try {
    parse_assignments("x = 1 y = 2", {});
    FAIL() << "expected a syntax error";
  } catch (const ExprSyntaxError& e) {
    EXPECT_TRUE(contains(e.what(), "';' or a new line between statements")) << e.what();
    EXPECT_EQ(e.pos, 6);
  }
}

TEST(ParserStatements, DerivativeCallOnlyWhenAllowed) {
  StatementRules ode;
  ode.allow_d_call = true;
  const auto s = parse_assignments("d(x) = -x\ndy = x", ode);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(s[0].derivative);
  EXPECT_EQ(s[0].target, "x");
  EXPECT_EQ(s[0].target_pos, 0);
  EXPECT_EQ(s[0].target_end, 4);
  EXPECT_FALSE(s[1].derivative);  // dy: the front end decides what a 'd' prefix means
  EXPECT_EQ(s[1].target, "dy");
  try {
    parse_assignments("d(x) = -x", {});
    FAIL() << "d(x) must not parse when not allowed";
  } catch (const ExprSyntaxError& e) {
    EXPECT_TRUE(contains(e.what(), "'=' after the assigned variable")) << e.what();
    EXPECT_EQ(e.pos, 1);
  }
}

TEST(ParserStatements, AugmentedAssignmentOnlyWhenAllowed) {
  StatementRules action;
  action.allow_augmented = true;
  const auto s = parse_assignments("v = c; u += d; w -= 1", action);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].op, AssignOp::Set);
  EXPECT_EQ(s[1].op, AssignOp::AddTo);
  EXPECT_EQ(s[2].op, AssignOp::SubFrom);
  for (const char* text : {"u += d", "u -= d"}) {
    try {
      parse_assignments(text, {});
      FAIL() << text << " must not parse when not allowed";
    } catch (const ExprSyntaxError& e) {
      EXPECT_TRUE(contains(e.what(), "only allowed in event actions")) << e.what();
      EXPECT_EQ(e.pos, 2);
    }
  }
}

TEST(ParserStatements, TargetMustBeAName) {
  try {
    parse_assignments("2 = x", {});
    FAIL();
  } catch (const ExprSyntaxError& e) {
    EXPECT_TRUE(contains(e.what(), "a variable to assign")) << e.what();
    EXPECT_EQ(e.pos, 0);
  }
}

// ---------- printing ----------

TEST(ParserPrinting, OnlyNeededParentheses) {
  EXPECT_EQ(printed("((a))"), "a");
  EXPECT_EQ(printed("(a + b) + c"), "a + b + c");
  EXPECT_EQ(printed("a + (b + c)"), "a + (b + c)");
  EXPECT_EQ(printed("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(printed("(a * b) * c"), "a * b * c");
  EXPECT_EQ(printed("a / (b * c)"), "a / (b * c)");
  EXPECT_EQ(printed("(a + b) * c"), "(a + b) * c");
  EXPECT_EQ(printed("(a**b)**c"), "(a ** b) ** c");
  EXPECT_EQ(printed("a**(b**c)"), "a ** b ** c");
  EXPECT_EQ(printed("a**(b*c)"), "a ** (b * c)");
  EXPECT_EQ(printed("-(a*b)"), "-(a * b)");
  EXPECT_EQ(printed("not (a and b)"), "not (a and b)");
  EXPECT_EQ(printed("(not a) and b"), "not a and b");
  EXPECT_EQ(printed("a or (b or c)"), "a or (b or c)");
  EXPECT_EQ(printed("(a or b) and c"), "(a or b) and c");
  EXPECT_EQ(printed("(a if b else c) + 1"), "(a if b else c) + 1");
  EXPECT_EQ(printed("w[(i + 1)]"), "w[i + 1]");
  EXPECT_EQ(printed("f((a), (b + c))"), "f(a, b + c)");
}

TEST(ParserPrinting, PrintReparseRoundTrip) {
  const std::vector<std::string> tricky = {
      "a + b * c",
      "(a + b) * c",
      "a - (b - c) - (d + e)",
      "a / (b / c) // (d % e)",
      "2**3**2",
      "(2**3)**2",
      "-x**2",
      "(-x)**2",
      "2**-1",
      "2**-x**-y",
      "- - + - x",
      "a * -b ** -c",
      "a if c else b if d else e",
      "(a if c else b) if d else e",
      "a if (b if c else d) else e",
      "x if a < b <= c else -y",
      "(a < b) == (c < d)",
      "not a < b and not (c or d)",
      "not (not a)",
      "a or b and c or not d",
      "(a or b) and (c or d)",
      "f(a, g(b, c,), -d)",
      "w[i + 1] * w[(i)] ** 2",
      "sum(x*i for i in range(0, 10, 2) if i % 3 == 0)",
      "prod(1 + w[i] for i in range(n) if not (i == 2 or i > 5))",
      "sum(sum(i*j for j in range(i)) for i in range(1, 4))",
      "sum(i if i > 2 else -i for i in range(5))",
      ".5 + 1E+3 - 1e-3 * 6.02E23 + 0.1 + 1e300 + 5e-324",
      "1 - -1 + +2",
      "abs(x) < 1e-9 and (y != 0 or z >= -3)",
  };
  for (const auto& text : tricky) {
    SCOPED_TRACE(text);
    const ExprPtr first = parse_expression(text);
    const std::string once = to_source(*first);
    const ExprPtr second = parse_expression(once);
    EXPECT_EQ(to_source(*second), once);
    EXPECT_EQ(sexpr(*second), sexpr(*first));  // the same tree, not just the same text
  }
}

// ---------- syntax errors: message, offset, hint ----------

TEST(ParserErrors, MissingOperand) {
  const auto e = syntax_error("x +");
  EXPECT_TRUE(contains(e.what(), "expected an expression, found end of expression")) << e.what();
  EXPECT_EQ(e.pos, 3);
}

TEST(ParserErrors, UnclosedParenthesis) {
  auto e = syntax_error("(a + b");
  EXPECT_TRUE(contains(e.what(), "'(' is never closed")) << e.what();
  EXPECT_EQ(e.pos, 0);
  e = syntax_error("f(a, (b + c)");
  EXPECT_TRUE(contains(e.what(), "'(' is never closed")) << e.what();
  EXPECT_EQ(e.pos, 1);
  e = syntax_error("w[0");
  EXPECT_TRUE(contains(e.what(), "'[' is never closed")) << e.what();
  EXPECT_EQ(e.pos, 1);
}

TEST(ParserErrors, UnexpectedClosingParenthesis) {
  const auto e = syntax_error("a + b)");
  EXPECT_TRUE(contains(e.what(), "expected end of expression, found ')'")) << e.what();
  EXPECT_EQ(e.pos, 5);
}

TEST(ParserErrors, TwoOperandsWithoutOperator) {
  const auto e = syntax_error("a b");
  EXPECT_TRUE(contains(e.what(), "found 'b'")) << e.what();
  EXPECT_EQ(e.pos, 2);
}

TEST(ParserErrors, CaretSuggestsPower) {
  const auto e = syntax_error("x ^ 2");
  EXPECT_TRUE(contains(e.what(), "unexpected character '^'")) << e.what();
  EXPECT_EQ(e.pos, 2);
  EXPECT_TRUE(contains(e.hint, "**")) << e.hint;
}

TEST(ParserErrors, DoubleAmpersandSuggestsAnd) {
  auto e = syntax_error("a && b");
  EXPECT_TRUE(contains(e.what(), "unexpected character '&'")) << e.what();
  EXPECT_EQ(e.pos, 2);
  EXPECT_TRUE(contains(e.hint, "and")) << e.hint;
  e = syntax_error("a || b");
  EXPECT_EQ(e.pos, 2);
  EXPECT_TRUE(contains(e.hint, "or")) << e.hint;
  e = syntax_error("!a");
  EXPECT_EQ(e.pos, 0);
  EXPECT_TRUE(contains(e.hint, "not")) << e.hint;
}

TEST(ParserErrors, AssignmentInsideExpressionSuggestsEquality) {
  auto e = syntax_error("a = b");
  EXPECT_TRUE(contains(e.what(), "found '='")) << e.what();
  EXPECT_EQ(e.pos, 2);
  EXPECT_TRUE(contains(e.hint, "==")) << e.hint;
  e = syntax_error("1 if a = b else 0");
  EXPECT_EQ(e.pos, 7);
  EXPECT_TRUE(contains(e.hint, "==")) << e.hint;
}

TEST(ParserErrors, GeneratorOnlyInSumOrProd) {
  const auto e = syntax_error("1 + sin(x for i in range(3))");
  EXPECT_TRUE(contains(e.what(), "only allowed in sum() or prod()")) << e.what();
  EXPECT_TRUE(contains(e.what(), "sin()")) << e.what();
  EXPECT_EQ(e.pos, 4);
  EXPECT_EQ(e.end, 7);
}

TEST(ParserErrors, ConditionalWithoutElse) {
  const auto e = syntax_error("a if b");
  EXPECT_TRUE(contains(e.what(), "'else'")) << e.what();
  EXPECT_EQ(e.pos, 6);
}

TEST(ParserErrors, StrayCharacter) {
  const auto e = syntax_error("a + $b");
  EXPECT_TRUE(contains(e.what(), "unexpected character '$'")) << e.what();
  EXPECT_EQ(e.pos, 4);
  const auto ctl = syntax_error("a + b");
  EXPECT_TRUE(contains(ctl.what(), "\\x01")) << ctl.what();
  EXPECT_EQ(ctl.pos, 3);
}

TEST(ParserErrors, EmptyInput) {
  const auto e = syntax_error("   ");
  EXPECT_TRUE(contains(e.what(), "expected an expression")) << e.what();
  EXPECT_EQ(e.pos, 3);
}

TEST(ParserKeywords, ReservedWords) {
  for (const char* w :
       {"and", "or", "not", "if", "else", "for", "in", "lambda", "is", "True", "False", "None"})
    EXPECT_TRUE(is_keyword(w)) << w;
  for (const char* w : {"x", "sum", "t", "range", "AND", "true"}) EXPECT_FALSE(is_keyword(w)) << w;
}

}  // namespace
}  // namespace dynlib::dsl

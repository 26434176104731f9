// Test-only: every value operation of the IR written as a model expression over two params `a` and
// `b`, and the operands to try it on, so the constant folder, the front end's evaluator, the VM and
// generated code can be compared op by op (tests/ir/test_op_semantics.cpp and its native check).
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "kernel/types.hpp"

namespace dynlib::testing {

struct OpCase {
  const char* op;    // ir::op_name of the one instruction the expression lowers to
  const char* expr;  // over params a and b
  bool int64;        // also in int64 models
};

// Copy is left out: no expression lowers to a lone Copy (conditionals use it, tested elsewhere).
inline const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = {
      {"Neg", "-a", true},
      {"Add", "a + b", true},
      {"Sub", "a - b", true},
      {"Mul", "a * b", true},
      {"Div", "a / b", false},
      {"FloorDiv", "a // b", true},
      {"Mod", "a % b", true},
      {"Pow", "a ** b", false},
      {"Lt", "a < b", true},
      {"Le", "a <= b", true},
      {"Gt", "a > b", true},
      {"Ge", "a >= b", true},
      {"Eq", "a == b", true},
      {"Ne", "a != b", true},
      {"Not", "not a", true},
      {"And", "a and b", true},
      {"Or", "a or b", true},
      {"Min", "min(a, b)", true},
      {"Max", "max(a, b)", true},
      {"Abs", "abs(a)", true},
      {"Sign", "sign(a)", true},
      {"Exp", "exp(a)", false},
      {"Expm1", "expm1(a)", false},
      {"Log", "log(a)", false},
      {"Log10", "log10(a)", false},
      {"Log2", "log2(a)", false},
      {"Log1p", "log1p(a)", false},
      {"Sqrt", "sqrt(a)", false},
      {"Sin", "sin(a)", false},
      {"Cos", "cos(a)", false},
      {"Tan", "tan(a)", false},
      {"Asin", "asin(a)", false},
      {"Acos", "acos(a)", false},
      {"Atan", "atan(a)", false},
      {"Sinh", "sinh(a)", false},
      {"Cosh", "cosh(a)", false},
      {"Tanh", "tanh(a)", false},
      {"Asinh", "asinh(a)", false},
      {"Acosh", "acosh(a)", false},
      {"Atanh", "atanh(a)", false},
      {"Floor", "floor(a)", false},
      {"Ceil", "ceil(a)", false},
      {"Trunc", "trunc(a)", false},
      {"Round", "round(a)", false},
      {"Erf", "erf(a)", false},
      {"Erfc", "erfc(a)", false},
      {"Atan2", "atan2(a, b)", false},
      {"Hypot", "hypot(a, b)", false},
      {"Copysign", "copysign(a, b)", false},
  };
  return cases;
}

// Zeros of both signs, ±1, halves (rounding ties), large, tiny and subnormal, values outside the
// domains of sqrt/log/asin/acosh/atanh, infinities and NaN.
inline std::vector<double> float_operands() {
  const double inf = __builtin_inf(), nan = __builtin_nan("");
  return {0.0,  -0.0,    1.0,    -1.0,   0.5,      -0.5,  2.5,    -2.5,     3.0,
          -7.0, 0.7,     1e-30,  -1e-30, 4.9e-324, 1e300, -1e300, 1e20,     100,
          1.5,  -100.25, 3.4e38, inf,    -inf,     nan,   -nan,   1.0000001};
}

// Signs, small values, the overflow edges of +, -, *, // and abs.
inline std::vector<long long> int_operands() {
  return {0,
          1,
          -1,
          2,
          -2,
          3,
          -7,
          7,
          100,
          -100,
          LLONG_MAX,
          LLONG_MIN,
          LLONG_MAX - 1,
          LLONG_MIN + 1,
          1LL << 32,
          -(1LL << 32),
          3037000499LL,
          3037000500LL};
}

// The operands above in dtype R.
template <class R>
std::vector<R> operands() {
  std::vector<R> out;
  if constexpr (kernel::is_floating<R>) {
    for (double v : float_operands()) out.push_back(static_cast<R>(v));
  } else {
    for (long long v : int_operands()) out.push_back(v);
  }
  return out;
}

// A one-state map whose only aux is `expr` over params a and b.
inline std::string op_model(const char* expr, DType dtype) {
  return std::string("[model]\ntype = \"map\"\ndtype = \"") + dtype_name(dtype) +
         "\"\n[states]\nx = 0\n[params]\na = 0\nb = 0\n[equations.rhs]\nx = \"x\"\n[aux]\nr = \"" +
         expr + "\"\n";
}

}  // namespace dynlib::testing

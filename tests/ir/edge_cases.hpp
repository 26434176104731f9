// Test-only: a corpus of edge-case expressions (division by zero, signed zeros, NaN and its sign,
// infinities, overflow, int64 wrap-around) over named params holding the awkward values, so the
// same expression can run with the values as params (the VM, generated code) or be folded with
// them as literals (the IR's folder): tests/ir/test_edge_cases.cpp and its native check.
#pragma once

#include <climits>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "dsl/model_spec.hpp"

namespace dynlib::testing {

struct EdgeOperand {
  const char* name;
  double value;         // float models
  long long int_value;  // int64 models
};

// Every param of the edge-case models, in declaration order (so param i is operand i).
inline const std::vector<EdgeOperand>& edge_operands() {
  const double inf = __builtin_inf(), nan = __builtin_nan("");
  static const std::vector<EdgeOperand> operands = {
      {"zero", 0.0, 0},
      {"nzero", -0.0, 0},
      {"one", 1.0, 1},
      {"none", -1.0, -1},
      {"two", 2.0, 2},
      {"three", 3.0, 3},
      {"inf", inf, 0},
      {"ninf", -inf, 0},
      {"qnan", nan, 0},
      {"nnan", -nan, 0},
      {"big", 1e308, LLONG_MAX},
      {"nbig", -1e308, LLONG_MIN},
      {"tiny", 4.9e-324, LLONG_MAX - 1},
      {"thousand", 1000.0, 1000},
  };
  return operands;
}

// Float models: results that are infinite, NaN (of either sign), signed zeros or subnormal.
inline const std::vector<std::string>& float_edge_exprs() {
  static const std::vector<std::string> exprs = {
      // division by zero, and operations without a number as their result
      "one / zero", "none / zero", "one / nzero", "none / nzero", "zero / zero", "zero * inf",
      "inf - inf", "inf + ninf", "inf / inf", "one / inf", "none / inf", "one / (none / zero)",
      // signed zeros
      "nzero + zero", "zero + nzero", "nzero + nzero", "nzero - zero", "zero - zero", "one * nzero",
      "none * zero", "nzero * nzero", "-zero", "-nzero", "sqrt(nzero)", "abs(nzero)",
      "copysign(one, nzero)", "copysign(two, -zero)", "sign(nzero)", "nzero ** 3", "nzero ** 2",
      "expm1(nzero)", "log1p(nzero)", "sin(nzero)", "tanh(nzero)", "atan2(nzero, none)",
      "atan2(zero, nzero)", "atan2(nzero, nzero)", "round(-0.4)", "trunc(-0.5)", "ceil(-0.5)",
      "floor(nzero)", "min(nzero, zero)", "min(zero, nzero)", "max(nzero, zero)",
      "max(zero, nzero)", "sum(nzero for i in range(3))", "prod(nzero for i in range(3))",
      // NaN and its sign
      "-qnan", "-nnan", "abs(nnan)", "qnan * none", "nnan + one", "one - qnan", "nnan / two",
      "copysign(one, nnan)", "copysign(one, -qnan)", "copysign(qnan, none)", "copysign(nnan, one)",
      "sign(qnan)", "sqrt(none)", "log(none)", "min(qnan, one)", "min(one, qnan)", "max(qnan, one)",
      "max(one, qnan)", "min(nnan, qnan)", "floor(nnan)", "round(qnan)", "qnan == qnan",
      "qnan != qnan", "qnan < one", "qnan >= one", "not qnan", "qnan and one",
      "zero if qnan else one", "zero if qnan < one else one", "hypot(inf, qnan)", "qnan ** zero",
      "one ** qnan", "atan2(qnan, one)",
      // infinities and overflow
      "exp(thousand)", "exp(-thousand)", "exp(inf)", "exp(ninf)", "expm1(ninf)", "log(zero)",
      "log(nzero)", "log(inf)", "log10(zero)", "log2(inf)", "sqrt(inf)", "big * 10", "nbig * 10",
      "big + big", "(big + big) - big", "big * big", "tiny / 2", "tiny * tiny", "-tiny / 3",
      "inf ** zero", "zero ** none", "nzero ** none", "ninf ** none", "ninf ** three",
      "none ** inf", "two ** thousand", "two ** -thousand", "thousand ** thousand",
      "cosh(thousand)", "sinh(-thousand)", "tanh(inf)", "atan(ninf)", "atan2(inf, inf)",
      "erf(ninf)", "erfc(inf)", "floor(ninf)", "ceil(inf)", "abs(ninf)",
      // floor division and modulo on zero, infinities and NaN
      "one % zero", "one // zero", "none // nzero", "zero // zero", "inf % one", "inf // one",
      "one % inf", "none % inf", "one % ninf", "one // inf", "none // inf", "qnan % one",
      "one % qnan", "qnan // one", "nzero % one", "zero % none", "nzero // one", "three % ninf",
      "big % tiny", "big // tiny"};
  return exprs;
}

// int64 models: wrap-around on overflow, the one overflowing quotient, and zero divisors (0 by the
// documented rule). Params: big = INT64_MAX, nbig = INT64_MIN, tiny = INT64_MAX - 1.
inline const std::vector<std::string>& int_edge_exprs() {
  static const std::vector<std::string> exprs = {"big + one",
                                                 "nbig - one",
                                                 "big + big",
                                                 "nbig + nbig",
                                                 "big * two",
                                                 "nbig * none",
                                                 "nbig * nbig",
                                                 "big * big",
                                                 "tiny * three",
                                                 "-nbig",
                                                 "abs(nbig)",
                                                 "-big - two",
                                                 "(big + one) - one",
                                                 "nbig // none",
                                                 "nbig % none",
                                                 "big // none",
                                                 "three % none",
                                                 "nbig // two",
                                                 "nbig % two",
                                                 "nbig % three",
                                                 "-three // two",
                                                 "-three % two",
                                                 "three % -two",
                                                 "three // -two",
                                                 "one // zero",
                                                 "none // zero",
                                                 "nbig // zero",
                                                 "big % zero",
                                                 "zero % zero",
                                                 "zero // zero",
                                                 "nbig // nzero",
                                                 "big ** 2",
                                                 "nbig ** 3",
                                                 "three ** 40",
                                                 "two ** 63",
                                                 "two ** 64",
                                                 "big ** 1000000000",
                                                 "sign(nbig)",
                                                 "min(nbig, big)",
                                                 "max(nbig, big)",
                                                 "sum(big for i in range(3))",
                                                 "prod(nbig for i in range(2))",
                                                 "thousand ** 7",
                                                 "nbig < big",
                                                 "nbig == -nbig",
                                                 "clip(nbig * two, none, one)",
                                                 "relu(nbig - one)"};
  return exprs;
}

// A one-state map over the edge operands (all params 0 in the file; the test sets them) whose aux
// variables are `exprs`, named r0, r1, ...
inline std::string edge_model(const std::vector<std::string>& exprs, DType dtype) {
  std::string text = std::string("[model]\ntype = \"map\"\ndtype = \"") + dtype_name(dtype) +
                     "\"\n[states]\nx = 0\n[params]\n";
  for (const auto& o : edge_operands()) text += std::string(o.name) + " = 0\n";
  text += "[equations.rhs]\nx = \"x\"\n[aux]\n";
  for (size_t i = 0; i < exprs.size(); ++i)
    text += "r" + std::to_string(i) + " = \"" + exprs[i] + "\"\n";
  return text;
}

// The operand values as the params of an edge model of this element type.
template <class R>
std::vector<R> edge_params() {
  std::vector<R> p;
  for (const auto& o : edge_operands()) {
    if constexpr (std::is_floating_point_v<R>)
      p.push_back(static_cast<R>(o.value));
    else
      p.push_back(static_cast<R>(o.int_value));
  }
  return p;
}

// Turns every param read in the aux expressions of `spec` into a literal of the param's operand
// value, so lowering folds each aux down to a constant.
template <class R>
void params_to_literals(dsl::ModelSpec& spec) {
  const std::vector<R> values = edge_params<R>();
  std::vector<dsl::Expr*> todo;
  for (auto& a : spec.aux) todo.push_back(a.expr.expr.get());
  while (!todo.empty()) {
    dsl::Expr& e = *todo.back();
    todo.pop_back();
    if (e.kind == dsl::ExprKind::Name && e.ref == dsl::Ref::Param) {
      const R v = values[static_cast<size_t>(e.ref_index)];
      e.kind = dsl::ExprKind::Number;
      e.number = static_cast<double>(v);
      if constexpr (!std::is_floating_point_v<R>) e.int_value = v;
    }
    for (auto& arg : e.args) todo.push_back(arg.get());
  }
}

template <class R>
bool same_bits(R a, R b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace dynlib::testing

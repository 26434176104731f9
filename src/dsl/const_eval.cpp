#include "dsl/const_eval.hpp"

#include <fmt/format.h>
#include <climits>
#include <cmath>
#include <vector>

#include "dsl/builtins.hpp"
#include "dsl/operations.hpp"

namespace dynlib::dsl {
namespace {

using kernel::ops::OpCode;

// Evaluates in the model's dtype R (double, float or long long) through the kernel's operation
// table, the functions a run calls, so a value known at load time is the value a run computes.
// int64 stays exact: where a run would wrap around, loading reports the overflow instead.
template <class R>
class Evaluator {
 public:
  static constexpr bool kInteger = !kernel::is_floating<R>;

  explicit Evaluator(const ModelSpec& spec) : spec_(spec) {}

  ConstValue result(const Expr& e) {
    const R v = eval(e);
    if constexpr (kInteger) {
      return {static_cast<double>(v), v, true};
    } else {
      const double d = static_cast<double>(v);
      ConstValue out{d, 0, false};
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740992.0) {
        out.is_integer = true;
        out.int_value = static_cast<long long>(d);
      }
      return out;
    }
  }

 private:
  static void check_overflow(bool overflowed, const Expr& e) {
    if (overflowed)
      throw ConstEvalError("integer overflow: the result does not fit in int64", e.pos);
  }

  [[noreturn]] void not_constant(const Expr& e, const char* what) {
    throw ConstEvalError(fmt::format("{} is not known when the model loads", what), e.pos);
  }

  // One operation of `e`, as a run computes it; for int64, an error where a run would wrap.
  R apply(OpCode op, R x, R y, const Expr& e) {
    if constexpr (kInteger) {
      if (!kernel::ops::op_info(op).int64_ok) not_constant(e, "this operation");
      long long r = 0;
      switch (op) {
        case OpCode::Add:
          check_overflow(__builtin_add_overflow(x, y, &r), e);
          break;
        case OpCode::Sub:
          check_overflow(__builtin_sub_overflow(x, y, &r), e);
          break;
        case OpCode::Mul:
          check_overflow(__builtin_mul_overflow(x, y, &r), e);
          break;
        case OpCode::Neg:
        case OpCode::Abs:
          check_overflow(x == LLONG_MIN, e);
          break;
        case OpCode::FloorDiv:
          check_overflow(y == -1 && x == LLONG_MIN, e);
          break;
        default:
          break;
      }
    }
    return kernel::ops::apply(op, x, y);
  }

  R literal(const Expr& e) const {
    if constexpr (kInteger)
      return e.int_value;
    else
      return static_cast<R>(e.number);
  }

  R param_value(const Expr& e, long long index) const {
    const auto& p = spec_.params[static_cast<size_t>(e.ref_index)];
    if constexpr (kInteger)
      return p.int_values[static_cast<size_t>(index)];
    else
      return static_cast<R>(p.values[static_cast<size_t>(index)]);
  }

  // a < b <= c: each operand evaluated once, left to right; 1 when every link holds, else 0.
  R compare_chain(const Expr& e) {
    R lhs = eval(*e.args[0]);
    for (size_t i = 0; i < e.compare_ops.size(); ++i) {
      const R rhs = eval(*e.args[i + 1]);
      const R link = apply(operator_op(e.compare_ops[i]), lhs, rhs, e);
      if (link == 0) return link;
      lhs = rhs;
    }
    return R(1);
  }

  R binary(const Expr& e) {
    const R a = eval(*e.args[0]);
    if (e.op == Op::Pow) {
      if constexpr (kInteger) {
        // b >= 0 (the checker allows only non-negative literal exponents); by squaring, so huge
        // exponents end quickly: exact, hence equal to the run's repeated multiplication.
        const long long b = eval(*e.args[1]);
        long long r = 1;
        long long base = a;
        for (long long k = b; k > 0; k >>= 1) {
          if (k & 1) r = apply(OpCode::Mul, r, base, e);
          if (k > 1) base = apply(OpCode::Mul, base, base, e);
        }
        return r;
      } else if (auto k = small_int_exponent(*e.args[1], false)) {
        // Small integer powers are multiplications, as in the IR (DESIGN rule 2).
        R r = *k == 0 ? R(1) : a;
        for (long long i = 1; i < *k; ++i) r = apply(OpCode::Mul, r, a, e);
        return r;
      }
    }
    const R b = eval(*e.args[1]);
    if (b == 0 && (e.op == Op::Div || e.op == Op::FloorDiv))
      throw ConstEvalError("division by zero", e.args[1]->pos);
    if (b == 0 && e.op == Op::Mod) throw ConstEvalError("modulo by zero", e.args[1]->pos);
    return apply(operator_op(e.op), a, b, e);
  }

  R call(const Expr& e) {
    if (e.ref != Ref::Builtin) not_constant(e, "this call");
    const auto id = static_cast<BuiltinId>(e.ref_index);
    if (builtin_info(id).kind == BuiltinKind::EventMacro) not_constant(e, "this call");
    std::vector<R> a;
    for (const auto& x : e.args) a.push_back(eval(*x));
    return expand_builtin<R>(id, a, R(0), [&](OpCode op, R x, R y) { return apply(op, x, y, e); });
  }

  R reduction(const Expr& e) {
    const bool is_sum = e.name == "sum";
    R acc = is_sum ? R(0) : R(1);
    const auto lo = static_cast<long long>(eval(*e.args[1]));
    const auto hi = static_cast<long long>(eval(*e.args[2]));
    const long long st = e.has_step ? static_cast<long long>(eval(*e.args[3])) : 1;
    loop_values_.push_back(0);
    for (long long i = lo; st > 0 ? i < hi : i > hi;) {
      spend(e);
      loop_values_.back() = i;
      if (!e.has_filter || eval(*e.args.back()) != 0)
        acc = apply(is_sum ? OpCode::Add : OpCode::Mul, acc, eval(*e.args[0]), e);
      if (__builtin_add_overflow(i, st, &i)) break;  // the range ends at the int64 limit
    }
    loop_values_.pop_back();
    return acc;
  }

  R eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Number:
        return literal(e);
      case ExprKind::Name:
        switch (e.ref) {
          case Ref::Constant:
            return literal(e);
          case Ref::Param:
            return param_value(e, 0);
          case Ref::LoopVar:
            return static_cast<R>(loop_values_[static_cast<size_t>(e.ref_index)]);
          case Ref::State:
            not_constant(e, "a state");
          case Ref::Aux:
            not_constant(e, "an aux variable");
          case Ref::Time:
            not_constant(e, "time");
          default:
            not_constant(e, "this name");
        }
      case ExprKind::Index:
        return param_value(e, static_cast<long long>(eval(*e.args[0])));
      case ExprKind::Unary: {
        const R a = eval(*e.args[0]);
        return e.op == Op::Neg ? apply(OpCode::Neg, a, a, e) : a;
      }
      case ExprKind::Binary:
        return binary(e);
      case ExprKind::Compare:
        return compare_chain(e);
      case ExprKind::And: {  // the right operand only when it decides
        const R a = eval(*e.args[0]);
        return apply(OpCode::And, a, a != 0 ? eval(*e.args[1]) : a, e);
      }
      case ExprKind::Or: {
        const R a = eval(*e.args[0]);
        return apply(OpCode::Or, a, a == 0 ? eval(*e.args[1]) : a, e);
      }
      case ExprKind::Not: {
        const R a = eval(*e.args[0]);
        return apply(OpCode::Not, a, a, e);
      }
      case ExprKind::Conditional:
        return eval(*e.args[1]) != 0 ? eval(*e.args[0]) : eval(*e.args[2]);
      case ExprKind::Call:
        return call(e);
      case ExprKind::Reduction:
        return reduction(e);
    }
    not_constant(e, "this expression");
  }

  // Loading a model must not hang: reductions evaluated at load time (in constants, params and
  // initial values) get a budget of terms, across all nested loops of one value.
  static constexpr long long kMaxLoadTimeTerms = 10'000'000;
  void spend(const Expr& e) {
    if (++terms_ > kMaxLoadTimeTerms)
      throw ConstEvalError(
          fmt::format("{}() has more than {} terms to evaluate when the model loads", e.name,
                      kMaxLoadTimeTerms),
          e.pos);
  }
  long long terms_ = 0;

  const ModelSpec& spec_;
  std::vector<long long> loop_values_;
};

}  // namespace

std::optional<long long> small_int_exponent(const Expr& x, bool integer_model) {
  const bool known = (x.kind == ExprKind::Number && x.is_integer_literal) ||
                     (x.kind == ExprKind::Name && x.ref == Ref::Constant && x.is_integer_literal);
  if (!known) return std::nullopt;
  const long long k = x.int_value;
  if (integer_model ? k >= 0 : (k >= 0 && k <= 3)) return k;
  return std::nullopt;
}

ConstValue eval_const(const Expr& e, const ModelSpec& spec) {
  switch (spec.dtype) {
    case DType::Int64:
      return Evaluator<long long>(spec).result(e);
    case DType::Float32:
      return Evaluator<float>(spec).result(e);
    default:
      return Evaluator<double>(spec).result(e);
  }
}

}  // namespace dynlib::dsl

#include "dsl/const_eval.hpp"

#include <fmt/format.h>
#include <climits>
#include <cmath>

#include "dsl/builtins.hpp"
#include "kernel/ops.hpp"

namespace dynlib::dsl {
namespace {

class Evaluator {
 public:
  Evaluator(const ModelSpec& spec) : spec_(spec), integer_(spec.dtype == DType::Int64) {}

  ConstValue eval(const Expr& e) {
    if (integer_) {
      long long v = ieval(e);
      return {static_cast<double>(v), v, true};
    }
    const double v = feval(e);
    ConstValue out{v, 0, false};
    if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= 9007199254740992.0) {
      out.is_integer = true;
      out.int_value = static_cast<long long>(v);
    }
    return out;
  }

 private:
  // int64 values are exact; a result that does not fit is an error, not undefined behaviour.
  static void check_overflow(bool overflowed, const Expr& e) {
    if (overflowed)
      throw ConstEvalError("integer overflow: the result does not fit in int64", e.pos);
  }

  [[noreturn]] void not_constant(const Expr& e, const char* what) {
    throw ConstEvalError(fmt::format("{} is not known when the model loads", what), e.pos);
  }

  double param_value(const Expr& e, long long index) {
    const auto& p = spec_.params[static_cast<size_t>(e.ref_index)];
    return p.values[static_cast<size_t>(index)];
  }

  // a < b <= c: each operand evaluated once, left to right; 1 when every link holds, else 0.
  template <class T, class Eval>
  static T compare_chain(const Expr& e, Eval eval) {
    T lhs = eval(*e.args[0]);
    for (size_t i = 0; i < e.compare_ops.size(); ++i) {
      const T rhs = eval(*e.args[i + 1]);
      bool ok = false;
      switch (e.compare_ops[i]) {
        case Op::Lt: ok = lhs < rhs; break;
        case Op::Le: ok = lhs <= rhs; break;
        case Op::Gt: ok = lhs > rhs; break;
        case Op::Ge: ok = lhs >= rhs; break;
        case Op::Eq: ok = lhs == rhs; break;
        case Op::Ne: ok = lhs != rhs; break;
        default: break;
      }
      if (!ok) return T(0);
      lhs = rhs;
    }
    return T(1);
  }

  double feval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Number:
        return e.number;
      case ExprKind::Name:
        switch (e.ref) {
          case Ref::Constant:
            return e.number;
          case Ref::Param:
            return param_value(e, 0);
          case Ref::LoopVar:
            return static_cast<double>(loop_values_[static_cast<size_t>(e.ref_index)]);
          case Ref::State:
            not_constant(e, "a state");
          case Ref::Aux:
            not_constant(e, "an aux variable");
          case Ref::Time:
            not_constant(e, "time");
          default:
            not_constant(e, "this name");
        }
      case ExprKind::Index: {
        const double i = feval(*e.args[0]);
        return param_value(e, static_cast<long long>(i));
      }
      case ExprKind::Unary: {
        const double a = feval(*e.args[0]);
        return e.op == Op::Neg ? -a : a;
      }
      case ExprKind::Binary: {
        const double a = feval(*e.args[0]);
        if (e.op == Op::Pow) {
          if (auto k = small_int_exponent(*e.args[1], false)) {
            // Small integer powers are multiplications, as in the IR (DESIGN rule 2).
            double r = *k == 0 ? 1.0 : a;
            for (long long i = 1; i < *k; ++i) r = r * a;
            return r;
          }
        }
        const double b = feval(*e.args[1]);
        switch (e.op) {
          case Op::Add:
            return a + b;
          case Op::Sub:
            return a - b;
          case Op::Mul:
            return a * b;
          case Op::Div:
            if (b == 0) throw ConstEvalError("division by zero", e.args[1]->pos);
            return a / b;
          case Op::FloorDiv:
            if (b == 0) throw ConstEvalError("division by zero", e.args[1]->pos);
            return kernel::ops::py_floordiv(a, b);
          case Op::Mod:
            if (b == 0) throw ConstEvalError("modulo by zero", e.args[1]->pos);
            return kernel::ops::py_mod(a, b);
          case Op::Pow:
            return std::pow(a, b);
          default:
            break;
        }
        break;
      }
      case ExprKind::Compare:
        return compare_chain<double>(e, [&](const Expr& x) { return feval(x); });
      case ExprKind::And:
        return (feval(*e.args[0]) != 0 && feval(*e.args[1]) != 0) ? 1.0 : 0.0;
      case ExprKind::Or:
        return (feval(*e.args[0]) != 0 || feval(*e.args[1]) != 0) ? 1.0 : 0.0;
      case ExprKind::Not:
        return feval(*e.args[0]) == 0 ? 1.0 : 0.0;
      case ExprKind::Conditional:
        return feval(*e.args[1]) != 0 ? feval(*e.args[0]) : feval(*e.args[2]);
      case ExprKind::Call:
        return call(e);
      case ExprKind::Reduction: {
        const bool is_sum = e.name == "sum";
        double acc = is_sum ? 0.0 : 1.0;
        const long long lo = static_cast<long long>(feval(*e.args[1]));
        const long long hi = static_cast<long long>(feval(*e.args[2]));
        const long long st = e.has_step ? static_cast<long long>(feval(*e.args[3])) : 1;
        loop_values_.push_back(0);
        for (long long i = lo; st > 0 ? i < hi : i > hi; i += st) {
          spend(e);
          loop_values_.back() = i;
          if (e.has_filter && feval(*e.args.back()) == 0) continue;
          const double v = feval(*e.args[0]);
          acc = is_sum ? acc + v : acc * v;
        }
        loop_values_.pop_back();
        return acc;
      }
    }
    not_constant(e, "this expression");
  }

  double call(const Expr& e) {
    if (e.ref == Ref::Function || e.ref == Ref::Lag || e.ref == Ref::EventMacro)
      not_constant(e, "this call");
    std::vector<double> a;
    for (const auto& x : e.args) a.push_back(feval(*x));
    switch (static_cast<BuiltinId>(e.ref_index)) {
      case BuiltinId::Abs:
        return std::fabs(a[0]);
      case BuiltinId::Min: {
        double m = a[0];
        for (size_t i = 1; i < a.size(); ++i) m = kernel::ops::min2(m, a[i]);
        return m;
      }
      case BuiltinId::Max: {
        double m = a[0];
        for (size_t i = 1; i < a.size(); ++i) m = kernel::ops::max2(m, a[i]);
        return m;
      }
      case BuiltinId::Round:
        return std::nearbyint(a[0]);
      case BuiltinId::Exp:
        return std::exp(a[0]);
      case BuiltinId::Expm1:
        return std::expm1(a[0]);
      case BuiltinId::Log:
        return std::log(a[0]);
      case BuiltinId::Log10:
        return std::log10(a[0]);
      case BuiltinId::Log2:
        return std::log2(a[0]);
      case BuiltinId::Log1p:
        return std::log1p(a[0]);
      case BuiltinId::Sqrt:
        return std::sqrt(a[0]);
      case BuiltinId::Sin:
        return std::sin(a[0]);
      case BuiltinId::Cos:
        return std::cos(a[0]);
      case BuiltinId::Tan:
        return std::tan(a[0]);
      case BuiltinId::Asin:
        return std::asin(a[0]);
      case BuiltinId::Acos:
        return std::acos(a[0]);
      case BuiltinId::Atan:
        return std::atan(a[0]);
      case BuiltinId::Atan2:
        return std::atan2(a[0], a[1]);
      case BuiltinId::Sinh:
        return std::sinh(a[0]);
      case BuiltinId::Cosh:
        return std::cosh(a[0]);
      case BuiltinId::Tanh:
        return std::tanh(a[0]);
      case BuiltinId::Asinh:
        return std::asinh(a[0]);
      case BuiltinId::Acosh:
        return std::acosh(a[0]);
      case BuiltinId::Atanh:
        return std::atanh(a[0]);
      case BuiltinId::Floor:
        return std::floor(a[0]);
      case BuiltinId::Ceil:
        return std::ceil(a[0]);
      case BuiltinId::Trunc:
        return std::trunc(a[0]);
      case BuiltinId::Hypot:
        return std::hypot(a[0], a[1]);
      case BuiltinId::Copysign:
        return std::copysign(a[0], a[1]);
      case BuiltinId::Erf:
        return std::erf(a[0]);
      case BuiltinId::Erfc:
        return std::erfc(a[0]);
      case BuiltinId::Pow:
        return std::pow(a[0], a[1]);
      case BuiltinId::Sign:
        return a[0] > 0 ? 1.0 : a[0] < 0 ? -1.0 : 0.0;
      case BuiltinId::Heaviside:
        return a[0] >= 0 ? 1.0 : 0.0;
      case BuiltinId::Relu:
        return kernel::ops::max2(a[0], 0.0);
      case BuiltinId::Clip: {
        const double lo_clipped = a[0] < a[1] ? a[1] : a[0];
        return lo_clipped > a[2] ? a[2] : lo_clipped;
      }
      case BuiltinId::Approx:
        return std::fabs(a[0] - a[1]) <= a[2] ? 1.0 : 0.0;
      default:
        not_constant(e, "this call");
    }
  }

  long long ieval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Number:
        return e.int_value;
      case ExprKind::Name:
        if (e.ref == Ref::Constant) return e.int_value;
        if (e.ref == Ref::Param)
          return spec_.params[static_cast<size_t>(e.ref_index)].int_values[0];
        if (e.ref == Ref::LoopVar) return loop_values_[static_cast<size_t>(e.ref_index)];
        not_constant(e, "this name");
      case ExprKind::Index:
        return spec_.params[static_cast<size_t>(e.ref_index)]
            .int_values[static_cast<size_t>(ieval(*e.args[0]))];
      case ExprKind::Unary: {
        const long long a = ieval(*e.args[0]);
        if (e.op != Op::Neg) return a;
        long long r = 0;
        check_overflow(__builtin_sub_overflow(0LL, a, &r), e);
        return r;
      }
      case ExprKind::Binary: {
        const long long a = ieval(*e.args[0]);
        const long long b = ieval(*e.args[1]);
        long long r = 0;
        switch (e.op) {
          case Op::Add:
            check_overflow(__builtin_add_overflow(a, b, &r), e);
            return r;
          case Op::Sub:
            check_overflow(__builtin_sub_overflow(a, b, &r), e);
            return r;
          case Op::Mul:
            check_overflow(__builtin_mul_overflow(a, b, &r), e);
            return r;
          case Op::FloorDiv:
            if (b == 0) throw ConstEvalError("division by zero", e.args[1]->pos);
            check_overflow(b == -1 && a == LLONG_MIN, e);
            return kernel::ops::py_floordiv(a, b);
          case Op::Mod:
            if (b == 0) throw ConstEvalError("modulo by zero", e.args[1]->pos);
            if (b == -1) return 0;  // also for LLONG_MIN, where a % b would overflow
            return kernel::ops::py_mod(a, b);
          case Op::Pow: {  // b >= 0 (the checker allows only non-negative literal exponents)
            r = 1;
            long long base = a;
            for (long long k = b; k > 0; k >>= 1) {  // by squaring: huge exponents end quickly
              if (k & 1) check_overflow(__builtin_mul_overflow(r, base, &r), e);
              if (k > 1) check_overflow(__builtin_mul_overflow(base, base, &base), e);
            }
            return r;
          }
          default:
            not_constant(e, "this operation");
        }
      }
      case ExprKind::Compare:
        return compare_chain<long long>(e, [&](const Expr& x) { return ieval(x); });
      case ExprKind::And:
        return (ieval(*e.args[0]) != 0 && ieval(*e.args[1]) != 0) ? 1 : 0;
      case ExprKind::Or:
        return (ieval(*e.args[0]) != 0 || ieval(*e.args[1]) != 0) ? 1 : 0;
      case ExprKind::Not:
        return ieval(*e.args[0]) == 0 ? 1 : 0;
      case ExprKind::Conditional:
        return ieval(*e.args[1]) != 0 ? ieval(*e.args[0]) : ieval(*e.args[2]);
      case ExprKind::Call: {
        if (e.ref != Ref::Builtin) not_constant(e, "this call");
        std::vector<long long> a;
        for (const auto& x : e.args) a.push_back(ieval(*x));
        switch (static_cast<BuiltinId>(e.ref_index)) {
          case BuiltinId::Abs:
            check_overflow(a[0] == LLONG_MIN, e);
            return a[0] < 0 ? -a[0] : a[0];
          case BuiltinId::Min: {
            long long m = a[0];
            for (auto v : a) m = v < m ? v : m;
            return m;
          }
          case BuiltinId::Max: {
            long long m = a[0];
            for (auto v : a) m = v > m ? v : m;
            return m;
          }
          case BuiltinId::Sign:
            return a[0] > 0 ? 1 : a[0] < 0 ? -1 : 0;
          case BuiltinId::Heaviside:
            return a[0] >= 0 ? 1 : 0;
          case BuiltinId::Relu:
            return a[0] > 0 ? a[0] : 0;
          case BuiltinId::Clip: {
            const long long l = a[0] < a[1] ? a[1] : a[0];
            return l > a[2] ? a[2] : l;
          }
          case BuiltinId::Approx: {
            long long d = 0;
            check_overflow(__builtin_sub_overflow(a[0], a[1], &d) || d == LLONG_MIN, e);
            return (d < 0 ? -d : d) <= a[2];
          }
          default:
            not_constant(e, "this call");
        }
      }
      case ExprKind::Reduction: {
        const bool is_sum = e.name == "sum";
        long long acc = is_sum ? 0 : 1;
        const long long lo = ieval(*e.args[1]);
        const long long hi = ieval(*e.args[2]);
        const long long st = e.has_step ? ieval(*e.args[3]) : 1;
        loop_values_.push_back(0);
        for (long long i = lo; st > 0 ? i < hi : i > hi;) {
          spend(e);
          loop_values_.back() = i;
          if (!e.has_filter || ieval(*e.args.back()) != 0) {
            const long long v = ieval(*e.args[0]);
            check_overflow(is_sum ? __builtin_add_overflow(acc, v, &acc)
                                  : __builtin_mul_overflow(acc, v, &acc),
                           e);
          }
          if (__builtin_add_overflow(i, st, &i)) break;  // the range ends at the int64 limit
        }
        loop_values_.pop_back();
        return acc;
      }
      default:
        not_constant(e, "this expression");
    }
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
  bool integer_;
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
  return Evaluator(spec).eval(e);
}

}  // namespace dynlib::dsl

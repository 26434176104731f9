// Printing expressions back to source, and the canonical form behind the model hash.

#include <fmt/format.h>

#include <cmath>

#include "dsl/model_spec.hpp"
#include "support/digest.hpp"

namespace dynlib::dsl {
namespace {

// Binding strength, loosest first (Python's order).
enum Prec {
  kConditional = 0,
  kOr,
  kAnd,
  kNot,
  kCompare,
  kAdditive,
  kMultiplicative,
  kUnary,
  kPower,
  kPrimary
};

int precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Conditional:
      return kConditional;
    case ExprKind::Or:
      return kOr;
    case ExprKind::And:
      return kAnd;
    case ExprKind::Not:
      return kNot;
    case ExprKind::Compare:
      return kCompare;
    case ExprKind::Unary:
      return kUnary;
    case ExprKind::Binary:
      switch (e.op) {
        case Op::Add:
        case Op::Sub:
          return kAdditive;
        case Op::Pow:
          return kPower;
        default:
          return kMultiplicative;
      }
    case ExprKind::Number:
      return e.number < 0 || std::signbit(e.number) ? kUnary : kPrimary;
    default:
      return kPrimary;
  }
}

std::string number_text(const Expr& e) {
  if (e.is_integer_literal) return std::to_string(e.int_value);
  // Shortest text that reads back to the same double.
  std::string s = fmt::format("{}", e.number);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a float literal
  return s;
}

void print(const Expr& e, int min_prec, std::string& out);

void print_args(const Expr& e, size_t from, size_t to, std::string& out) {
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += ", ";
    print(*e.args[i], kConditional, out);
  }
}

void print(const Expr& e, int min_prec, std::string& out) {
  const int p = precedence(e);
  const bool parens = p < min_prec;
  if (parens) out += '(';
  switch (e.kind) {
    case ExprKind::Number:
      out += number_text(e);
      break;
    case ExprKind::Name:
      out += e.name;
      break;
    case ExprKind::Unary:
      out += e.op == Op::Neg ? "-" : "+";
      print(*e.args[0], kUnary, out);
      break;
    case ExprKind::Binary:
      if (e.op == Op::Pow) {
        print(*e.args[0], kPrimary, out);
        out += " ** ";
        print(*e.args[1], kUnary, out);
      } else {
        print(*e.args[0], p, out);
        out += fmt::format(" {} ", op_text(e.op));
        print(*e.args[1], p + 1, out);
      }
      break;
    case ExprKind::Compare:
      print(*e.args[0], kAdditive, out);
      for (size_t i = 0; i < e.compare_ops.size(); ++i) {
        out += fmt::format(" {} ", op_text(e.compare_ops[i]));
        print(*e.args[i + 1], kAdditive, out);
      }
      break;
    case ExprKind::And:
    case ExprKind::Or:
      print(*e.args[0], p, out);
      out += e.kind == ExprKind::And ? " and " : " or ";
      print(*e.args[1], p + 1, out);
      break;
    case ExprKind::Not:
      out += "not ";
      print(*e.args[0], kNot, out);
      break;
    case ExprKind::Conditional:
      print(*e.args[0], kOr, out);
      out += " if ";
      print(*e.args[1], kOr, out);
      out += " else ";
      print(*e.args[2], kConditional, out);
      break;
    case ExprKind::Call:
      out += e.name + "(";
      print_args(e, 0, e.args.size(), out);
      out += ")";
      break;
    case ExprKind::Index:
      out += e.name + "[";
      print(*e.args[0], kConditional, out);
      out += "]";
      break;
    case ExprKind::Reduction: {
      out += e.name + "(";
      print(*e.args[0], kConditional, out);
      out += " for " + e.loop_var + " in range(";
      print_args(e, 1, e.has_step ? 4 : 3, out);
      out += ")";
      if (e.has_filter) {
        out += " if ";
        print(*e.args.back(), kOr, out);
      }
      out += ")";
      break;
    }
  }
  if (parens) out += ')';
}

std::string num(double v) {
  return fmt::format("{}", v);
}

template <class T>
std::string opt(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string("-");
}

}  // namespace

std::string to_source(const Expr& e) {
  std::string out;
  print(e, kConditional, out);
  return out;
}

std::string canonical_form(const ModelSpec& m) {
  // One line per fact, in a fixed order; numbers in shortest round-trip form. [meta] is ignored.
  std::string out;
  auto line = [&](const std::string& s) {
    out += s;
    out += '\n';
  };
  line(fmt::format("dynlib-model 1"));
  // The name is left out: it may come from the file name, and renaming changes no mathematics.
  line(fmt::format("model {} {}", kind_name(m.kind), dtype_name(m.dtype)));
  for (const auto& c : m.constants)
    line(fmt::format("constant {} = {}", c.name,
                     m.dtype == DType::Int64 ? std::to_string(c.int_value) : num(c.value)));
  for (const auto& p : m.params) {
    std::string vals;
    for (size_t i = 0; i < p.values.size(); ++i)
      vals += (i ? ", " : "") +
              (m.dtype == DType::Int64 ? std::to_string(p.int_values[i]) : num(p.values[i]));
    line(fmt::format("param {} = {}", p.name, p.is_array ? "[" + vals + "]" : vals));
  }
  // Initial values by value: `1`, `1.0` and `"2/2"` start the model in the same state.
  for (const auto& s : m.states)
    line(fmt::format("state {} = {}", s.name,
                     m.dtype == DType::Int64 ? std::to_string(s.init_int) : num(s.init_value)));
  for (size_t i = 0; i < m.states.size(); ++i)
    line(fmt::format("equation {} = {}", m.states[i].name, to_source(*m.equations[i].expr)));
  if (m.jacobian)
    for (size_t i = 0; i < m.jacobian->size(); ++i)
      for (size_t j = 0; j < (*m.jacobian)[i].size(); ++j)
        line(fmt::format("jacobian {} {} = {}", i, j, to_source(*(*m.jacobian)[i][j].expr)));
  if (m.inverse)
    for (size_t i = 0; i < m.inverse->size(); ++i)
      line(fmt::format("inverse {} = {}", m.states[i].name, to_source(*(*m.inverse)[i].expr)));
  for (const auto& a : m.aux) line(fmt::format("aux {} = {}", a.name, to_source(*a.expr.expr)));
  for (const auto& f : m.functions)
    line(fmt::format("function {}({}) = {}", f.name, fmt::join(f.args, ", "),
                     to_source(*f.body.expr)));
  for (const auto& e : m.events) {
    line(fmt::format("event {} phase={} tags=[{}] cond = {}", e.name, phase_name(e.phase),
                     fmt::join(e.tags, ","), to_source(*e.cond.expr)));
    for (const auto& a : e.actions) {
      const char* op = a.op == AssignOp::Set ? "=" : a.op == AssignOp::AddTo ? "+=" : "-=";
      line(fmt::format("  action {} {} {}", a.target, op, to_source(*a.value.expr)));
    }
    for (const auto& l : e.log) line(fmt::format("  log {}", to_source(*l.expr)));
  }
  const SimDefaults& s = m.sim;
  line(fmt::format(
      "sim t0={} t_end={} dt={} stepper={} record={} record_interval={} max_steps={} "
      "atol={} rtol={} dt_min={} dt_max={} safety={} min_factor={} max_factor={} "
      "max_rejects={} controller={}",
      num(s.t0), opt(s.t_end), opt(s.dt), opt(s.stepper), s.record, s.record_interval,
      opt(s.max_steps), num(s.atol), num(s.rtol), opt(s.dt_min), opt(s.dt_max), opt(s.safety),
      opt(s.min_factor), opt(s.max_factor), opt(s.max_rejects), opt(s.controller)));
  // Implicit steppers' options: only when set, so models without them keep their hash.
  if (s.newton_tol || s.newton_max_iter || s.jac_eps || s.jacobian_mode || s.max_order ||
      s.linear_solver)
    line(
        fmt::format("sim newton_tol={} newton_max_iter={} jac_eps={} jacobian_mode={} "
                    "max_order={} linear_solver={}",
                    opt(s.newton_tol), opt(s.newton_max_iter), opt(s.jac_eps), opt(s.jacobian_mode),
                    opt(s.max_order), opt(s.linear_solver)));
  if (m.stop) line(fmt::format("sim stop = {}", to_source(*m.stop->expr)));
  for (const auto& p : m.presets) {
    line(fmt::format("preset {}", p.name));
    for (const auto& v : p.values) {
      std::vector<std::string> vals;
      for (size_t i = 0; i < v.values.size(); ++i)
        vals.push_back(m.dtype == DType::Int64 ? std::to_string(v.int_values[i])
                                               : num(v.values[i]));
      line(fmt::format("  {} {} = {}", v.kind == Ref::State ? "state" : "param", v.name,
                       fmt::join(vals, ", ")));
    }
  }
  return out;
}

std::string model_hash(const ModelSpec& spec) {
  return support::sha256_hex(canonical_form(spec));
}

}  // namespace dynlib::dsl

// Lowering: ModelSpec (resolved AST) -> IR. Walks each expression left to right, emitting one
// instruction per operation in evaluation order; shares identical computations (CSE, scoped so a
// value computed inside a loop or branch is never reused outside it); folds operations whose
// operands are all constants, with the same scalar functions the backends use. User functions are
// inlined; the front end bounds how deep that recurses, and the size it may reach is bounded here.

#include <fmt/format.h>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "dsl/builtins.hpp"
#include "dsl/const_eval.hpp"
#include "dsl/operations.hpp"
#include "ir/ir.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::ir {
namespace {

using dsl::BuiltinId;
using dsl::Expr;
using dsl::ExprKind;
using dsl::Ref;

// A value during lowering: >= 0 a temporary, < 0 the constant -1 - index. Constants get their
// final slots [0, n_consts) only once every function is lowered.
using Value = int;
constexpr bool is_const(Value v) {
  return v < 0;
}
constexpr int const_index(Value v) {
  return -1 - v;
}

struct Env {
  const std::vector<Value>* args = nullptr;  // user-function arguments, by position
  std::vector<Value> loops;                  // loop counters, by nesting depth
};

class Lowerer {
 public:
  Lowerer(const dsl::ModelSpec& spec, Module& m) : spec_(spec), m_(m) {}

  Function lower_function(const std::string& name, const std::vector<const Expr*>& roots,
                          const std::function<void()>& body) {
    f_ = Function{};
    f_.name = name;
    next_temp_ = 0;
    scopes_.assign(1, {});
    call_scopes_.assign(1, {});
    inputs_.clear();
    aux_memo_.assign(spec_.aux.size(), kNone);
    // Aux values the function needs are computed first, at the top level, in dependency order,
    // so a reference from inside a loop or branch finds them already defined.
    std::vector<bool> need(spec_.aux.size(), false);
    for (const Expr* r : roots) mark_aux(*r, need);
    for (int a : spec_.aux_order)
      if (need[static_cast<size_t>(a)]) aux_value(a);
    body();
    Function out = std::move(f_);
    out.n_slots = next_temp_;  // temporaries only, for now; finalize() adds the constants
    return out;
  }

  // ---- expressions ----
  // A root expression of the model (an equation, an event's condition, ...) read from `l`.
  Value lower_root(const dsl::Located& l, Env& env) {
    const dsl::SourceText* outer = root_src_;
    root_src_ = l.src.get();
    const Value v = lower(*l.expr, env);
    root_src_ = outer;
    return v;
  }

  Value lower(const Expr& e, Env& env) {
    switch (e.kind) {
      case ExprKind::Number:
        return number(e);
      case ExprKind::Name:
        return name(e, env);
      case ExprKind::Unary: {
        const Value a = lower(*e.args[0], env);
        return e.op == dsl::Op::Neg ? emit(ir_op(dsl::operator_op(e.op)), a) : a;
      }
      case ExprKind::Binary:
        return binary(e, env);
      case ExprKind::Compare: {
        // a < b <= c: each operand evaluated once, left to right; the links joined with and.
        Value lhs = lower(*e.args[0], env);
        Value result = kNone;
        for (size_t i = 0; i < e.compare_ops.size(); ++i) {
          const Value rhs = lower(*e.args[i + 1], env);
          const Value link = emit(ir_op(dsl::operator_op(e.compare_ops[i])), lhs, rhs);
          result = result == kNone ? link : emit(Op::And, result, link);
          lhs = rhs;
        }
        return result;
      }
      case ExprKind::And: {
        const Value a = lower(*e.args[0], env);
        return emit(Op::And, a, lower(*e.args[1], env));
      }
      case ExprKind::Or: {
        const Value a = lower(*e.args[0], env);
        return emit(Op::Or, a, lower(*e.args[1], env));
      }
      case ExprKind::Not:
        return emit(Op::Not, lower(*e.args[0], env));
      case ExprKind::Conditional:
        return conditional(e, env);
      case ExprKind::Call:
        return call(e, env);
      case ExprKind::Index:
        return index(e, env);
      case ExprKind::Reduction:
        return reduction(e, env);
    }
    return kNone;
  }

  Value number(const Expr& e) {
    if (integer()) return int_const(e.int_value);
    return float_const(e.number);
  }

  Value name(const Expr& e, Env& env) {
    switch (e.ref) {
      case Ref::State:
        return input(InputKind::State, e.ref_index, 0);
      case Ref::Param:
        return input(InputKind::Param, m_.param_offset[static_cast<size_t>(e.ref_index)], 0);
      case Ref::Time:
        return input(InputKind::Time, 0, 0);
      case Ref::Constant:
        return integer() ? int_const(e.int_value) : float_const(e.number);
      case Ref::Aux:
        return aux_value(e.ref_index);
      case Ref::LoopVar:
        return env.loops[static_cast<size_t>(e.ref_index)];
      case Ref::FuncArg:
        return (*env.args)[static_cast<size_t>(e.ref_index)];
      default:
        break;
    }
    throw std::logic_error(fmt::format("lowering: unresolved name '{}'", e.name));
  }

  Value binary(const Expr& e, Env& env) {
    const Value a = lower(*e.args[0], env);
    if (e.op == dsl::Op::Pow) {
      if (auto k = dsl::small_int_exponent(*e.args[1], integer())) {
        // x**0 == 1 and x**1 == x exactly; x**2, x**3 (any k for int64) are multiplications.
        if (*k == 0) return integer() ? int_const(1) : float_const(1.0);
        if (integer()) {
          // By squaring: int64 products wrap exactly, so any grouping gives the same bits, in
          // O(log k) multiplications (x**1000000000 is 44 of them, not a billion).
          Value r = kNone, base = a;
          for (long long left = *k; left > 0; left >>= 1) {
            if (left & 1) r = r == kNone ? base : emit(Op::Mul, r, base);
            if (left > 1) base = emit(Op::Mul, base, base);
          }
          return r;
        }
        Value r = a;
        for (long long i = 1; i < *k; ++i) r = emit(Op::Mul, r, a);
        return r;
      }
    }
    return emit(ir_op(dsl::operator_op(e.op)), a, lower(*e.args[1], env));
  }

  // `a if c else b`: only the taken branch runs.
  Value conditional(const Expr& e, Env& env) {
    const Value cond = lower(*e.args[1], env);
    if (is_const(cond)) return lower(*e.args[truthy_const(cond) ? 0 : 2], env);
    const Value result = new_temp();
    const size_t if_at = raw_emit({Op::If, -1, cond});
    push_scope();
    raw_emit({Op::Copy, result, lower(*e.args[0], env)});
    pop_scope();
    const size_t else_at = raw_emit({Op::Else, -1});
    push_scope();
    raw_emit({Op::Copy, result, lower(*e.args[2], env)});
    pop_scope();
    raw_emit({Op::EndIf, -1});
    f_.code[if_at].dst = static_cast<int32_t>(else_at + 1);
    f_.code[else_at].dst = static_cast<int32_t>(f_.code.size());
    return result;
  }

  Value call(const Expr& e, Env& env) {
    if (e.ref == Ref::Lag) {
      const int col = m_.lag_column[static_cast<size_t>(e.ref_index)];
      return input(InputKind::Lag, col, static_cast<int>(e.int_value));
    }
    if (e.ref == Ref::Function) {
      const auto& fn = spec_.functions[static_cast<size_t>(e.ref_index)];
      std::vector<Value> args;
      for (const auto& a : e.args) args.push_back(lower(*a, env));
      // A body reads only its arguments (and states, params, aux): the same call on the same
      // values is the same value. Remembered per scope, like common subexpressions, so a chain
      // of functions each calling the previous one twice lowers in linear, not exponential, time.
      std::pair<int, std::vector<Value>> key{e.ref_index, args};
      for (auto sc = call_scopes_.rbegin(); sc != call_scopes_.rend(); ++sc)
        if (auto it = sc->find(key); it != sc->end()) return it->second;
      Env inner;
      inner.args = &args;
      if (call_depth_ == 0) outer_call_ = &e;
      ++call_depth_;
      const Value v = lower(*fn.body.expr, inner);
      --call_depth_;
      call_scopes_.back().emplace(std::move(key), v);
      return v;
    }
    if (e.ref == Ref::EventMacro) return event_macro(e, env);
    const auto id = static_cast<BuiltinId>(e.ref_index);
    std::vector<Value> a;
    for (const auto& x : e.args) a.push_back(lower(*x, env));
    const Value zero = integer() ? int_const(0) : float_const(0.0);
    return dsl::expand_builtin<Value>(id, a, zero, [&](kernel::ops::OpCode code, Value x, Value y) {
      const Op op = ir_op(code);
      return op_arity(op) == 1 ? emit(op, x) : emit(op, x, y);
    });
  }

  // Event macros, defined through the previous committed state (lag 1) of their first argument.
  Value event_macro(const Expr& e, Env& env) {
    const int state = e.args[0]->ref_index;
    const Value now = input(InputKind::State, state, 0);
    const Value before = input(InputKind::Lag, m_.lag_column[static_cast<size_t>(state)], 1);
    std::vector<Value> a;
    for (size_t i = 1; i < e.args.size(); ++i) a.push_back(lower(*e.args[i], env));
    auto inside = [&](Value x) {
      return emit(Op::And, emit(Op::Le, a[0], x), emit(Op::Le, x, a[1]));
    };
    switch (static_cast<BuiltinId>(e.ref_index)) {
      case BuiltinId::CrossUp:
        return emit(Op::And, emit(Op::Lt, before, a[0]), emit(Op::Ge, now, a[0]));
      case BuiltinId::CrossDown:
        return emit(Op::And, emit(Op::Gt, before, a[0]), emit(Op::Le, now, a[0]));
      case BuiltinId::CrossEither: {
        const Value up = emit(Op::And, emit(Op::Lt, before, a[0]), emit(Op::Ge, now, a[0]));
        const Value down = emit(Op::And, emit(Op::Gt, before, a[0]), emit(Op::Le, now, a[0]));
        return emit(Op::Or, up, down);
      }
      case BuiltinId::Changed:
        return emit(Op::Ne, now, before);
      case BuiltinId::InInterval:
        return inside(now);
      case BuiltinId::EntersInterval:
        return emit(Op::And, emit(Op::Not, inside(before)), inside(now));
      case BuiltinId::LeavesInterval:
        return emit(Op::And, inside(before), emit(Op::Not, inside(now)));
      case BuiltinId::Increasing:
        return emit(Op::Gt, now, before);
      case BuiltinId::Decreasing:
        return emit(Op::Lt, now, before);
      default:
        break;
    }
    throw std::logic_error("lowering: unknown event macro");
  }

  Value index(const Expr& e, Env& env) {
    const int base = m_.param_offset[static_cast<size_t>(e.ref_index)];
    const int size = static_cast<int>(spec_.params[static_cast<size_t>(e.ref_index)].values.size());
    const Value i = lower(*e.args[0], env);
    if (is_const(i)) return input(InputKind::Param, base + static_cast<int>(const_as_int(i)), 0);
    return emit(Op::ParamAt, int_operand(base), i, int_operand(size));
  }

  // sum(body for i in range(start, stop, step) if filter), as a loop: ((0 + v0) + v1) + ...
  Value reduction(const Expr& e, Env& env) {
    const bool is_sum = e.name == "sum";
    const Value start = lower(*e.args[1], env);
    const Value stop = lower(*e.args[2], env);
    const Value step =
        e.has_step ? lower(*e.args[3], env) : (integer() ? int_const(1) : float_const(1.0));
    const long long step_value = const_as_int(step);  // the front end requires a constant step
    const Value acc = new_temp();
    raw_emit({Op::Copy, acc, is_sum ? unit(0) : unit(1)});
    const Value counter = new_temp();
    raw_emit({Op::Copy, counter, start});
    const size_t begin = raw_emit({Op::LoopBegin, -1, counter, stop, step_value > 0 ? 1 : -1});
    push_scope();
    env.loops.push_back(counter);
    size_t if_at = 0;
    if (e.has_filter) {
      const Value keep = lower(*e.args.back(), env);
      if_at = raw_emit({Op::If, -1, keep});
      push_scope();
    }
    const Value v = lower(*e.args[0], env);
    raw_emit({Op::Copy, acc, raw_value(is_sum ? Op::Add : Op::Mul, acc, v)});
    if (e.has_filter) {
      pop_scope();
      const size_t else_at = raw_emit({Op::Else, -1});
      raw_emit({Op::EndIf, -1});
      f_.code[if_at].dst = static_cast<int32_t>(else_at + 1);
      f_.code[else_at].dst = static_cast<int32_t>(f_.code.size());
    }
    env.loops.pop_back();
    pop_scope();
    const size_t end = raw_emit({Op::LoopEnd, static_cast<int32_t>(begin), counter, step});
    f_.code[begin].dst = static_cast<int32_t>(end + 1);
    return acc;
  }

  // ---- functions of the module ----
  void output(OutputKind kind, int index, Value v) { f_.outputs.push_back({kind, index, v}); }

  Value aux_value(int a) {
    Value& memo = aux_memo_[static_cast<size_t>(a)];
    if (memo == kNone) {
      Env env;
      memo = lower_root(spec_.aux[static_cast<size_t>(a)].expr, env);
    }
    return memo;
  }

  // Constants become their final slot numbers; temporaries move past them.
  void finalize(Function& f) {
    const int n_consts = static_cast<int>(m_.n_consts());
    auto slot = [&](int32_t v) { return v < 0 ? const_index(v) : v + n_consts; };
    for (auto& in : f.inputs) in.slot = slot(in.slot);
    for (auto& out : f.outputs) out.slot = slot(out.slot);
    for (auto& ins : f.code) {
      switch (ins.op) {
        case Op::LoopBegin:
          ins.a = slot(ins.a);
          ins.b = slot(ins.b);
          break;
        case Op::LoopEnd:
          ins.a = slot(ins.a);
          ins.b = slot(ins.b);
          break;
        case Op::If:
          ins.a = slot(ins.a);
          break;
        case Op::Else:
        case Op::EndIf:
          break;
        case Op::ParamAt:
          ins.dst = slot(ins.dst);
          ins.b = slot(ins.b);
          break;  // a, c: immediates
        default:
          ins.dst = slot(ins.dst);
          ins.a = slot(ins.a);
          if (op_arity(ins.op) >= 2) ins.b = slot(ins.b);
          break;
      }
    }
    f.n_slots += n_consts;
  }

 private:
  static constexpr Value kNone = 1 << 30;
  static constexpr size_t kMaxInstructions = 1'000'000;  // per IR function

  bool integer() const { return m_.dtype == dsl::DType::Int64; }
  bool single() const { return m_.dtype == dsl::DType::Float32; }

  Value float_const(double v) {
    if (single()) v = static_cast<double>(static_cast<float>(v));
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    auto [it, added] = float_consts_.try_emplace(bits, static_cast<int>(m_.consts.size()));
    if (added) m_.consts.push_back(v);
    return -1 - it->second;
  }
  Value int_const(long long v) {
    auto [it, added] = int_consts_.try_emplace(v, static_cast<int>(m_.int_consts.size()));
    if (added) m_.int_consts.push_back(v);
    return -1 - it->second;
  }
  Value unit(int v) { return integer() ? int_const(v) : float_const(v); }
  bool truthy_const(Value v) const {
    return integer() ? m_.int_consts[static_cast<size_t>(const_index(v))] != 0
                     : m_.consts[static_cast<size_t>(const_index(v))] != 0;
  }
  long long const_as_int(Value v) const {
    return integer() ? m_.int_consts[static_cast<size_t>(const_index(v))]
                     : static_cast<long long>(m_.consts[static_cast<size_t>(const_index(v))]);
  }
  // ParamAt's base and size are immediates, not slots; encode them so finalize leaves them alone.
  static int32_t int_operand(int v) { return v; }

  Value new_temp() { return next_temp_++; }

  Value input(InputKind kind, int index, int lag) {
    auto key = std::make_tuple(static_cast<int>(kind), index, lag);
    auto it = inputs_.find(key);
    if (it != inputs_.end()) return it->second;
    const Value slot = new_temp();
    f_.inputs.push_back({kind, index, lag, slot});
    inputs_.emplace(key, slot);
    return slot;
  }

  size_t raw_emit(Instr ins) {
    if (f_.code.size() >= kMaxInstructions) too_large();
    f_.code.push_back(ins);
    return f_.code.size() - 1;
  }

  // Emits without CSE or folding (for loop-carried updates).
  Value raw_value(Op op, Value a, Value b) {
    const Value dst = new_temp();
    raw_emit({op, dst, a, b});
    return dst;
  }

  // Functions calling functions several times with different arguments multiply: a chain of 30
  // such calls would inline 2^30 operations. Refused at the outermost call that grows so large.
  [[noreturn]] void too_large() const {
    const std::string msg = fmt::format(
        "the model is too large: its {} function needs more than {} operations once the user "
        "functions it calls are inlined",
        f_.name, kMaxInstructions);
    const std::string hint =
        "functions calling functions several times with different arguments multiply; compute "
        "shared values as aux variables";
    if (!root_src_ || call_depth_ == 0) throw ModelError(msg, {}, {}, hint);
    const dsl::Position p = root_src_->at(outer_call_->pos);
    throw ModelError(msg, {root_src_->file, p.line, p.column}, root_src_->line_text(p.line), hint);
  }

  void push_scope() {
    scopes_.emplace_back();
    call_scopes_.emplace_back();
  }
  void pop_scope() {
    scopes_.pop_back();
    call_scopes_.pop_back();
  }

 public:
  Value emit(Op op, Value a, Value b = -1, Value c = -1) {
    const int arity = op_arity(op);
    if (op != Op::ParamAt) {
      bool all_const = is_const(a) && (arity < 2 || is_const(b));
      if (all_const) return fold(op, a, b);
    }
    const auto key = std::make_tuple(static_cast<int>(op), a, b, c);
    for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s) {
      auto it = s->find(key);
      if (it != s->end()) return it->second;
    }
    const Value dst = new_temp();
    raw_emit({op, dst, a, b, c});
    scopes_.back().emplace(key, dst);
    return dst;
  }

 private:
  // Folds through the kernel's operation table, in the model's dtype: the very functions the
  // backends run.
  Value fold(Op op, Value a, Value b) {
    if (!is_value_op(op) || (integer() && !kernel::ops::op_info(kernel_op(op)).int64_ok))
      throw std::logic_error(fmt::format("lowering: cannot fold {}", op_name(op)));
    const bool binary = op_arity(op) >= 2;
    if (integer()) {
      const long long x = m_.int_consts[static_cast<size_t>(const_index(a))];
      const long long y = binary ? m_.int_consts[static_cast<size_t>(const_index(b))] : 0;
      return int_const(kernel::ops::apply(kernel_op(op), x, y));
    }
    const double x = m_.consts[static_cast<size_t>(const_index(a))];
    const double y = binary ? m_.consts[static_cast<size_t>(const_index(b))] : 0.0;
    if (single())
      return float_const(static_cast<double>(
          kernel::ops::apply(kernel_op(op), static_cast<float>(x), static_cast<float>(y))));
    return float_const(kernel::ops::apply(kernel_op(op), x, y));
  }

  // The aux values `root` reads, directly or through aux and functions. Iterative, each aux and
  // function body visited once: aux chains may be 10^5 long, function chains branch.
  void mark_aux(const Expr& root, std::vector<bool>& need) const {
    std::vector<bool> fn_seen(spec_.functions.size(), false);
    std::vector<const Expr*> todo{&root};
    while (!todo.empty()) {
      const Expr& e = *todo.back();
      todo.pop_back();
      if (e.ref == Ref::Aux && !need[static_cast<size_t>(e.ref_index)]) {
        need[static_cast<size_t>(e.ref_index)] = true;
        todo.push_back(spec_.aux[static_cast<size_t>(e.ref_index)].expr.expr.get());
      }
      if (e.ref == Ref::Function && e.kind == ExprKind::Call &&
          !fn_seen[static_cast<size_t>(e.ref_index)]) {
        fn_seen[static_cast<size_t>(e.ref_index)] = true;
        todo.push_back(spec_.functions[static_cast<size_t>(e.ref_index)].body.expr.get());
      }
      for (const auto& a : e.args) todo.push_back(a.get());
    }
  }

  const dsl::ModelSpec& spec_;
  Module& m_;
  Function f_;
  int next_temp_ = 0;
  std::vector<std::map<std::tuple<int, int, int, int>, Value>> scopes_;
  std::vector<std::map<std::pair<int, std::vector<Value>>, Value>> call_scopes_;  // function calls
  std::map<std::tuple<int, int, int>, Value> inputs_;
  std::vector<Value> aux_memo_;
  const dsl::SourceText* root_src_ = nullptr;  // the text of the root expression being lowered
  const Expr* outer_call_ = nullptr;  // the outermost user-function call being inlined in it
  int call_depth_ = 0;
  std::map<uint64_t, int> float_consts_;
  std::map<long long, int> int_consts_;
};

}  // namespace

Module lower(const dsl::ModelSpec& spec) {
  return lower(spec, spec.dtype);
}

Module lower(const dsl::ModelSpec& spec, dsl::DType dtype) {
  Module m;
  m.kind = spec.kind;
  m.dtype = dtype;
  m.n_state = static_cast<int>(spec.states.size());
  m.n_aux = static_cast<int>(spec.aux.size());
  for (const auto& p : spec.params) {
    m.param_offset.push_back(m.n_param);
    m.n_param += static_cast<int>(p.values.size());
  }
  int columns = 0;
  for (const auto& s : spec.states) {
    m.lag_depth.push_back(s.lag_depth);
    m.lag_column.push_back(s.lag_depth > 0 ? columns++ : -1);
  }

  Lowerer low(spec, m);
  auto exprs_of = [](const std::vector<dsl::Located>& v) {
    std::vector<const Expr*> out;
    for (const auto& l : v) out.push_back(l.expr.get());
    return out;
  };

  m.rhs = low.lower_function("rhs", exprs_of(spec.equations), [&] {
    for (int i = 0; i < m.n_state; ++i) {
      Env env;
      low.output(OutputKind::Value, i, low.lower_root(spec.equations[static_cast<size_t>(i)], env));
    }
  });

  std::vector<const Expr*> aux_roots;
  for (const auto& a : spec.aux) aux_roots.push_back(a.expr.expr.get());
  m.aux = low.lower_function("aux", aux_roots, [&] {
    for (int i = 0; i < m.n_aux; ++i) low.output(OutputKind::Value, i, low.aux_value(i));
  });

  for (const auto& ev : spec.events) {
    EventIR e;
    e.name = ev.name;
    e.phases = static_cast<int>(ev.phase);  // Start = 1, End = 2, Both = 3: the kernel's bits
    e.log_names = ev.log_names;
    e.cond = low.lower_function("event " + ev.name + " cond", {ev.cond.expr.get()}, [&] {
      Env env;
      low.output(OutputKind::Value, 0, low.lower_root(ev.cond, env));
    });
    std::vector<const Expr*> action_roots;
    for (const auto& a : ev.actions) action_roots.push_back(a.value.expr.get());
    e.action = low.lower_function("event " + ev.name + " action", action_roots, [&] {
      // Every right-hand side reads the pre-action values (the runner hands y/p in and collects
      // y_out/p_out), which makes the action atomic.
      for (const auto& a : ev.actions) {
        Env env;
        Value v = low.lower_root(a.value, env);
        const bool is_state = a.target_kind == Ref::State;
        const int index =
            is_state ? a.target_index : m.param_offset[static_cast<size_t>(a.target_index)];
        if (a.op != dsl::AssignOp::Set) {
          dsl::Expr target;
          target.kind = ExprKind::Name;
          target.ref = is_state ? Ref::State : Ref::Param;
          target.ref_index = a.target_index;
          const Value current = low.lower(target, env);
          // x += v is x = x + v, x -= v is x = x - v: the same operations as if written out.
          v = low.emit(a.op == dsl::AssignOp::AddTo ? Op::Add : Op::Sub, current, v);
        }
        low.output(is_state ? OutputKind::State : OutputKind::Param, index, v);
      }
    });
    e.log = low.lower_function("event " + ev.name + " log", exprs_of(ev.log), [&] {
      for (size_t i = 0; i < ev.log.size(); ++i) {
        Env env;
        low.output(OutputKind::Value, static_cast<int>(i), low.lower_root(ev.log[i], env));
      }
    });
    m.events.push_back(std::move(e));
  }

  if (spec.stop) {
    m.has_stop = true;
    m.stop = low.lower_function("stop", {spec.stop->expr.get()}, [&] {
      Env env;
      low.output(OutputKind::Value, 0, low.lower_root(*spec.stop, env));
    });
  }

  if (spec.jacobian) {
    m.has_user_jacobian = true;
    std::vector<const dsl::Located*> cells;
    std::vector<const Expr*> roots;
    for (const auto& row : *spec.jacobian)
      for (const auto& c : row) {
        cells.push_back(&c);
        roots.push_back(c.expr.get());
      }
    m.user_jacobian = low.lower_function("user jacobian", roots, [&] {
      for (size_t k = 0; k < cells.size(); ++k) {
        Env env;
        low.output(OutputKind::Value, static_cast<int>(k), low.lower_root(*cells[k], env));
      }
    });
  }
  if (spec.inverse) {
    m.has_inverse = true;
    m.inverse = low.lower_function("inverse", exprs_of(*spec.inverse), [&] {
      for (int i = 0; i < m.n_state; ++i) {
        Env env;
        low.output(OutputKind::Value, i,
                   low.lower_root((*spec.inverse)[static_cast<size_t>(i)], env));
      }
    });
  }

  // Constants are all known now: give every function its final slot numbers.
  low.finalize(m.rhs);
  low.finalize(m.aux);
  for (auto& e : m.events) {
    low.finalize(e.cond);
    low.finalize(e.action);
    low.finalize(e.log);
  }
  if (m.has_stop) low.finalize(m.stop);
  if (m.has_user_jacobian) low.finalize(m.user_jacobian);
  if (m.has_inverse) low.finalize(m.inverse);
  return m;
}

}  // namespace dynlib::ir

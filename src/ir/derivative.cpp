// Forward-mode symbolic differentiation of rhs (see derivative.hpp for the rules).
//
// One pass per derivative function copies rhs's code and, after each instruction, emits the
// derivatives of its result in every direction it depends on (a sparse map direction -> value).
// Which directions reach which slot is settled first by a fixed-point analysis, so loop-carried and
// conditional slots get their derivative slots before the code that writes them is reached.

#include "ir/derivative.hpp"

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

namespace dynlib::ir {
namespace {

// During construction, like lowering: >= 0 a temporary, < 0 the constant -1 - index. rhs's own
// temporaries keep their numbers; new ones follow them.
using Value = int;
constexpr bool is_const(Value v) {
  return v < 0;
}
constexpr Value kNone = 1 << 30;

using Tangent = std::map<int, Value>;  // direction -> derivative value, structural zeros absent

// Applies `fn` to every slot an instruction names (not to jump targets or ParamAt's immediates).
template <class F>
void remap(Instr& ins, F&& fn) {
  switch (ins.op) {
    case Op::LoopBegin:
    case Op::LoopEnd:
      ins.a = fn(ins.a);
      ins.b = fn(ins.b);
      break;
    case Op::If:
      ins.a = fn(ins.a);
      break;
    case Op::Else:
    case Op::EndIf:
      break;
    case Op::ParamAt:
      ins.dst = fn(ins.dst);
      ins.b = fn(ins.b);
      break;
    default:
      ins.dst = fn(ins.dst);
      ins.a = fn(ins.a);
      if (op_arity(ins.op) >= 2) ins.b = fn(ins.b);
      break;
  }
}

template <class F>
void remap(Function& f, F&& fn) {
  for (auto& in : f.inputs) in.slot = fn(in.slot);
  for (auto& o : f.outputs) o.slot = fn(o.slot);
  for (auto& ins : f.code) remap(ins, fn);
}

// Recomputes every jump target from the nesting (after code was inserted or removed).
void relink(std::vector<Instr>& code) {
  std::vector<size_t> open;
  for (size_t i = 0; i < code.size(); ++i) {
    switch (code[i].op) {
      case Op::LoopBegin:
      case Op::If:
        open.push_back(i);
        break;
      case Op::LoopEnd:
        code[open.back()].dst = static_cast<int32_t>(i + 1);
        code[i].dst = static_cast<int32_t>(open.back());
        open.pop_back();
        break;
      case Op::Else:
        code[open.back()].dst = static_cast<int32_t>(i + 1);
        open.back() = i;
        break;
      case Op::EndIf:
        code[open.back()].dst = static_cast<int32_t>(i + 1);
        open.pop_back();
        break;
      default:
        break;
    }
  }
}

// The module's float constants, interned; new ones are appended rounded to the dtype.
class ConstPool {
 public:
  explicit ConstPool(Module& m) : m_(m) {
    for (size_t i = 0; i < m.consts.size(); ++i) index_.try_emplace(bits(m.consts[i]), i);
  }
  Value get(double v) {
    if (m_.dtype == dsl::DType::Float32) v = static_cast<double>(static_cast<float>(v));
    auto [it, added] = index_.try_emplace(bits(v), m_.consts.size());
    if (added) m_.consts.push_back(v);
    return -1 - static_cast<int>(it->second);
  }
  double value(Value v) const { return m_.consts[static_cast<size_t>(-1 - v)]; }
  bool single() const { return m_.dtype == dsl::DType::Float32; }

 private:
  static uint64_t bits(double v) {
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
  }
  Module& m_;
  std::map<uint64_t, size_t> index_;
};

enum class Wrt { State, Direction, Param };

class Differentiator {
 public:
  Differentiator(const Module& m, ConstPool& pool, int n_old, Wrt wrt)
      : m_(m), src_(m.rhs), pool_(pool), n_old_(n_old), wrt_(wrt) {
    n_primal_ = src_.n_slots - n_old_;
    next_temp_ = n_primal_;
    deps_.assign(static_cast<size_t>(n_primal_), {});
    tan_.assign(static_cast<size_t>(n_primal_), {});
    alias_.assign(static_cast<size_t>(n_primal_), kNone);
    mut_.assign(static_cast<size_t>(n_primal_), 0);
    counter_.assign(static_cast<size_t>(n_primal_), 0);
    zero_ = pool_.get(0.0);
    one_ = pool_.get(1.0);
  }

  // Builds the function; `sparsity` (n_state x n_dir) is filled when non-null.
  Function build(const std::string& name, std::vector<uint8_t>* sparsity) {
    out_.name = name;
    seed();
    analyse();
    for (size_t i = 0; i < static_cast<size_t>(n_primal_); ++i)
      if (mut_[i] && !counter_[i])
        for (int d : deps_[i]) tan_[i][d] = new_temp(true);
    scopes_.assign(1, {});
    for (const Instr& ins : src_.code) step(ins);
    outputs(sparsity);
    eliminate_dead_code();
    relink(out_.code);
    out_.n_slots = next_temp_;
    return std::move(out_);
  }

 private:
  Value from(int32_t s) const {
    if (s < n_old_) return -1 - s;
    const Value a = alias_[static_cast<size_t>(s - n_old_)];
    return a == kNone ? s - n_old_ : a;
  }

  int n_dir() const {
    return wrt_ == Wrt::State ? m_.n_state : wrt_ == Wrt::Param ? m_.n_param : 1;
  }

  Value new_temp(bool is_mutable) {
    mut_.push_back(is_mutable ? 1 : 0);
    tan_.emplace_back();
    return next_temp_++;
  }

  // ---- inputs: the seeds of the directions ----
  void seed() {
    for (const Input& in : src_.inputs) {
      const Value s = from(in.slot);
      out_.inputs.push_back({in.kind, in.index, in.lag, s});
      auto& t = tan_[static_cast<size_t>(s)];
      if (in.kind == InputKind::State && wrt_ == Wrt::State) {
        t[in.index] = one_;
      } else if (in.kind == InputKind::State && wrt_ == Wrt::Direction) {
        const Value v = new_temp(false);
        out_.inputs.push_back({InputKind::Direction, in.index, 0, v});
        t[0] = v;
      } else if (in.kind == InputKind::Param && wrt_ == Wrt::Param) {
        t[in.index] = one_;
      }
      for (const auto& [d, v] : t) deps_[static_cast<size_t>(s)].insert(d);
    }
  }

  // ---- which directions reach which slot (to a fixed point: loops carry them backwards) ----
  static bool has_zero_derivative(Op op) {
    switch (op) {
      case Op::FloorDiv:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::Eq:
      case Op::Ne:
      case Op::Not:
      case Op::And:
      case Op::Or:
      case Op::Sign:
      case Op::Floor:
      case Op::Ceil:
      case Op::Trunc:
      case Op::Round:
        return true;
      default:
        return false;
    }
  }

  const std::set<int>& deps_of(Value v) const {
    static const std::set<int> kEmpty;
    return is_const(v) ? kEmpty : deps_[static_cast<size_t>(v)];
  }

  void analyse() {
    for (const Instr& ins : src_.code) {
      if (ins.op == Op::LoopBegin) counter_[static_cast<size_t>(from(ins.a))] = 1;
      if (ins.op == Op::Copy || ins.op == Op::LoopEnd)
        mut_[static_cast<size_t>(from(ins.op == Op::Copy ? ins.dst : ins.a))] = 1;
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (const Instr& ins : src_.code) {
        if (ins.op >= Op::LoopBegin || has_zero_derivative(ins.op)) continue;
        const Value dst = from(ins.dst);
        if (counter_[static_cast<size_t>(dst)]) continue;
        std::set<int> s;
        if (ins.op == Op::ParamAt) {
          if (wrt_ == Wrt::Param)
            for (int k = 0; k < ins.c; ++k) s.insert(ins.a + k);
        } else {
          s = deps_of(from(ins.a));
          if (op_arity(ins.op) >= 2 && ins.op != Op::Copysign) {
            const auto& b = deps_of(from(ins.b));
            s.insert(b.begin(), b.end());
          }
        }
        auto& d = deps_[static_cast<size_t>(dst)];
        const size_t before = d.size();
        d.insert(s.begin(), s.end());
        changed |= d.size() != before;
      }
    }
  }

  // ---- emission with folding and scoped hash-consing ----
  bool reads_mutable(Value v) const { return !is_const(v) && mut_[static_cast<size_t>(v)]; }

  Value fold(Op op, Value a, Value b) {
    const double x = pool_.value(a), y = is_const(b) ? pool_.value(b) : 0.0;
    auto calc = [&](auto x, auto y) {
      switch (op) {
        case Op::Neg:
          return -x;
        case Op::Add:
          return x + y;
        case Op::Sub:
          return x - y;
        case Op::Mul:
          return x * y;
        default:
          return x / y;
      }
    };
    if (pool_.single())
      return pool_.get(static_cast<double>(calc(static_cast<float>(x), static_cast<float>(y))));
    return pool_.get(calc(x, y));
  }

  Value emit(Op op, Value a, Value b = -1) {
    const bool binary = op_arity(op) >= 2;
    if (op == Op::Mul) {
      if (a == one_) return b;
      if (b == one_) return a;
    }
    const bool arith =
        op == Op::Neg || op == Op::Add || op == Op::Sub || op == Op::Mul || op == Op::Div;
    if (arith && is_const(a) && (!binary || is_const(b))) return fold(op, a, b);
    const bool shareable = !reads_mutable(a) && !(binary && reads_mutable(b));
    const auto key = std::make_tuple(static_cast<int>(op), a, binary ? b : -1, -1);
    if (shareable)
      for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s)
        if (auto it = s->find(key); it != s->end()) return it->second;
    const Value dst = new_temp(false);
    out_.code.push_back({op, dst, a, binary ? b : -1});
    if (shareable) scopes_.back().emplace(key, dst);
    return dst;
  }

  Value scale(Value partial, Value t) { return emit(Op::Mul, partial, t); }

  const Tangent& tan_of(Value v) const {
    static const Tangent kEmpty;
    return is_const(v) ? kEmpty : tan_[static_cast<size_t>(v)];
  }

  // ---- one instruction of rhs: the primal, then its derivatives ----
  void step(const Instr& src) {
    Instr ins = src;
    remap(ins, [&](int32_t s) { return from(s); });
    switch (ins.op) {
      case Op::LoopBegin:
      case Op::If:
        out_.code.push_back(ins);
        scopes_.emplace_back();
        return;
      case Op::Else:
        scopes_.back().clear();
        out_.code.push_back(ins);
        return;
      case Op::LoopEnd:
      case Op::EndIf:
        scopes_.pop_back();
        out_.code.push_back(ins);
        return;
      default:
        break;
    }
    // A primal value the derivative code already computed (cos' sin before sin) is not computed
    // again: later reads of its slot go to the earlier value.
    const Value own = ins.dst;
    const bool binary = op_arity(ins.op) >= 2;
    if (ins.op != Op::Copy && ins.op != Op::ParamAt && !reads_mutable(ins.a) &&
        !(binary && reads_mutable(ins.b))) {
      const auto key = std::make_tuple(static_cast<int>(ins.op), ins.a, binary ? ins.b : -1, -1);
      Value found = kNone;
      for (auto sc = scopes_.rbegin(); sc != scopes_.rend() && found == kNone; ++sc)
        if (auto it = sc->find(key); it != sc->end()) found = it->second;
      if (found != kNone) {
        alias_[static_cast<size_t>(own)] = found;
        ins.dst = found;
      } else {
        out_.code.push_back(ins);
        scopes_.back().emplace(key, own);
      }
    } else {
      out_.code.push_back(ins);
    }
    if (counter_[static_cast<size_t>(own)]) return;
    if (ins.op == Op::Copy) {
      // Every derivative slot of the target is written, with 0 where the source has none.
      const Tangent& a = tan_of(ins.a);
      for (const auto& [d, slot] : tan_[static_cast<size_t>(ins.dst)]) {
        auto it = a.find(d);
        out_.code.push_back({Op::Copy, slot, it == a.end() ? zero_ : it->second});
      }
      return;
    }
    Tangent t = derivative(ins);
    if (tan_[static_cast<size_t>(ins.dst)].empty())
      tan_[static_cast<size_t>(ins.dst)] = std::move(t);
  }

  Tangent unary(const Tangent& da, const std::function<Value()>& partial) {
    Tangent r;
    if (da.empty()) return r;
    const Value p = partial();
    for (const auto& [d, t] : da) r[d] = scale(p, t);
    return r;
  }

  // z = pa da + pb db per direction; a partial is computed only if its side has derivatives.
  Tangent binary(const Tangent& da, const std::function<Value()>& pa, const Tangent& db,
                 const std::function<Value()>& pb) {
    const Value a_partial = da.empty() ? kNone : pa();
    const Value b_partial = db.empty() ? kNone : pb();
    Tangent r;
    for (const auto& [d, t] : da) r[d] = scale(a_partial, t);
    for (const auto& [d, t] : db) {
      const Value tb = scale(b_partial, t);
      auto it = r.find(d);
      r[d] = it == r.end() ? tb : emit(Op::Add, it->second, tb);
    }
    return r;
  }

  // min/max: the derivative of the argument the operation returned, chosen by the same test.
  Tangent select(const Instr& ins, const Tangent& da, const Tangent& db) {
    const Value picks_b = emit(ins.op == Op::Min ? Op::Lt : Op::Gt, ins.b, ins.a);
    Tangent r;
    for (const auto& [d, t] : da) r[d] = kNone;
    for (const auto& [d, t] : db) r[d] = kNone;
    for (auto& [d, slot] : r) slot = new_temp(true);
    auto copy_from = [&](const Tangent& src) {
      for (const auto& [d, slot] : r) {
        auto it = src.find(d);
        out_.code.push_back({Op::Copy, slot, it == src.end() ? zero_ : it->second});
      }
    };
    out_.code.push_back({Op::If, -1, picks_b});
    copy_from(db);
    out_.code.push_back({Op::Else, -1});
    copy_from(da);
    out_.code.push_back({Op::EndIf, -1});
    return r;
  }

  Tangent derivative(const Instr& ins) {
    const Value z = ins.dst, a = ins.a, b = op_arity(ins.op) >= 2 ? ins.b : -1;
    if (ins.op == Op::ParamAt) {
      Tangent r;
      if (wrt_ == Wrt::Param)  // d p[base + i] / d p_k = (i == k - base)
        for (int k = 0; k < ins.c; ++k) r[ins.a + k] = emit(Op::Eq, ins.b, pool_.get(k));
      return r;
    }
    if (has_zero_derivative(ins.op)) return {};
    const Tangent& da = tan_of(a);
    const Tangent& db = tan_of(b);  // b is -1 (no derivative) for unary operations
    if (da.empty() && db.empty()) return {};
    auto c = [&](double v) { return pool_.get(v); };
    auto e = [&](Op op, Value x, Value y = -1) { return emit(op, x, y); };
    auto one = [&] { return one_; };
    switch (ins.op) {
      case Op::Neg: {
        Tangent r;
        for (const auto& [d, t] : da) r[d] = e(Op::Neg, t);
        return r;
      }
      case Op::Add:
        return binary(da, one, db, one);
      case Op::Sub: {
        Tangent r = da;
        for (const auto& [d, t] : db) {
          auto it = r.find(d);
          r[d] = it == r.end() ? e(Op::Neg, t) : e(Op::Sub, it->second, t);
        }
        return r;
      }
      case Op::Mul:
        return binary(
            da, [&] { return b; }, db, [&] { return a; });
      case Op::Div:  // d(a/b) = da / b - (a/b)/b db
        return binary(
            da, [&] { return e(Op::Div, one_, b); }, db,
            [&] { return e(Op::Neg, e(Op::Div, z, b)); });
      case Op::Mod:
        return binary(da, one, db, [&] { return e(Op::Neg, e(Op::FloorDiv, a, b)); });
      case Op::Pow:
        return binary(
            da, [&] { return e(Op::Mul, b, e(Op::Pow, a, e(Op::Sub, b, one_))); }, db,
            [&] { return e(Op::Mul, z, e(Op::Log, a)); });
      case Op::Min:
      case Op::Max:
        return select(ins, da, db);
      case Op::Abs:
        return unary(da, [&] { return e(Op::Sign, a); });
      case Op::Exp:
        return unary(da, [&] { return z; });
      case Op::Expm1:
        return unary(da, [&] { return e(Op::Add, z, one_); });
      case Op::Log:
        return unary(da, [&] { return e(Op::Div, one_, a); });
      case Op::Log10:
        return unary(da, [&] { return e(Op::Div, one_, e(Op::Mul, a, c(0x1.26bb1bbb55516p+1))); });
      case Op::Log2:
        return unary(da, [&] { return e(Op::Div, one_, e(Op::Mul, a, c(0x1.62e42fefa39efp-1))); });
      case Op::Log1p:
        return unary(da, [&] { return e(Op::Div, one_, e(Op::Add, one_, a)); });
      case Op::Sqrt:
        return unary(da, [&] { return e(Op::Div, c(0.5), z); });
      case Op::Sin:
        return unary(da, [&] { return e(Op::Cos, a); });
      case Op::Cos:
        return unary(da, [&] { return e(Op::Neg, e(Op::Sin, a)); });
      case Op::Tan:
        return unary(da, [&] { return e(Op::Add, one_, e(Op::Mul, z, z)); });
      case Op::Asin:
        return unary(
            da, [&] { return e(Op::Div, one_, e(Op::Sqrt, e(Op::Sub, one_, e(Op::Mul, a, a)))); });
      case Op::Acos:
        return unary(da, [&] {
          return e(Op::Neg, e(Op::Div, one_, e(Op::Sqrt, e(Op::Sub, one_, e(Op::Mul, a, a)))));
        });
      case Op::Atan:
        return unary(da, [&] { return e(Op::Div, one_, e(Op::Add, one_, e(Op::Mul, a, a))); });
      case Op::Sinh:
        return unary(da, [&] { return e(Op::Cosh, a); });
      case Op::Cosh:
        return unary(da, [&] { return e(Op::Sinh, a); });
      case Op::Tanh:
        return unary(da, [&] { return e(Op::Sub, one_, e(Op::Mul, z, z)); });
      case Op::Asinh:
        return unary(
            da, [&] { return e(Op::Div, one_, e(Op::Sqrt, e(Op::Add, e(Op::Mul, a, a), one_))); });
      case Op::Acosh:
        return unary(
            da, [&] { return e(Op::Div, one_, e(Op::Sqrt, e(Op::Sub, e(Op::Mul, a, a), one_))); });
      case Op::Atanh:
        return unary(da, [&] { return e(Op::Div, one_, e(Op::Sub, one_, e(Op::Mul, a, a))); });
      case Op::Erf:  // 2/sqrt(pi) exp(-a^2)
        return unary(da, [&] {
          return e(Op::Mul, c(0x1.20dd750429b6dp+0), e(Op::Exp, e(Op::Neg, e(Op::Mul, a, a))));
        });
      case Op::Erfc:
        return unary(da, [&] {
          return e(Op::Neg,
                   e(Op::Mul, c(0x1.20dd750429b6dp+0), e(Op::Exp, e(Op::Neg, e(Op::Mul, a, a)))));
        });
      case Op::Atan2: {  // atan2(a, b): (b da - a db) / (a^2 + b^2)
        auto r2 = [&] { return e(Op::Add, e(Op::Mul, a, a), e(Op::Mul, b, b)); };
        return binary(
            da, [&] { return e(Op::Div, b, r2()); }, db,
            [&] { return e(Op::Neg, e(Op::Div, a, r2())); });
      }
      case Op::Hypot:
        return binary(
            da, [&] { return e(Op::Div, a, z); }, db, [&] { return e(Op::Div, b, z); });
      case Op::Copysign:
        return unary(
            da, [&] { return e(Op::Mul, e(Op::Copysign, one_, a), e(Op::Copysign, one_, b)); });
      default:
        break;
    }
    throw std::logic_error(std::string("add_derivatives: no rule for ") + op_name(ins.op));
  }

  // ---- outputs: the structural nonzeros; the rest is the function's zero fill ----
  void outputs(std::vector<uint8_t>* sparsity) {
    const int n = m_.n_state, nd = n_dir();
    int n_values = 0;
    for (const Output& o : src_.outputs) {
      if (o.kind != OutputKind::Value) continue;
      n_values = std::max(n_values, (o.index + 1) * nd);
      const Tangent& t = tan_of(from(o.slot));
      for (int d = 0; d < nd; ++d) {
        auto it = t.find(d);
        if (it == t.end()) continue;
        out_.outputs.push_back({OutputKind::Value, o.index * nd + d, it->second});
        if (sparsity) (*sparsity)[static_cast<size_t>(o.index * n + d)] = 1;
      }
    }
    out_.zero_fill = n_values;
  }

  // Drops what no output needs (primal values without derivative use, mostly), then conditionals
  // and loops left empty, until nothing changes. Values other than loop-carried and conditional
  // slots are defined before every use, so a backward pass sees each use before its definition;
  // passes repeat while a loop-carried slot turns live through a back edge.
  void eliminate_dead_code() {
    for (;;) {
      std::vector<char> live(static_cast<size_t>(next_temp_), 0);
      auto use = [&](Value v) {
        if (!is_const(v)) live[static_cast<size_t>(v)] = 1;
      };
      for (const Output& o : out_.outputs) use(o.slot);
      std::vector<char> keep(out_.code.size(), 0);
      for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = out_.code.size(); i-- > 0;) {
          const Instr& ins = out_.code[i];
          const bool control = ins.op >= Op::LoopBegin;
          if (keep[i] || !(control || live[static_cast<size_t>(ins.dst)])) continue;
          keep[i] = 1;
          changed = true;
          Instr copy = ins;
          remap(copy, [&](int32_t s) {
            if (control || s != copy.dst) use(s);
            return s;
          });
        }
      }
      std::vector<Instr> code;
      for (size_t i = 0; i < out_.code.size(); ++i) {
        if (!keep[i]) continue;
        code.push_back(out_.code[i]);
        // An empty block closes right after it opens: drop it whole.
        const size_t n = code.size();
        const Op last = code.back().op;
        if (last == Op::EndIf && n >= 3 && code[n - 2].op == Op::Else && code[n - 3].op == Op::If)
          code.resize(n - 3);
        else if (last == Op::EndIf && n >= 2 && code[n - 2].op == Op::If)
          code.resize(n - 2);
        else if (last == Op::LoopEnd && code[n - 2].op == Op::LoopBegin)
          code.resize(n - 2);
      }
      const bool done = code.size() == out_.code.size();
      out_.code = std::move(code);
      if (done) break;
    }
    // Inputs nothing reads any more are not loaded.
    std::vector<char> read(static_cast<size_t>(next_temp_), 0);
    for (const Output& o : out_.outputs)
      if (!is_const(o.slot)) read[static_cast<size_t>(o.slot)] = 1;
    for (Instr ins : out_.code) {
      const int32_t dst = ins.op >= Op::LoopBegin ? kNone : ins.dst;
      remap(ins, [&](int32_t s) {
        if (s != dst && !is_const(s)) read[static_cast<size_t>(s)] = 1;
        return s;
      });
    }
    std::vector<Input> inputs;
    for (const Input& in : out_.inputs)
      if (read[static_cast<size_t>(in.slot)]) inputs.push_back(in);
    out_.inputs = std::move(inputs);
  }

  const Module& m_;
  const Function& src_;
  ConstPool& pool_;
  int n_old_;
  Wrt wrt_;
  int n_primal_ = 0;
  int next_temp_ = 0;
  Value zero_ = 0, one_ = 0;
  Function out_;
  std::vector<std::set<int>> deps_;  // per rhs temporary: directions that reach it
  std::deque<Tangent> tan_;          // per temporary: its derivatives (stable references)
  std::vector<Value> alias_;         // per rhs temporary: the equal value it was replaced by
  std::vector<char> mut_;            // per temporary: loop-carried or conditional
  std::vector<char> counter_;        // per rhs temporary: a loop counter (derivative 0)
  std::vector<std::map<std::tuple<int, int, int, int>, Value>> scopes_;
};

}  // namespace

void add_derivatives(Module& m) {
  if (m.dtype == dsl::DType::Int64)
    throw std::invalid_argument(
        "add_derivatives: int64 models are exact integer maps and have no derivatives");
  if (m.has_derivatives) return;
  const int n_old = static_cast<int>(m.n_consts());
  ConstPool pool(m);
  std::vector<uint8_t> sparsity(static_cast<size_t>(m.n_state) * static_cast<size_t>(m.n_state), 0);
  Function jac = Differentiator(m, pool, n_old, Wrt::State).build("jacobian", &sparsity);
  Function jvp = Differentiator(m, pool, n_old, Wrt::Direction).build("jvp", nullptr);
  Function dfdp = Differentiator(m, pool, n_old, Wrt::Param).build("dfdp", nullptr);

  // The constants are final now: existing functions' temporaries move past the new ones, and the
  // new functions get their final slots.
  const int n_new = static_cast<int>(m.n_consts());
  const int added = n_new - n_old;
  auto shift = [&](Function& f) {
    if (added == 0) return;
    remap(f, [&](int32_t s) { return s < n_old ? s : s + added; });
    f.n_slots += added;
  };
  shift(m.rhs);
  shift(m.aux);
  for (auto& e : m.events) {
    shift(e.cond);
    shift(e.action);
    shift(e.log);
  }
  if (m.has_stop) shift(m.stop);
  if (m.has_user_jacobian) shift(m.user_jacobian);
  if (m.has_inverse) shift(m.inverse);
  for (Function* f : {&jac, &jvp, &dfdp}) {
    remap(*f, [&](int32_t v) { return v < 0 ? -1 - v : v + n_new; });
    f->n_slots += n_new;
  }
  m.jacobian = std::move(jac);
  m.jvp = std::move(jvp);
  m.dfdp = std::move(dfdp);
  m.jac_sparsity = std::move(sparsity);
  m.has_derivatives = true;
}

}  // namespace dynlib::ir

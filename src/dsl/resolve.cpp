// Name resolution and the checks of each expression: what every name refers to, call arities,
// int64 typing, lags, index ranges and reductions.

#include "dsl/frontend.hpp"

#include <algorithm>

namespace dynlib::dsl::frontend {

// Resolves every name in `e` and checks arities, int64 typing, lags and index ranges.
void Frontend::resolve(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
  switch (e.kind) {
    case ExprKind::Number:
      if (integer_model() && !e.is_integer_literal)
        fail_expr(l, e, "int64 models only take integer numbers",
                  "write an integer literal such as 3");
      return;
    case ExprKind::Name:
      resolve_name(e, l, s, loops);
      return;
    case ExprKind::Binary:
      if (integer_model() && e.op == Op::Div)
        fail_in(*l.src, operator_offset(e, *l.src),
                "'/' is true division, not allowed in an int64 model",
                "use // for integer division");
      if (integer_model() && e.op == Op::Pow &&
          !(e.args[1]->kind == ExprKind::Number && e.args[1]->is_integer_literal &&
            e.args[1]->int_value >= 0))
        fail_expr(l, *e.args[1], "int64 powers need a non-negative integer literal exponent");
      break;
    case ExprKind::Call:
      resolve_call(e, l, s, loops);
      return;
    case ExprKind::Index:
      resolve_index(e, l, s, loops);
      return;
    case ExprKind::Reduction:
      resolve_reduction(e, l, s, loops);
      return;
    default:
      break;
  }
  for (auto& a : e.args) resolve(*a, l, s, loops);
}

// The offset of a binary operator's token: the first character after the left operand that is
// not white space, a closing bracket, a line continuation or a comment.
int Frontend::operator_offset(const Expr& e, const SourceText& src) {
  const std::string& s = src.text;
  const int stop = std::min(e.args[1]->pos, static_cast<int>(s.size()));
  for (int i = e.args[0]->end; i < stop; ++i) {
    const char c = s[static_cast<size_t>(i)];
    if (c == '#') {
      while (i < stop && s[static_cast<size_t>(i)] != '\n') ++i;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\\' && c != ')') return i;
  }
  return e.args[0]->end;
}

// What kind of name `n` will be once the tables loaded after the current one are read:
// constants and params are registered one by one, states after params.
const char* Frontend::declared_later(const std::string& n) const {
  static constexpr std::pair<const char*, const char*> kTables[] = {{"constants", "constant"},
                                                                    {"params", "param"},
                                                                    {"states", "state"},
                                                                    {"aux", "aux variable"},
                                                                    {"functions", "function"}};
  for (const auto& [table, what] : kTables)
    if (const toml::table* t = root_.get_as<toml::table>(table); t && t->contains(n)) return what;
  return nullptr;
}

void Frontend::resolve_name(Expr& e, const Located& l, const Scope& s,
                            std::vector<LoopVar>& loops) {
  const std::string& n = e.name;
  for (size_t i = loops.size(); i-- > 0;)
    if (loops[i].name == n) {
      e.ref = Ref::LoopVar;
      e.ref_index = static_cast<int>(i);
      return;
    }
  if (s.function) {
    const auto& args = s.function->args;
    auto it = std::find(args.begin(), args.end(), n);
    if (it != args.end()) {
      e.ref = Ref::FuncArg;
      e.ref_index = static_cast<int>(it - args.begin());
      return;
    }
  }
  auto not_here = [&](const char* what) {
    fail_expr(l, e, fmt::format("{} '{}' cannot be used {}", what, n, s.where));
  };
  if (n == "t") {
    if (!s.time) not_here("time");
    if (integer_model())
      fail_expr(l, e, "time 't' is a float and cannot be used in an int64 model");
    e.ref = Ref::Time;
    return;
  }
  if (n == "pi" || n == "e") {
    if (integer_model()) fail_expr(l, e, fmt::format("'{}' is not an integer", n));
    e.ref = Ref::Constant;
    e.number = n == "pi" ? kPi : kE;
    return;
  }
  if (int i = spec_.state_index(n); i >= 0) {
    if (!s.states) not_here("the state");
    e.ref = Ref::State;
    e.ref_index = i;
    return;
  }
  if (int i = spec_.param_index(n); i >= 0) {
    if (!s.params || (s.params_visible >= 0 && i >= s.params_visible)) not_here("the param");
    if (spec_.params[static_cast<size_t>(i)].is_array)
      fail_expr(l, e, fmt::format("'{}' is an array param; index it, e.g. {}[0]", n, n));
    e.ref = Ref::Param;
    e.ref_index = i;
    return;
  }
  if (int i = find_named(spec_.constants, n); i >= 0) {
    if (s.constants_visible >= 0 && i >= s.constants_visible)
      fail_expr(l, e,
                fmt::format("constant '{}' is defined later; constants may only use "
                            "constants defined before them",
                            n));
    const auto& c = spec_.constants[static_cast<size_t>(i)];
    if (integer_model() && !c.is_integer)
      fail_expr(l, e, fmt::format("constant '{}' is not an integer", n));
    e.ref = Ref::Constant;
    e.ref_index = i;
    e.number = c.value;
    e.int_value = c.int_value;
    e.is_integer_literal = c.is_integer;
    return;
  }
  if (auto it = aux_index_.find(n); it != aux_index_.end()) {
    if (!s.aux) not_here("the aux variable");
    e.ref = Ref::Aux;
    e.ref_index = it->second;
    return;
  }
  if (n.rfind("lag_", 0) == 0 && spec_.state_index(n.substr(4)) >= 0)
    fail_expr(l, e, fmt::format("'{}' must be called: {}() or {}(k)", n, n, n));
  if (find_builtin(n) || find_function(n) >= 0)
    fail_expr(l, e, fmt::format("'{}' is a function; call it as {}(...)", n, n));
  if (const char* later = declared_later(n)) {
    const std::string what = later;
    if (what == "constant" && s.constants_visible >= 0)
      fail_expr(l, e,
                fmt::format("constant '{}' is defined later; constants may only use "
                            "constants defined before them",
                            n));
    if (what == "param" && s.params_visible >= 0)
      fail_expr(l, e,
                fmt::format("param '{}' is defined later; params may only use params "
                            "defined before them",
                            n));
    not_here(("the " + what).c_str());
  }
  std::vector<std::string> names = visible_names(s);
  for (const auto& lv : loops) names.push_back(lv.name);
  fail_expr(l, e, fmt::format("unknown name '{}' {}", n, s.where), support::did_you_mean(n, names));
}

void Frontend::check_arity(const Expr& e, const Located& l, int min_args, int max_args) {
  const int n = static_cast<int>(e.args.size());
  if (n >= min_args && (max_args < 0 || n <= max_args)) return;
  std::string expected = max_args < 0           ? fmt::format("at least {}", min_args)
                         : min_args == max_args ? fmt::format("{}", min_args)
                                                : fmt::format("{} to {}", min_args, max_args);
  fail_in(*l.src, e.pos,
          fmt::format("{}() takes {} argument{}, got {}", e.name, expected,
                      (max_args == 1 && min_args == 1) ? "" : "s", n));
}

void Frontend::resolve_call(Expr& e, const Located& l, const Scope& s,
                            std::vector<LoopVar>& loops) {
  const std::string& n = e.name;
  if (n.rfind("lag_", 0) == 0 && find_builtin(n) == nullptr) {
    resolve_lag(e, l, s);
    return;
  }
  if (const BuiltinInfo* b = find_builtin(n)) {
    if (b->kind == BuiltinKind::EventMacro && !s.event_macros)
      fail_in(*l.src, e.pos, fmt::format("{}() is an event macro; use it in an event's cond", n));
    if (integer_model() && !b->integer_ok)
      fail_in(*l.src, e.pos, fmt::format("{}() works on floats; not allowed in an int64 model", n));
    check_arity(e, l, b->min_args, b->max_args);
    e.ref = b->kind == BuiltinKind::EventMacro ? Ref::EventMacro : Ref::Builtin;
    e.ref_index = static_cast<int>(b->id);
    if (b->first_is_state) {
      Expr& x = *e.args[0];
      const int si = x.kind == ExprKind::Name ? spec_.state_index(x.name) : -1;
      if (si < 0)
        fail_expr(l, x, fmt::format("the first argument of {}() must be a state", n),
                  x.kind == ExprKind::Name ? support::did_you_mean(x.name, state_names())
                                           : std::string{});
      bump_lag(si, 1);
    }
    for (auto& a : e.args) resolve(*a, l, s, loops);
    return;
  }
  if (n == "sum" || n == "prod")
    fail_in(*l.src, e.pos,
            fmt::format("{}() takes a generator: {}(expr for i in range(a, b))", n, n));
  if (int fi = find_function(n); fi >= 0) {
    if (!s.functions) fail_in(*l.src, e.pos, fmt::format("functions cannot be called {}", s.where));
    const FunctionSpec& f = spec_.functions[static_cast<size_t>(fi)];
    const int arity = static_cast<int>(f.args.size());
    check_arity(e, l, arity, arity);
    e.ref = Ref::Function;
    e.ref_index = fi;
    if (current_function_ >= 0) calls_[current_function_].push_back({fi, l.src->at(e.pos)});
    for (auto& a : e.args) resolve(*a, l, s, loops);
    return;
  }
  if (spec_.state_index(n) >= 0 || spec_.param_index(n) >= 0 || find_named(spec_.constants, n) >= 0)
    fail_in(*l.src, e.pos, fmt::format("'{}' is not a function", n),
            "multiplication must be written explicitly: a*(b + c)");
  fail_in(*l.src, e.pos, fmt::format("unknown function '{}'", n),
          support::did_you_mean(n, callable_names(s)));
}

void Frontend::resolve_lag(Expr& e, const Located& l, const Scope& s) {
  const std::string state = e.name.substr(4);
  const int si = spec_.state_index(state);
  if (si < 0) {
    std::vector<std::string> lags;
    for (const auto& st : spec_.states) lags.push_back("lag_" + st.name);
    std::string what = spec_.param_index(state) >= 0             ? "a param"
                       : find_named(spec_.constants, state) >= 0 ? "a constant"
                       : std::find(aux_names_.begin(), aux_names_.end(), state) != aux_names_.end()
                           ? "an aux variable"
                           : "not defined";
    fail_in(*l.src, e.pos,
            fmt::format("{}(): '{}' is {}; lags exist only for states", e.name, state, what),
            support::did_you_mean(e.name, lags));
  }
  if (!s.lags) fail_in(*l.src, e.pos, fmt::format("lagged states cannot be used {}", s.where));
  long long k = 1;
  if (e.args.size() > 1) check_arity(e, l, 0, 1);
  if (e.args.size() == 1) {
    const Expr& a = *e.args[0];
    if (a.kind != ExprKind::Number || !a.is_integer_literal || a.int_value < 1)
      fail_expr(l, a, fmt::format("the lag of {}() must be a positive integer literal", e.name));
    if (a.int_value > kMaxLag)
      fail_expr(l, a, fmt::format("lag {} is larger than the maximum of {}", a.int_value, kMaxLag));
    k = a.int_value;
  }
  e.ref = Ref::Lag;
  e.ref_index = si;
  e.int_value = k;
  bump_lag(si, static_cast<int>(k));
}

void Frontend::resolve_index(Expr& e, const Located& l, const Scope& s,
                             std::vector<LoopVar>& loops) {
  const int pi = spec_.param_index(e.name);
  if (pi < 0 || !spec_.params[static_cast<size_t>(pi)].is_array) {
    std::vector<std::string> arrays;
    for (const auto& p : spec_.params)
      if (p.is_array) arrays.push_back(p.name);
    std::string why = pi >= 0                          ? "a scalar param"
                      : spec_.state_index(e.name) >= 0 ? "a state (states are scalars)"
                                                       : "not an array param";
    fail_in(*l.src, e.pos, fmt::format("cannot index '{}': it is {}", e.name, why),
            support::did_you_mean(e.name, arrays));
  }
  if (!s.params || (s.params_visible >= 0 && pi >= s.params_visible))
    fail_in(*l.src, e.pos, fmt::format("the param '{}' cannot be used {}", e.name, s.where));
  e.ref = Ref::Param;
  e.ref_index = pi;
  const long long size =
      static_cast<long long>(spec_.params[static_cast<size_t>(pi)].values.size());
  Interval iv = integer_interval(*e.args[0], l, loops, "an index");
  if (iv.lo < 0 || iv.hi >= size)
    fail_expr(l, *e.args[0],
              iv.lo == iv.hi
                  ? fmt::format("index {} is out of range for '{}' of size {}", iv.lo, e.name, size)
                  : fmt::format("index may be out of range for '{}' of size {}: it "
                                "takes values from {} to {}",
                                e.name, size, iv.lo, iv.hi));
  resolve(*e.args[0], l, s, loops);
}

void Frontend::resolve_reduction(Expr& e, const Located& l, const Scope& s,
                                 std::vector<LoopVar>& loops) {
  // args: body, start, stop[, step][, filter]
  const std::string& var = e.loop_var;
  if (!is_identifier(var) || is_keyword(var))
    fail_in(*l.src, e.pos, fmt::format("invalid loop variable '{}'", var));
  for (const auto& lv : loops)
    if (lv.name == var)
      fail_in(*l.src, e.pos,
              fmt::format("loop variable '{}' is already used by an enclosing loop", var));
  if (defined_.count(var) || var == "t" || var == "pi" || var == "e")
    fail_in(*l.src, e.pos,
            fmt::format("loop variable '{}' shadows a name of the model; pick another name", var));
  const Interval start = integer_interval(*e.args[1], l, loops, "a range bound");
  const Interval stop = integer_interval(*e.args[2], l, loops, "a range bound");
  long long stride = 1;
  if (e.has_step) {
    const Interval st = integer_interval(*e.args[3], l, loops, "a range step");
    if (st.lo != st.hi) fail_expr(l, *e.args[3], "the range step must be a constant");
    if (st.lo == 0) fail_expr(l, *e.args[3], "the range step must not be zero");
    stride = st.lo;
  }
  for (size_t i = 1; i < (e.has_step ? 4u : 3u); ++i) resolve(*e.args[i], l, s, loops);
  LoopVar lv{var, 0, -1};
  if (stride > 0) {
    lv.lo = start.lo;
    lv.hi = stop.hi - 1;
  } else {
    lv.lo = stop.lo + 1;
    lv.hi = start.hi;
  }
  loops.push_back(lv);
  resolve(*e.args[0], l, s, loops);
  if (e.has_filter) resolve(*e.args.back(), l, s, loops);
  loops.pop_back();
}

// The values an integer expression (literals, integer constants, enclosing loop variables and
// + - * // % of them) can take; anything else is an error.
Interval Frontend::integer_interval(const Expr& e, const Located& l,
                                    const std::vector<LoopVar>& loops, const char* what) {
  // Saturating arithmetic: an interval bound that overflows is as good as infinite.
  constexpr long long kLimit = 1LL << 62;
  auto clamp = [](long long v) { return v > kLimit ? kLimit : v < -kLimit ? -kLimit : v; };
  auto add = [&](long long x, long long y) {
    long long r;
    return __builtin_add_overflow(x, y, &r) ? (y > 0 ? kLimit : -kLimit) : clamp(r);
  };
  auto mul = [&](long long x, long long y) {
    long long r;
    return __builtin_mul_overflow(x, y, &r) ? (((x < 0) != (y < 0)) ? -kLimit : kLimit) : clamp(r);
  };
  auto bad = [&]() -> Interval {
    fail_expr(l, e,
              fmt::format("{} must be an integer expression of integer literals, integer "
                          "constants and loop variables",
                          what));
  };
  switch (e.kind) {
    // Leaves are clamped like every result, so the interval arithmetic here (and the loop
    // bounds derived from it) cannot overflow; anything that large is out of range anyway.
    case ExprKind::Number:
      if (!e.is_integer_literal) bad();
      return {clamp(e.int_value), clamp(e.int_value)};
    case ExprKind::Name: {
      for (size_t i = loops.size(); i-- > 0;)
        if (loops[i].name == e.name) return {loops[i].lo, loops[i].hi};
      const int ci = find_named(spec_.constants, e.name);
      if (ci >= 0 && spec_.constants[static_cast<size_t>(ci)].is_integer) {
        const long long v = clamp(spec_.constants[static_cast<size_t>(ci)].int_value);
        return {v, v};
      }
      return bad();
    }
    case ExprKind::Unary: {
      const Interval a = integer_interval(*e.args[0], l, loops, what);
      return e.op == Op::Neg ? Interval{-a.hi, -a.lo} : a;
    }
    case ExprKind::Binary: {
      const Interval a = integer_interval(*e.args[0], l, loops, what);
      const Interval b = integer_interval(*e.args[1], l, loops, what);
      switch (e.op) {
        case Op::Add:
          return {add(a.lo, b.lo), add(a.hi, b.hi)};
        case Op::Sub:
          return {add(a.lo, -b.hi), add(a.hi, -b.lo)};
        case Op::Mul: {
          const long long p[] = {mul(a.lo, b.lo), mul(a.lo, b.hi), mul(a.hi, b.lo),
                                 mul(a.hi, b.hi)};
          return {*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
        }
        case Op::FloorDiv: {
          if (b.lo <= 0 && b.hi >= 0) fail_expr(l, *e.args[1], "the divisor may be zero");
          auto fdiv = [](long long x, long long y) {
            long long q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
            return q;
          };
          const long long p[] = {fdiv(a.lo, b.lo), fdiv(a.lo, b.hi), fdiv(a.hi, b.lo),
                                 fdiv(a.hi, b.hi)};
          return {*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
        }
        case Op::Mod: {
          if (b.lo != b.hi || b.lo == 0)
            fail_expr(l, *e.args[1], "the modulus must be a non-zero constant");
          // Python semantics: the result has the divisor's sign.
          return b.lo > 0 ? Interval{0, b.lo - 1} : Interval{b.lo + 1, 0};
        }
        default:
          return bad();
      }
    }
    default:
      return bad();
  }
}

void Frontend::resolve_located(Located& l, const Scope& s) {
  std::vector<LoopVar> loops;
  resolve(*l.expr, l, s, loops);
}

}  // namespace dynlib::dsl::frontend

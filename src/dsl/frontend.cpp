// The model front end: TOML schema, expression parsing, name resolution and semantic checks.
// Produces a ModelSpec or throws a ModelError that points at the exact character.

#include <toml++/toml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <unordered_map>

#include "dsl/builtins.hpp"
#include "dsl/const_eval.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/parser.hpp"
#include "dsl/source_text.hpp"
#include "dsl/uri.hpp"
#include "dynlib/errors.hpp"
#include "support/text.hpp"

namespace dynlib::dsl {

const char* kind_name(ModelKind k) {
  return k == ModelKind::Ode ? "ode" : "map";
}
const char* phase_name(EventPhase p) {
  switch (p) {
    case EventPhase::Start:
      return "start";
    case EventPhase::End:
      return "end";
    case EventPhase::Both:
      return "both";
  }
  return "?";
}

namespace {

template <class T>
int find_named(const std::vector<T>& v, const std::string& n) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].name == n) return static_cast<int>(i);
  return -1;
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

// toml++ keeps a table's keys sorted; the model language gives declaration order a meaning
// (state-vector order, action order...), so every table is walked in file order.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (const auto& [k, v] : t) out.push_back({&k, &v});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

// What a given expression may refer to.
struct Scope {
  const char* where = "";  // for messages: "in [constants]", "in an event condition"...
  bool states = true, params = true, aux = true, time = true, functions = true, lags = true;
  bool event_macros = false;
  int constants_visible = -1;  // -1: all; else only the first n (constants see earlier ones)
  int params_visible = -1;     // likewise for params referring to params
  const FunctionSpec* function = nullptr;  // inside a user function body: its arguments
};

struct LoopVar {
  std::string name;
  long long lo, hi;  // the values it takes, conservatively
};

struct Interval {
  long long lo, hi;
};

class Frontend {
 public:
  Frontend(const std::string& text, const std::string& source_name) : file_(source_name, text) {
    spec_.source_name = source_name;
  }

  ModelSpec run() {
    try {
      root_ = toml::parse(file_.text(), file_.name());
    } catch (const toml::parse_error& e) {
      fail_at(to_position(e.source().begin), std::string(e.description()));
    }
    check_keys(root_,
               {"model", "states", "params", "constants", "equations", "aux", "functions", "events",
                "sim", "presets", "meta"},
               "at the top level");
    load_model_table();
    load_constants();
    load_params();
    load_states();
    load_functions();
    load_aux();
    load_equations();
    load_events();
    load_sim();
    load_presets();
    check_function_recursion();
    order_aux();
    evaluate_initial_states();
    return std::move(spec_);
  }

 private:
  // ---------- diagnostics ----------
  [[noreturn]] void fail_at(Position p, const std::string& msg, const std::string& hint = {}) {
    throw ModelError(msg, {file_.name(), p.line, p.column}, file_.line_text(p.line), hint);
  }
  [[noreturn]] void fail_node(const toml::node& n, const std::string& msg,
                              const std::string& hint = {}) {
    fail_at(to_position(n.source().begin), msg, hint);
  }
  [[noreturn]] void fail_key(const toml::key& k, const std::string& msg,
                             const std::string& hint = {}) {
    fail_at(to_position(k.source().begin), msg, hint);
  }
  [[noreturn]] void fail_in(const SourceText& src, int offset, const std::string& msg,
                            const std::string& hint = {}) {
    fail_at(src.at(offset), msg, hint);
  }
  [[noreturn]] void fail_expr(const Located& l, const Expr& e, const std::string& msg,
                              const std::string& hint = {}) {
    fail_in(*l.src, e.pos, msg, hint);
  }

  void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
    std::vector<std::string> names(allowed.begin(), allowed.end());
    for (const auto& entry : in_file_order(t)) {
      const toml::key& k = *entry.first;
      if (std::find(names.begin(), names.end(), k.str()) != names.end()) continue;
      fail_key(k, fmt::format("unknown key '{}' {}", k.str(), where),
               support::did_you_mean(k.str(), names).empty()
                   ? fmt::format("expected one of: {}", fmt::join(names, ", "))
                   : support::did_you_mean(k.str(), names));
    }
  }

  const toml::table* sub_table(const toml::table& parent, std::string_view key,
                               const std::string& what) {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail_node(*n, fmt::format("{} must be a table", what));
    return n->as_table();
  }

  // ---------- expressions from TOML values ----------
  // A string is parsed as an expression; a number becomes a literal.
  Located expr_value(const toml::node& n, const std::string& what) {
    Located l;
    if (const auto* s = n.as_string()) {
      l.src = file_.string_value(n, s->get());
      if (s->get().find_first_not_of(" \t\r\n") == std::string::npos)
        fail_node(n, fmt::format("{} is empty", what), "write an expression, e.g. \"0\"");
      l.expr = parse_located(*l.src);
      return l;
    }
    if (n.is_integer() || n.is_floating_point()) {
      const double v = n.is_integer() ? static_cast<double>(n.as_integer()->get())
                                      : n.as_floating_point()->get();
      if (!std::isfinite(v)) fail_node(n, fmt::format("{} must be finite", what));
      std::string text =
          n.is_integer() ? std::to_string(n.as_integer()->get()) : fmt::format("{}", v);
      l.src = file_.at_value(n.source(), text);
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::Number;
      e->number = v;
      e->end = static_cast<int>(text.size());
      if (n.is_integer()) {
        e->is_integer_literal = true;
        e->int_value = n.as_integer()->get();
      }
      l.expr = std::move(e);
      return l;
    }
    fail_node(n, fmt::format("{} must be a number or a quoted expression", what));
  }

  ExprPtr parse_located(const SourceText& src) {
    try {
      return parse_expression(src.text);
    } catch (const ExprSyntaxError& e) {
      fail_in(src, e.pos, fmt::format("syntax error: {}", e.what()), e.hint);
    }
  }

  std::vector<Assignment> parse_block(const SourceText& src, StatementRules rules) {
    try {
      return parse_assignments(src.text, rules);
    } catch (const ExprSyntaxError& e) {
      fail_in(src, e.pos, fmt::format("syntax error: {}", e.what()), e.hint);
    }
  }

  // ---------- names ----------
  struct Definition {
    std::string what;  // "state", "param", ...
    Position where;
  };

  void define(const toml::key& k, const std::string& what) {
    const std::string name(k.str());
    if (!is_identifier(name))
      fail_key(k, fmt::format("invalid {} name '{}'", what, name),
               "names start with a letter or '_' and contain only letters, digits and '_'");
    if (is_keyword(name)) fail_key(k, fmt::format("'{}' is a reserved word", name));
    if (name == "t" || name == "pi" || name == "e")
      fail_key(k, fmt::format("'{}' is predefined (t is time, pi and e are constants)", name));
    if (find_builtin(name) || name == "sum" || name == "prod" || name == "range")
      fail_key(k, fmt::format("'{}' is the name of a builtin function", name));
    if (name.rfind("lag_", 0) == 0)
      fail_key(k,
               fmt::format("'{}' starts with 'lag_', which is reserved for lagged states", name));
    auto it = defined_.find(name);
    if (it != defined_.end())
      fail_key(k, fmt::format("duplicate definition: '{}' is already a {}", name, it->second.what),
               fmt::format("first defined at line {}", it->second.where.line));
    defined_[name] = {what, to_position(k.source().begin)};
  }

  std::vector<std::string> visible_names(const Scope& s) const {
    std::vector<std::string> out;
    if (s.states)
      for (const auto& x : spec_.states) out.push_back(x.name);
    if (s.params)
      for (size_t i = 0; i < spec_.params.size(); ++i)
        if (s.params_visible < 0 || static_cast<int>(i) < s.params_visible)
          out.push_back(spec_.params[i].name);
    for (size_t i = 0; i < spec_.constants.size(); ++i)
      if (s.constants_visible < 0 || static_cast<int>(i) < s.constants_visible)
        out.push_back(spec_.constants[i].name);
    if (s.aux)
      for (const auto& x : aux_names_) out.push_back(x);
    if (s.function)
      for (const auto& a : s.function->args) out.push_back(a);
    if (s.time) out.push_back("t");
    out.push_back("pi");
    out.push_back("e");
    return out;
  }

  std::vector<std::string> callable_names(const Scope& s) const {
    std::vector<std::string> out;
    for (const auto& b : builtin_names()) {
      const BuiltinInfo* info = find_builtin(b);
      if (info->kind == BuiltinKind::EventMacro && !s.event_macros) continue;
      out.push_back(b);
    }
    if (s.functions)
      for (const auto& f : function_names_) out.push_back(f);
    if (s.lags)
      for (const auto& st : spec_.states) out.push_back("lag_" + st.name);
    out.push_back("sum");
    out.push_back("prod");
    return out;
  }

  bool integer_model() const { return spec_.dtype == DType::Int64; }

  // Resolves every name in `e` and checks arities, int64 typing, lags and index ranges.
  void resolve(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
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
  static int operator_offset(const Expr& e, const SourceText& src) {
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
  const char* declared_later(const std::string& n) const {
    static constexpr std::pair<const char*, const char*> kTables[] = {{"constants", "constant"},
                                                                      {"params", "param"},
                                                                      {"states", "state"},
                                                                      {"aux", "aux variable"},
                                                                      {"functions", "function"}};
    for (const auto& [table, what] : kTables)
      if (const toml::table* t = root_.get_as<toml::table>(table); t && t->contains(n)) return what;
    return nullptr;
  }

  void resolve_name(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
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
    if (auto it = std::find(aux_names_.begin(), aux_names_.end(), n); it != aux_names_.end()) {
      if (!s.aux) not_here("the aux variable");
      e.ref = Ref::Aux;
      e.ref_index = static_cast<int>(it - aux_names_.begin());
      return;
    }
    if (n.rfind("lag_", 0) == 0 && spec_.state_index(n.substr(4)) >= 0)
      fail_expr(l, e, fmt::format("'{}' must be called: {}() or {}(k)", n, n, n));
    if (find_builtin(n) ||
        std::find(function_names_.begin(), function_names_.end(), n) != function_names_.end())
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
    fail_expr(l, e, fmt::format("unknown name '{}' {}", n, s.where),
              support::did_you_mean(n, names));
  }

  void check_arity(const Expr& e, const Located& l, int min_args, int max_args) {
    const int n = static_cast<int>(e.args.size());
    if (n >= min_args && (max_args < 0 || n <= max_args)) return;
    std::string expected = max_args < 0           ? fmt::format("at least {}", min_args)
                           : min_args == max_args ? fmt::format("{}", min_args)
                                                  : fmt::format("{} to {}", min_args, max_args);
    fail_in(*l.src, e.pos,
            fmt::format("{}() takes {} argument{}, got {}", e.name, expected,
                        (max_args == 1 && min_args == 1) ? "" : "s", n));
  }

  void resolve_call(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
    const std::string& n = e.name;
    if (n.rfind("lag_", 0) == 0 && find_builtin(n) == nullptr) {
      resolve_lag(e, l, s);
      return;
    }
    if (const BuiltinInfo* b = find_builtin(n)) {
      if (b->kind == BuiltinKind::EventMacro && !s.event_macros)
        fail_in(*l.src, e.pos, fmt::format("{}() is an event macro; use it in an event's cond", n));
      if (integer_model() && !b->integer_ok)
        fail_in(*l.src, e.pos,
                fmt::format("{}() works on floats; not allowed in an int64 model", n));
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
      if (!s.functions)
        fail_in(*l.src, e.pos, fmt::format("functions cannot be called {}", s.where));
      const FunctionSpec& f = spec_.functions[static_cast<size_t>(fi)];
      const int arity = static_cast<int>(f.args.size());
      check_arity(e, l, arity, arity);
      e.ref = Ref::Function;
      e.ref_index = fi;
      if (current_function_ >= 0) calls_[current_function_].push_back({fi, l.src->at(e.pos)});
      for (auto& a : e.args) resolve(*a, l, s, loops);
      return;
    }
    if (spec_.state_index(n) >= 0 || spec_.param_index(n) >= 0 ||
        find_named(spec_.constants, n) >= 0)
      fail_in(*l.src, e.pos, fmt::format("'{}' is not a function", n),
              "multiplication must be written explicitly: a*(b + c)");
    fail_in(*l.src, e.pos, fmt::format("unknown function '{}'", n),
            support::did_you_mean(n, callable_names(s)));
  }

  void resolve_lag(Expr& e, const Located& l, const Scope& s) {
    const std::string state = e.name.substr(4);
    const int si = spec_.state_index(state);
    if (si < 0) {
      std::vector<std::string> lags;
      for (const auto& st : spec_.states) lags.push_back("lag_" + st.name);
      std::string what =
          spec_.param_index(state) >= 0             ? "a param"
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
        fail_expr(l, a,
                  fmt::format("lag {} is larger than the maximum of {}", a.int_value, kMaxLag));
      k = a.int_value;
    }
    e.ref = Ref::Lag;
    e.ref_index = si;
    e.int_value = k;
    bump_lag(si, static_cast<int>(k));
  }

  void resolve_index(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
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
                iv.lo == iv.hi ? fmt::format("index {} is out of range for '{}' of size {}", iv.lo,
                                             e.name, size)
                               : fmt::format("index may be out of range for '{}' of size {}: it "
                                             "takes values from {} to {}",
                                             e.name, size, iv.lo, iv.hi));
    resolve(*e.args[0], l, s, loops);
  }

  void resolve_reduction(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops) {
    // args: body, start, stop[, step][, filter]
    const std::string& var = e.loop_var;
    if (!is_identifier(var) || is_keyword(var))
      fail_in(*l.src, e.pos, fmt::format("invalid loop variable '{}'", var));
    for (const auto& lv : loops)
      if (lv.name == var)
        fail_in(*l.src, e.pos,
                fmt::format("loop variable '{}' is already used by an enclosing loop", var));
    if (defined_.count(var) || var == "t" || var == "pi" || var == "e")
      fail_in(
          *l.src, e.pos,
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
  Interval integer_interval(const Expr& e, const Located& l, const std::vector<LoopVar>& loops,
                            const char* what) {
    // Saturating arithmetic: an interval bound that overflows is as good as infinite.
    constexpr long long kLimit = 1LL << 62;
    auto clamp = [](long long v) { return v > kLimit ? kLimit : v < -kLimit ? -kLimit : v; };
    auto add = [&](long long x, long long y) {
      long long r;
      return __builtin_add_overflow(x, y, &r) ? (y > 0 ? kLimit : -kLimit) : clamp(r);
    };
    auto mul = [&](long long x, long long y) {
      long long r;
      return __builtin_mul_overflow(x, y, &r) ? (((x < 0) != (y < 0)) ? -kLimit : kLimit)
                                              : clamp(r);
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

  void bump_lag(int state, int k) {
    auto& d = spec_.states[static_cast<size_t>(state)].lag_depth;
    d = std::max(d, k);
  }

  std::vector<std::string> state_names() const {
    std::vector<std::string> v;
    for (const auto& s : spec_.states) v.push_back(s.name);
    return v;
  }

  int find_function(const std::string& n) const {
    auto it = std::find(function_names_.begin(), function_names_.end(), n);
    return it == function_names_.end() ? -1 : static_cast<int>(it - function_names_.begin());
  }

  void resolve_located(Located& l, const Scope& s) {
    std::vector<LoopVar> loops;
    resolve(*l.expr, l, s, loops);
  }

  // ---------- tables ----------
  void load_model_table() {
    const toml::table* m = sub_table(root_, "model", "[model]");
    if (!m) fail_at({1, 1}, "missing [model] table", "add [model] with type = \"ode\" or \"map\"");
    check_keys(*m, {"type", "name", "dtype"}, "in [model]");
    const toml::node* type = m->get("type");
    if (!type) fail_at(to_position(m->source().begin), "[model] needs a type: \"ode\" or \"map\"");
    const std::string tv = type->value_or(std::string{});
    if (tv == "ode")
      spec_.kind = ModelKind::Ode;
    else if (tv == "map")
      spec_.kind = ModelKind::Map;
    else
      fail_node(*type,
                fmt::format("model type must be \"ode\" or \"map\", not {}", describe(*type)),
                support::did_you_mean(tv, {"ode", "map"}));
    if (const toml::node* n = m->get("name")) {
      if (!n->is_string() || n->as_string()->get().empty())
        fail_node(*n, "model name must be a non-empty string");
      spec_.name = n->as_string()->get();
      for (unsigned char c : spec_.name)
        if (c < 0x20 || c == 0x7f) fail_node(*n, "model name contains a control character");
    } else {
      spec_.name = default_model_name(file_.name());
    }
    if (const toml::node* d = m->get("dtype")) {
      const std::string dv = d->value_or(std::string{});
      if (dv == "float64")
        spec_.dtype = DType::Float64;
      else if (dv == "float32")
        spec_.dtype = DType::Float32;
      else if (dv == "int64")
        spec_.dtype = DType::Int64;
      else
        fail_node(*d,
                  fmt::format("bad dtype {}: expected \"float64\", \"float32\" or \"int64\"",
                              describe(*d)),
                  support::did_you_mean(dv, {"float64", "float32", "int64"}));
      if (spec_.dtype == DType::Int64 && spec_.kind != ModelKind::Map)
        fail_node(*d, "dtype int64 is only allowed for maps", "use float64 for an ODE");
    }
  }

  static std::string describe(const toml::node& n) {
    if (const auto* s = n.as_string()) return fmt::format("\"{}\"", s->get());
    switch (n.type()) {
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a number";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::array:
        return "an array";
      case toml::node_type::table:
        return "a table";
      default:
        return "a date/time";
    }
  }

  static std::string default_model_name(const std::string& source) {
    std::string base = source;
    if (auto p = base.find_last_of('/'); p != std::string::npos) base = base.substr(p + 1);
    if (base.size() > 5 && base.substr(base.size() - 5) == ".toml") base.resize(base.size() - 5);
    if (base.empty() || base.front() == '<') return "model";
    return base;
  }

  // A number written in the file, or an expression evaluated in `scope`.
  ConstValue value_of(const toml::node& n, const std::string& what, const Scope& scope) {
    Located l = expr_value(n, what);
    resolve_located(l, scope);
    try {
      return eval_const(*l.expr, spec_);
    } catch (const ConstEvalError& err) {
      fail_in(*l.src, err.pos, fmt::format("{}: {}", what, err.what()));
    }
  }

  Scope constant_scope(int visible) const {
    Scope s;
    s.where = "in [constants] (constants may use numbers and earlier constants)";
    s.states = s.params = s.aux = s.time = s.functions = s.lags = false;
    s.constants_visible = visible;
    return s;
  }

  void load_constants() {
    const toml::table* t = sub_table(root_, "constants", "[constants]");
    if (!t) return;
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      define(k, "constant");
      const int visible = static_cast<int>(spec_.constants.size());
      ConstValue cv = value_of(v, fmt::format("constant '{}'", k.str()), constant_scope(visible));
      ConstantSpec c;
      c.name = std::string(k.str());
      c.value = cv.value;
      c.is_integer = cv.is_integer;
      c.int_value = cv.int_value;
      c.where = to_position(k.source().begin);
      if (integer_model() && !c.is_integer)
        fail_node(v, fmt::format("constant '{}' must be an integer in an int64 model", c.name));
      spec_.constants.push_back(std::move(c));
    }
  }

  void load_params() {
    const toml::table* t = sub_table(root_, "params", "[params]");
    if (!t) return;
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      define(k, "param");
      ParamSpec p;
      p.name = std::string(k.str());
      p.where = to_position(k.source().begin);
      Scope s;
      s.where = "in [params] (params may use numbers, constants and earlier params)";
      s.states = s.aux = s.time = s.functions = s.lags = false;
      s.params_visible = static_cast<int>(spec_.params.size());
      auto add_value = [&](const toml::node& n, const std::string& what) {
        ConstValue cv = value_of(n, what, s);
        if (integer_model() && !cv.is_integer)
          fail_node(n, fmt::format("{} must be an integer in an int64 model", what));
        p.values.push_back(cv.value);
        p.int_values.push_back(cv.int_value);
      };
      if (const toml::array* arr = v.as_array()) {
        p.is_array = true;
        if (arr->empty()) fail_node(v, fmt::format("array param '{}' is empty", p.name));
        for (size_t i = 0; i < arr->size(); ++i)
          add_value(*arr->get(i), fmt::format("element {} of param '{}'", i, p.name));
      } else {
        add_value(v, fmt::format("param '{}'", p.name));
      }
      spec_.params.push_back(std::move(p));
    }
  }

  void load_states() {
    const toml::table* t = sub_table(root_, "states", "[states]");
    if (!t || t->empty())
      fail_at(t ? to_position(t->source().begin) : Position{1, 1}, "the model has no states",
              "add a [states] table, e.g. x = 1.0");
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      define(k, "state");
      StateSpec st;
      st.name = std::string(k.str());
      st.where = to_position(k.source().begin);
      st.init = expr_value(v, fmt::format("initial value of state '{}'", st.name));
      spec_.states.push_back(std::move(st));
    }
    // Initial values may use params and constants; they are resolved once all names are known.
  }

  void evaluate_initial_states() {
    Scope s;
    s.where = "in an initial value (initial values may use numbers, constants and params)";
    s.states = s.aux = s.time = s.functions = s.lags = false;
    for (auto& st : spec_.states) {
      resolve_located(st.init, s);
      try {
        ConstValue cv = eval_const(*st.init.expr, spec_);
        if (integer_model() && !cv.is_integer)
          fail_in(*st.init.src, 0,
                  fmt::format("initial value of '{}' must be an integer", st.name));
        st.init_value = cv.value;
        st.init_int = cv.int_value;
      } catch (const ConstEvalError& err) {
        fail_in(*st.init.src, err.pos,
                fmt::format("initial value of state '{}': {}", st.name, err.what()));
      }
    }
  }

  Scope model_scope(const char* where) const {
    Scope s;
    s.where = where;
    return s;
  }

  void load_functions() {
    const toml::table* t = sub_table(root_, "functions", "[functions]");
    if (!t) return;
    // Names first, so functions may call each other regardless of order.
    std::vector<std::pair<const toml::key*, const toml::table*>> defs;
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      define(k, "function");
      if (!v.is_table())
        fail_node(v, fmt::format("[functions.{}] must be a table with args and expr", k.str()));
      function_names_.push_back(std::string(k.str()));
      defs.push_back({&k, v.as_table()});
    }
    calls_.resize(defs.size());
    for (const auto& [k, tbl] : defs) {
      check_keys(*tbl, {"args", "expr"}, fmt::format("in [functions.{}]", k->str()));
      FunctionSpec f;
      f.name = std::string(k->str());
      f.where = to_position(k->source().begin);
      const toml::node* args = tbl->get("args");
      if (args) {
        const toml::array* arr = args->as_array();
        if (!arr) fail_node(*args, "args must be an array of names, e.g. [\"x\", \"y\"]");
        for (const auto& a : *arr) {
          if (!a.is_string() || !is_identifier(a.as_string()->get()) ||
              is_keyword(a.as_string()->get()))
            fail_node(a, "each argument must be a name, e.g. \"x\"");
          const std::string an = a.as_string()->get();
          if (std::find(f.args.begin(), f.args.end(), an) != f.args.end())
            fail_node(a, fmt::format("argument '{}' is listed twice", an));
          f.args.push_back(an);
        }
      }
      const toml::node* body = tbl->get("expr");
      if (!body)
        fail_key(*k, fmt::format("function '{}' has no expr", f.name), "add expr = \"...\"");
      f.body = expr_value(*body, fmt::format("body of function '{}'", f.name));
      spec_.functions.push_back(std::move(f));
    }
    pending_functions_ = true;
  }

  void resolve_functions() {
    for (size_t i = 0; i < spec_.functions.size(); ++i) {
      FunctionSpec& f = spec_.functions[i];
      Scope s = model_scope("in a function body");
      s.function = &f;
      current_function_ = static_cast<int>(i);
      resolve_located(f.body, s);
      current_function_ = -1;
    }
  }

  void load_aux() {
    const toml::table* t = sub_table(root_, "aux", "[aux]");
    if (t)
      for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
        const toml::key& k = *k_ptr;
        const toml::node& v = *v_ptr;
        define(k, "aux variable");
        aux_names_.push_back(std::string(k.str()));
        AuxSpec a;
        a.name = std::string(k.str());
        a.where = to_position(k.source().begin);
        a.expr = expr_value(v, fmt::format("aux '{}'", a.name));
        spec_.aux.push_back(std::move(a));
      }
    // All names are declared now: resolve function bodies and aux expressions.
    if (pending_functions_) resolve_functions();
    for (auto& a : spec_.aux) resolve_located(a.expr, model_scope("in an aux expression"));
  }

  void load_equations() {
    const toml::table* eq = sub_table(root_, "equations", "[equations]");
    const bool ode = spec_.kind == ModelKind::Ode;
    spec_.equations.resize(spec_.states.size());
    std::vector<Position> defined_at(spec_.states.size());
    if (eq) {
      check_keys(*eq, {"rhs", "expr", "jacobian", "inverse"}, "in [equations]");
      load_equation_set(*eq, "equations", spec_.equations, defined_at, ode);
    }
    for (size_t i = 0; i < spec_.states.size(); ++i)
      if (!spec_.equations[i].expr)
        fail_at(spec_.states[i].where,
                fmt::format("state '{}' has no equation", spec_.states[i].name),
                ode ? fmt::format("add d{} = ... to [equations] or {} = \"...\" to [equations.rhs]",
                                  spec_.states[i].name, spec_.states[i].name)
                    : fmt::format("add {} = \"...\" to [equations.rhs]", spec_.states[i].name));
    const char* where = ode ? "in an equation" : "in a map equation";
    for (auto& e : spec_.equations) resolve_located(e, model_scope(where));

    if (eq) {
      if (const toml::table* jac = sub_table(*eq, "jacobian", "[equations.jacobian]"))
        load_jacobian(*jac);
      if (const toml::table* inv = sub_table(*eq, "inverse", "[equations.inverse]")) {
        if (ode) fail_at(to_position(inv->source().begin), "[equations.inverse] is only for maps");
        // Same forms as the map itself: one key per state, and/or an `expr` block.
        std::vector<Located> inverse(spec_.states.size());
        std::vector<Position> at(spec_.states.size());
        check_keys(*inv, {"rhs", "expr"}, "in [equations.inverse]");
        load_equation_set(*inv, "equations.inverse", inverse, at, false);
        for (size_t i = 0; i < inverse.size(); ++i) {
          if (!inverse[i].expr)
            fail_at(to_position(inv->source().begin),
                    fmt::format("the inverse map has no equation for state '{}'",
                                spec_.states[i].name));
          resolve_located(inverse[i], model_scope("in the inverse map"));
        }
        spec_.inverse = std::move(inverse);
      }
    }
  }

  // Reads `rhs` (per-state keys) and `expr` (a block of assignments) of one equations table.
  void load_equation_set(const toml::table& tbl, const std::string& table_name,
                         std::vector<Located>& out, std::vector<Position>& defined_at, bool ode) {
    auto store = [&](int si, Located l, Position at) {
      if (out[static_cast<size_t>(si)].expr) {
        // Per-state keys are read before the block: report at whichever comes later in the file.
        Position first = defined_at[static_cast<size_t>(si)], second = at;
        if (second.line < first.line || (second.line == first.line && second.column < first.column))
          std::swap(first, second);
        fail_at(
            second,
            fmt::format("state '{}' is defined twice", spec_.states[static_cast<size_t>(si)].name),
            fmt::format("first defined at line {}", first.line));
      }
      out[static_cast<size_t>(si)] = std::move(l);
      defined_at[static_cast<size_t>(si)] = at;
    };
    // Per-state keys live in the `rhs` sub-table, beside the `expr` block, in [equations] and in
    // [equations.inverse] alike (docs/modeling.md).
    const toml::table* rhs = sub_table(tbl, "rhs", "[" + table_name + ".rhs]");
    if (rhs) {
      for (const auto& [k_ptr, v_ptr] : in_file_order(*rhs)) {
        const toml::key& k = *k_ptr;
        const toml::node& v = *v_ptr;
        const std::string name(k.str());
        const int si = spec_.state_index(name);
        if (si < 0) {
          std::string hint = support::did_you_mean(name, state_names());
          if (ode && name.size() > 1 && name[0] == 'd' && spec_.state_index(name.substr(1)) >= 0)
            hint = fmt::format("[{}.rhs] keys are state names: write {} = \"...\"", table_name,
                               name.substr(1));
          fail_key(k, fmt::format("equation for unknown state '{}'", name), hint);
        }
        store(si, expr_value(v, fmt::format("equation of '{}'", name)),
              to_position(k.source().begin));
      }
    }
    if (const toml::node* block = tbl.get("expr")) {
      if (!block->is_string())
        fail_node(*block, "expr must be a string of assignments, one per line");
      SourceRef src = file_.string_value(*block, block->as_string()->get());
      StatementRules rules;
      rules.allow_d_call = true;  // so a map's d(x) gets a clear error instead of a syntax error
      auto stmts = parse_block(*src, rules);
      for (auto& a : stmts) {
        const Position at = src->at(a.target_pos);
        std::string target = a.target;
        if (ode) {
          if (!a.derivative) {
            const bool d_form =
                target.size() > 1 && target[0] == 'd' && spec_.state_index(target.substr(1)) >= 0;
            if (!d_form) {
              if (spec_.state_index(target) >= 0)
                fail_at(at, fmt::format(
                                "ODE equations give derivatives: write d{} = ... or d({}) = ...",
                                target, target));
              std::vector<std::string> ds;
              for (const auto& s : spec_.states) ds.push_back("d" + s.name);
              const std::string bare =
                  target.size() > 1 && target[0] == 'd' ? target.substr(1) : target;
              fail_at(at, fmt::format("equation for unknown state '{}'", bare),
                      support::did_you_mean(target, ds));
            }
            target = target.substr(1);
          }
          const int si = spec_.state_index(target);
          if (si < 0)
            fail_at(at, fmt::format("equation for unknown state '{}'", target),
                    support::did_you_mean(target, state_names()));
          store(si, Located{std::move(a.value), src}, at);
        } else {
          const bool d_form =
              a.derivative || (spec_.state_index(target) < 0 && target.size() > 1 &&
                               target[0] == 'd' && spec_.state_index(target.substr(1)) >= 0);
          if (d_form) {
            const std::string s = a.derivative ? target : target.substr(1);
            fail_at(at, "derivative notation in a map",
                    fmt::format("a map gives the next value: write {} = ...", s));
          }
          const int si = spec_.state_index(target);
          if (si < 0)
            fail_at(at, fmt::format("equation for unknown state '{}'", target),
                    support::did_you_mean(target, state_names()));
          store(si, Located{std::move(a.value), src}, at);
        }
      }
    }
  }

  void load_jacobian(const toml::table& jac) {
    check_keys(jac, {"expr"}, "in [equations.jacobian]");
    const toml::node* m = jac.get("expr");
    if (!m)
      fail_at(to_position(jac.source().begin), "[equations.jacobian] needs expr = [[...], ...]");
    const toml::array* rows = m->as_array();
    const size_t n = spec_.states.size();
    if (!rows) fail_node(*m, "the Jacobian must be an array of rows, e.g. [[\"a\", \"b\"], [...]]");
    if (rows->size() != n)
      fail_node(*m,
                fmt::format("the Jacobian must be square ({}x{} for {} states); it has {} row{}", n,
                            n, n, rows->size(), rows->size() == 1 ? "" : "s"));
    std::vector<std::vector<Located>> out;
    for (size_t i = 0; i < n; ++i) {
      const toml::array* row = rows->get(i)->as_array();
      if (!row) fail_node(*rows->get(i), fmt::format("row {} of the Jacobian must be an array", i));
      if (row->size() != n)
        fail_node(*rows->get(i),
                  fmt::format("the Jacobian must be square ({}x{}); row {} has {} entries", n, n, i,
                              row->size()));
      std::vector<Located> r;
      for (size_t j = 0; j < n; ++j) {
        Located l = expr_value(*row->get(j), fmt::format("Jacobian entry [{}][{}]", i, j));
        resolve_located(l, model_scope("in the Jacobian"));
        r.push_back(std::move(l));
      }
      out.push_back(std::move(r));
    }
    spec_.jacobian = std::move(out);
  }

  void load_events() {
    const toml::table* t = sub_table(root_, "events", "[events]");
    if (!t) return;
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      const std::string name(k.str());
      if (!is_identifier(name))
        fail_key(k, fmt::format("invalid event name '{}'", name),
                 "names start with a letter or '_' and contain only letters, digits and '_'");
      if (!v.is_table()) fail_node(v, fmt::format("[events.{}] must be a table", name));
      const toml::table& ev = *v.as_table();
      check_keys(ev, {"cond", "action", "phase", "tags", "log"},
                 fmt::format("in [events.{}]", name));
      EventSpec e;
      e.name = name;
      e.where = to_position(k.source().begin);
      const toml::node* cond = ev.get("cond");
      if (!cond) fail_key(k, fmt::format("event '{}' has no cond", name), "add cond = \"...\"");
      e.cond = expr_value(*cond, fmt::format("condition of event '{}'", name));
      Scope cs = model_scope("in an event condition");
      cs.event_macros = true;
      resolve_located(e.cond, cs);
      if (const toml::node* ph = ev.get("phase")) {
        const std::string p = ph->value_or(std::string{});
        if (p == "start")
          e.phase = EventPhase::Start;
        else if (p == "end")
          e.phase = EventPhase::End;
        else if (p == "both")
          e.phase = EventPhase::Both;
        else
          fail_node(
              *ph,
              fmt::format("phase must be \"start\", \"end\" or \"both\", not {}", describe(*ph)),
              support::did_you_mean(p, {"start", "end", "both"}));
      }
      if (const toml::node* a = ev.get("action")) load_actions(e, *a);
      if (const toml::node* tags = ev.get("tags")) {
        const toml::array* arr = tags->as_array();
        if (!arr) fail_node(*tags, "tags must be an array of strings");
        for (const auto& tg : *arr) {
          if (!tg.is_string()) fail_node(tg, "each tag must be a string");
          e.tags.push_back(tg.as_string()->get());
        }
      }
      if (const toml::node* log = ev.get("log")) {
        const toml::array* arr = log->as_array();
        if (!arr) fail_node(*log, "log must be an array of expressions, e.g. [\"t\", \"v\"]");
        for (const auto& item : *arr) {
          if (!item.is_string()) fail_node(item, "each logged item must be a quoted expression");
          Located l = expr_value(item, "a logged expression");
          resolve_located(l, model_scope("in an event log"));
          std::string label = item.as_string()->get();
          label.erase(0, label.find_first_not_of(" \t"));
          label.erase(label.find_last_not_of(" \t") + 1);
          e.log_names.push_back(label);
          e.log.push_back(std::move(l));
        }
      }
      spec_.events.push_back(std::move(e));
    }
  }

  void add_action(EventSpec& e, const std::string& target, Position at, AssignOp op,
                  Located value) {
    ActionSpec a;
    a.target = target;
    a.op = op;
    if (int si = spec_.state_index(target); si >= 0) {
      a.target_kind = Ref::State;
      a.target_index = si;
    } else if (int pi = spec_.param_index(target); pi >= 0) {
      if (spec_.params[static_cast<size_t>(pi)].is_array)
        fail_at(at, fmt::format("cannot assign to the array param '{}' in an action", target));
      a.target_kind = Ref::Param;
      a.target_index = pi;
    } else {
      std::vector<std::string> names = state_names();
      for (const auto& p : spec_.params)
        if (!p.is_array) names.push_back(p.name);
      std::string what = std::find(aux_names_.begin(), aux_names_.end(), target) != aux_names_.end()
                             ? "an aux variable (aux values are derived, not assigned)"
                         : find_named(spec_.constants, target) >= 0 ? "a constant"
                         : target == "t"                            ? "time"
                                                                    : "not a state or param";
      fail_at(at, fmt::format("cannot assign to '{}' in an action: it is {}", target, what),
              support::did_you_mean(target, names).empty() ? "actions may assign states and params"
                                                           : support::did_you_mean(target, names));
    }
    for (const auto& prev : e.actions)
      if (prev.target == target)
        fail_at(at, fmt::format("'{}' is assigned twice in one action", target),
                "actions are atomic: combine the assignments into one");
    resolve_located(value, model_scope("in an event action"));
    a.value = std::move(value);
    e.actions.push_back(std::move(a));
  }

  void load_actions(EventSpec& e, const toml::node& node) {
    if (const auto* s = node.as_string()) {
      SourceRef src = file_.string_value(node, s->get());
      StatementRules rules;
      rules.allow_augmented = true;
      for (auto& a : parse_block(*src, rules))
        add_action(e, a.target, src->at(a.target_pos), a.op, Located{std::move(a.value), src});
      return;
    }
    if (const auto* t = node.as_table()) {
      for (const auto& [k, v] : in_file_order(*t))
        add_action(e, std::string(k->str()), to_position(k->source().begin), AssignOp::Set,
                   expr_value(*v, fmt::format("action on '{}'", k->str())));
      return;
    }
    fail_node(
        node,
        "action must be a string of assignments (\"v = c; u += d\") or a table (action.v = \"c\")");
  }

  double number_at(const toml::node& n, const std::string& what) {
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (n.is_floating_point() && std::isfinite(n.as_floating_point()->get()))
      return n.as_floating_point()->get();
    fail_node(n, fmt::format("{} must be a finite number, not {}", what, describe(n)));
  }

  long long integer_at(const toml::node& n, const std::string& what, long long min) {
    if (!n.is_integer())
      fail_node(n, fmt::format("{} must be an integer, not {}", what, describe(n)));
    const long long v = n.as_integer()->get();
    if (v < min) fail_node(n, fmt::format("{} must be at least {}", what, min));
    return v;
  }

  void load_sim() {
    const toml::table* t = sub_table(root_, "sim", "[sim]");
    if (!t) return;
    check_keys(
        *t,
        {"t0", "t_end", "dt", "stepper", "record", "record_interval", "max_steps", "atol", "rtol",
         "dt_min", "dt_max", "safety", "min_factor", "max_factor", "max_rejects", "controller"},
        "in [sim]");
    SimDefaults& s = spec_.sim;
    auto positive = [&](const char* key) -> std::optional<double> {
      const toml::node* n = t->get(key);
      if (!n) return std::nullopt;
      const double v = number_at(*n, key);
      if (!(v > 0)) fail_node(*n, fmt::format("{} must be positive", key));
      return v;
    };
    if (const toml::node* n = t->get("t0")) s.t0 = number_at(*n, "t0");
    if (const toml::node* n = t->get("t_end")) {
      s.t_end = number_at(*n, "t_end");
      if (*s.t_end < s.t0) fail_node(*n, "t_end must not be before t0");
    }
    s.dt = positive("dt");
    if (const toml::node* n = t->get("stepper")) {
      if (!n->is_string() || n->as_string()->get().empty())
        fail_node(*n, "stepper must be a stepper name such as \"rk4\"");
      s.stepper = n->as_string()->get();
      s.stepper_where = to_position(n->source().begin);
    }
    if (const toml::node* n = t->get("record")) {
      if (!n->is_boolean()) fail_node(*n, "record must be true or false");
      s.record = n->as_boolean()->get();
    }
    if (const toml::node* n = t->get("record_interval"))
      s.record_interval = integer_at(*n, "record_interval", 1);
    if (const toml::node* n = t->get("max_steps")) s.max_steps = integer_at(*n, "max_steps", 1);
    if (auto v = positive("atol")) s.atol = *v;
    if (auto v = positive("rtol")) s.rtol = *v;
    s.dt_min = positive("dt_min");
    s.dt_max = positive("dt_max");
    s.safety = positive("safety");
    s.min_factor = positive("min_factor");
    s.max_factor = positive("max_factor");
    if (const toml::node* n = t->get("max_rejects"))
      s.max_rejects = integer_at(*n, "max_rejects", 1);
    if (const toml::node* n = t->get("controller")) {
      const std::string c = n->value_or(std::string{});
      if (c != "pi" && c != "standard")
        fail_node(*n,
                  fmt::format("controller must be \"pi\" or \"standard\", not {}", describe(*n)),
                  support::did_you_mean(c, {"pi", "standard"}));
      s.controller = c;
    }
    if (s.dt_min && s.dt_max && *s.dt_min > *s.dt_max)
      fail_node(*t->get("dt_min"), "dt_min must not exceed dt_max");
  }

  void load_presets() {
    const toml::table* t = sub_table(root_, "presets", "[presets]");
    if (!t) return;
    for (const auto& [k_ptr, v_ptr] : in_file_order(*t)) {
      const toml::key& k = *k_ptr;
      const toml::node& v = *v_ptr;
      const std::string name(k.str());
      if (!is_identifier(name))
        fail_key(k, fmt::format("invalid preset name '{}'", name),
                 "names start with a letter or '_' and contain only letters, digits and '_'");
      if (!v.is_table())
        fail_node(v, fmt::format("[presets.{}] must hold [presets.{}.params] and/or "
                                 "[presets.{}.states]",
                                 name, name, name));
      const toml::table& pt = *v.as_table();
      check_keys(pt, {"params", "states"}, fmt::format("in [presets.{}]", name));
      PresetSpec p;
      p.name = name;
      p.where = to_position(k.source().begin);
      if (const toml::table* params = sub_table(pt, "params", "preset params"))
        for (const auto& [pk_ptr, pv_ptr] : in_file_order(*params)) {
          const toml::key& pk = *pk_ptr;
          const toml::node& pv = *pv_ptr;
          const int pi = spec_.param_index(std::string(pk.str()));
          if (pi < 0) {
            std::vector<std::string> names;
            for (const auto& x : spec_.params) names.push_back(x.name);
            fail_key(pk, fmt::format("preset '{}' sets unknown param '{}'", name, pk.str()),
                     support::did_you_mean(pk.str(), names));
          }
          p.values.push_back(preset_value(pk, pv, Ref::Param, pi));
        }
      if (const toml::table* states = sub_table(pt, "states", "preset states"))
        for (const auto& [sk_ptr, sv_ptr] : in_file_order(*states)) {
          const toml::key& sk = *sk_ptr;
          const toml::node& sv = *sv_ptr;
          const int si = spec_.state_index(std::string(sk.str()));
          if (si < 0)
            fail_key(sk, fmt::format("preset '{}' sets unknown state '{}'", name, sk.str()),
                     support::did_you_mean(sk.str(), state_names()));
          p.values.push_back(preset_value(sk, sv, Ref::State, si));
        }
      spec_.presets.push_back(std::move(p));
    }
  }

  PresetValue preset_value(const toml::key& k, const toml::node& v, Ref kind, int index) {
    PresetValue pv;
    pv.name = std::string(k.str());
    pv.kind = kind;
    pv.index = index;
    Scope s;
    s.where = "in a preset (preset values may use numbers, constants and params)";
    s.states = s.aux = s.time = s.functions = s.lags = false;
    auto add = [&](const toml::node& n, const std::string& what) {
      ConstValue cv = value_of(n, what, s);
      if (integer_model() && !cv.is_integer)
        fail_node(n, fmt::format("{} must be an integer in an int64 model", what));
      pv.values.push_back(cv.value);
      pv.int_values.push_back(cv.int_value);
    };
    const bool is_array = kind == Ref::Param && spec_.params[static_cast<size_t>(index)].is_array;
    if (const toml::array* arr = v.as_array()) {
      if (!is_array) fail_node(v, fmt::format("'{}' is a scalar; give one value", pv.name));
      const size_t want = spec_.params[static_cast<size_t>(index)].values.size();
      if (arr->size() != want)
        fail_node(v, fmt::format("'{}' has {} elements; the preset gives {}", pv.name, want,
                                 arr->size()));
      for (size_t i = 0; i < arr->size(); ++i)
        add(*arr->get(i), fmt::format("element {} of '{}'", i, pv.name));
    } else {
      if (is_array) fail_node(v, fmt::format("'{}' is an array param; give an array", pv.name));
      add(v, fmt::format("preset value of '{}'", pv.name));
    }
    return pv;
  }

  // ---------- whole-model checks ----------
  void check_function_recursion() {
    // Depth-first search over the call graph; a back edge is a cycle.
    const size_t n = spec_.functions.size();
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<int> stack;
    std::function<void(int)> visit = [&](int f) {
      color[static_cast<size_t>(f)] = 1;
      stack.push_back(f);
      for (const auto& [callee, at] : calls_[static_cast<size_t>(f)]) {
        if (color[static_cast<size_t>(callee)] == 1) {
          std::vector<std::string> cycle;
          auto it = std::find(stack.begin(), stack.end(), callee);
          for (; it != stack.end(); ++it)
            cycle.push_back(spec_.functions[static_cast<size_t>(*it)].name);
          cycle.push_back(spec_.functions[static_cast<size_t>(callee)].name);
          fail_at(at, fmt::format("recursion is not allowed: {}", fmt::join(cycle, " -> ")));
        }
        if (color[static_cast<size_t>(callee)] == 0) visit(callee);
      }
      stack.pop_back();
      color[static_cast<size_t>(f)] = 2;
    };
    for (size_t i = 0; i < n; ++i)
      if (color[i] == 0) visit(static_cast<int>(i));
  }

  // Aux variables referenced by an expression, directly or through the functions it calls.
  void aux_refs(const Expr& e, const SourceText& src, std::vector<std::pair<int, Position>>& out,
                std::vector<bool>& seen_functions) const {
    if (e.ref == Ref::Aux) out.push_back({e.ref_index, src.at(e.pos)});
    if (e.ref == Ref::Function && !seen_functions[static_cast<size_t>(e.ref_index)]) {
      seen_functions[static_cast<size_t>(e.ref_index)] = true;
      const auto& f = spec_.functions[static_cast<size_t>(e.ref_index)];
      std::vector<std::pair<int, Position>> inner;
      aux_refs(*f.body.expr, *f.body.src, inner, seen_functions);
      for (auto& r : inner) out.push_back({r.first, src.at(e.pos)});
    }
    for (const auto& a : e.args) aux_refs(*a, src, out, seen_functions);
  }

  void order_aux() {
    const size_t n = spec_.aux.size();
    std::vector<std::vector<std::pair<int, Position>>> deps(n);
    for (size_t i = 0; i < n; ++i) {
      std::vector<bool> seen(spec_.functions.size(), false);
      aux_refs(*spec_.aux[i].expr.expr, *spec_.aux[i].expr.src, deps[i], seen);
    }
    std::vector<int> color(n, 0);
    std::vector<int> stack;
    std::function<void(int)> visit = [&](int a) {
      color[static_cast<size_t>(a)] = 1;
      stack.push_back(a);
      for (const auto& [d, at] : deps[static_cast<size_t>(a)]) {
        if (color[static_cast<size_t>(d)] == 1) {
          std::vector<std::string> cycle;
          for (auto it = std::find(stack.begin(), stack.end(), d); it != stack.end(); ++it)
            cycle.push_back(spec_.aux[static_cast<size_t>(*it)].name);
          cycle.push_back(spec_.aux[static_cast<size_t>(d)].name);
          fail_at(at, fmt::format("aux variables depend on each other in a cycle: {}",
                                  fmt::join(cycle, " -> ")));
        }
        if (color[static_cast<size_t>(d)] == 0) visit(d);
      }
      stack.pop_back();
      color[static_cast<size_t>(a)] = 2;
      spec_.aux_order.push_back(a);
    };
    for (size_t i = 0; i < n; ++i)
      if (color[i] == 0) visit(static_cast<int>(i));
  }

  static constexpr long long kMaxLag = 1 << 16;

  SourceFile file_;
  toml::table root_;
  ModelSpec spec_;
  std::unordered_map<std::string, Definition> defined_;
  std::vector<std::string> aux_names_;
  std::vector<std::string> function_names_;
  bool pending_functions_ = false;
  int current_function_ = -1;
  std::vector<std::vector<std::pair<int, Position>>> calls_;  // per function: (callee, where)
};

}  // namespace

int ModelSpec::state_index(const std::string& n) const {
  return find_named(states, n);
}
int ModelSpec::param_index(const std::string& n) const {
  return find_named(params, n);
}
int ModelSpec::aux_index(const std::string& n) const {
  return find_named(aux, n);
}
int ModelSpec::event_index(const std::string& n) const {
  return find_named(events, n);
}
const PresetSpec* ModelSpec::preset(const std::string& n) const {
  const int i = find_named(presets, n);
  return i < 0 ? nullptr : &presets[static_cast<size_t>(i)];
}

ModelSpec load_model_text(const std::string& text, const std::string& source_name) {
  ModelSpec spec = Frontend(text, source_name).run();
  spec.hash = model_hash(spec);
  return spec;
}

ModelSpec load_model(const std::string& uri) {
  ModelSource src = resolve_model(uri);
  return load_model_text(src.text, src.display_name);
}

}  // namespace dynlib::dsl

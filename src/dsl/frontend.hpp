// The model front end's internals: one class walks a model file and fills a ModelSpec, its jobs
// split over files named for them (the section comments below say which file defines what).
// Private to src/dsl.
#pragma once

#include <toml++/toml.h>

#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dsl/builtins.hpp"
#include "dsl/const_eval.hpp"
#include "dsl/model_spec.hpp"
#include "dsl/parser.hpp"
#include "dsl/source_text.hpp"
#include "dsl/uri.hpp"
#include "dynlib/errors.hpp"
#include "support/text.hpp"

namespace dynlib::dsl::frontend {

template <class T>
int find_named(const std::vector<T>& v, const std::string& n) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].name == n) return static_cast<int>(i);
  return -1;
}

inline bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
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
  // The model with mods: its own "#mod=NAME" (model.mod) first, then `mods` in order (mods.cpp).
  Frontend(const ModelSource& model, std::vector<ModelSource> mods)
      : file_(model.display_name, model.text),
        model_mod_(model.mod),
        mod_sources_(std::move(mods)) {
    spec_.source_name = model.display_name;
  }

  ModelSpec run();

 private:
  // toml++ keeps a table's keys sorted; the model language gives declaration order a meaning
  // (state-vector order, action order...), so every table is walked in file order. Entries a mod
  // added come after the model's own, in the order the mods were applied (mods.cpp).
  std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
      const toml::table& t) const {
    std::vector<std::pair<const toml::key*, const toml::node*>> out;
    for (const auto& [k, v] : t) out.push_back({&k, &v});
    std::stable_sort(out.begin(), out.end(), [this](const auto& a, const auto& b) {
      const int ra = added_rank(*a.first), rb = added_rank(*b.first);
      if (ra != rb) return ra < rb;
      const auto& pa = a.first->source().begin;
      const auto& pb = b.first->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    return out;
  }

  // ---- frontend.cpp: running the steps; diagnostics ----
  [[noreturn]] void fail_at(Position p, const std::string& msg, const std::string& hint = {});
  [[noreturn]] void fail_file(const SourceFile& f, Position p, const std::string& msg,
                              const std::string& hint = {});
  [[noreturn]] void fail_node(const toml::node& n, const std::string& msg,
                              const std::string& hint = {});
  [[noreturn]] void fail_key(const toml::key& k, const std::string& msg,
                             const std::string& hint = {});
  [[noreturn]] void fail_in(const SourceText& src, int offset, const std::string& msg,
                            const std::string& hint = {});
  // At position `p` of the file `src` was read from (a position taken from src earlier).
  [[noreturn]] void fail_at_in(const SourceText& src, Position p, const std::string& msg,
                               const std::string& hint = {});
  [[noreturn]] void fail_expr(const Located& l, const Expr& e, const std::string& msg,
                              const std::string& hint = {});
  void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                  const std::string& where);
  // As check_keys, but an unknown key is a warning (ModelSpec::warnings), not an error.
  void warn_unknown_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                         const std::string& where);
  const toml::table* sub_table(const toml::table& parent, std::string_view key,
                               const std::string& what);

  // ---- expression_values.cpp: TOML values read as expressions and statement blocks ----
  Located expr_value(const toml::node& n, const std::string& what);
  ExprPtr parse_located(const SourceText& src);
  std::vector<Assignment> parse_block(const SourceText& src, StatementRules rules);

  // ---- names.cpp: declaring names, listing the visible ones ----
  struct Definition {
    std::string what;  // "state", "param", ...
    Position where;
  };
  void define(const toml::key& k, const std::string& what);
  std::vector<std::string> visible_names(const Scope& s) const;
  std::vector<std::string> callable_names(const Scope& s) const;
  bool integer_model() const { return spec_.dtype == DType::Int64; }
  void bump_lag(int state, int k);
  std::vector<std::string> state_names() const;
  int find_function(const std::string& n) const;

  // ---- resolve.cpp: name resolution and the checks of each expression ----
  void resolve(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops);
  static int operator_offset(const Expr& e, const SourceText& src);
  const char* declared_later(const std::string& n) const;
  void resolve_name(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops);
  void check_arity(const Expr& e, const Located& l, int min_args, int max_args);
  void resolve_call(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops);
  void resolve_lag(Expr& e, const Located& l, const Scope& s);
  void resolve_index(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops);
  void resolve_reduction(Expr& e, const Located& l, const Scope& s, std::vector<LoopVar>& loops);
  Interval integer_interval(const Expr& e, const Located& l, const std::vector<LoopVar>& loops,
                            const char* what);
  void resolve_located(Located& l, const Scope& s);

  // ---- declarations.cpp: [model], [constants], [params], [states], [functions], [aux] ----
  void load_model_table();
  static std::string describe(const toml::node& n);
  static std::string default_model_name(const std::string& source);
  ConstValue value_of(const toml::node& n, const std::string& what, const Scope& scope);
  Scope constant_scope(int visible) const;
  void load_constants();
  void load_params();
  void load_states();
  void evaluate_initial_states();
  Scope model_scope(const char* where) const;
  void load_functions();
  void resolve_functions();
  void load_aux();

  // ---- equations.cpp: [equations] (rhs, inverse, jacobian) ----
  void load_equations();
  void load_equation_set(const toml::table& tbl, const std::string& table_name,
                         std::vector<Located>& out, std::vector<Position>& defined_at, bool ode);
  void load_jacobian(const toml::table& jac);

  // ---- events.cpp: [events] and their actions ----
  void load_events();
  Located logged_value(const toml::node& item);
  void add_action(EventSpec& e, const std::string& target, Position at, AssignOp op, Located value);
  void load_actions(EventSpec& e, const toml::node& node);

  // ---- sim_and_presets.cpp: [sim] defaults and [presets] ----
  double number_at(const toml::node& n, const std::string& what);
  long long integer_at(const toml::node& n, const std::string& what, long long min);
  void load_sim();
  void load_stop(const toml::node& n);
  void load_presets();
  PresetValue preset_value(const toml::key& k, const toml::node& v, Ref kind, int index);

  // ---- mods.cpp: applying mods to the model's TOML before the steps above read it ----
  struct Mod {
    std::string name;
    std::string group;  // empty: none
    bool exclusive = false;
    toml::table* body = nullptr;
    const toml::node* group_at = nullptr;  // its group = "...", for messages
  };
  void apply_mods();
  Mod read_mod(toml::table& tbl, std::string name, bool name_from_table);
  Mod select_mod(toml::table& doc, const std::string& wanted, const std::string& uri);
  Mod only_mod(toml::table& doc, const SourceFile& f, const std::string& uri);
  void apply_mod_list(const std::vector<Mod>& mods);
  void apply_verb(const Mod& m, std::string_view verb, toml::table& payload);
  void remove_entries(const Mod& m, std::string_view target, const toml::table& items);
  toml::table* model_table(std::string_view name, bool create);
  void move_into(toml::table& to, const toml::key& k, toml::node& v);
  int added_rank(const toml::key& k) const {
    if (added_.empty()) return 0;
    const auto& b = k.source().begin;
    const auto it =
        added_.find({k.source().path.get(), static_cast<int>(b.line), static_cast<int>(b.column)});
    return it == added_.end() ? 0 : it->second;
  }

  // ---- model_checks.cpp: whole-model checks (recursion, call depth, aux order) ----
  void check_function_recursion();
  int inlined_height(const Expr& e, const Located& where);
  void aux_refs(const Expr& e, const SourceText& src, std::vector<std::pair<int, Position>>& out,
                std::vector<bool>& seen_functions) const;
  void order_aux();

  static constexpr long long kMaxLag = 1 << 16;
  // Lowering inlines calls, recursing through the bodies: bounded like one expression's height
  // (the parser's 2000), with room for a few functions of that size calling one another.
  static constexpr int kMaxInlinedHeight = 5000;
  SourceFiles file_;
  toml::table root_;
  std::string model_mod_;
  std::vector<ModelSource> mod_sources_;
  std::vector<std::unique_ptr<toml::table>> mod_docs_;  // the mod files' TOML, while applied
  // Keys a mod added to a table (file, line, column) -> 1 + the order the mod was applied in.
  std::map<std::tuple<const void*, int, int>, int> added_;
  int applying_ = 0;
  ModelSpec spec_;
  std::unordered_map<std::string, Definition> defined_;
  std::vector<std::string> aux_names_;
  std::unordered_map<std::string, int> aux_index_;  // name -> index in aux_names_ (10^5 aux)
  std::vector<std::string> function_names_;
  std::unordered_map<std::string, int> function_index_;  // name -> index (10^5 functions)
  bool pending_functions_ = false;
  int current_function_ = -1;
  std::vector<std::vector<std::pair<int, Position>>> calls_;  // per function: (callee, where)
  std::vector<int> inlined_height_;  // per function: its body's height with calls inlined
};

}  // namespace dynlib::dsl::frontend

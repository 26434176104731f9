// [events]: conditions, phases, actions and logged values.

#include "dsl/frontend.hpp"

#include <algorithm>

namespace dynlib::dsl::frontend {
namespace {

// Without the spaces and tabs around it: a logged item's label, a log prefix, a logged name.
std::string without_blanks_around(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

}  // namespace

void Frontend::load_events() {
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
    check_keys(ev, {"cond", "action", "phase", "tags", "log"}, fmt::format("in [events.{}]", name));
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
            *ph, fmt::format("phase must be \"start\", \"end\" or \"both\", not {}", describe(*ph)),
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
        Located l = logged_value(item);
        e.log_names.push_back(without_blanks_around(item.as_string()->get()));
        e.log.push_back(std::move(l));
      }
    }
    spec_.events.push_back(std::move(e));
  }
}

// A logged value: an expression, or the reference dynlib's "state:x", "param:a", "aux:E", which
// name one variable and say what kind it must be. The field keeps the text as written.
Located Frontend::logged_value(const toml::node& item) {
  const std::string& text = item.as_string()->get();
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    Located l = expr_value(item, "a logged expression");
    resolve_located(l, model_scope("in an event log"));
    return l;
  }
  const std::string prefix = without_blanks_around(text.substr(0, colon));
  const std::vector<std::string> kinds = {"state", "param", "aux"};
  const SourceRef whole = file_.string_value(item, text);
  if (std::find(kinds.begin(), kinds.end(), prefix) == kinds.end())
    fail_in(*whole, 0, fmt::format("unknown log prefix '{}:'", prefix),
            support::did_you_mean(prefix, kinds).empty()
                ? "write \"state:NAME\", \"param:NAME\", \"aux:NAME\" or an expression"
                : support::did_you_mean(prefix, kinds));
  // Parse the name where it stands in the file (the prefix blanked), so errors point at it.
  auto src = std::make_shared<SourceText>(*whole);
  src->text.replace(0, colon + 1, colon + 1, ' ');
  if (src->text.find_first_not_of(" \t") == std::string::npos)
    fail_in(*whole, static_cast<int>(colon), fmt::format("'{}:' names nothing", prefix),
            fmt::format("write \"{}:NAME\"", prefix));
  Located l;
  l.src = src;
  l.expr = parse_located(*src);
  resolve_located(l, model_scope("in an event log"));
  const Ref want = prefix == "state" ? Ref::State : prefix == "param" ? Ref::Param : Ref::Aux;
  if (l.expr->kind != ExprKind::Name || l.expr->ref != want) {
    std::vector<std::string> names;
    if (want == Ref::State) names = state_names();
    if (want == Ref::Param)
      for (const auto& p : spec_.params) names.push_back(p.name);
    if (want == Ref::Aux) names = aux_names_;
    const std::string written = without_blanks_around(src->text);
    fail_expr(l, *l.expr,
              fmt::format("'{}' is not a {} of this model", written,
                          prefix == "aux" ? "aux variable" : prefix),
              support::did_you_mean(written, names));
  }
  return l;
}

void Frontend::add_action(EventSpec& e, const std::string& target, Position at, AssignOp op,
                          Located value) {
  ActionSpec a;
  a.target = target;
  a.op = op;
  if (int si = spec_.state_index(target); si >= 0) {
    a.target_kind = Ref::State;
    a.target_index = si;
  } else if (int pi = spec_.param_index(target); pi >= 0) {
    if (spec_.params[static_cast<size_t>(pi)].is_array)
      fail_at_in(*value.src, at,
                 fmt::format("cannot assign to the array param '{}' in an action", target));
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
    fail_at_in(*value.src, at,
               fmt::format("cannot assign to '{}' in an action: it is {}", target, what),
               support::did_you_mean(target, names).empty() ? "actions may assign states and params"
                                                            : support::did_you_mean(target, names));
  }
  for (const auto& prev : e.actions)
    if (prev.target == target)
      fail_at_in(*value.src, at, fmt::format("'{}' is assigned twice in one action", target),
                 "actions are atomic: combine the assignments into one");
  resolve_located(value, model_scope("in an event action"));
  a.value = std::move(value);
  e.actions.push_back(std::move(a));
}

void Frontend::load_actions(EventSpec& e, const toml::node& node) {
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

}  // namespace dynlib::dsl::frontend

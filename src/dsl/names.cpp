// Declaring names (one namespace per model, reserved words and builtins excluded) and listing the
// names visible in a scope, for did-you-mean hints.

#include "dsl/frontend.hpp"

#include <algorithm>

namespace dynlib::dsl::frontend {

void Frontend::define(const toml::key& k, const std::string& what) {
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
    fail_key(k, fmt::format("'{}' starts with 'lag_', which is reserved for lagged states", name));
  auto it = defined_.find(name);
  if (it != defined_.end())
    fail_key(k, fmt::format("duplicate definition: '{}' is already a {}", name, it->second.what),
             fmt::format("first defined at line {}", it->second.where.line));
  defined_[name] = {what, to_position(k.source().begin)};
}

std::vector<std::string> Frontend::visible_names(const Scope& s) const {
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

std::vector<std::string> Frontend::callable_names(const Scope& s) const {
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

void Frontend::bump_lag(int state, int k) {
  auto& d = spec_.states[static_cast<size_t>(state)].lag_depth;
  d = std::max(d, k);
}

std::vector<std::string> Frontend::state_names() const {
  std::vector<std::string> v;
  for (const auto& s : spec_.states) v.push_back(s.name);
  return v;
}

int Frontend::find_function(const std::string& n) const {
  auto it = function_index_.find(n);
  return it == function_index_.end() ? -1 : it->second;
}

}  // namespace dynlib::dsl::frontend

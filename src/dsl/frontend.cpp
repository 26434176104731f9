// The model front end's entry points: load a model file or text into a checked ModelSpec, by
// running the front end's steps in order; its diagnostics point at the exact character.

#include "dsl/frontend.hpp"

#include <algorithm>

#include "dsl/mods.hpp"
#include "dsl/uri.hpp"

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

namespace frontend {

ModelSpec Frontend::run() {
  try {
    root_ = toml::parse(file_.text(), file_.name());
  } catch (const toml::parse_error& e) {
    fail_at(to_position(e.source().begin), std::string(e.description()));
  }
  file_.set_model_path(root_.source().path);
  check_keys(root_,
             {"model", "states", "params", "constants", "equations", "aux", "functions", "events",
              "sim", "presets", "meta", "mods"},
             "at the top level");
  apply_mods();
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

[[noreturn]] void Frontend::fail_at(Position p, const std::string& msg, const std::string& hint) {
  fail_file(file_.model(), p, msg, hint);
}

[[noreturn]] void Frontend::fail_file(const SourceFile& f, Position p, const std::string& msg,
                                      const std::string& hint) {
  throw ModelError(msg, {f.name(), p.line, p.column}, f.line_text(p.line), hint);
}

// A node or key may come from a mod file: the message names the file it was read from.
[[noreturn]] void Frontend::fail_node(const toml::node& n, const std::string& msg,
                                      const std::string& hint) {
  fail_file(file_.of(n.source()), to_position(n.source().begin), msg, hint);
}

[[noreturn]] void Frontend::fail_key(const toml::key& k, const std::string& msg,
                                     const std::string& hint) {
  fail_file(file_.of(k.source()), to_position(k.source().begin), msg, hint);
}

[[noreturn]] void Frontend::fail_in(const SourceText& src, int offset, const std::string& msg,
                                    const std::string& hint) {
  fail_at_in(src, src.at(offset), msg, hint);
}

[[noreturn]] void Frontend::fail_at_in(const SourceText& src, Position p, const std::string& msg,
                                       const std::string& hint) {
  throw ModelError(msg, {src.file, p.line, p.column}, src.line_text(p.line), hint);
}

[[noreturn]] void Frontend::fail_expr(const Located& l, const Expr& e, const std::string& msg,
                                      const std::string& hint) {
  fail_in(*l.src, e.pos, msg, hint);
}

namespace {

// "did you mean 'x'?" when a known key is close, else the whole list.
std::string unknown_key_hint(std::string_view key, const std::vector<std::string>& known) {
  const std::string suggestion = support::did_you_mean(std::string(key), known);
  return suggestion.empty() ? fmt::format("expected one of: {}", fmt::join(known, ", "))
                            : suggestion;
}

}  // namespace

void Frontend::check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                          const std::string& where) {
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& entry : in_file_order(t)) {
    const toml::key& k = *entry.first;
    if (std::find(names.begin(), names.end(), k.str()) != names.end()) continue;
    fail_key(k, fmt::format("unknown key '{}' {}", k.str(), where),
             unknown_key_hint(k.str(), names));
  }
}

void Frontend::warn_unknown_keys(const toml::table& t,
                                 std::initializer_list<std::string_view> allowed,
                                 const std::string& where) {
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& entry : in_file_order(t)) {
    const toml::key& k = *entry.first;
    if (std::find(names.begin(), names.end(), k.str()) != names.end()) continue;
    const Position p = to_position(k.source().begin);
    const SourceFile& f = file_.of(k.source());
    spec_.warnings.push_back({fmt::format("unknown key '{}' {} is ignored", k.str(), where),
                              {f.name(), p.line, p.column},
                              f.line_text(p.line),
                              unknown_key_hint(k.str(), names)});
  }
}

const toml::table* Frontend::sub_table(const toml::table& parent, std::string_view key,
                                       const std::string& what) {
  const toml::node* n = parent.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) fail_node(*n, fmt::format("{} must be a table", what));
  return n->as_table();
}

}  // namespace frontend

using frontend::find_named;

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
  ModelSpec spec = frontend::Frontend(text, source_name).run();
  spec.hash = model_hash(spec);
  return spec;
}

ModelSpec load_model(const std::string& uri) {
  return load_model(uri, LoadOptions{});
}

ModelSpec load_model(const std::string& uri, const LoadOptions& options) {
  const TagTable* tags = options.tags ? &*options.tags : nullptr;
  ModelSource src = resolve_model(uri, tags);
  std::vector<ModelSource> mods;
  for (const std::string& m : options.mods) mods.push_back(resolve_model(m, tags));
  ModelSpec spec = frontend::Frontend(src, std::move(mods)).run();
  spec.hash = model_hash(spec);
  return spec;
}

}  // namespace dynlib::dsl

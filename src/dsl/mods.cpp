// Mods (docs/modeling.md, Mods): named changes to a model — remove, replace, add and set entries
// of its tables — applied to the model's TOML before the front end's steps read it, so validation,
// the spec and its hash all see the modified model. A mod's entries keep the position of the
// file they were written in, so every diagnostic about them points into the mod's own file.

#include <fmt/ranges.h>

#include "dsl/frontend.hpp"

namespace dynlib::dsl::frontend {
namespace {

// Applied in this order within each mod, whatever order the file writes them in.
constexpr std::string_view kModVerbs[] = {"remove", "replace", "add", "set"};

// The tables each verb may change (the reference's rules).
std::vector<std::string> mod_targets_of(std::string_view verb) {
  if (verb == "remove" || verb == "add") return {"events", "params", "aux", "functions"};
  if (verb == "replace") return {"events", "aux", "functions"};
  return {"states", "params", "aux", "functions", "sim"};
}

const char* mod_entry_word(std::string_view target) {
  if (target == "events") return "event";
  if (target == "params") return "param";
  if (target == "states") return "state";
  if (target == "functions") return "function";
  if (target == "sim") return "[sim] key";
  return "aux variable";
}

std::vector<std::string> mod_keys_of(const toml::table* t) {
  std::vector<std::string> out;
  if (t)
    for (const auto& [k, v] : *t) out.emplace_back(k.str());
  return out;
}

// A did-you-mean among the model's entries, else what there is.
std::string mod_missing_hint(const std::string& name, const toml::table* existing,
                             std::string_view target) {
  const std::vector<std::string> names = mod_keys_of(existing);
  if (std::string hint = support::did_you_mean(name, names); !hint.empty()) return hint;
  if (names.empty()) return fmt::format("the model has no {}", target);
  return fmt::format("the model's {}: {}", target, fmt::join(names, ", "));
}

}  // namespace

void Frontend::apply_mods() {
  // The model URI's own "#mod=NAME" first, on its own (as the reference applies it), then the
  // requested mods together (group rules span them).
  if (!model_mod_.empty()) apply_mod_list({select_mod(root_, model_mod_, spec_.source_name)});
  if (!mod_sources_.empty()) {
    std::vector<Mod> mods;
    for (const ModelSource& src : mod_sources_) {
      const std::string shown = src.display_name == "<inline>" ? "<inline mod>" : src.display_name;
      toml::table doc;
      try {
        doc = toml::parse(src.text, shown);
      } catch (const toml::parse_error& e) {
        fail_file(SourceFile(shown, src.text), to_position(e.source().begin),
                  std::string(e.description()));
      }
      file_.add(shown, src.text, doc.source().path);
      mod_docs_.push_back(std::make_unique<toml::table>(std::move(doc)));
      toml::table& d = *mod_docs_.back();
      mods.push_back(src.mod.empty() ? only_mod(d, file_.of(d.source()), src.uri)
                                     : select_mod(d, src.mod, src.uri));
    }
    apply_mod_list(mods);
  }
  root_.erase("mods");  // a model's mods are not part of it
}

Frontend::Mod Frontend::read_mod(toml::table& tbl, std::string name, bool name_from_table) {
  check_keys(tbl, {"name", "group", "exclusive", "remove", "replace", "add", "set"},
             fmt::format("in mod '{}'", name));
  Mod m;
  m.name = std::move(name);
  m.body = &tbl;
  if (const toml::node* n = tbl.get("name")) {
    if (!n->is_string()) fail_node(*n, "a mod's name must be a string");
    if (name_from_table) m.name = n->as_string()->get();
  }
  if (const toml::node* n = tbl.get("group")) {
    if (!n->is_string()) fail_node(*n, fmt::format("group of mod '{}' must be a string", m.name));
    m.group = n->as_string()->get();
    m.group_at = n;
  }
  if (const toml::node* n = tbl.get("exclusive")) {
    if (!n->is_boolean())
      fail_node(*n, fmt::format("exclusive of mod '{}' must be true or false", m.name));
    m.exclusive = n->as_boolean()->get();
  }
  for (std::string_view verb : kModVerbs)
    if (const toml::node* n = tbl.get(verb); n && !n->is_table())
      fail_node(*n, fmt::format("{} of mod '{}' must be a table, e.g. [mod.{}.events]", verb,
                                m.name, verb));
  return m;
}

// "#mod=NAME": the [mods.NAME] table of a file.
Frontend::Mod Frontend::select_mod(toml::table& doc, const std::string& wanted,
                                   const std::string& uri) {
  toml::node* mods_node = doc.get("mods");
  toml::table* mods = mods_node ? mods_node->as_table() : nullptr;
  if (mods_node && !mods) fail_node(*mods_node, "[mods] must be a table of mods, e.g. [mods.NAME]");
  toml::node* n = mods ? mods->get(wanted) : nullptr;
  if (!n) {
    const std::vector<std::string> names = mod_keys_of(mods);
    std::string hint = support::did_you_mean(wanted, names);
    if (hint.empty())
      hint = names.empty() ? std::string("it has no [mods.NAME] tables")
                           : fmt::format("its mods: {}", fmt::join(names, ", "));
    const std::string msg = fmt::format("no mod '{}' in '{}'", wanted, uri);
    if (mods) fail_node(*mods, msg, hint);
    fail_file(file_.of(doc.source()), Position{}, msg, hint);
  }
  if (!n->is_table()) fail_node(*n, fmt::format("[mods.{}] must be a table", wanted));
  return read_mod(*n->as_table(), wanted, false);
}

// A mod file named without a fragment: its one [mod] table.
Frontend::Mod Frontend::only_mod(toml::table& doc, const SourceFile& f, const std::string& uri) {
  if (toml::node* one = doc.get("mod")) {
    if (!one->is_table()) fail_node(*one, "[mod] must be a table");
    return read_mod(*one->as_table(), "unnamed", true);
  }
  if (const toml::node* mods = doc.get("mods"); mods && mods->is_table()) {
    const std::vector<std::string> names = mod_keys_of(mods->as_table());
    fail_node(*mods, fmt::format("'{}' holds several mods: name one with #mod=NAME", uri),
              fmt::format("its mods: {}", fmt::join(names, ", ")));
  }
  fail_file(f, Position{}, fmt::format("'{}' has no [mod] table", uri),
            "a mod file has a [mod] table (name, group, exclusive, remove, replace, add, set) "
            "or [mods.NAME] tables chosen with #mod=NAME");
}

void Frontend::apply_mod_list(const std::vector<Mod>& mods) {
  // An exclusive group takes one mod at a time.
  for (size_t i = 0; i < mods.size(); ++i) {
    if (mods[i].group.empty()) continue;
    std::vector<size_t> same;
    bool exclusive = false;
    for (size_t j = 0; j < mods.size(); ++j)
      if (mods[j].group == mods[i].group) {
        same.push_back(j);
        exclusive = exclusive || mods[j].exclusive;
      }
    if (!exclusive || same.size() < 2 || same.front() != i) continue;
    std::vector<std::string> names;
    for (size_t j : same) names.push_back(mods[j].name);
    std::sort(names.begin(), names.end());
    fail_node(*mods[same[1]].group_at,
              fmt::format("group '{}' allows only one active mod but received: {}", mods[i].group,
                          fmt::join(names, ", ")),
              "its mods are exclusive: apply one of them at a time");
  }
  for (const Mod& m : mods) {
    ++applying_;
    for (std::string_view verb : kModVerbs)
      if (toml::node* payload = m.body->get(verb)) apply_verb(m, verb, *payload->as_table());
  }
}

toml::table* Frontend::model_table(std::string_view name, bool create) {
  toml::node* n = root_.get(name);
  if (!n && create) {
    root_.insert(name, toml::table{});
    n = root_.get(name);
  }
  if (n && !n->is_table()) fail_node(*n, fmt::format("[{}] must be a table", name));
  return n ? n->as_table() : nullptr;
}

void Frontend::move_into(toml::table& to, const toml::key& k, toml::node& v) {
  const bool added = !to.contains(k.str());
  // Moved, not copied: toml++ keeps a node's source position only when it is moved.
  v.visit([&](auto& node) { to.insert_or_assign(k, std::move(node)); });
  if (added) {
    const auto& b = k.source().begin;
    added_[{k.source().path.get(), static_cast<int>(b.line), static_cast<int>(b.column)}] =
        applying_;
  }
}

void Frontend::remove_entries(const Mod& m, std::string_view target, const toml::table& items) {
  check_keys(items, {"names"}, fmt::format("in remove.{} of mod '{}'", target, m.name));
  const toml::node* names = items.get("names");
  if (!names) return;
  const toml::array* arr = names->as_array();
  if (!arr) fail_node(*names, "names must be an array of names, e.g. names = [\"a\", \"b\"]");
  toml::table* model = model_table(target, false);
  for (const auto& n : *arr) {
    if (!n.is_string()) fail_node(n, "each entry of names must be a string");
    const std::string name = n.as_string()->get();
    if (!model || !model->contains(name))
      fail_node(n,
                fmt::format("mod '{}': remove.{}: no {} '{}' in the model", m.name, target,
                            mod_entry_word(target), name),
                mod_missing_hint(name, model, target));
    model->erase(name);
  }
}

void Frontend::apply_verb(const Mod& m, std::string_view verb, toml::table& payload) {
  const std::vector<std::string> allowed = mod_targets_of(verb);
  for (const auto& [k_ptr, v_ptr] : in_file_order(payload)) {
    const toml::key& k = *k_ptr;
    const std::string target(k.str());
    if (std::find(allowed.begin(), allowed.end(), target) == allowed.end()) {
      std::string hint = support::did_you_mean(target, allowed);
      if (hint.empty()) hint = fmt::format("{} takes: {}", verb, fmt::join(allowed, ", "));
      if (target == "states")
        hint += "; states are the model's structure: a mod can only set their initial values";
      if (verb == "replace" && target == "params")
        hint = "use set.params to change values, or remove.params and add.params";
      fail_key(k, fmt::format("mod '{}': {}.{} is not supported", m.name, verb, target), hint);
    }
    toml::node& items_node = *payload.get(target);
    if (!items_node.is_table())
      fail_node(items_node, fmt::format("{}.{} of mod '{}' must be a table", verb, target, m.name));
    toml::table& items = *items_node.as_table();
    if (verb == "remove") {
      remove_entries(m, target, items);
      continue;
    }
    const bool must_exist =
        verb == "replace" || (verb == "set" && (target == "states" || target == "params"));
    for (const auto& [ek_ptr, ev_ptr] : in_file_order(items)) {
      const toml::key& ek = *ek_ptr;
      const std::string name(ek.str());
      const toml::table* model = model_table(target, false);
      const bool exists = model && model->contains(name);
      const std::string where = fmt::format("mod '{}': {}.{}.{}", m.name, verb, target, name);
      if (must_exist && !exists)
        fail_key(ek,
                 fmt::format("{}: no {} '{}' in the model", where, mod_entry_word(target), name),
                 mod_missing_hint(name, model, target));
      if (verb == "add" && exists)
        fail_key(
            ek,
            fmt::format("{}: the model already has {} '{}'", where, mod_entry_word(target), name),
            target == "params" ? "use set.params to change its value"
                               : "use replace (or set) to change it, or remove it first");
      toml::node& value = *items.get(name);
      if (target == "aux" && !value.is_string())
        fail_node(value, fmt::format("{}: an aux value must be a string expression", where));
      move_into(*model_table(target, true), ek, value);
    }
  }
}

}  // namespace dynlib::dsl::frontend

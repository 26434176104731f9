#include "dynlib/layout.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "dynlib/errors.hpp"
#include "support/text.hpp"

namespace dynlib {

const char* name_kind_name(NameKind kind) {
  switch (kind) {
    case NameKind::State:
      return "state";
    case NameKind::Param:
      return "param";
    case NameKind::Aux:
      return "aux";
    case NameKind::Event:
      return "event";
  }
  return "?";
}

std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural) {
  const std::string hint = support::did_you_mean(name, candidates);
  if (!hint.empty()) return msg + "; " + hint;
  if (candidates.empty()) return msg + fmt::format(" (the model has no {})", what_plural);
  return msg + fmt::format(" ({}: {})", what_plural, fmt::join(candidates, ", "));
}

Layout::Layout(std::vector<std::string> states, std::vector<std::string> params,
               std::vector<int> param_sizes, std::vector<bool> param_is_array,
               std::vector<std::string> aux, std::vector<Event> events)
    : events_(std::move(events)),
      state_names_(std::move(states)),
      param_names_(std::move(params)),
      aux_names_(std::move(aux)) {
  for (size_t i = 0; i < state_names_.size(); ++i)
    states_.push_back({state_names_[i], static_cast<int>(i), 1, false});
  for (size_t i = 0; i < param_names_.size(); ++i) {
    const int size = i < param_sizes.size() ? param_sizes[i] : 1;
    const bool array = i < param_is_array.size() && param_is_array[i];
    params_.push_back({param_names_[i], n_param_values_, size, array});
    n_param_values_ += size;
  }
  for (size_t i = 0; i < aux_names_.size(); ++i)
    aux_.push_back({aux_names_[i], static_cast<int>(i), 1, false});
  for (const auto& e : events_) event_names_.push_back(e.name);
}

std::vector<std::string> Layout::param_value_labels() const {
  std::vector<std::string> out;
  for (const auto& p : params_) {
    if (!p.is_array) {
      out.push_back(p.name);
      continue;
    }
    for (int k = 0; k < p.size; ++k) out.push_back(fmt::format("{}[{}]", p.name, k));
  }
  return out;
}

namespace {

int index_of(const std::vector<std::string>& names, std::string_view name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

}  // namespace

std::optional<Layout::Element> Layout::split_element(std::string_view name) {
  if (name.size() < 4 || name.back() != ']') return std::nullopt;
  const size_t open = name.rfind('[');
  if (open == std::string_view::npos || open == 0) return std::nullopt;
  const std::string_view digits = name.substr(open + 1, name.size() - open - 2);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int k = 0;
  for (char c : digits) k = k * 10 + (c - '0');
  return Element{name.substr(0, open), k};
}

std::optional<NameRef> Layout::find(std::string_view name,
                                    std::initializer_list<NameKind> kinds) const {
  auto whole = [&](std::string_view n, NameKind kind) -> std::optional<NameRef> {
    const std::vector<Variable>* vars = nullptr;
    switch (kind) {
      case NameKind::State:
        vars = &states_;
        break;
      case NameKind::Param:
        vars = &params_;
        break;
      case NameKind::Aux:
        vars = &aux_;
        break;
      case NameKind::Event: {
        const int i = index_of(event_names_, n);
        if (i < 0) return std::nullopt;
        return NameRef{NameKind::Event, i, -1, i, 1, false};
      }
    }
    for (size_t i = 0; i < vars->size(); ++i) {
      const Variable& v = (*vars)[i];
      if (v.name == n) return NameRef{kind, static_cast<int>(i), -1, v.offset, v.size, v.is_array};
    }
    return std::nullopt;
  };
  // A whole declared name first (it may contain dots or brackets of its own), then "aux.x", then
  // an element "w[k]".
  for (NameKind kind : kinds)
    if (auto r = whole(name, kind)) return r;
  if (name.substr(0, 4) == "aux.")
    for (NameKind kind : kinds)
      if (kind == NameKind::Aux)
        if (auto r = whole(name.substr(4), NameKind::Aux)) return r;
  if (const auto el = split_element(name))
    for (NameKind kind : kinds)
      if (auto r = whole(el->base, kind); r && r->is_array && el->index < r->size) {
        r->element = el->index;
        return r;
      }
  return std::nullopt;
}

std::vector<std::string> Layout::spellings(std::initializer_list<NameKind> kinds) const {
  std::vector<std::string> out;
  for (NameKind kind : kinds) {
    switch (kind) {
      case NameKind::State:
        out.insert(out.end(), state_names_.begin(), state_names_.end());
        break;
      case NameKind::Param:
        out.insert(out.end(), param_names_.begin(), param_names_.end());
        break;
      case NameKind::Aux:
        for (const auto& a : aux_names_) out.push_back("aux." + a);
        out.insert(out.end(), aux_names_.begin(), aux_names_.end());
        break;
      case NameKind::Event:
        out.insert(out.end(), event_names_.begin(), event_names_.end());
        break;
    }
  }
  return out;
}

NameRef Layout::resolve(std::string_view name, std::initializer_list<NameKind> kinds,
                        const std::string& context) const {
  if (auto r = find(name, kinds)) return *r;
  std::string what;
  for (NameKind kind : kinds) {
    if (!what.empty()) what += kind == *(kinds.end() - 1) ? " or " : ", ";
    what += name_kind_name(kind);
  }
  const std::string n(name);
  std::string msg =
      fmt::format("{}unknown {} '{}'", context.empty() ? "" : context + ": ", what, n);
  // The name exists, but as something else: say what it is.
  if (auto other = find(name)) {
    msg += fmt::format(" ('{}' is {} {})", n,
                       other->kind == NameKind::Aux || other->kind == NameKind::Event ? "an" : "a",
                       name_kind_name(other->kind));
  } else if (const auto el = split_element(name)) {
    const std::string base(el->base);
    if (auto arr = find(base, kinds))
      msg += arr->is_array ? fmt::format(" ('{}' has {} elements: {}[0] to {}[{}])", base,
                                         arr->size, base, base, arr->size - 1)
                           : fmt::format(" ('{}' is not an array)", base);
  }
  const char* plural = "names";
  if (kinds.size() == 1) {
    static const char* const kPlural[] = {"states", "params", "aux", "events"};
    plural = kPlural[static_cast<int>(*kinds.begin())];
  }
  throw DynlibError(with_suggestion(msg, n, spellings(kinds), plural));
}

}  // namespace dynlib

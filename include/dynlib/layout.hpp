// The one table of a model's names and where their values live (DESIGN rule 9): states, params
// (array params occupy consecutive entries of the flat parameter vector), aux variables, events
// and the fields each event logs. Every layer that turns a name into an index reads it — the
// runtime (ic, params, assign, record_vars), batches, results, the command line and Python — so
// there is one grammar for names:
//
//   name        a state, param, aux or event, exactly as declared. Declared names may contain dots
//               (component prefixes such as "osc1.x" of composed models): a whole-name match
//               always wins.
//   aux.name    an aux variable (the prefix is optional where the name is unambiguous)
//   name[k]     element k of an array param (and, later, of a vector state)
//
// Lookups that fail throw DynlibError with a did-you-mean, or the list of valid names.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dynlib {

enum class NameKind { State, Param, Aux, Event };
const char* name_kind_name(NameKind kind);  // "state", "param", "aux", "event"

// A resolved name.
struct NameRef {
  NameKind kind = NameKind::State;
  int index = 0;     // into the names of its kind (declaration order)
  int element = -1;  // name[k]: k; -1 for the whole variable
  int offset = 0;    // states, aux: == index; params: first flat entry of the param
  int size = 1;      // values the variable holds (array params: their length)
  bool is_array = false;
  // The flat entries this ref names: [first, first + count).
  int first() const { return offset + (element >= 0 ? element : 0); }
  int count() const { return element >= 0 ? 1 : size; }
};

class Layout {
 public:
  struct Variable {
    std::string name;
    int offset = 0;  // flat index of the first value
    int size = 1;
    bool is_array = false;
  };
  struct Event {
    std::string name;
    std::vector<std::string> tags;
    std::vector<std::string> log_fields;  // what each firing logs, as written
  };

  Layout() = default;
  // The pipeline builds it from a validated model; sizes of array params in `param_sizes`.
  Layout(std::vector<std::string> states, std::vector<std::string> params,
         std::vector<int> param_sizes, std::vector<bool> param_is_array,
         std::vector<std::string> aux, std::vector<Event> events);

  const std::vector<Variable>& states() const { return states_; }
  const std::vector<Variable>& params() const { return params_; }
  const std::vector<Variable>& aux() const { return aux_; }
  const std::vector<Event>& events() const { return events_; }
  const std::vector<std::string>& state_names() const { return state_names_; }
  const std::vector<std::string>& param_names() const { return param_names_; }
  const std::vector<std::string>& aux_names() const { return aux_names_; }
  const std::vector<std::string>& event_names() const { return event_names_; }
  int n_state() const { return static_cast<int>(states_.size()); }
  int n_param_values() const { return n_param_values_; }  // the flat parameter vector's length
  int n_aux() const { return static_cast<int>(aux_.size()); }
  // Labels of the flat parameter vector: "a", "w[0]", "w[1]", ...
  std::vector<std::string> param_value_labels() const;

  // The ref `name` denotes among `kinds` (in that order of preference), or nothing. Parses the
  // grammar above; an index out of range or on a scalar is not a match.
  std::optional<NameRef> find(std::string_view name, std::initializer_list<NameKind> kinds) const;
  std::optional<NameRef> find(std::string_view name) const {
    return find(name, {NameKind::State, NameKind::Param, NameKind::Aux, NameKind::Event});
  }
  // Like find(), but throws DynlibError "<context>: unknown <what> 'name'; did you mean ...",
  // noting when the name is of another kind (e.g. "'x' is a state").
  NameRef resolve(std::string_view name, std::initializer_list<NameKind> kinds,
                  const std::string& context = "") const;

  // The element grammar: "w[12]" -> {"w", 12}; nothing for any other name. For callers that must
  // name the base of an element find() rejected (out of range, or not an array).
  struct Element {
    std::string_view base;
    int index = 0;
  };
  static std::optional<Element> split_element(std::string_view name);

  // Every spelling find() accepts for `kinds` (for did-you-mean lists): names, and "aux.<name>".
  std::vector<std::string> spellings(std::initializer_list<NameKind> kinds) const;

 private:
  std::vector<Variable> states_, params_, aux_;
  std::vector<Event> events_;
  std::vector<std::string> state_names_, param_names_, aux_names_, event_names_;
  int n_param_values_ = 0;
};

// "<msg>; did you mean 'x'?" when something in `candidates` is close, else "<msg> (<what>: a, b)"
// or "<msg> (the model has no <what>)". The one did-you-mean of every name error.
std::string with_suggestion(std::string msg, const std::string& name,
                            const std::vector<std::string>& candidates, const char* what_plural);

}  // namespace dynlib

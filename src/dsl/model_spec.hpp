// ModelSpec: a model after parsing and validation. Every name is resolved, every expression is
// checked, and every expression still knows where in the file it came from. This is the only
// thing the layers below the front end (ir, runtime) see of a model file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.hpp"
#include "dynlib/dtype.hpp"
#include "dynlib/errors.hpp"
#include "dynlib/run_defaults.hpp"

namespace dynlib::dsl {

enum class ModelKind { Ode, Map };
using DType = dynlib::DType;
using dynlib::dtype_name;

const char* kind_name(ModelKind k);

struct Position {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in characters
};

// The text of one TOML value holding expressions, with the file position of every byte of it, so
// an offset inside an expression becomes an exact file:line:col (escapes and multi-line strings
// included).
struct SourceText {
  std::string file;             // display name used in diagnostics
  std::string text;             // the decoded string value
  std::vector<Position> where;  // where[i] is the file position of text[i]; one extra for the end
  std::shared_ptr<const std::vector<std::string>> file_lines;  // for quoting the line

  Position at(int offset) const;
  std::string line_text(int line) const;
};
using SourceRef = std::shared_ptr<const SourceText>;

// An expression and the text it was parsed from.
struct Located {
  ExprPtr expr;
  SourceRef src;
};

struct StateSpec {
  std::string name;
  Located init;             // the initial value as written (a number or an expression)
  double init_value = 0.0;  // evaluated with the default params
  long long init_int = 0;   // exact value for int64 models
  int lag_depth = 0;        // largest k of lag_<name>(k) anywhere in the model (event macros: 1)
  Position where;           // of the key in [states]
};

struct ParamSpec {
  std::string name;
  bool is_array = false;
  std::vector<double> values;         // one value for a scalar
  std::vector<long long> int_values;  // exact values for int64 models
  Position where;
};

struct ConstantSpec {
  std::string name;
  double value = 0.0;
  long long int_value = 0;
  bool is_integer = false;  // an integer-valued constant (usable as a range bound or index)
  Position where;
};

struct AuxSpec {
  std::string name;
  Located expr;
  Position where;
};

struct FunctionSpec {
  std::string name;
  std::vector<std::string> args;
  Located body;
  Position where;
};

enum class EventPhase { Start = 1, End = 2, Both = 3 };
const char* phase_name(EventPhase p);

struct ActionSpec {
  std::string target;
  Ref target_kind = Ref::State;  // State or Param
  int target_index = -1;
  AssignOp op = AssignOp::Set;
  Located value;
};

struct EventSpec {
  std::string name;
  Located cond;
  std::vector<ActionSpec> actions;  // applied atomically, in this order
  EventPhase phase = EventPhase::End;
  std::vector<std::string> tags;
  std::vector<std::string> log_names;  // the text of each logged expression, e.g. "t", "v"
  std::vector<Located> log;
  Position where;
};

// [sim]: defaults for runs; explicit run arguments win over them (dynlib/run_defaults.hpp).
struct SimDefaults : SimTable {
  Position stepper_where;  // so a later check of the name can point at it
};

struct PresetValue {
  std::string name;
  Ref kind = Ref::Param;  // Param or State
  int index = -1;
  std::vector<double> values;  // one for scalars
  std::vector<long long> int_values;
};

struct PresetSpec {
  std::string name;
  std::vector<PresetValue> values;
  Position where;
};

struct ModelSpec {
  std::string source_name;  // file path, builtin URI, or "<inline>"
  ModelKind kind = ModelKind::Ode;
  std::string name;
  DType dtype = DType::Float64;

  std::vector<StateSpec> states;
  std::vector<ParamSpec> params;
  std::vector<ConstantSpec> constants;
  std::vector<Located>
      equations;  // one per state, in state order (rhs for ODEs, next value for maps)
  std::optional<std::vector<std::vector<Located>>> jacobian;  // [row i][col j] = d f_i / d x_j
  std::optional<std::vector<Located>> inverse;                // maps only
  std::vector<AuxSpec> aux;    // declaration order (the recording order)
  std::vector<int> aux_order;  // evaluation order: indices into aux, dependencies first
  std::vector<FunctionSpec> functions;
  std::vector<EventSpec> events;
  SimDefaults sim;
  // [sim] stop: an early-exit condition, checked on the committed state after each step (after
  // end-phase events and recording); when it holds the run ends with EARLY_EXIT.
  std::optional<Located> stop;
  std::vector<PresetSpec> presets;

  std::string hash;  // hex SHA-256 of the canonical form
  // What was accepted but is probably a mistake (unknown [sim] keys), in file order.
  std::vector<ModelWarning> warnings;

  int state_index(const std::string& n) const;
  int param_index(const std::string& n) const;
  int aux_index(const std::string& n) const;
  int event_index(const std::string& n) const;
  const PresetSpec* preset(const std::string& n) const;
};

// Parses and validates model text. `source_name` is what diagnostics print as the file.
// Throws dynlib::ModelError on the first problem found.
ModelSpec load_model_text(const std::string& text, const std::string& source_name);

// Resolves a URI (see uri.hpp) and loads the model it names.
ModelSpec load_model(const std::string& uri);

// The canonical text of a validated model: stable under formatting/comments, changed by any
// semantic change. The model hash is its SHA-256.
std::string canonical_form(const ModelSpec& spec);
std::string model_hash(const ModelSpec& spec);

// An expression printed back in the language's syntax with only the parentheses it needs.
std::string to_source(const Expr& e);

}  // namespace dynlib::dsl

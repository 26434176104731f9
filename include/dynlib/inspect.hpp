// Model inspection: what a model file declares, after validation, without building it.
//
//   dynlib::ModelDescription m = dynlib::describe_model("builtin://ode/lorenz");
//   for (const auto& s : m.states) std::cout << s.name << " = " << s.initial << "\n";
//   for (const auto& e : m.equations) std::cout << e.lhs << " = " << e.source << "\n";
//
// Expressions are given as source text, printed back from the validated model in the language's
// syntax with only the parentheses they need (so "a*(b)" reads "a * b"). This is what
// `dynlib model validate | show | list` print.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dynlib/dtype.hpp"
#include "dynlib/errors.hpp"

namespace dynlib {

enum class ModelKind { Ode, Map };
const char* model_kind_name(ModelKind kind);  // "ode" | "map"

// The stepper a model of this kind runs with when neither the caller nor its [sim] table names
// one: "rk4" for ODEs (the reference dynlib's), "map" for maps. build() follows this rule too.
const char* default_stepper(ModelKind kind);

struct StateDescription {
  std::string name;
  double initial = 0.0;           // evaluated with the default params
  long long initial_int = 0;      // exact value for int64 models
  std::string initial_source;     // the initial value as written: a number or an expression
  bool initial_computed = false;  // initial_source is an expression, not a plain number
};

struct ParamDescription {
  std::string name;
  bool is_array = false;
  std::vector<double> values;         // one value for a scalar
  std::vector<long long> int_values;  // exact values for int64 models
};

struct ConstantDescription {
  std::string name;
  double value = 0.0;
};

struct FunctionDescription {
  std::string name;
  std::vector<std::string> args;
  std::string body;
};

struct AuxDescription {
  std::string name;
  std::string source;
};

struct EquationDescription {
  std::string state;
  std::string lhs;  // "dx/dt" for ODEs, "x'" for maps
  std::string source;
};

struct ActionDescription {
  std::string target;  // a state or param
  std::string op;      // "=" | "+=" | "-="
  std::string source;
};

struct EventDescription {
  std::string name;
  std::string phase;  // "start" | "end" | "both"
  std::vector<std::string> tags;
  std::string condition;
  std::vector<ActionDescription> actions;  // applied atomically, in this order
  std::vector<std::string> log;            // the logged expressions, as written
};

struct PresetValueDescription {
  std::string name;
  bool is_state = false;       // else a param
  std::vector<double> values;  // one for scalars
};

struct PresetDescription {
  std::string name;
  std::vector<PresetValueDescription> values;
};

// The [sim] table with its defaults filled in.
struct SimDescription {
  std::optional<std::string> stepper;  // as written; ModelDescription::stepper is the effective one
  double t0 = 0.0;
  std::optional<double> t_end, dt;
  bool record = true;
  long long record_interval = 1;
  std::optional<long long> max_steps;
  double atol = 1e-8, rtol = 1e-6;
  std::optional<double> dt_min, dt_max, safety, min_factor, max_factor;
  std::optional<long long> max_rejects;
  std::optional<std::string> controller;  // "pi" | "standard"
};

struct ModelDescription {
  std::string name;
  std::string source_name;  // file path, "builtin://ode/lorenz.toml", or "<inline>"
  ModelKind kind = ModelKind::Ode;
  DType dtype = DType::Float64;
  std::string hash;  // hex SHA-256 of the canonical form (unchanged by comments and formatting)
  // What build() runs without BuildOptions::stepper: [sim] stepper, else default_stepper(kind).
  std::string stepper;

  std::vector<StateDescription> states;  // declaration order = state vector order
  std::vector<ParamDescription> params;
  std::vector<ConstantDescription> constants;
  std::vector<FunctionDescription> functions;
  std::vector<AuxDescription> aux;  // declaration order (the recording order)
  std::vector<int> aux_order;       // evaluation order: indices into aux, dependencies first
  std::vector<EquationDescription> equations;  // one per state, in state order
  // The user's [equations.jacobian]: row i, column j is d f_i / d x_j.
  std::optional<std::vector<std::vector<std::string>>> jacobian;
  std::optional<std::vector<std::string>> inverse;  // maps only: one per state, in state order
  std::vector<EventDescription> events;
  std::vector<PresetDescription> presets;
  SimDescription sim;
  std::vector<ModelWarning> warnings;  // accepted but probably not meant (unknown [sim] keys)
};

// Resolves, parses and validates the model `uri` names (builtin://ode/lorenz, TAG://path, a file
// path, inline:<toml>). Throws ModelNotFoundError, ModelError (file:line:col), DynlibError.
ModelDescription describe_model(const std::string& uri);

// Every model reachable through a tag, as "TAG://rel/path" without ".toml", sorted and unique:
// the builtins plus every *.toml below the roots registered in $DYN_MODEL_PATH and the config.
std::vector<std::string> list_models();

}  // namespace dynlib

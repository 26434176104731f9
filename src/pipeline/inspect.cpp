// describe_model(), list_models() and the default-stepper rule (dynlib/inspect.hpp): the validated
// ModelSpec copied into plain public structs, expressions printed back as source.

#include "dynlib/inspect.hpp"

#include "dsl/model_spec.hpp"
#include "dsl/uri.hpp"

namespace dynlib {
namespace {

ModelKind public_kind(dsl::ModelKind kind) {
  return kind == dsl::ModelKind::Map ? ModelKind::Map : ModelKind::Ode;
}

std::string source(const dsl::Located& e) {
  return dsl::to_source(*e.expr);
}

const char* op_text(dsl::AssignOp op) {
  switch (op) {
    case dsl::AssignOp::Set:
      return "=";
    case dsl::AssignOp::AddTo:
      return "+=";
    case dsl::AssignOp::SubFrom:
      return "-=";
  }
  return "=";
}

SimDescription describe_sim(const dsl::SimDefaults& s) {
  SimDescription d;
  d.stepper = s.stepper;
  d.t0 = s.t0;
  d.t_end = s.t_end;
  d.dt = s.dt;
  d.record = s.record;
  d.record_interval = s.record_interval;
  d.max_steps = s.max_steps;
  d.atol = s.atol;
  d.rtol = s.rtol;
  d.dt_min = s.dt_min;
  d.dt_max = s.dt_max;
  d.safety = s.safety;
  d.min_factor = s.min_factor;
  d.max_factor = s.max_factor;
  d.max_rejects = s.max_rejects;
  d.controller = s.controller;
  return d;
}

EventDescription describe_event(const dsl::EventSpec& e) {
  EventDescription d{e.name, dsl::phase_name(e.phase), e.tags, source(e.cond), {}, e.log_names};
  for (const auto& a : e.actions) d.actions.push_back({a.target, op_text(a.op), source(a.value)});
  return d;
}

}  // namespace

const char* model_kind_name(ModelKind kind) {
  return kind == ModelKind::Map ? "map" : "ode";
}

const char* default_stepper(ModelKind kind) {
  return kind == ModelKind::Map ? defaults::map_stepper : defaults::ode_stepper;
}

ModelDescription describe_model(const std::string& uri) {
  const dsl::ModelSpec m = dsl::load_model(uri);
  ModelDescription d;
  d.name = m.name;
  d.source_name = m.source_name;
  d.kind = public_kind(m.kind);
  d.dtype = m.dtype;
  d.hash = m.hash;
  d.warnings = m.warnings;
  d.stepper = m.sim.stepper ? *m.sim.stepper : default_stepper(d.kind);
  for (const auto& s : m.states) {
    const bool computed = s.init.expr->kind != dsl::ExprKind::Number;
    d.states.push_back({s.name, s.init_value, s.init_int, source(s.init), computed});
  }
  for (const auto& p : m.params) d.params.push_back({p.name, p.is_array, p.values, p.int_values});
  for (const auto& c : m.constants) d.constants.push_back({c.name, c.value});
  for (const auto& f : m.functions) d.functions.push_back({f.name, f.args, source(f.body)});
  for (const auto& a : m.aux) d.aux.push_back({a.name, source(a.expr)});
  d.aux_order = m.aux_order;
  for (size_t i = 0; i < m.states.size(); ++i) {
    const std::string& x = m.states[i].name;
    const std::string lhs = m.kind == dsl::ModelKind::Ode ? "d" + x + "/dt" : x + "'";
    d.equations.push_back({x, lhs, source(m.equations[i])});
  }
  if (m.jacobian) {
    d.jacobian.emplace();
    for (const auto& row : *m.jacobian) {
      std::vector<std::string>& cells = d.jacobian->emplace_back();
      for (const auto& c : row) cells.push_back(source(c));
    }
  }
  if (m.inverse) {
    d.inverse.emplace();
    for (const auto& e : *m.inverse) d.inverse->push_back(source(e));
  }
  for (const auto& e : m.events) d.events.push_back(describe_event(e));
  for (const auto& p : m.presets) {
    PresetDescription& preset = d.presets.emplace_back();
    preset.name = p.name;
    for (const auto& v : p.values)
      preset.values.push_back({v.name, v.kind == dsl::Ref::State, v.values});
  }
  d.sim = describe_sim(m.sim);
  return d;
}

std::vector<std::string> list_models() {
  return dsl::list_models();
}

}  // namespace dynlib

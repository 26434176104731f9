// dynlib model validate | list | show: a view on dynlib/inspect.hpp.

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "dynlib/inspect.hpp"

namespace dynlib::cli {
namespace {

// Warnings go to stderr before the report, as build() prints them for the other commands.
void print_warnings(const ModelDescription& m) {
  for (const ModelWarning& w : m.warnings) fmt::print(stderr, "{}\n", w.text());
}

int validate(const std::string& uri) {
  const ModelDescription m = describe_model(uri);
  print_warnings(m);
  fmt::print("Model OK: {} ({})\n", m.name, uri);
  fmt::print("  kind: {}  dtype: {}\n", model_kind_name(m.kind), dtype_name(m.dtype));
  fmt::print("  states: {}  params: {}  aux: {}  events: {}  functions: {}\n", m.states.size(),
             m.params.size(), m.aux.size(), m.events.size(), m.functions.size());
  fmt::print("  default stepper: {}\n", m.stepper);
  fmt::print("  jacobian: {}\n", m.jacobian ? "yes" : "no");
  fmt::print("  hash: {}\n", m.hash);
  if (!m.warnings.empty()) fmt::print("  warnings: {}\n", m.warnings.size());
  return 0;
}

int list() {
  for (const auto& uri : list_models()) fmt::print("{}\n", uri);
  return 0;
}

std::string values_text(const std::vector<double>& v, bool array) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
  return array ? "[" + s + "]" : s;
}

int show(const std::string& uri) {
  const ModelDescription m = describe_model(uri);
  print_warnings(m);
  fmt::print("model {} ({}, {})\n", m.name, model_kind_name(m.kind), dtype_name(m.dtype));
  fmt::print("hash {}\n", m.hash);
  fmt::print("\nstates (initial values):\n");
  for (const auto& s : m.states) {
    const std::string value =
        m.dtype == DType::Int64 ? std::to_string(s.initial_int) : fmt::format("{}", s.initial);
    fmt::print("  {} = {}{}\n", s.name, value,
               s.initial_computed ? "    # " + s.initial_source : std::string{});
  }
  if (!m.params.empty()) fmt::print("\nparams:\n");
  for (const auto& p : m.params)
    fmt::print("  {} = {}\n", p.name, values_text(p.values, p.is_array));
  if (!m.constants.empty()) fmt::print("\nconstants:\n");
  for (const auto& c : m.constants) fmt::print("  {} = {}\n", c.name, c.value);
  if (!m.functions.empty()) fmt::print("\nfunctions:\n");
  for (const auto& f : m.functions)
    fmt::print("  {}({}) = {}\n", f.name, fmt::join(f.args, ", "), f.body);
  if (!m.aux.empty()) fmt::print("\naux (evaluation order):\n");
  for (int i : m.aux_order) {
    const auto& a = m.aux[static_cast<size_t>(i)];
    fmt::print("  {} = {}\n", a.name, a.source);
  }
  fmt::print("\nequations:\n");
  for (const auto& e : m.equations) fmt::print("  {} = {}\n", e.lhs, e.source);
  if (m.jacobian) {
    fmt::print("\njacobian:\n");
    for (const auto& row : *m.jacobian) fmt::print("  [{}]\n", fmt::join(row, ", "));
  }
  if (m.inverse) {
    fmt::print("\ninverse map:\n");
    for (size_t i = 0; i < m.states.size(); ++i)
      fmt::print("  {} = {}\n", m.states[i].name, (*m.inverse)[i]);
  }
  if (!m.events.empty()) fmt::print("\nevents:\n");
  for (const auto& e : m.events) {
    fmt::print("  {} (phase {}{}):\n", e.name, e.phase,
               e.tags.empty() ? "" : fmt::format(", tags {}", fmt::join(e.tags, ", ")));
    fmt::print("    when {}\n", e.condition);
    for (const auto& a : e.actions) fmt::print("    {} {} {}\n", a.target, a.op, a.source);
    if (!e.log.empty()) fmt::print("    log {}\n", fmt::join(e.log, ", "));
  }
  const auto& s = m.sim;
  fmt::print("\nsim defaults:\n  stepper = {}\n  t0 = {}\n", m.stepper, s.t0);
  if (s.t_end) fmt::print("  t_end = {}\n", *s.t_end);
  if (s.dt) fmt::print("  dt = {}\n", *s.dt);
  fmt::print("  record = {} (every {} step{})\n", s.record, s.record_interval,
             s.record_interval == 1 ? "" : "s");
  if (s.max_steps) fmt::print("  max_steps = {}\n", *s.max_steps);
  fmt::print("  atol = {}  rtol = {}\n", s.atol, s.rtol);
  if (!m.presets.empty()) fmt::print("\npresets:\n");
  for (const auto& p : m.presets) {
    std::vector<std::string> items;
    for (const auto& v : p.values)
      items.push_back(fmt::format("{} = {}", v.name, values_text(v.values, v.values.size() > 1)));
    fmt::print("  {}: {}\n", p.name, fmt::join(items, ", "));
  }
  return 0;
}

}  // namespace

void add_model_commands(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Inspect model files: validate, list, show");
  model->require_subcommand(1);

  auto uri = std::make_shared<std::string>();
  CLI::App* validate_cmd = model->add_subcommand(
      "validate", "Check a model; print 'Model OK' and a summary, or the first error");
  validate_cmd->add_option("uri", *uri, "Model URI or path")->required();
  validate_cmd->callback([uri] { set_action([uri] { return validate(*uri); }); });

  CLI::App* list_cmd = model->add_subcommand("list", "List every builtin and tagged model URI");
  list_cmd->callback([] { set_action([] { return list(); }); });

  CLI::App* show_cmd = model->add_subcommand(
      "show", "Print the normalized model: states, params, aux, equations, events");
  show_cmd->add_option("uri", *uri, "Model URI or path")->required();
  show_cmd->callback([uri] { set_action([uri] { return show(*uri); }); });
}

}  // namespace dynlib::cli

#include "interp/interp_model.hpp"

#include <algorithm>
#include <string>

namespace dynlib::interp {
namespace {

// Calls visit(name, program) for every function the module has, named as a quick kernel exports it.
template <class CM, class Visit>
void each_function(CM& cm, Visit&& visit) {
  const ir::Module& m = *cm.module;
  visit("rhs", cm.rhs);
  visit("aux", cm.aux);
  if (m.has_stop) visit("stop", cm.stop);
  if (m.has_user_jacobian) visit("user_jacobian", cm.user_jacobian);
  if (m.has_inverse) visit("inverse", cm.inverse);
  if (m.has_derivatives) {
    visit("jacobian", cm.jacobian);
    visit("jvp", cm.jvp);
    visit("dfdp", cm.dfdp);
  }
  for (size_t e = 0; e < cm.events.size(); ++e) {
    const std::string k = "event" + std::to_string(e);
    visit(k + "_cond", cm.events[e].cond);
    visit(k + "_action", cm.events[e].action);
    visit(k + "_log", cm.events[e].log);
  }
}

}  // namespace

std::shared_ptr<const CompiledModule> compile(std::shared_ptr<const ir::Module> module) {
  auto cm = std::make_shared<CompiledModule>();
  const ir::Module& m = *module;
  cm->rhs = prepare(m.rhs);
  cm->aux = prepare(m.aux);
  int slots = std::max(cm->rhs.n_slots, cm->aux.n_slots);
  // Parts the module lacks run as no-ops (a lone halt) rather than off the end of an empty tape.
  const Program none = prepare(ir::Function{});
  cm->user_jacobian = cm->inverse = cm->jacobian = cm->jvp = cm->dfdp = cm->stop = none;
  if (m.has_stop) {
    cm->stop = prepare(m.stop);
    slots = std::max(slots, cm->stop.n_slots);
  }
  if (m.has_user_jacobian) {
    cm->user_jacobian = prepare(m.user_jacobian);
    slots = std::max(slots, cm->user_jacobian.n_slots);
  }
  if (m.has_derivatives) {
    cm->jacobian = prepare(m.jacobian);
    cm->jvp = prepare(m.jvp);
    cm->dfdp = prepare(m.dfdp);
    slots = std::max({slots, cm->jacobian.n_slots, cm->jvp.n_slots, cm->dfdp.n_slots});
  }
  if (m.has_inverse) {
    cm->inverse = prepare(m.inverse);
    slots = std::max(slots, cm->inverse.n_slots);
  }
  for (const auto& e : m.events) {
    CompiledModule::Event ce{e.phases, prepare(e.cond), prepare(e.action), prepare(e.log),
                             static_cast<int>(e.log.outputs.size())};
    slots = std::max({slots, ce.cond.n_slots, ce.action.n_slots, ce.log.n_slots});
    cm->events.push_back(std::move(ce));
  }
  cm->max_slots = std::max<int>(slots, static_cast<int>(m.n_consts()));
  cm->module = std::move(module);
  return cm;
}

std::vector<std::string> native_function_names(const ir::Module& module) {
  CompiledModule shape;  // empty programs: only the module's flags and event count matter
  shape.events.resize(module.events.size());
  shape.module = std::shared_ptr<const ir::Module>(&module, [](const ir::Module*) {});
  std::vector<std::string> names;
  each_function(shape, [&](const std::string& name, const Program&) {
    names.push_back("dynlib_fn_" + name);
  });
  return names;
}

std::shared_ptr<const CompiledModule> with_native_functions(
    const CompiledModule& cm, const std::function<void*(const std::string&)>& lookup, void* step,
    std::shared_ptr<const void> code) {
  auto out = std::make_shared<CompiledModule>(cm);
  each_function(*out, [&](const std::string& name, Program& prog) {
    prog.native = lookup("dynlib_fn_" + name);
  });
  out->step = step;
  out->native_code = std::move(code);
  return out;
}

}  // namespace dynlib::interp

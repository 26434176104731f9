#include "interp/interp_model.hpp"

#include <algorithm>

namespace dynlib::interp {

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

}  // namespace dynlib::interp

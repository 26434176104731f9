// reverse_time(): an ODE module rewritten as its time-reversed system (ir.hpp).
#include <vector>

#include "ir/ir.hpp"

namespace dynlib::ir {

namespace {

// t -> -t inside `f`: each Time input loads into a fresh slot and a Neg at the top of the code
// writes the slot the body reads (so the body, and its order of operations, is untouched); with
// `negate_outputs` each Value output is the Neg of what it was. Negation is exact, so the
// reversed field is bit for bit -f(-s, y).
void reverse(Function& f, bool negate_outputs) {
  std::vector<Instr> head;
  for (Input& in : f.inputs) {
    if (in.kind != InputKind::Time) continue;
    const int32_t fresh = f.n_slots++;
    head.push_back(Instr{Op::Neg, in.slot, fresh});
    in.slot = fresh;
  }
  if (!head.empty()) {
    // Jump targets are instruction indices: shift them past the inserted head.
    const auto shift = static_cast<int32_t>(head.size());
    for (Instr& ins : f.code)
      if (ins.op == Op::LoopBegin || ins.op == Op::LoopEnd || ins.op == Op::If ||
          ins.op == Op::Else)
        ins.dst += shift;
    f.code.insert(f.code.begin(), head.begin(), head.end());
  }
  if (!negate_outputs) return;
  for (Output& o : f.outputs) {
    if (o.kind != OutputKind::Value) continue;
    const int32_t negated = f.n_slots++;
    f.code.push_back(Instr{Op::Neg, negated, o.slot});
    o.slot = negated;
  }
}

}  // namespace

void reverse_time(Module& m) {
  reverse(m.rhs, true);
  reverse(m.aux, false);  // aux are values at the original time -s, not rates
  if (m.has_user_jacobian) reverse(m.user_jacobian, true);
}

}  // namespace dynlib::ir

// Preparing an IR Function for the VM: choose each instruction's handler (operands the previous
// instruction just computed come from a register), store each value output right after the
// instruction that computes it, and move inputs and the remaining outputs as plain copy loops.
#include <set>

#include "interp/vm.hpp"
#include "interp/vm_handlers.hpp"

namespace dynlib::interp {
namespace {

using ir::Op;

bool is_control(Op op) {
  return !ir::is_value_op(op) && op != Op::ParamAt;
}

// Instructions whose result is left in the VM's register (and stored to the frame).
bool leaves_result(Op op) {
  return !is_control(op);
}

// The slot an instruction writes, or -1 (control operations' dst is a jump target).
int written_slot(const ir::Instr& in) {
  if (leaves_result(in.op)) return in.dst;
  if (in.op == Op::LoopEnd) return in.a;
  return -1;
}

// For each instruction, the value outputs to store right after it: an output whose slot exactly
// one instruction writes, outside every loop and conditional, so it runs once and last. Outputs
// sharing an index with another output keep their end-of-tape order (the last one wins).
std::vector<std::vector<int32_t>> fused_outputs(const ir::Function& f, std::vector<bool>& fused) {
  const auto& code = f.code;
  std::vector<int> writes(static_cast<size_t>(f.n_slots), 0), writer(writes.size(), -1);
  std::vector<bool> nested(code.size(), false);
  int depth = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const Op op = code[i].op;
    if (op == Op::LoopEnd || op == Op::EndIf) --depth;
    nested[i] = depth > 0;
    if (op == Op::LoopBegin || op == Op::If) ++depth;
    const int slot = written_slot(code[i]);
    if (slot >= 0) {
      ++writes[static_cast<size_t>(slot)];
      writer[static_cast<size_t>(slot)] = static_cast<int>(i);
    }
  }
  std::multiset<int32_t> indices;
  for (const ir::Output& o : f.outputs)
    if (o.kind == ir::OutputKind::Value) indices.insert(o.index);

  std::vector<std::vector<int32_t>> after(code.size());
  fused.assign(f.outputs.size(), false);
  for (size_t k = 0; k < f.outputs.size(); ++k) {
    const ir::Output& o = f.outputs[k];
    if (o.kind != ir::OutputKind::Value || indices.count(o.index) != 1) continue;
    const auto slot = static_cast<size_t>(o.slot);
    if (slot >= writes.size() || writes[slot] != 1) continue;
    const auto w = static_cast<size_t>(writer[slot]);
    if (nested[w] || !leaves_result(code[w].op)) continue;
    after[w].push_back(o.index);
    fused[k] = true;
  }
  return after;
}

}  // namespace

Program prepare(const ir::Function& f) {
  Program p;
  std::vector<bool> fused;
  const std::vector<std::vector<int32_t>> store_after = fused_outputs(f, fused);

  std::vector<bool> jump_target(f.code.size() + 1, false);
  for (const ir::Instr& in : f.code)
    if (is_control(in.op) && in.op != Op::EndIf) jump_target[static_cast<size_t>(in.dst)] = true;

  // Translate, remembering where each IR instruction went so jumps can be re-aimed.
  std::vector<int32_t> moved_to(f.code.size() + 1);
  int register_slot = -1;  // the slot whose value the register holds, or -1
  for (size_t i = 0; i < f.code.size(); ++i) {
    const ir::Instr& in = f.code[i];
    moved_to[i] = static_cast<int32_t>(p.code.size());
    if (jump_target[i]) register_slot = -1;
    int32_t handler;
    if (ir::is_value_op(in.op)) {
      const bool two = ir::op_arity(in.op) == 2;
      handler = handlers::value(in.op, register_slot >= 0 && in.a == register_slot,
                                two && register_slot >= 0 && in.b == register_slot);
    } else {
      handler = handlers::control(in.op);
    }
    p.code.push_back({handler, in.dst, in.a, in.b, in.c});
    register_slot = leaves_result(in.op) ? in.dst : -1;
    for (int32_t index : store_after[i]) p.code.push_back({handlers::StoreOut, -1, index, -1, -1});
  }
  moved_to[f.code.size()] = static_cast<int32_t>(p.code.size());
  p.code.push_back({handlers::Halt, -1, -1, -1, -1});
  for (Step& s : p.code)
    if (s.handler >= handlers::LoopBegin && s.handler <= handlers::Else)
      s.dst = moved_to[static_cast<size_t>(s.dst)];

  for (const ir::Input& in : f.inputs) {
    const Program::Move mv{in.slot, in.index, in.lag};
    switch (in.kind) {
      case ir::InputKind::State:
        p.states_in.push_back(mv);
        break;
      case ir::InputKind::Param:
        p.params_in.push_back(mv);
        break;
      case ir::InputKind::Lag:
        p.lags_in.push_back(mv);
        break;
      case ir::InputKind::Time:
        p.time_slot = in.slot;
        break;
      case ir::InputKind::Direction:
        p.directions_in.push_back(mv);
        break;
    }
  }
  for (size_t k = 0; k < f.outputs.size(); ++k) {
    const ir::Output& o = f.outputs[k];
    const Program::Move mv{o.slot, o.index, 0};
    switch (o.kind) {
      case ir::OutputKind::Value:
        if (!fused[k]) p.values_out.push_back(mv);
        break;
      case ir::OutputKind::State:
        p.states_out.push_back(mv);
        break;
      case ir::OutputKind::Param:
        p.params_out.push_back(mv);
        break;
    }
  }
  p.n_slots = f.n_slots;
  p.zero_fill = f.zero_fill;
  return p;
}

}  // namespace dynlib::interp

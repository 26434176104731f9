// Preparing an IR Function for the VM: give the states and params it reads consecutive slots (so
// entry copies blocks), choose each instruction's handler (operands the previous instruction just
// computed come from a register), store each value output right after the instruction that
// computes it, and move the remaining inputs and outputs as plain copy loops.
#include <algorithm>
#include <set>

#include "interp/vm.hpp"
#include "interp/vm_handlers.hpp"

namespace dynlib::interp {
namespace {

using ir::Op;

bool is_control(Op op) {
  return !ir::is_value_op(op) && op != Op::ParamAt;
}

// Instructions whose result is left in the VM's register (and stored where vm_handlers.hpp says).
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

// The slots an instruction reads (dst and c are not always slots: jump targets, param offsets,
// sizes, directions).
template <class Instr, class Visit>
void for_each_read(Instr& in, Visit visit) {
  if (ir::is_value_op(in.op)) {
    visit(in.a);
    if (ir::op_arity(in.op) == 2) visit(in.b);
  } else if (in.op == Op::ParamAt) {
    visit(in.b);
  } else if (in.op == Op::LoopBegin || in.op == Op::LoopEnd) {
    visit(in.a);
    visit(in.b);
  } else if (in.op == Op::If) {
    visit(in.a);
  }
}

// Every slot field of an instruction: the ones it reads and the one it computes.
template <class Visit>
void for_each_slot(ir::Instr& in, Visit visit) {
  if (leaves_result(in.op)) visit(in.dst);
  for_each_read(in, visit);
}

// Moves the inputs of `kind` (states or params) to consecutive new slots, one per index in the
// range they span, when that range is dense enough; returns the block to copy on entry. A slot
// for an index in the range no one reads costs a copy, nothing else.
Program::Block gather_inputs(ir::Function& f, ir::InputKind kind, std::vector<int32_t>& remap) {
  int32_t lo = INT32_MAX, hi = -1, count = 0;
  std::set<int32_t> seen;
  for (const ir::Input& in : f.inputs) {
    if (in.kind != kind) continue;
    if (!seen.insert(in.index).second) return {};  // one index in two slots: keep the moves
    lo = std::min(lo, in.index);
    hi = std::max(hi, in.index);
    ++count;
  }
  if (count == 0 || hi - lo + 1 > 2 * count + 4) return {};
  const Program::Block block{lo, hi - lo + 1, f.n_slots};
  f.n_slots += block.count;
  for (const ir::Input& in : f.inputs)
    if (in.kind == kind) remap[static_cast<size_t>(in.slot)] = block.slot + (in.index - lo);
  std::erase_if(f.inputs, [kind](const ir::Input& in) { return in.kind == kind; });
  return block;
}

// Gives the states and params `f` reads consecutive slots where dense (gather_inputs) and renames
// their uses.
void gather_blocks(ir::Function& f, Program& p) {
  std::vector<int32_t> remap(static_cast<size_t>(f.n_slots));
  for (size_t s = 0; s < remap.size(); ++s) remap[s] = static_cast<int32_t>(s);
  p.state_block = gather_inputs(f, ir::InputKind::State, remap);
  p.param_block = gather_inputs(f, ir::InputKind::Param, remap);
  const auto rename = [&remap](int32_t& slot) {
    if (slot >= 0 && static_cast<size_t>(slot) < remap.size())
      slot = remap[static_cast<size_t>(slot)];
  };
  for (ir::Instr& in : f.code) for_each_slot(in, rename);
  for (ir::Output& o : f.outputs) rename(o.slot);
}

// Which operands come from the register: those the previous instruction just computed, never
// across a jump target.
struct RegisterReads {
  std::vector<bool> a, b;
};
RegisterReads register_reads(const std::vector<ir::Instr>& code) {
  std::vector<bool> jump_target(code.size() + 1, false);
  for (const ir::Instr& in : code)
    if (is_control(in.op) && in.op != Op::EndIf) jump_target[static_cast<size_t>(in.dst)] = true;
  RegisterReads r{std::vector<bool>(code.size(), false), std::vector<bool>(code.size(), false)};
  int register_slot = -1;  // the slot whose value the register holds, or -1
  for (size_t i = 0; i < code.size(); ++i) {
    const ir::Instr& in = code[i];
    if (jump_target[i]) register_slot = -1;
    if (ir::is_value_op(in.op) && register_slot >= 0) {
      r.a[i] = in.a == register_slot;
      r.b[i] = ir::op_arity(in.op) == 2 && in.b == register_slot;
    }
    register_slot = leaves_result(in.op) ? in.dst : -1;
  }
  return r;
}

// Slots something reads from the frame: an operand not taken from the register, a control
// operation's operand, or an output copied at the end.
std::vector<bool> frame_reads(const ir::Function& f, const RegisterReads& reg,
                              const std::vector<bool>& fused) {
  std::vector<bool> read(static_cast<size_t>(f.n_slots), false);
  const auto mark = [&read](int32_t slot) {
    if (slot >= 0) read[static_cast<size_t>(slot)] = true;
  };
  for (size_t i = 0; i < f.code.size(); ++i) {
    const ir::Instr& in = f.code[i];
    if (!ir::is_value_op(in.op)) {
      for_each_read(in, mark);  // only value operations read the register
      continue;
    }
    if (!reg.a[i]) mark(in.a);
    if (ir::op_arity(in.op) == 2 && !reg.b[i]) mark(in.b);
  }
  for (size_t k = 0; k < f.outputs.size(); ++k)
    if (!fused[k]) mark(f.outputs[k].slot);
  return read;
}

// The Steps of `f`'s code, each instruction with its handler and the StoreOut steps of the
// outputs stored right after it, jumps re-aimed, a halt at the end.
std::vector<Step> translate(const ir::Function& f, const RegisterReads& reg,
                            const std::vector<bool>& read_from_frame,
                            const std::vector<std::vector<int32_t>>& store_after) {
  const auto& code = f.code;
  std::vector<Step> steps;
  std::vector<int32_t> moved_to(code.size() + 1);
  for (size_t i = 0; i < code.size(); ++i) {
    const ir::Instr& in = code[i];
    moved_to[i] = static_cast<int32_t>(steps.size());
    if (!ir::is_value_op(in.op)) {
      steps.push_back({handlers::control(in.op), in.dst, in.a, in.b, in.c});
      continue;
    }
    const std::vector<int32_t>& outs = store_after[i];
    // Where the result goes: its frame slot when something reads it there, else out[outs[0]]
    // itself (any further outputs by StoreOut), else nowhere but the register.
    const handlers::Result result = read_from_frame[static_cast<size_t>(in.dst)]
                                        ? handlers::kToFrame
                                    : outs.empty() ? handlers::kKeep
                                                   : handlers::kToOut;
    const bool to_out = result == handlers::kToOut;
    steps.push_back({handlers::value(in.op, reg.a[i], reg.b[i], result), to_out ? outs[0] : in.dst,
                     in.a, in.b, in.c});
    for (size_t k = to_out ? 1 : 0; k < outs.size(); ++k)
      steps.push_back({handlers::StoreOut, -1, outs[k], -1, -1});
  }
  moved_to[code.size()] = static_cast<int32_t>(steps.size());
  steps.push_back({handlers::Halt, -1, -1, -1, -1});
  for (Step& s : steps)
    if (s.handler >= handlers::LoopBegin && s.handler <= handlers::Else)
      s.dst = moved_to[static_cast<size_t>(s.dst)];
  return steps;
}

// The inputs and outputs left to move one by one on entry and exit.
void moves(const ir::Function& f, const std::vector<bool>& fused, Program& p) {
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
}

}  // namespace

Program prepare(const ir::Function& original) {
  Program p;
  ir::Function f = original;
  gather_blocks(f, p);
  std::vector<bool> fused;
  const std::vector<std::vector<int32_t>> store_after = fused_outputs(f, fused);
  const RegisterReads reg = register_reads(f.code);
  p.code = translate(f, reg, frame_reads(f, reg, fused), store_after);
  moves(f, fused, p);
  p.n_slots = f.n_slots;
  p.zero_fill = f.zero_fill;
  p.plain = p.states_in.empty() && p.params_in.empty() && p.lags_in.empty() &&
            p.directions_in.empty() && p.time_slot < 0 && p.zero_fill == 0 &&
            p.values_out.empty() && p.states_out.empty() && p.params_out.empty();
  return p;
}

}  // namespace dynlib::interp

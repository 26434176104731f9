#include "interp/vm.hpp"

#include "kernel/op_table.hpp"

namespace dynlib::interp {
namespace {

using ir::Op;
namespace ops = kernel::ops;

// One past the last IR opcode: stops the dispatch loop.
constexpr int kHalt = static_cast<int>(Op::EndIf) + 1;

}  // namespace

Program prepare(const ir::Function& f) {
  Program p;
  p.code = f.code;
  p.code.push_back({static_cast<Op>(kHalt), -1});
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
  for (const ir::Output& o : f.outputs) {
    const Program::Move mv{o.slot, o.index, 0};
    switch (o.kind) {
      case ir::OutputKind::Value:
        p.values_out.push_back(mv);
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

// Token-threaded dispatch: each handler jumps straight to the next one through a label table
// (a GNU extension; one indirect branch per instruction, predicted per call site).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
template <class Real>
void execute(const Program& prog, Real* frame, const CallArgs<Real>& args) {
  for (const auto& in : prog.states_in) frame[in.slot] = args.y[in.index];
  for (const auto& in : prog.params_in) frame[in.slot] = args.p[in.index];
  for (const auto& in : prog.lags_in) frame[in.slot] = (*args.lag)(in.index, in.lag);
  for (const auto& in : prog.directions_in) frame[in.slot] = args.v[in.index];
  if (prog.time_slot >= 0) frame[prog.time_slot] = static_cast<Real>(args.t);

  // clang-format off
  static const void* const table[] = {
#define DYNLIB_VM_LABEL(name, arity, ints, fn) &&op_##name,
      DYNLIB_VALUE_OPS(DYNLIB_VM_LABEL)
#undef DYNLIB_VM_LABEL
      &&op_ParamAt, &&op_LoopBegin, &&op_LoopEnd, &&op_If, &&op_Else, &&op_EndIf, &&op_Halt};
  // clang-format on
  static_assert(sizeof(table) / sizeof(table[0]) == kHalt + 1, "VM table out of step with ir::Op");

  const ir::Instr* const code = prog.code.data();
  const ir::Instr* pc = code;
  Real* const f = frame;

#define DISPATCH() goto* table[static_cast<int>(pc->op)]
#define NEXT()  \
  do {          \
    ++pc;       \
    DISPATCH(); \
  } while (0)
// Every value operation is the kernel's function for it (kernel/op_table.hpp).
#define DYNLIB_VM_OP_1(name)                  \
  op_##name : {                               \
    f[pc->dst] = ops::apply_##name(f[pc->a]); \
    NEXT();                                   \
  }
#define DYNLIB_VM_OP_2(name)                            \
  op_##name : {                                         \
    f[pc->dst] = ops::apply_##name(f[pc->a], f[pc->b]); \
    NEXT();                                             \
  }
#define DYNLIB_VM_OP(name, arity, ints, fn) DYNLIB_VM_OP_##arity(name)

  DISPATCH();
  DYNLIB_VALUE_OPS(DYNLIB_VM_OP)
#undef DYNLIB_VM_OP
#undef DYNLIB_VM_OP_1
#undef DYNLIB_VM_OP_2
op_ParamAt:
  f[pc->dst] = args.p[pc->a + static_cast<long long>(f[pc->b])];
  NEXT();
op_LoopBegin : {
  const bool more = pc->c > 0 ? f[pc->a] < f[pc->b] : f[pc->a] > f[pc->b];
  if (!more) {
    pc = code + pc->dst;
    DISPATCH();
  }
  NEXT();
}
op_LoopEnd:
  f[pc->a] = ops::add(f[pc->a], f[pc->b]);
  pc = code + pc->dst;
  DISPATCH();
op_If:
  if (f[pc->a] == 0) {
    pc = code + pc->dst;
    DISPATCH();
  }
  NEXT();
op_Else:
  pc = code + pc->dst;
  DISPATCH();
op_EndIf:
  NEXT();
op_Halt:
#undef DISPATCH
#undef NEXT

  for (int k = 0; k < prog.zero_fill; ++k) args.out[k] = 0;
  for (const auto& o : prog.values_out) args.out[o.index] = frame[o.slot];
  for (const auto& o : prog.states_out) args.y_out[o.index] = frame[o.slot];
  for (const auto& o : prog.params_out) args.p_out[o.index] = frame[o.slot];
}
#pragma GCC diagnostic pop

template void execute<double>(const Program&, double*, const CallArgs<double>&);
template void execute<float>(const Program&, float*, const CallArgs<float>&);
template void execute<long long>(const Program&, long long*, const CallArgs<long long>&);

}  // namespace dynlib::interp

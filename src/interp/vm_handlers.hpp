// The VM's handler numbers. Each value operation has one handler per place its operands come
// from and per place its result goes:
//  - operands: a frame slot (F) or the register holding the previous instruction's result (A); a
//    unary operation has two forms (F, A), a binary one four (FF, AF, FA, AA);
//  - result: always into the register, and then into its frame slot (kToFrame), nowhere else
//    when only the next instruction reads it, from the register (kKeep), or into out[dst] when
//    it is a value output and no instruction reads it from the frame (kToOut).
// The control handlers follow. Reading the previous result from the register takes the
// store-to-load round trip through the frame off an expression's dependency chain, and dropping
// stores and output copies no one needs removes work: together most of an interpreted step.
#pragma once

#include <array>
#include <cstdint>

#include "ir/ir.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::interp::handlers {

enum Result : int32_t { kToFrame, kKeep, kToOut };
inline constexpr int kResultForms = 3;

constexpr int operand_forms(int arity) {
  return arity == 1 ? 2 : 4;
}

inline constexpr std::array<int32_t, kernel::ops::kValueOpCount + 1> kFirst = [] {
  constexpr int arity[] = {
#define DYNLIB_VM_ARITY(name, arity, ints, fn) arity,
      DYNLIB_VALUE_OPS(DYNLIB_VM_ARITY)
#undef DYNLIB_VM_ARITY
  };
  std::array<int32_t, kernel::ops::kValueOpCount + 1> first{};
  for (int op = 0; op < kernel::ops::kValueOpCount; ++op)
    first[op + 1] = first[op] + kResultForms * operand_forms(arity[op]);
  return first;
}();

// The handler of value operation `op` whose operand a (b) is the previous result when a_acc
// (b_acc), else a frame slot, and whose result goes to `result`.
inline int32_t value(ir::Op op, bool a_acc, bool b_acc, Result result = kToFrame) {
  const int forms = operand_forms(ir::op_arity(op));
  return kFirst[static_cast<size_t>(op)] + result * forms + (a_acc ? 1 : 0) + (b_acc ? 2 : 0);
}

// The IR's control operations in their IR order, then the VM's own: StoreOut writes the previous
// result to out[a]; Halt ends the tape.
enum Control : int32_t {
  ParamAt = kFirst[kernel::ops::kValueOpCount],
  LoopBegin,
  LoopEnd,
  If,
  Else,
  EndIf,
  StoreOut,
  Halt,
};

constexpr int32_t control(ir::Op op) {
  return ParamAt + (static_cast<int32_t>(op) - static_cast<int32_t>(ir::Op::ParamAt));
}

}  // namespace dynlib::interp::handlers

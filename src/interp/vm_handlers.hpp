// The VM's handler numbers. Each value operation has one handler per place its operands come
// from: a frame slot (F) or the register holding the previous instruction's result (A). A unary
// operation has two (F, A), a binary one four (FF, AF, FA, AA); the control handlers follow.
// Reading the previous result from the register takes the store-to-load round trip through the
// frame off the dependency chain of an expression, which is most of an interpreted step's latency.
#pragma once

#include <array>
#include <cstdint>

#include "ir/ir.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::interp::handlers {

inline constexpr std::array<int32_t, kernel::ops::kValueOpCount + 1> kFirst = [] {
  constexpr int arity[] = {
#define DYNLIB_VM_ARITY(name, arity, ints, fn) arity,
      DYNLIB_VALUE_OPS(DYNLIB_VM_ARITY)
#undef DYNLIB_VM_ARITY
  };
  std::array<int32_t, kernel::ops::kValueOpCount + 1> first{};
  for (int op = 0; op < kernel::ops::kValueOpCount; ++op)
    first[op + 1] = first[op] + (arity[op] == 1 ? 2 : 4);
  return first;
}();

// The handler of value operation `op` whose operand a (b) is the previous result when a_acc
// (b_acc), else a frame slot.
constexpr int32_t value(ir::Op op, bool a_acc, bool b_acc) {
  return kFirst[static_cast<size_t>(op)] + (a_acc ? 1 : 0) + (b_acc ? 2 : 0);
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

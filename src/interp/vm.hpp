// The tape VM: runs one IR Function over a frame of slots. A Program is an IR Function prepared
// for execution (vm_program.cpp): each instruction names the handler that runs it, chosen so that a
// value the previous instruction just computed is read from a register rather than back from the
// frame, outputs are stored the moment they are computed, and a halt ends the tape so dispatch
// needs no bounds check. The operations and their order are the IR's, so results are the same
// bits as the generated kernel's.
#pragma once

#include <vector>

#include "ir/ir.hpp"
#include "kernel/lag.hpp"
#include "kernel/types.hpp"

namespace dynlib::interp {

// One VM instruction: an ir::Instr whose opcode became the number of its handler.
struct Step {
  int32_t handler, dst, a, b, c;
};

struct Program {
  std::vector<Step> code;  // ends with a halt
  // Inputs and outputs split by kind, so entry and exit are plain copy loops.
  struct Move {
    int32_t slot, index, lag;
  };
  // frame[slot + i] = source[first + i] for i < count: the states (params) a function reads,
  // given consecutive slots when they are dense enough; the rest are moved one by one.
  struct Block {
    int32_t first = 0, count = 0, slot = 0;
  };
  Block state_block, param_block;
  // values_out: the value outputs the tape does not write itself (vm_program.cpp).
  std::vector<Move> states_in, params_in, lags_in, directions_in, values_out, states_out,
      params_out;
  int time_slot = -1;
  int n_slots = 0;
  int zero_fill = 0;  // out[0, zero_fill) = 0 on entry (ir::Function::zero_fill)
  // Inputs only in the two blocks, and the tape writes every output: entry and exit skip the rest
  // (a right-hand side called four times a step is usually this).
  bool plain = false;
  // The same function compiled to native code (a quick kernel, see NativeFunction), or null: the
  // model then calls it instead of running the tape.
  void* native = nullptr;
};

Program prepare(const ir::Function& f);

// Where a function's inputs come from and its outputs go.
template <class Real>
struct CallArgs {
  kernel::time_t_of<Real> t;
  const Real* y;
  const Real* p;
  const kernel::LagView<Real>* lag;
  Real* out;                // Value outputs
  Real* y_out;              // State outputs (event actions)
  Real* p_out;              // Param outputs (event actions)
  const Real* v = nullptr;  // Direction inputs (the vector of a Jacobian-vector product)
};

// The signature of a Program's native twin: the model's function compiled alone, exported by a
// quick kernel (codegen::generate_functions). Same operations in the same order as the tape.
// `lag` points to a kernel::LagView<Real> (typed void, as the generated C signature has it).
template <class Real>
using NativeFunction = void (*)(kernel::time_t_of<Real> t, const Real* y, const Real* p,
                                const void* lag, const Real* v, Real* out, Real* y_out,
                                Real* p_out);

// `frame` holds at least prog.n_slots values, with the module's constants already in its first
// slots. Never allocates, never throws.
template <class Real>
void execute(const Program& prog, Real* frame, const CallArgs<Real>& args);

// The same for a Program::plain program, which reads only y and p and writes only out.
template <class Real>
void execute_plain(const Program& prog, Real* frame, const Real* y, const Real* p, Real* out);

extern template void execute<double>(const Program&, double*, const CallArgs<double>&);
extern template void execute<float>(const Program&, float*, const CallArgs<float>&);
extern template void execute<long long>(const Program&, long long*, const CallArgs<long long>&);
extern template void execute_plain<double>(const Program&, double*, const double*, const double*,
                                           double*);
extern template void execute_plain<float>(const Program&, float*, const float*, const float*,
                                          float*);
extern template void execute_plain<long long>(const Program&, long long*, const long long*,
                                              const long long*, long long*);

}  // namespace dynlib::interp

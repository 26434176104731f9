// The IR: what a validated model lowers to, and what both backends consume (the interpreter runs
// it, codegen prints it as C++).
//
// A Function is straight-line SSA code over numbered slots of a frame, with structured loops
// (sum/prod) and structured conditionals (`a if c else b`, evaluated lazily). Slots
// [0, n_consts) hold the module's constants; every other slot is written by exactly one
// instruction, except the few that loops and conditionals update (loop counters, accumulators,
// conditional results), which only Copy and LoopEnd write.
//
// The instruction order is the evaluation order and fixes the order of every floating-point
// operation (DESIGN rule 2): `a*b*c` is Mul(Mul(a,b),c); folding only combines constants that are
// adjacent in that order; x**2 and x**3 are multiplications, other powers call pow. All values have
// the module's dtype (float64, float32 or int64); comparisons and logic give 1 or 0.
//
// Inputs are not instructions: each Function lists the states, params, time and lagged values it
// reads (`inputs`), which a backend loads into their slots on entry, and the slots it writes out
// (`outputs`), so the instruction stream holds only computation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::ir {

// The value operations come from the kernel's operation table (kernel/op_table.hpp), in its order,
// so kernel::ops::OpCode(op) names the same operation; control flow follows them.
enum class Op : int32_t {
#define DYNLIB_IR_OP(name, arity, ints, fn) name,
  DYNLIB_VALUE_OPS(DYNLIB_IR_OP)
#undef DYNLIB_IR_OP
  // dst = p[a + index(slot b)]; c = array size (the front end proved the index in range)
  ParamAt,
  // structured control flow
  LoopBegin,  // counter slot a, stop slot b, c = +1 counting up / -1 down; dst = index after
              // LoopEnd
  LoopEnd,    // counter slot a += step slot b; dst = index of its LoopBegin
  If,         // if slot a is false jump to dst (just after the matching Else, or EndIf)
  Else,       // end of the true branch: jump to dst (just after EndIf)
  EndIf,      // no-op marker
};
static_assert(static_cast<int>(Op::ParamAt) == kernel::ops::kValueOpCount);

// A value operation (dst = f(a[, b])) computes kernel::ops::apply(kernel_op(op), ...).
constexpr bool is_value_op(Op op) {
  return static_cast<int>(op) < kernel::ops::kValueOpCount;
}
constexpr kernel::ops::OpCode kernel_op(Op op) {
  return static_cast<kernel::ops::OpCode>(op);
}
constexpr Op ir_op(kernel::ops::OpCode op) {
  return static_cast<Op>(op);
}

const char* op_name(Op op);
int op_arity(Op op);  // operands read: 1, 2 or 3 (control ops report what they read)

struct Instr {
  Op op;
  int32_t dst;
  int32_t a = -1, b = -1, c = -1;
};

// Direction: component `index` of the vector v of a Jacobian-vector product (ir/derivative.hpp).
enum class InputKind : int32_t { State, Param, Time, Lag, Direction };
struct Input {
  InputKind kind;
  int32_t index;  // state index, flattened param offset, -, lag column, or component of v
  int32_t lag;    // Lag: k steps ago
  int32_t slot;
};

enum class OutputKind : int32_t {
  Value,  // out[index] = slot
  State,  // y_out[index] = slot (event actions)
  Param,  // p_out[index] = slot (event actions)
};
struct Output {
  OutputKind kind;
  int32_t index;
  int32_t slot;
};

struct Function {
  std::string name;  // "rhs", "aux", "event spike cond", ...
  std::vector<Input> inputs;
  std::vector<Instr> code;
  std::vector<Output> outputs;
  int n_slots = 0;  // frame size, constants included
  // Value outputs [0, zero_fill) are set to 0 before `outputs` are written: derivative functions
  // list only their structural nonzeros (a 200-state Jacobian is 40 000 entries, mostly zero).
  int zero_fill = 0;
};

struct EventIR {
  std::string name;
  int phases = 0;   // bit 0 start, bit 1 end (kernel::EventPhase)
  Function cond;    // one Value output: nonzero fires
  Function action;  // State/Param outputs
  Function log;     // Value outputs, one per logged expression
  std::vector<std::string> log_names;
};

struct Module {
  dsl::ModelKind kind = dsl::ModelKind::Ode;
  dsl::DType dtype = dsl::DType::Float64;
  int n_state = 0;
  int n_param = 0;  // flattened: array params occupy consecutive entries
  int n_aux = 0;
  std::vector<int> param_offset;  // per declared param
  std::vector<int> lag_depth;     // per state
  std::vector<int> lag_column;    // per state: its column in the lag ring, -1 if not lagged

  // Constants in slots [0, consts.size()). Floats are stored already rounded to the dtype; int64
  // models use int_consts instead.
  std::vector<double> consts;
  std::vector<long long> int_consts;

  Function rhs;  // ODE: dy/dt; map: the next state. Value outputs [0, n_state)
  Function aux;  // Value outputs [0, n_aux), declaration order
  std::vector<EventIR> events;
  // [sim] stop: one Value output, nonzero ends the run (checked after each committed step).
  bool has_stop = false;
  Function stop;
  // The user's [equations.jacobian], lowered as written.
  bool has_user_jacobian = false;
  Function user_jacobian;  // Value outputs i*n_state + j = d f_i / d x_j
  bool has_inverse = false;
  Function inverse;

  // Symbolic derivatives of rhs, filled by add_derivatives (ir/derivative.hpp).
  bool has_derivatives = false;
  Function jacobian;  // Value outputs i*n_state + j = d f_i / d y_j (dense, row-major)
  Function jvp;       // Value outputs [0, n_state) = J(y) v; reads v through Direction inputs
  Function dfdp;      // Value outputs i*n_param + k = d f_i / d p_k (flattened params)
  std::vector<uint8_t> jac_sparsity;  // n_state x n_state, row-major: 1 = structurally nonzero

  size_t n_consts() const { return dtype == dsl::DType::Int64 ? int_consts.size() : consts.size(); }
};

// Lowers a validated model. Never fails on a model the front end accepted.
Module lower(const dsl::ModelSpec& spec);
// The same in another float dtype (float64 <-> float32 rebuilds; the spec is not changed).
Module lower(const dsl::ModelSpec& spec, dsl::DType dtype);

// Rewrites an ODE module as its time-reversed system: with s = -t, dz/ds = -f(-s, z) (rhs and
// [equations.jacobian] negated, time negated wherever the model reads it, aux included), so a run
// of the result from s0 = -t1 follows the original's orbit backward from t1. Call before
// add_derivatives (the derivatives then follow). The caller refuses maps, events and lags.
void reverse_time(Module& m);

// A readable listing, for tests and `dynlib model ir`.
std::string dump(const Function& f, const Module& m);

}  // namespace dynlib::ir

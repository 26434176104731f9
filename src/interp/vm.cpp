#include "interp/vm.hpp"

#include "interp/vm_handlers.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::interp {
namespace ops = kernel::ops;

// Token-threaded dispatch: each handler jumps straight to the next one through a label table
// (a GNU extension; one indirect branch per instruction, predicted per call site). `acc` holds
// the last result of a value instruction, so the next instruction can read it without a
// store-to-load round trip; the handler stores it where vm_handlers.hpp says.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
namespace {

template <class Real>
inline void copy_block(Real* frame, const Program::Block& block, const Real* from) {
  Real* to = frame + block.slot;
  from += block.first;
  for (int32_t i = 0; i < block.count; ++i) to[i] = from[i];
}

// The one body of both entry points. A plain program's y, p and out arrive in registers only:
// no argument block on the stack for the hot path to read back, whose stores could also stall
// later loads that share their address's low bits (a 4 KiB alias), which made an interpreted step
// up to 1.4x slower depending on where the stack happened to be.
template <class Real, bool kPlain>
void run_tape(const Program& prog, Real* frame, const Real* y, const Real* p, Real* out,
              const CallArgs<Real>* all) {
  copy_block(frame, prog.state_block, y);
  copy_block(frame, prog.param_block, p);
  if constexpr (!kPlain) {
    const CallArgs<Real>& args = *all;
    for (const auto& in : prog.states_in) frame[in.slot] = args.y[in.index];
    for (const auto& in : prog.params_in) frame[in.slot] = args.p[in.index];
    for (const auto& in : prog.lags_in) frame[in.slot] = (*args.lag)(in.index, in.lag);
    for (const auto& in : prog.directions_in) frame[in.slot] = args.v[in.index];
    if (prog.time_slot >= 0) frame[prog.time_slot] = static_cast<Real>(args.t);
    // Before the tape, which writes value outputs as it computes them.
    for (int k = 0; k < prog.zero_fill; ++k) args.out[k] = 0;
  }

  // clang-format off
  static const void* const table[] = {
#define DYNLIB_VM_LABELS_1(name, R) &&op_##name##_F_##R, &&op_##name##_A_##R,
#define DYNLIB_VM_LABELS_2(name, R) \
      &&op_##name##_FF_##R, &&op_##name##_AF_##R, &&op_##name##_FA_##R, &&op_##name##_AA_##R,
#define DYNLIB_VM_LABELS(name, arity, ints, fn)                                     \
      DYNLIB_VM_LABELS_##arity(name, Frame) DYNLIB_VM_LABELS_##arity(name, Keep) \
      DYNLIB_VM_LABELS_##arity(name, Out)
      DYNLIB_VALUE_OPS(DYNLIB_VM_LABELS)
#undef DYNLIB_VM_LABELS
#undef DYNLIB_VM_LABELS_1
#undef DYNLIB_VM_LABELS_2
      &&op_ParamAt, &&op_LoopBegin, &&op_LoopEnd, &&op_If, &&op_Else, &&op_EndIf, &&op_StoreOut,
      &&op_Halt};
  // clang-format on
  static_assert(sizeof(table) / sizeof(table[0]) == handlers::Halt + 1,
                "VM table out of step with vm_handlers.hpp");

  const Step* const code = prog.code.data();
  const Step* pc = code;
  Real* const f = frame;
  Real acc = 0;

#define DISPATCH() goto* table[pc->handler]
#define NEXT()  \
  do {          \
    ++pc;       \
    DISPATCH(); \
  } while (0)
#define DYNLIB_VM_F(operand) f[pc->operand]
#define DYNLIB_VM_A(operand) acc
#define DYNLIB_VM_STORE_Frame f[pc->dst] = acc;
#define DYNLIB_VM_STORE_Keep
#define DYNLIB_VM_STORE_Out out[pc->dst] = acc;
// Every value operation is the kernel's function for it (kernel/op_table.hpp).
#define DYNLIB_VM_HANDLER_1(name, A, R)        \
  op_##name##_##A##_##R : {                    \
    acc = ops::apply_##name(DYNLIB_VM_##A(a)); \
    DYNLIB_VM_STORE_##R NEXT();                \
  }
#define DYNLIB_VM_HANDLER_2(name, A, B, R)                       \
  op_##name##_##A##B##_##R : {                                   \
    acc = ops::apply_##name(DYNLIB_VM_##A(a), DYNLIB_VM_##B(b)); \
    DYNLIB_VM_STORE_##R NEXT();                                  \
  }
#define DYNLIB_VM_FORMS_1(name, R) DYNLIB_VM_HANDLER_1(name, F, R) DYNLIB_VM_HANDLER_1(name, A, R)
#define DYNLIB_VM_FORMS_2(name, R)   \
  DYNLIB_VM_HANDLER_2(name, F, F, R) \
  DYNLIB_VM_HANDLER_2(name, A, F, R) \
  DYNLIB_VM_HANDLER_2(name, F, A, R) DYNLIB_VM_HANDLER_2(name, A, A, R)
#define DYNLIB_VM_OP(name, arity, ints, fn)                                \
  DYNLIB_VM_FORMS_##arity(name, Frame) DYNLIB_VM_FORMS_##arity(name, Keep) \
      DYNLIB_VM_FORMS_##arity(name, Out)

  DISPATCH();
  DYNLIB_VALUE_OPS(DYNLIB_VM_OP)
#undef DYNLIB_VM_OP
#undef DYNLIB_VM_FORMS_1
#undef DYNLIB_VM_FORMS_2
#undef DYNLIB_VM_STORE_Frame
#undef DYNLIB_VM_STORE_Keep
#undef DYNLIB_VM_STORE_Out
#undef DYNLIB_VM_HANDLER_1
#undef DYNLIB_VM_HANDLER_2
#undef DYNLIB_VM_F
#undef DYNLIB_VM_A
op_ParamAt:
  acc = p[pc->a + static_cast<long long>(f[pc->b])];
  f[pc->dst] = acc;
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
op_StoreOut:
  out[pc->a] = acc;
  NEXT();
op_Halt:
#undef DISPATCH
#undef NEXT

  if constexpr (!kPlain) {
    for (const auto& o : prog.values_out) out[o.index] = frame[o.slot];
    for (const auto& o : prog.states_out) all->y_out[o.index] = frame[o.slot];
    for (const auto& o : prog.params_out) all->p_out[o.index] = frame[o.slot];
  }
}

}  // namespace

template <class Real>
void execute(const Program& prog, Real* frame, const CallArgs<Real>& args) {
  run_tape<Real, false>(prog, frame, args.y, args.p, args.out, &args);
}

template <class Real>
void execute_plain(const Program& prog, Real* frame, const Real* y, const Real* p, Real* out) {
  run_tape<Real, true>(prog, frame, y, p, out, nullptr);
}
#pragma GCC diagnostic pop

template void execute<double>(const Program&, double*, const CallArgs<double>&);
template void execute<float>(const Program&, float*, const CallArgs<float>&);
template void execute<long long>(const Program&, long long*, const CallArgs<long long>&);
template void execute_plain<double>(const Program&, double*, const double*, const double*, double*);
template void execute_plain<float>(const Program&, float*, const float*, const float*, float*);
template void execute_plain<long long>(const Program&, long long*, const long long*,
                                       const long long*, long long*);

}  // namespace dynlib::interp

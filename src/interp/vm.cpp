#include "interp/vm.hpp"

#include "kernel/ops.hpp"

namespace dynlib::interp {
namespace {

using ir::Op;
namespace ops = kernel::ops;

// One past the last IR opcode: stops the dispatch loop.
constexpr int kHalt = static_cast<int>(Op::EndIf) + 1;

// Float-only operations; int64 models never contain them (the front end rejects them), so the
// integer instantiation only needs something that compiles.
#define DYNLIB_FLOAT_ONLY(fn)             \
  template <class R>                      \
  inline R vm_##fn(R x) {                 \
    if constexpr (kernel::is_floating<R>) \
      return ops::fn(x);                  \
    else                                  \
      return x;                           \
  }
DYNLIB_FLOAT_ONLY(exp)
DYNLIB_FLOAT_ONLY(expm1)
DYNLIB_FLOAT_ONLY(log)
DYNLIB_FLOAT_ONLY(log10)
DYNLIB_FLOAT_ONLY(log2)
DYNLIB_FLOAT_ONLY(log1p)
DYNLIB_FLOAT_ONLY(sqrt)
DYNLIB_FLOAT_ONLY(sin)
DYNLIB_FLOAT_ONLY(cos)
DYNLIB_FLOAT_ONLY(tan)
DYNLIB_FLOAT_ONLY(asin)
DYNLIB_FLOAT_ONLY(acos)
DYNLIB_FLOAT_ONLY(atan)
DYNLIB_FLOAT_ONLY(sinh)
DYNLIB_FLOAT_ONLY(cosh)
DYNLIB_FLOAT_ONLY(tanh)
DYNLIB_FLOAT_ONLY(asinh)
DYNLIB_FLOAT_ONLY(acosh)
DYNLIB_FLOAT_ONLY(atanh)
DYNLIB_FLOAT_ONLY(floor)
DYNLIB_FLOAT_ONLY(ceil)
DYNLIB_FLOAT_ONLY(trunc)
DYNLIB_FLOAT_ONLY(nearbyint)
DYNLIB_FLOAT_ONLY(erf)
DYNLIB_FLOAT_ONLY(erfc)
#undef DYNLIB_FLOAT_ONLY

#define DYNLIB_FLOAT_ONLY2(fn)            \
  template <class R>                      \
  inline R vm_##fn(R x, R y) {            \
    if constexpr (kernel::is_floating<R>) \
      return ops::fn(x, y);               \
    else                                  \
      return x + y * 0;                   \
  }
DYNLIB_FLOAT_ONLY2(pow)
DYNLIB_FLOAT_ONLY2(atan2)
DYNLIB_FLOAT_ONLY2(hypot)
DYNLIB_FLOAT_ONLY2(copysign)
#undef DYNLIB_FLOAT_ONLY2

template <class R>
inline R vm_div(R a, R b) {
  if constexpr (kernel::is_floating<R>)
    return a / b;
  else
    return b == 0 ? 0 : a / b;  // unreachable for int64 models; never trap
}

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

  static const void* const table[] = {
      &&op_Copy,     &&op_Neg,      &&op_Add,     &&op_Sub,       &&op_Mul,     &&op_Div,
      &&op_FloorDiv, &&op_Mod,      &&op_Pow,     &&op_Lt,        &&op_Le,      &&op_Gt,
      &&op_Ge,       &&op_Eq,       &&op_Ne,      &&op_Not,       &&op_And,     &&op_Or,
      &&op_Min,      &&op_Max,      &&op_Abs,     &&op_Sign,      &&op_Exp,     &&op_Expm1,
      &&op_Log,      &&op_Log10,    &&op_Log2,    &&op_Log1p,     &&op_Sqrt,    &&op_Sin,
      &&op_Cos,      &&op_Tan,      &&op_Asin,    &&op_Acos,      &&op_Atan,    &&op_Sinh,
      &&op_Cosh,     &&op_Tanh,     &&op_Asinh,   &&op_Acosh,     &&op_Atanh,   &&op_Floor,
      &&op_Ceil,     &&op_Trunc,    &&op_Round,   &&op_Erf,       &&op_Erfc,    &&op_Atan2,
      &&op_Hypot,    &&op_Copysign, &&op_ParamAt, &&op_LoopBegin, &&op_LoopEnd, &&op_If,
      &&op_Else,     &&op_EndIf,    &&op_Halt};
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
#define UNARY(name, expr)    \
  op_##name : {              \
    const Real x = f[pc->a]; \
    f[pc->dst] = (expr);     \
    NEXT();                  \
  }
#define BINARY(name, expr)                 \
  op_##name : {                            \
    const Real x = f[pc->a], y = f[pc->b]; \
    f[pc->dst] = (expr);                   \
    NEXT();                                \
  }

  DISPATCH();
  UNARY(Copy, x)
  UNARY(Neg, ops::neg(x))
  BINARY(Add, ops::add(x, y))
  BINARY(Sub, ops::sub(x, y))
  BINARY(Mul, ops::mul(x, y))
  BINARY(Div, vm_div(x, y))
  BINARY(FloorDiv, ops::py_floordiv(x, y))
  BINARY(Mod, ops::py_mod(x, y))
  BINARY(Pow, vm_pow(x, y))
  BINARY(Lt, ops::truth<Real>(x < y))
  BINARY(Le, ops::truth<Real>(x <= y))
  BINARY(Gt, ops::truth<Real>(x > y))
  BINARY(Ge, ops::truth<Real>(x >= y))
  BINARY(Eq, ops::truth<Real>(x == y))
  BINARY(Ne, ops::truth<Real>(x != y))
  UNARY(Not, ops::truth<Real>(x == 0))
  BINARY(And, ops::truth<Real>(x != 0 && y != 0))
  BINARY(Or, ops::truth<Real>(x != 0 || y != 0))
  BINARY(Min, ops::min2(x, y))
  BINARY(Max, ops::max2(x, y))
  UNARY(Abs, ops::abs(x))
  UNARY(Sign, ops::sign(x))
  UNARY(Exp, vm_exp(x))
  UNARY(Expm1, vm_expm1(x))
  UNARY(Log, vm_log(x))
  UNARY(Log10, vm_log10(x))
  UNARY(Log2, vm_log2(x))
  UNARY(Log1p, vm_log1p(x))
  UNARY(Sqrt, vm_sqrt(x))
  UNARY(Sin, vm_sin(x))
  UNARY(Cos, vm_cos(x))
  UNARY(Tan, vm_tan(x))
  UNARY(Asin, vm_asin(x))
  UNARY(Acos, vm_acos(x))
  UNARY(Atan, vm_atan(x))
  UNARY(Sinh, vm_sinh(x))
  UNARY(Cosh, vm_cosh(x))
  UNARY(Tanh, vm_tanh(x))
  UNARY(Asinh, vm_asinh(x))
  UNARY(Acosh, vm_acosh(x))
  UNARY(Atanh, vm_atanh(x))
  UNARY(Floor, vm_floor(x))
  UNARY(Ceil, vm_ceil(x))
  UNARY(Trunc, vm_trunc(x))
  UNARY(Round, vm_nearbyint(x))
  UNARY(Erf, vm_erf(x))
  UNARY(Erfc, vm_erfc(x))
  BINARY(Atan2, vm_atan2(x, y))
  BINARY(Hypot, vm_hypot(x, y))
  BINARY(Copysign, vm_copysign(x, y))
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
#undef UNARY
#undef BINARY

  for (const auto& o : prog.values_out) args.out[o.index] = frame[o.slot];
  for (const auto& o : prog.states_out) args.y_out[o.index] = frame[o.slot];
  for (const auto& o : prog.params_out) args.p_out[o.index] = frame[o.slot];
}
#pragma GCC diagnostic pop

template void execute<double>(const Program&, double*, const CallArgs<double>&);
template void execute<float>(const Program&, float*, const CallArgs<float>&);
template void execute<long long>(const Program&, long long*, const CallArgs<long long>&);

}  // namespace dynlib::interp

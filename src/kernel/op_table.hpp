// The one list of the expression language's value operations: for each, its name, how many
// operands it reads, whether int64 models may use it, and the kernel function (ops.hpp) that
// computes it. The IR's opcodes and names, its constant folder, the front end's constant
// evaluator, the VM's dispatch and codegen's emission are all generated from this list, so an
// operation cannot mean one thing when folded and another when run (DESIGN rule 2).
// Freestanding: macros and templates only.
#pragma once

#include "ops.hpp"

// X(Name, arity, int64_ok, kernel function in dynlib::kernel::ops)
// Order matters: it is the numbering of ir::Op's value operations.
#define DYNLIB_VALUE_OPS(X)         \
  X(Copy, 1, true, copy)            \
  X(Neg, 1, true, neg)              \
  X(Add, 2, true, add)              \
  X(Sub, 2, true, sub)              \
  X(Mul, 2, true, mul)              \
  X(Div, 2, false, div)             \
  X(FloorDiv, 2, true, py_floordiv) \
  X(Mod, 2, true, py_mod)           \
  X(Pow, 2, false, pow)             \
  X(Lt, 2, true, lt)                \
  X(Le, 2, true, le)                \
  X(Gt, 2, true, gt)                \
  X(Ge, 2, true, ge)                \
  X(Eq, 2, true, eq)                \
  X(Ne, 2, true, ne)                \
  X(Not, 1, true, logical_not)      \
  X(And, 2, true, logical_and)      \
  X(Or, 2, true, logical_or)        \
  X(Min, 2, true, min2)             \
  X(Max, 2, true, max2)             \
  X(Abs, 1, true, abs)              \
  X(Sign, 1, true, sign)            \
  X(Exp, 1, false, exp)             \
  X(Expm1, 1, false, expm1)         \
  X(Log, 1, false, log)             \
  X(Log10, 1, false, log10)         \
  X(Log2, 1, false, log2)           \
  X(Log1p, 1, false, log1p)         \
  X(Sqrt, 1, false, sqrt)           \
  X(Sin, 1, false, sin)             \
  X(Cos, 1, false, cos)             \
  X(Tan, 1, false, tan)             \
  X(Asin, 1, false, asin)           \
  X(Acos, 1, false, acos)           \
  X(Atan, 1, false, atan)           \
  X(Sinh, 1, false, sinh)           \
  X(Cosh, 1, false, cosh)           \
  X(Tanh, 1, false, tanh)           \
  X(Asinh, 1, false, asinh)         \
  X(Acosh, 1, false, acosh)         \
  X(Atanh, 1, false, atanh)         \
  X(Floor, 1, false, floor)         \
  X(Ceil, 1, false, ceil)           \
  X(Trunc, 1, false, trunc)         \
  X(Round, 1, false, nearbyint)     \
  X(Erf, 1, false, erf)             \
  X(Erfc, 1, false, erfc)           \
  X(Atan2, 2, false, atan2)         \
  X(Hypot, 2, false, hypot)         \
  X(Copysign, 2, false, copysign)

namespace dynlib::kernel::ops {

enum class OpCode : int {
#define DYNLIB_OP_ENUM(name, arity, ints, fn) name,
  DYNLIB_VALUE_OPS(DYNLIB_OP_ENUM)
#undef DYNLIB_OP_ENUM
};

inline constexpr int kValueOpCount = 0
#define DYNLIB_OP_COUNT(name, arity, ints, fn) +1
    DYNLIB_VALUE_OPS(DYNLIB_OP_COUNT)
#undef DYNLIB_OP_COUNT
    ;

// apply_<Name>(x[, y]): the operation in dtype R. An operation int64 models cannot use returns x
// for R = long long: the front end rejects it there, and the VM's integer instantiation only
// needs something that compiles.
#define DYNLIB_OP_PARAMS_1 R x
#define DYNLIB_OP_PARAMS_2 R x, R y
#define DYNLIB_OP_ARGS_1 x
#define DYNLIB_OP_ARGS_2 x, y
#define DYNLIB_OP_APPLY(name, arity, ints, fn)      \
  template <class R>                                \
  inline R apply_##name(DYNLIB_OP_PARAMS_##arity) { \
    if constexpr (!(ints) && !is_floating<R>)       \
      return x;                                     \
    else                                            \
      return fn(DYNLIB_OP_ARGS_##arity);            \
  }
DYNLIB_VALUE_OPS(DYNLIB_OP_APPLY)
#undef DYNLIB_OP_APPLY

// The same, chosen at run time (constant folding and evaluation; the VM dispatches statically).
// Unary operations ignore y.
template <class R>
inline R apply(OpCode op, R x, R y) {
  switch (op) {
#define DYNLIB_OP_CASE_1(name) \
  case OpCode::name:           \
    return apply_##name(x);
#define DYNLIB_OP_CASE_2(name) \
  case OpCode::name:           \
    return apply_##name(x, y);
#define DYNLIB_OP_CASE(name, arity, ints, fn) DYNLIB_OP_CASE_##arity(name)
    DYNLIB_VALUE_OPS(DYNLIB_OP_CASE)
#undef DYNLIB_OP_CASE
#undef DYNLIB_OP_CASE_1
#undef DYNLIB_OP_CASE_2
  }
  return x;
}
#undef DYNLIB_OP_PARAMS_1
#undef DYNLIB_OP_PARAMS_2
#undef DYNLIB_OP_ARGS_1
#undef DYNLIB_OP_ARGS_2

struct OpInfo {
  const char* name;
  int arity;
  bool int64_ok;
  const char* kernel_function;  // in dynlib::kernel::ops, for code generators
};

inline constexpr OpInfo kOpInfo[] = {
#define DYNLIB_OP_INFO(name, arity, ints, fn) {#name, arity, ints, #fn},
    DYNLIB_VALUE_OPS(DYNLIB_OP_INFO)
#undef DYNLIB_OP_INFO
};

constexpr const OpInfo& op_info(OpCode op) {
  return kOpInfo[static_cast<int>(op)];
}

}  // namespace dynlib::kernel::ops

// Which kernel operation (kernel/op_table.hpp) each operator of the language, and each builtin that
// is exactly one operation, denotes. The lowering emits it and the constant evaluator applies it,
// so the two read an expression the same way.
#pragma once

#include <optional>
#include <stdexcept>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/builtins.hpp"
#include "kernel/op_table.hpp"

namespace dynlib::dsl {

// Binary arithmetic (Add..Pow) and comparisons (Lt..Ne); Neg for the unary minus.
kernel::ops::OpCode operator_op(Op op);

// nullopt for builtins made of several operations (min/max over n arguments, heaviside, relu,
// clip, approx) and for event macros.
std::optional<kernel::ops::OpCode> builtin_op(BuiltinId id);

// What a math builtin or macro computes, as operations: `op(code, x, y)` applies one operation (y
// unused by unary ones) or emits it; `zero` is 0 in the model's dtype. Not for event macros.
template <class V, class OpFn>
V expand_builtin(BuiltinId id, const std::vector<V>& a, V zero, OpFn op) {
  using kernel::ops::OpCode;
  switch (id) {
    case BuiltinId::Min:
    case BuiltinId::Max: {
      // Python's n-ary min/max scan left to right.
      V r = a[0];
      for (size_t i = 1; i < a.size(); ++i)
        r = op(id == BuiltinId::Min ? OpCode::Min : OpCode::Max, r, a[i]);
      return r;
    }
    case BuiltinId::Heaviside:
      return op(OpCode::Ge, a[0], zero);
    case BuiltinId::Relu:
      return op(OpCode::Max, a[0], zero);
    case BuiltinId::Clip:
      return op(OpCode::Min, op(OpCode::Max, a[0], a[1]), a[2]);
    case BuiltinId::Approx:
      return op(OpCode::Le, op(OpCode::Abs, op(OpCode::Sub, a[0], a[1]), zero), a[2]);
    default:
      break;
  }
  const auto code = builtin_op(id);
  if (!code) throw std::logic_error("expand_builtin: an event macro");
  return op(*code, a[0], a.size() >= 2 ? a[1] : zero);
}

}  // namespace dynlib::dsl

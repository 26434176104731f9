#include "dsl/operations.hpp"

#include <stdexcept>

namespace dynlib::dsl {

using kernel::ops::OpCode;

OpCode operator_op(Op op) {
  switch (op) {
    case Op::Add:
      return OpCode::Add;
    case Op::Sub:
      return OpCode::Sub;
    case Op::Mul:
      return OpCode::Mul;
    case Op::Div:
      return OpCode::Div;
    case Op::FloorDiv:
      return OpCode::FloorDiv;
    case Op::Mod:
      return OpCode::Mod;
    case Op::Pow:
      return OpCode::Pow;
    case Op::Neg:
      return OpCode::Neg;
    case Op::Lt:
      return OpCode::Lt;
    case Op::Le:
      return OpCode::Le;
    case Op::Gt:
      return OpCode::Gt;
    case Op::Ge:
      return OpCode::Ge;
    case Op::Eq:
      return OpCode::Eq;
    case Op::Ne:
      return OpCode::Ne;
    case Op::Pos:
      break;
  }
  throw std::logic_error("unary plus is not an operation");
}

std::optional<OpCode> builtin_op(BuiltinId id) {
  switch (id) {
    case BuiltinId::Abs:
      return OpCode::Abs;
    case BuiltinId::Sign:
      return OpCode::Sign;
    case BuiltinId::Round:
      return OpCode::Round;
    case BuiltinId::Exp:
      return OpCode::Exp;
    case BuiltinId::Expm1:
      return OpCode::Expm1;
    case BuiltinId::Log:
      return OpCode::Log;
    case BuiltinId::Log10:
      return OpCode::Log10;
    case BuiltinId::Log2:
      return OpCode::Log2;
    case BuiltinId::Log1p:
      return OpCode::Log1p;
    case BuiltinId::Sqrt:
      return OpCode::Sqrt;
    case BuiltinId::Sin:
      return OpCode::Sin;
    case BuiltinId::Cos:
      return OpCode::Cos;
    case BuiltinId::Tan:
      return OpCode::Tan;
    case BuiltinId::Asin:
      return OpCode::Asin;
    case BuiltinId::Acos:
      return OpCode::Acos;
    case BuiltinId::Atan:
      return OpCode::Atan;
    case BuiltinId::Atan2:
      return OpCode::Atan2;
    case BuiltinId::Sinh:
      return OpCode::Sinh;
    case BuiltinId::Cosh:
      return OpCode::Cosh;
    case BuiltinId::Tanh:
      return OpCode::Tanh;
    case BuiltinId::Asinh:
      return OpCode::Asinh;
    case BuiltinId::Acosh:
      return OpCode::Acosh;
    case BuiltinId::Atanh:
      return OpCode::Atanh;
    case BuiltinId::Floor:
      return OpCode::Floor;
    case BuiltinId::Ceil:
      return OpCode::Ceil;
    case BuiltinId::Trunc:
      return OpCode::Trunc;
    case BuiltinId::Hypot:
      return OpCode::Hypot;
    case BuiltinId::Copysign:
      return OpCode::Copysign;
    case BuiltinId::Erf:
      return OpCode::Erf;
    case BuiltinId::Erfc:
      return OpCode::Erfc;
    case BuiltinId::Pow:
      return OpCode::Pow;
    default:
      return std::nullopt;
  }
}

}  // namespace dynlib::dsl

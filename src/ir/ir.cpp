#include <fmt/format.h>

#include "ir/ir.hpp"

namespace dynlib::ir {

const char* op_name(Op op) {
  switch (op) {
#define NAME(x) \
  case Op::x:   \
    return #x;
    NAME(Copy)
    NAME(Neg) NAME(Add) NAME(Sub) NAME(Mul) NAME(Div) NAME(FloorDiv) NAME(Mod) NAME(Pow) NAME(Lt)
        NAME(Le) NAME(Gt) NAME(Ge) NAME(Eq) NAME(Ne) NAME(Not) NAME(And) NAME(Or) NAME(Min)
            NAME(Max) NAME(Abs) NAME(Sign) NAME(Exp) NAME(Expm1) NAME(Log) NAME(Log10) NAME(Log2)
                NAME(Log1p) NAME(Sqrt) NAME(Sin) NAME(Cos) NAME(Tan) NAME(Asin) NAME(Acos)
                    NAME(Atan) NAME(Sinh) NAME(Cosh) NAME(Tanh) NAME(Asinh) NAME(Acosh) NAME(Atanh)
                        NAME(Floor) NAME(Ceil) NAME(Trunc) NAME(Round) NAME(Erf) NAME(Erfc)
                            NAME(Atan2) NAME(Hypot) NAME(Copysign) NAME(ParamAt) NAME(LoopBegin)
                                NAME(LoopEnd) NAME(If) NAME(Else) NAME(EndIf)
#undef NAME
  }
  return "?";
}

int op_arity(Op op) {
  switch (op) {
    case Op::Copy:
    case Op::Neg:
    case Op::Not:
    case Op::Abs:
    case Op::Sign:
    case Op::Exp:
    case Op::Expm1:
    case Op::Log:
    case Op::Log10:
    case Op::Log2:
    case Op::Log1p:
    case Op::Sqrt:
    case Op::Sin:
    case Op::Cos:
    case Op::Tan:
    case Op::Asin:
    case Op::Acos:
    case Op::Atan:
    case Op::Sinh:
    case Op::Cosh:
    case Op::Tanh:
    case Op::Asinh:
    case Op::Acosh:
    case Op::Atanh:
    case Op::Floor:
    case Op::Ceil:
    case Op::Trunc:
    case Op::Round:
    case Op::Erf:
    case Op::Erfc:
    case Op::If:
      return 1;
    case Op::Else:
    case Op::EndIf:
      return 0;
    case Op::ParamAt:
      return 3;
    default:
      return 2;
  }
}

std::string dump(const Function& f, const Module& m) {
  std::string out = fmt::format("function {} ({} slots)\n", f.name, f.n_slots);
  auto slot = [&](int s) {
    if (s >= 0 && static_cast<size_t>(s) < m.n_consts())
      return m.dtype == dsl::DType::Int64 ? fmt::format("{}", m.int_consts[static_cast<size_t>(s)])
                                          : fmt::format("{}", m.consts[static_cast<size_t>(s)]);
    return fmt::format("%{}", s);
  };
  for (const auto& in : f.inputs) {
    static const char* kinds[] = {"state", "param", "time", "lag", "direction"};
    out += fmt::format("  %{} = {}[{}]{}\n", in.slot, kinds[static_cast<int>(in.kind)], in.index,
                       in.kind == InputKind::Lag ? fmt::format(" (k={})", in.lag) : "");
  }
  for (size_t i = 0; i < f.code.size(); ++i) {
    const Instr& ins = f.code[i];
    std::string line;
    switch (ins.op) {
      case Op::LoopBegin:
        line = fmt::format("loop while {} {} {} else -> {}", slot(ins.a), ins.c > 0 ? "<" : ">",
                           slot(ins.b), ins.dst);
        break;
      case Op::LoopEnd:
        line = fmt::format("{} += {}; -> {}", slot(ins.a), slot(ins.b), ins.dst);
        break;
      case Op::If:
        line = fmt::format("if not {} -> {}", slot(ins.a), ins.dst);
        break;
      case Op::Else:
        line = fmt::format("else -> {}", ins.dst);
        break;
      case Op::EndIf:
        line = "endif";
        break;
      case Op::ParamAt:
        line = fmt::format("%{} = param[{} + {}] (size {})", ins.dst, ins.a, slot(ins.b), ins.c);
        break;
      default:
        line = fmt::format("%{} = {} {}", ins.dst, op_name(ins.op), slot(ins.a));
        if (op_arity(ins.op) >= 2) line += ", " + slot(ins.b);
        break;
    }
    out += fmt::format("  {:4}: {}\n", i, line);
  }
  for (const auto& o : f.outputs) {
    static const char* kinds[] = {"out", "y_out", "p_out"};
    out += fmt::format("  {}[{}] = {}\n", kinds[static_cast<int>(o.kind)], o.index, slot(o.slot));
  }
  return out;
}

}  // namespace dynlib::ir

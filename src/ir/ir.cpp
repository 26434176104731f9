#include <fmt/format.h>

#include "ir/ir.hpp"

namespace dynlib::ir {

const char* op_name(Op op) {
  if (is_value_op(op)) return kernel::ops::op_info(kernel_op(op)).name;
  switch (op) {
    case Op::ParamAt:
      return "ParamAt";
    case Op::LoopBegin:
      return "LoopBegin";
    case Op::LoopEnd:
      return "LoopEnd";
    case Op::If:
      return "If";
    case Op::Else:
      return "Else";
    case Op::EndIf:
      return "EndIf";
    default:
      return "?";
  }
}

int op_arity(Op op) {
  if (is_value_op(op)) return kernel::ops::op_info(kernel_op(op)).arity;
  switch (op) {
    case Op::ParamAt:
      return 3;
    case Op::If:
      return 1;
    case Op::Else:
    case Op::EndIf:
      return 0;
    default:  // LoopBegin, LoopEnd
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
  if (f.zero_fill > 0) out += fmt::format("  out[0..{}) = 0\n", f.zero_fill);
  for (const auto& o : f.outputs) {
    static const char* kinds[] = {"out", "y_out", "p_out"};
    out += fmt::format("  {}[{}] = {}\n", kinds[static_cast<int>(o.kind)], o.index, slot(o.slot));
  }
  return out;
}

}  // namespace dynlib::ir

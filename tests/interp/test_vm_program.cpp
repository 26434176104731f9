// How the VM prepares a tape (src/interp/vm_program.cpp): every handler form of every operation
// computes the kernel's function bit for bit, a jump never lands on a handler that reads the
// register, and outputs are stored where they are computed only when that is the one final write.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "interp/vm.hpp"
#include "interp/vm_handlers.hpp"
#include "ir/ir.hpp"
#include "ir/op_cases.hpp"
#include "kernel/op_table.hpp"

namespace {

using namespace dynlib;
using ir::Op;

// Bit for bit, except that any NaN equals any NaN: which operand's NaN an addition returns is the
// hardware's choice once a compiler commutes it, in the VM as in generated code.
template <class R>
bool same_bits(R a, R b) {
  if constexpr (kernel::is_floating<R>)
    if (a != a && b != b) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The instruction under test reads operand a (b) from the register when a_acc (b_acc): a Copy
// just before it leaves the operand there. Slots 0 and 1 hold params 0 and 1; its result goes
// to out[0] and, for `result`:
//  - kToOut: nowhere else;
//  - kToFrame: also to the state output y_out[0], copied from the frame at the end;
//  - kKeep: a Copy reads it from the register and writes out[0].
ir::Function operand_form(Op op, bool a_acc, bool b_acc, interp::handlers::Result result) {
  ir::Function f;
  f.inputs = {{ir::InputKind::Param, 0, 0, 0}, {ir::InputKind::Param, 1, 0, 1}};
  int a = 0, b = 1;
  if (a_acc && b_acc) {
    f.code.push_back({Op::Copy, 2, 0});  // both operands are param 0
    a = b = 2;
  } else if (a_acc) {
    f.code.push_back({Op::Copy, 2, 0});
    a = 2;
  } else if (b_acc) {
    f.code.push_back({Op::Copy, 2, 1});
    b = 2;
  }
  f.code.push_back({op, 3, a, ir::op_arity(op) == 2 ? b : -1});
  f.outputs = {{ir::OutputKind::Value, 0, 3}};
  if (result == interp::handlers::kToFrame) f.outputs.push_back({ir::OutputKind::State, 0, 3});
  if (result == interp::handlers::kKeep) {
    f.code.push_back({Op::Copy, 4, 3});
    f.outputs = {{ir::OutputKind::Value, 0, 4}};
  }
  f.n_slots = 5;
  return f;
}

template <class R>
void check_every_form() {
  const std::vector<R> values = dynlib::testing::operands<R>();
  int forms = 0;
  for (int code = 0; code < kernel::ops::kValueOpCount; ++code) {
    const auto& info = kernel::ops::kOpInfo[code];
    if (!kernel::is_floating<R> && !info.int64_ok) continue;
    const Op op = ir::ir_op(static_cast<kernel::ops::OpCode>(code));
    const int n_forms = info.arity == 1 ? 2 : 4;
    for (int form = 0; form < 3 * n_forms; ++form) {
      const bool a_acc = (form % n_forms) & 1, b_acc = (form % n_forms) & 2;
      const auto result = static_cast<interp::handlers::Result>(form / n_forms);
      SCOPED_TRACE(std::string(info.name) + (a_acc ? " A" : " F") +
                   (info.arity == 1 ? "" : (b_acc ? "A" : "F")) + " result form " +
                   std::to_string(result));
      const interp::Program prog = interp::prepare(operand_form(op, a_acc, b_acc, result));
      const size_t at = a_acc || b_acc ? 1 : 0;  // after the Copy that fills the register
      ASSERT_GT(prog.code.size(), at + 1);
      ASSERT_EQ(prog.code[at].handler, interp::handlers::value(op, a_acc, b_acc, result));
      ASSERT_TRUE(prog.values_out.empty());
      ++forms;

      std::vector<R> frame(static_cast<size_t>(prog.n_slots), R(0));
      const R y[1] = {0};
      kernel::LagView<R> lag;
      for (R x : values) {
        for (R z : values) {
          const R p[2] = {x, z};
          R got = 0, state = 0;
          interp::execute<R>(prog, frame.data(), {0, y, p, &lag, &got, &state, nullptr});
          const R second = a_acc && b_acc ? x : z;
          const R want = kernel::ops::apply(ir::kernel_op(op), x, second);
          ASSERT_TRUE(same_bits(got, want))
              << "a=" << x << " b=" << second << ": " << got << " instead of " << want;
          if (result == interp::handlers::kToFrame) {
            ASSERT_TRUE(same_bits(state, want));
          }
          if (info.arity == 1) break;  // z is not read
        }
      }
    }
  }
  EXPECT_GT(forms, 120);
}

TEST(VmProgram, EveryOperandFormOfEveryOperationIsTheKernelsFunctionFloat64) {
  check_every_form<double>();
}
TEST(VmProgram, EveryOperandFormOfEveryOperationIsTheKernelsFunctionFloat32) {
  check_every_form<float>();
}
TEST(VmProgram, EveryOperandFormOfEveryOperationIsTheKernelsFunctionInt64) {
  check_every_form<long long>();
}

ir::Module lower_text(const std::string& text) {
  return ir::lower(dsl::load_model_text(text, "t.toml"));
}

// A value handler's operand form (0 = every operand from the frame) and result form.
std::pair<int, int> forms_of(int32_t handler) {
  int op = 0;
  while (interp::handlers::kFirst[static_cast<size_t>(op + 1)] <= handler) ++op;
  const int forms = interp::handlers::operand_forms(kernel::ops::kOpInfo[op].arity);
  const int offset = handler - interp::handlers::kFirst[static_cast<size_t>(op)];
  return {offset % forms, offset / forms};
}

bool reads_register(int32_t handler) {
  return handler < interp::handlers::ParamAt && forms_of(handler).first != 0;
}

// Steps that write a value output before the tape ends.
int early_stores(const interp::Program& prog) {
  int n = 0;
  for (const interp::Step& s : prog.code)
    n += s.handler == interp::handlers::StoreOut ||
         (s.handler < interp::handlers::ParamAt &&
          forms_of(s.handler).second == interp::handlers::kToOut);
  return n;
}

const char* kBranchy = R"toml(
[model]
type = "map"
[states]
x = 1.0
y = 2.0
[params]
w = [1, 2, 3, 4]
[equations.rhs]
x = "(x * y if x > 0 else y * x) * 2"
y = "sum(w[i] * x * x for i in range(0, 4)) * y"
)toml";

TEST(VmProgram, JumpsLandOnHandlersThatReadTheFrame) {
  const ir::Module m = lower_text(kBranchy);
  const interp::Program prog = interp::prepare(m.rhs);
  int jumps = 0, register_reads = 0;
  for (const interp::Step& s : prog.code) {
    register_reads += reads_register(s.handler);
    const bool jumps_somewhere =
        s.handler >= interp::handlers::LoopBegin && s.handler <= interp::handlers::Else;
    if (!jumps_somewhere) continue;
    ++jumps;
    ASSERT_GE(s.dst, 0);
    ASSERT_LT(static_cast<size_t>(s.dst), prog.code.size());
    EXPECT_FALSE(reads_register(prog.code[static_cast<size_t>(s.dst)].handler))
        << "a jump lands on step " << s.dst;
  }
  EXPECT_GE(jumps, 4);           // If, Else, LoopBegin, LoopEnd
  EXPECT_GE(register_reads, 3);  // x*y, y*x and w[i]*x*x chain through the register

  // And the tape computes what the model says.
  interp::InterpModel<double> vm(interp::compile(std::make_shared<const ir::Module>(m)));
  const double p[4] = {1, 2, 3, 4};
  kernel::LagView<double> lag;
  for (const double x : {1.5, -0.5}) {
    const double y[2] = {x, 3.0};
    double out[2] = {0, 0};
    vm.rhs(0, y, p, lag, out);
    EXPECT_EQ(out[0], (x > 0 ? x * 3.0 : 3.0 * x) * 2);
    double s = 0;
    for (double wi : p) s += wi * x * x;
    EXPECT_EQ(out[1], s * 3.0);
  }
}

TEST(VmProgram, OnlyAnOutputsOneFinalWriteStoresItEarly) {
  const ir::Module m = lower_text(R"toml(
[model]
type = "map"
[states]
a = 1.0
b = 2.0
c = 3.0
d = 4.0
[params]
k = 2.0
[equations.rhs]
a = "a * b + k"
b = "k"
c = "c if a > 0 else -c"
d = "a * b - k"
)toml");
  const interp::Program prog = interp::prepare(m.rhs);
  // a and d are stored as they are computed; b is a param and c a conditional's result, both
  // copied at the end.
  EXPECT_EQ(early_stores(prog), 2);
  EXPECT_EQ(prog.values_out.size(), 2u);

  interp::InterpModel<double> vm(interp::compile(std::make_shared<const ir::Module>(m)));
  const double y[4] = {1.5, 2.0, 3.0, 4.0}, p[1] = {2.0};
  kernel::LagView<double> lag;
  double out[4] = {0, 0, 0, 0};
  vm.rhs(0, y, p, lag, out);
  EXPECT_EQ(out[0], 1.5 * 2.0 + 2.0);
  EXPECT_EQ(out[1], 2.0);
  EXPECT_EQ(out[2], 3.0);
  EXPECT_EQ(out[3], 1.5 * 2.0 - 2.0);

  // One slot behind two outputs: both stored early. Two outputs to one index: both at the end, in
  // order, so the last still wins.
  ir::Function f;
  f.inputs = {{ir::InputKind::Param, 0, 0, 0}};
  f.code = {{Op::Neg, 1, 0}, {Op::Abs, 2, 1}};
  f.outputs = {{ir::OutputKind::Value, 0, 1},
               {ir::OutputKind::Value, 1, 1},
               {ir::OutputKind::Value, 2, 2},
               {ir::OutputKind::Value, 2, 1}};
  f.n_slots = 3;
  const interp::Program shared = interp::prepare(f);
  EXPECT_EQ(early_stores(shared), 2);
  EXPECT_EQ(shared.values_out.size(), 2u);
  std::vector<double> frame(static_cast<size_t>(shared.n_slots), 0.0);
  double o3[3] = {0, 0, 0};
  const double q[1] = {2.5};
  interp::execute<double>(shared, frame.data(), {0, y, q, &lag, o3, nullptr, nullptr});
  EXPECT_EQ(o3[0], -2.5);
  EXPECT_EQ(o3[1], -2.5);
  EXPECT_EQ(o3[2], -2.5);
}

// Outputs stored early still land in a caller's buffer that is also the state it reads: inputs
// are copied into the frame before the tape runs.
TEST(VmProgram, AnOutputBufferThatIsTheInputIsReadBeforeItIsWritten) {
  const ir::Module m = lower_text(R"toml(
[model]
type = "map"
[states]
x = 1.0
y = 2.0
[equations.rhs]
x = "y * 3"
y = "x * 5"
)toml");
  interp::InterpModel<double> vm(interp::compile(std::make_shared<const ir::Module>(m)));
  double xy[2] = {1.0, 2.0};
  kernel::LagView<double> lag;
  vm.rhs(0, xy, nullptr, lag, xy);
  EXPECT_EQ(xy[0], 6.0);
  EXPECT_EQ(xy[1], 5.0);
}

}  // namespace

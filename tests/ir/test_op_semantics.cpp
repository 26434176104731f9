// One meaning per operation: for every IR value operation and dtype, over operands that include
// signed zeros, infinities, NaN, domain errors and int64 overflow edges, the IR's constant folder,
// the front end's constant evaluator and the interpreter's VM give the same bits (DESIGN rule 2).
// The native backend is checked in tests/codegen/test_op_semantics_native.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "dsl/const_eval.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "ir/op_cases.hpp"
#include "kernel/op_table.hpp"

namespace {

using namespace dynlib;
using dynlib::testing::OpCase;

template <class R>
bool same_bits(R a, R b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Which NaN a + b or a * b returns when both operands are NaNs is the compiler's choice (it may
// commute the operands; IEEE 754 leaves it open): there any NaN is the answer.
template <class R>
bool same_value(R a, R b, R x, R y) {
  if constexpr (kernel::is_floating<R>)
    if (x != x && y != y && a != a && b != b) return true;
  return same_bits(a, b);
}

// The params a and b of the aux expression, turned into literals the test sets.
std::vector<dsl::Expr*> param_leaves(dsl::Expr& e) {
  std::vector<dsl::Expr*> out;
  if (e.kind == dsl::ExprKind::Name && e.ref == dsl::Ref::Param) out.push_back(&e);
  for (auto& a : e.args)
    for (dsl::Expr* x : param_leaves(*a)) out.push_back(x);
  return out;
}

// Whether `op` on exact integers leaves int64 (the front end reports that; a run wraps around).
bool int_overflows(const std::string& op, long long x, long long y) {
  const __int128 a = x, b = y;
  __int128 r = 0;
  if (op == "Add")
    r = a + b;
  else if (op == "Sub")
    r = a - b;
  else if (op == "Mul")
    r = a * b;
  else if (op == "Neg")
    r = -a;
  else if (op == "Abs")
    r = a < 0 ? -a : a;
  else if (op == "FloorDiv" && y == -1)
    r = -a;
  return r > LLONG_MAX || r < LLONG_MIN;
}

template <class R>
void check_op(const OpCase& c, DType dtype) {
  constexpr bool integer = !kernel::is_floating<R>;
  SCOPED_TRACE(std::string(c.op) + " " + dtype_name(dtype));
  const std::string text = dynlib::testing::op_model(c.expr, dtype);

  // At run time: the VM, with a and b as params.
  const dsl::ModelSpec run_spec = dsl::load_model_text(text, "op.toml");
  auto run_module = std::make_shared<const ir::Module>(ir::lower(run_spec));
  ASSERT_EQ(run_module->aux.code.size(), 1u) << ir::dump(run_module->aux, *run_module);
  ASSERT_STREQ(ir::op_name(run_module->aux.code[0].op), c.op);
  const bool binary = ir::op_arity(run_module->aux.code[0].op) == 2;
  interp::InterpModel<R> vm(interp::compile(run_module));

  // At load time: the same expression with a and b as literals.
  dsl::ModelSpec fold_spec = dsl::load_model_text(text, "op.toml");
  dsl::Expr& expr = *fold_spec.aux[0].expr.expr;
  std::vector<dsl::Expr*> leaves = param_leaves(expr);
  ASSERT_EQ(leaves.size(), binary ? 2u : 1u);
  for (dsl::Expr* leaf : leaves) leaf->kind = dsl::ExprKind::Number;

  const std::vector<R> values = dynlib::testing::operands<R>();
  const std::vector<R> second = binary ? values : std::vector<R>{R(0)};
  const R y0[1] = {0};
  kernel::LagView<R> lag;
  int checked = 0;
  for (R x : values) {
    for (R y : second) {
      SCOPED_TRACE(::testing::Message() << "a=" << x << " b=" << y);
      const R p[2] = {x, y};
      R at_run = 0;
      vm.aux(0, y0, p, lag, &at_run);

      for (dsl::Expr* leaf : leaves) {
        const R v = leaf->ref_index == 0 ? x : y;
        leaf->number = static_cast<double>(v);
        leaf->int_value = integer ? static_cast<long long>(v) : 0;
      }
      const ir::Module folded = ir::lower(fold_spec);
      ASSERT_TRUE(folded.aux.code.empty()) << ir::dump(folded.aux, folded);
      const auto slot = static_cast<size_t>(folded.aux.outputs[0].slot);
      ASSERT_LT(slot, folded.n_consts());
      R at_fold;
      if constexpr (integer)
        at_fold = folded.int_consts[slot];
      else
        at_fold = static_cast<R>(folded.consts[slot]);
      EXPECT_TRUE(same_value(at_fold, at_run, x, y)) << "folded " << at_fold << ", ran " << at_run;

      try {
        const dsl::ConstValue cv = dsl::eval_const(expr, fold_spec);
        R at_load;
        if constexpr (integer)
          at_load = cv.int_value;
        else
          at_load = static_cast<R>(cv.value);
        EXPECT_TRUE(same_value(at_load, at_run, x, y))
            << "evaluated " << at_load << ", ran " << at_run;
      } catch (const dsl::ConstEvalError& err) {
        // Loading reports what a run defines quietly: a zero divisor, an int64 overflow.
        const std::string op = c.op, what = err.what();
        const bool divides = op == "Div" || op == "FloorDiv" || op == "Mod";
        if (divides && y == 0)
          EXPECT_EQ(what, op == "Mod" ? "modulo by zero" : "division by zero");
        else if constexpr (integer)
          EXPECT_TRUE(int_overflows(op, x, y)) << what;
        else
          ADD_FAILURE() << what;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(OpSemantics, EveryOperationHasACase) {
  std::set<std::string> covered;
  for (const OpCase& c : dynlib::testing::op_cases()) covered.insert(c.op);
  for (const auto& info : kernel::ops::kOpInfo)
    if (std::string(info.name) != "Copy") EXPECT_TRUE(covered.count(info.name)) << info.name;
}

TEST(OpSemantics, Float64FolderEvaluatorAndVmAgreeBitForBit) {
  for (const OpCase& c : dynlib::testing::op_cases()) check_op<double>(c, DType::Float64);
}

TEST(OpSemantics, Float32FolderEvaluatorAndVmAgreeBitForBit) {
  for (const OpCase& c : dynlib::testing::op_cases()) check_op<float>(c, DType::Float32);
}

TEST(OpSemantics, Int64FolderEvaluatorAndVmAgreeBitForBit) {
  for (const OpCase& c : dynlib::testing::op_cases())
    if (c.int64) check_op<long long>(c, DType::Int64);
}

TEST(OpSemantics, Float32LoadTimeValuesAreComputedInFloat) {
  // The front end used to evaluate in double: this param was 1e-8 while the same expression in an
  // equation folds to 0 in float.
  const dsl::ModelSpec spec = dsl::load_model_text(R"toml(
[model]
type = "map"
dtype = "float32"
[states]
x = "1e-8 + 1 - 1"
[params]
eps = "1e-8 + 1 - 1"
[equations.rhs]
x = "x"
[aux]
r = "1e-8 + 1 - 1"
)toml",
                                                   "f32.toml");
  const ir::Module m = ir::lower(spec);
  const auto slot = static_cast<size_t>(m.aux.outputs[0].slot);
  ASSERT_LT(slot, m.n_consts());
  EXPECT_EQ(m.consts[slot], 0.0);
  EXPECT_EQ(spec.params[0].values[0], 0.0);
  EXPECT_EQ(spec.states[0].init_value, 0.0);
}

TEST(OpSemantics, Int64ZeroDivisorIsZeroAtRunTime) {
  // The documented meaning of x // 0 and x % 0 in int64 maps, which folding must keep.
  EXPECT_EQ(kernel::ops::apply(kernel::ops::OpCode::FloorDiv, 7LL, 0LL), 0);
  EXPECT_EQ(kernel::ops::apply(kernel::ops::OpCode::Mod, 7LL, 0LL), 0);
  EXPECT_EQ(kernel::ops::apply(kernel::ops::OpCode::FloorDiv, LLONG_MIN, -1LL), LLONG_MIN);
}

}  // namespace

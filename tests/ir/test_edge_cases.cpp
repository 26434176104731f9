// Edge cases whole expressions, not single operations: each expression of tests/ir/edge_cases.hpp
// run by the VM with the awkward values as params gives the bits the IR's folder computes with
// them as literals (and the front end's evaluator, where loading does not refuse the value).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dsl/const_eval.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/edge_cases.hpp"
#include "ir/ir.hpp"

namespace {

using namespace dynlib;
namespace dt = dynlib::testing;

template <class R>
void check_edge_cases(const std::vector<std::string>& exprs, DType dtype) {
  SCOPED_TRACE(dtype_name(dtype));
  const std::string text = dt::edge_model(exprs, dtype);
  auto run_module =
      std::make_shared<const ir::Module>(ir::lower(dsl::load_model_text(text, "edge.toml")));
  interp::InterpModel<R> vm(interp::compile(run_module));
  const std::vector<R> p = dt::edge_params<R>();
  std::vector<R> ran(exprs.size());
  const R y0[1] = {0};
  kernel::LagView<R> lag;
  vm.aux(0, y0, p.data(), lag, ran.data());

  dsl::ModelSpec fold_spec = dsl::load_model_text(text, "edge.toml");
  dt::params_to_literals<R>(fold_spec);
  const ir::Module folded = ir::lower(fold_spec);
  for (size_t i = 0; i < exprs.size(); ++i) {
    SCOPED_TRACE(exprs[i]);
    const auto slot = static_cast<size_t>(folded.aux.outputs[i].slot);
    if (slot >= folded.n_consts()) continue;  // a sum/prod loop is not folded, only run
    R at_fold;
    if constexpr (std::is_floating_point_v<R>)
      at_fold = static_cast<R>(folded.consts[slot]);
    else
      at_fold = folded.int_consts[slot];
    EXPECT_TRUE(dt::same_bits(at_fold, ran[i])) << "folded " << at_fold << ", ran " << ran[i];
    try {
      const dsl::ConstValue cv = dsl::eval_const(*fold_spec.aux[i].expr.expr, fold_spec);
      R at_load;
      if constexpr (std::is_floating_point_v<R>)
        at_load = static_cast<R>(cv.value);
      else
        at_load = cv.int_value;
      EXPECT_TRUE(dt::same_bits(at_load, ran[i])) << "evaluated " << at_load << ", ran " << ran[i];
    } catch (const dsl::ConstEvalError&) {
      // Loading refuses what a run defines quietly (a zero divisor, an int64 overflow):
      // tests/ir/test_op_semantics.cpp checks which.
    }
  }
}

TEST(EdgeCases, Float64FolderEvaluatorAndVmAgreeBitForBit) {
  check_edge_cases<double>(dt::float_edge_exprs(), DType::Float64);
}

TEST(EdgeCases, Float32FolderEvaluatorAndVmAgreeBitForBit) {
  check_edge_cases<float>(dt::float_edge_exprs(), DType::Float32);
}

TEST(EdgeCases, Int64FolderEvaluatorAndVmAgreeBitForBit) {
  check_edge_cases<long long>(dt::int_edge_exprs(), DType::Int64);
}

TEST(EdgeCases, Int64RunsWrapAndZeroDivisorsGiveZero) {
  // The documented int64 rule (docs/modeling.md), spelled out on a few of the corpus' rows.
  const std::vector<std::string> exprs = {"big + one",   "nbig // none", "nbig % none",
                                          "one // zero", "big % zero",   "-nbig",
                                          "big * two"};
  auto m = std::make_shared<const ir::Module>(
      ir::lower(dsl::load_model_text(dt::edge_model(exprs, DType::Int64), "edge.toml")));
  interp::InterpModel<long long> vm(interp::compile(m));
  const std::vector<long long> p = dt::edge_params<long long>();
  std::vector<long long> r(exprs.size());
  const long long y0[1] = {0};
  kernel::LagView<long long> lag;
  vm.aux(0, y0, p.data(), lag, r.data());
  EXPECT_EQ(r, (std::vector<long long>{LLONG_MIN, LLONG_MIN, 0, 0, 0, LLONG_MIN, -2}));
}

}  // namespace

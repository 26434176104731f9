// Edge cases natively: each expression of tests/ir/edge_cases.hpp, compiled by codegen (one model
// per dtype: the expressions over params, then the same expressions folded to literals), gives the
// bits the interpreter's VM gives, and its folded copy the bits of the run.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/edge_cases.hpp"
#include "ir/ir.hpp"

namespace {

using namespace dynlib;
namespace ct = dynlib::codegen::testing;
namespace dt = dynlib::testing;

struct EdgeBuild {
  DType dtype;
  const std::vector<std::string>* exprs;
  std::shared_ptr<const ir::Module> module;
  ct::Compiled native;
};

// Aux r0..r(n-1): the expressions over params; r(n)..r(2n-1): the same with the params' values
// as literals, which lowering folds to constants (printed as literals by codegen).
template <class R>
std::shared_ptr<const ir::Module> edge_module(const std::vector<std::string>& exprs, DType dtype) {
  std::vector<std::string> twice = exprs;
  twice.insert(twice.end(), exprs.begin(), exprs.end());
  dsl::ModelSpec spec = dsl::load_model_text(dt::edge_model(twice, dtype), "edge.toml");
  dsl::ModelSpec literal = dsl::load_model_text(dt::edge_model(exprs, dtype), "edge.toml");
  dt::params_to_literals<R>(literal);
  for (size_t i = 0; i < exprs.size(); ++i)
    spec.aux[exprs.size() + i].expr.expr = std::move(literal.aux[i].expr.expr);
  return std::make_shared<const ir::Module>(ir::lower(spec));
}

template <class R>
void compare(EdgeBuild& b) {
  SCOPED_TRACE(dtype_name(b.dtype));
  ASSERT_TRUE(ct::load(b.native)) << b.native.log;
  using Time = kernel::time_t_of<R>;
  auto* aux = b.native.sym<void(Time, const R*, const R*, const void*, R*)>("dynlib_aux");
  ASSERT_NE(aux, nullptr);
  interp::InterpModel<R> vm(interp::compile(b.module));
  const size_t n = b.exprs->size();
  const std::vector<R> p = dt::edge_params<R>();
  std::vector<R> at_vm(2 * n), at_native(2 * n);
  const R y0[1] = {0};
  kernel::LagView<R> lag;
  vm.aux(0, y0, p.data(), lag, at_vm.data());
  aux(0, y0, p.data(), nullptr, at_native.data());
  for (size_t i = 0; i < 2 * n; ++i) {
    SCOPED_TRACE((*b.exprs)[i % n] + (i < n ? " (params)" : " (literals)"));
    EXPECT_TRUE(dt::same_bits(at_vm[i], at_native[i]))
        << "vm " << at_vm[i] << ", native " << at_native[i];
    if (i >= n) {
      EXPECT_TRUE(dt::same_bits(at_native[i], at_native[i - n]))
          << "folded " << at_native[i] << ", ran " << at_native[i - n];
    }
  }
}

TEST(EdgeCasesNative, CompiledCodeMatchesTheVmBitForBit) {
  std::vector<std::unique_ptr<EdgeBuild>> builds;
  auto add = [&](DType d, const std::vector<std::string>& exprs, auto module) {
    auto b = std::make_unique<EdgeBuild>();
    b->dtype = d;
    b->exprs = &exprs;
    b->module = module;
    builds.push_back(std::move(b));
  };
  add(DType::Float64, dt::float_edge_exprs(),
      edge_module<double>(dt::float_edge_exprs(), DType::Float64));
  add(DType::Float32, dt::float_edge_exprs(),
      edge_module<float>(dt::float_edge_exprs(), DType::Float32));
  add(DType::Int64, dt::int_edge_exprs(),
      edge_module<long long>(dt::int_edge_exprs(), DType::Int64));
  // Three small translation units, two at a time (2 cores).
  auto build = [&](size_t i) {
    ct::compile(builds[i]->native, codegen::generate(*builds[i]->module, {"map"}).whole());
  };
  std::thread t0(build, 0), t1(build, 1);
  t0.join();
  t1.join();
  build(2);
  compare<double>(*builds[0]);
  compare<float>(*builds[1]);
  compare<long long>(*builds[2]);
}

}  // namespace

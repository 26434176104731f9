// One meaning per operation, natively: every IR value operation compiled by codegen (one
// translation unit per dtype, every operation an aux variable of one model) computes the bits the
// interpreter's VM computes, over the operands tests/ir/test_op_semantics.cpp uses.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "codegen/codegen.hpp"
#include "codegen/native.hpp"
#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "ir/op_cases.hpp"

namespace {

using namespace dynlib;
namespace ct = dynlib::codegen::testing;

// Every operation of the dtype over a and b, then two that read a folded NaN constant (its sign
// must survive printing as a literal).
std::string all_ops_model(DType dtype) {
  const bool integer = dtype == DType::Int64;
  std::string aux;
  int n = 0;
  for (const auto& c : dynlib::testing::op_cases())
    if (c.int64 || !integer) aux += "r" + std::to_string(n++) + " = \"" + c.expr + "\"\n";
  if (!integer) aux += "nan_const = \"sqrt(-1.0)\"\nnan_sign = \"copysign(a, sqrt(-1.0))\"\n";
  return std::string("[model]\ntype = \"map\"\ndtype = \"") + dtype_name(dtype) +
         "\"\n[states]\nx = 0\n[params]\na = 0\nb = 0\n[equations.rhs]\nx = \"x\"\n[aux]\n" + aux;
}

struct Case {
  DType dtype;
  std::shared_ptr<const ir::Module> module;
  ct::Compiled native;
};

template <class R>
void compare(Case& c) {
  SCOPED_TRACE(dtype_name(c.dtype));
  ASSERT_TRUE(ct::load(c.native)) << c.native.log;
  using Time = kernel::time_t_of<R>;
  auto* aux = c.native.sym<void(Time, const R*, const R*, const void*, R*)>("dynlib_aux");
  ASSERT_NE(aux, nullptr);
  interp::InterpModel<R> vm(interp::compile(c.module));
  const int n = c.module->n_aux;
  std::vector<R> values;
  if constexpr (kernel::is_floating<R>)
    for (double v : dynlib::testing::float_operands()) values.push_back(static_cast<R>(v));
  else
    for (long long v : dynlib::testing::int_operands()) values.push_back(v);
  const R y0[1] = {0};
  kernel::LagView<R> lag;
  int compared = 0;
  for (R x : values) {
    for (R y : values) {
      const R p[2] = {x, y};
      std::vector<R> at_vm(static_cast<size_t>(n)), at_native(static_cast<size_t>(n));
      vm.aux(0, y0, p, lag, at_vm.data());
      aux(0, y0, p, nullptr, at_native.data());
      for (int i = 0; i < n; ++i) {
        const R u = at_vm[static_cast<size_t>(i)], v = at_native[static_cast<size_t>(i)];
        bool same = std::memcmp(&u, &v, sizeof u) == 0;
        // Which of two NaN operands a + b or a * b returns is the compiler's choice.
        if constexpr (kernel::is_floating<R>)
          if (x != x && y != y && u != u && v != v) same = true;
        EXPECT_TRUE(same) << "aux " << i << " a=" << x << " b=" << y << ": vm " << u << ", native "
                          << v;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 0);
}

TEST(OpSemanticsNative, EveryOperationCompiledNativelyMatchesTheVm) {
  const DType dtypes[] = {DType::Float64, DType::Float32, DType::Int64};
  std::vector<std::unique_ptr<Case>> cases;
  for (DType d : dtypes) {
    auto c = std::make_unique<Case>();
    c->dtype = d;
    c->module = std::make_shared<const ir::Module>(
        ir::lower(dsl::load_model_text(all_ops_model(d), "ops.toml")));
    cases.push_back(std::move(c));
  }
  // Three small translation units, two at a time (2 cores).
  auto build = [&](size_t i) {
    ct::compile(cases[i]->native, codegen::generate(*cases[i]->module, {"map"}).whole());
  };
  std::thread t0(build, 0), t1(build, 1);
  t0.join();
  t1.join();
  build(2);
  compare<double>(*cases[0]);
  compare<float>(*cases[1]);
  compare<long long>(*cases[2]);
}

}  // namespace

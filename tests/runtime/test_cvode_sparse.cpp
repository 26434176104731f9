// cvode's sparse linear solver (KLU on the Jacobian's structural pattern) on a large sparse model:
// the 1-D Brusselator (bench/brusselator_model.hpp, shared with the stiff benchmarks).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../bench/brusselator_model.hpp"
#include "runtime/cvode_driver.hpp"
#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;

TEST(CvodeSparse, AutoChoosesKluForLargeSparseJacobiansOnly) {
  using detail::LinearSolver;
  const int n = 80;
  std::vector<unsigned char> banded(static_cast<size_t>(n) * n, 0), dense(banded.size(), 1);
  for (int i = 0; i < n; ++i)
    for (int j = std::max(0, i - 2); j <= std::min(n - 1, i + 2); ++j)
      banded[static_cast<size_t>(i) * n + j] = 1;
  EXPECT_TRUE(detail::use_klu(LinearSolver::Auto, n, banded));
  EXPECT_FALSE(detail::use_klu(LinearSolver::Auto, n, dense));
  EXPECT_FALSE(detail::use_klu(LinearSolver::Auto, 10, std::vector<unsigned char>(100, 0)));
  EXPECT_FALSE(detail::use_klu(LinearSolver::Dense, n, banded));
  EXPECT_TRUE(detail::use_klu(LinearSolver::Klu, 3, dense));
}

// The same problem with dense LU and with KLU: the same solution to the tolerance (the linear
// solves differ in rounding only), and KLU's run is the same in both backends, bit for bit.
TEST(CvodeSparse, KluAndDenseAgreeAndBackendsAgreeBitForBit) {
  const std::string model = bench::brusselator_model(40);  // 80 states
  const RunOptions base{.T = 10.0, .atol = 1e-8, .rtol = 1e-7};
  auto run_with = [&](const char* solver, bool jit) {
    Sim sim = setup(model, {.stepper = "cvode", .jit = jit});
    RunOptions o = base;
    o.linear_solver = solver;
    Results r = sim.run(o);
    EXPECT_EQ(r.status(), Status::Done) << r.message();
    return r;
  };
  const Results dense = run_with("dense", false);
  const Results klu = run_with("klu", false);
  const Results klu_native = run_with("klu", true);
  const auto yd = dense.final_state(), yk = klu.final_state(), yn = klu_native.final_state();
  ASSERT_EQ(yd.size(), 80u);
  for (size_t i = 0; i < yd.size(); ++i) {
    EXPECT_NEAR(yk[i], yd[i], 1e-5 * std::abs(yd[i]) + 1e-8) << "state " << i;
    EXPECT_TRUE(rt_test::same_bits(yk[i], yn[i])) << "state " << i;
  }
  EXPECT_EQ(klu.steps(), klu_native.steps());
  ASSERT_EQ(klu.size(), klu_native.size());
  for (size_t k = 0; k < klu.size(); ++k)
    EXPECT_TRUE(rt_test::same_bits(klu.t()[k], klu_native.t()[k]));
  // The solution stays in the Brusselator's physical range (u, v > 0).
  for (double v : yk) EXPECT_GT(v, 0.0);
}

TEST(CvodeSparse, UnknownLinearSolverIsAnErrorWithASuggestion) {
  Sim sim = setup("builtin://ode/vanderpol", {.stepper = "cvode"});
  const std::string e = rt_test::error_of([&] { sim.run({.T = 1.0, .linear_solver = "kul"}); });
  EXPECT_TRUE(rt_test::contains(e, "unknown linear_solver 'kul'")) << e;
  EXPECT_TRUE(rt_test::contains(e, "klu")) << e;
}

}  // namespace

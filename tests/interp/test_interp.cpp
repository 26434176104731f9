// The interpreter backend: the IR run by the VM through the shared kernel must compute exactly
// what a hand-written C++ model computes when both evaluate the same operations in the same order.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dsl/model_spec.hpp"
#include "interp/interp_model.hpp"
#include "ir/ir.hpp"
#include "kernel/test_wrapper.hpp"

namespace {

using namespace dynlib;

template <class Real>
interp::InterpModel<Real> interp_model(const std::string& uri_or_text, bool inline_text = false) {
  dsl::ModelSpec spec =
      inline_text ? dsl::load_model_text(uri_or_text, "test.toml") : dsl::load_model(uri_or_text);
  auto module = std::make_shared<const ir::Module>(ir::lower(spec));
  return interp::InterpModel<Real>(interp::compile(module));
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Lorenz written by hand in the order the model file writes it.
struct HandLorenz {
  using real_t = double;
  int n_state() const { return 3; }
  int n_param() const { return 3; }
  int n_aux() const { return 0; }
  int n_event() const { return 0; }
  int lag_depth(int) const { return 0; }
  void rhs(double, const double* y, const double* p, const kernel::LagView<double>&,
           double* o) const {
    o[0] = p[0] * (y[1] - y[0]);
    o[1] = y[0] * (p[1] - y[2]) - y[1];
    o[2] = y[0] * y[1] - p[2] * y[2];
  }
  void aux(double, const double*, const double*, const kernel::LagView<double>&, double*) const {}
  int event_phases(int) const { return 0; }
  bool event_cond(int, double, const double*, const double*, const kernel::LagView<double>&) const {
    return false;
  }
  void event_action(int, double, const double*, const double*, const kernel::LagView<double>&,
                    double*, double*) const {}
  int event_log_size(int) const { return 0; }
  void event_log(int, double, const double*, const double*, const kernel::LagView<double>&,
                 double*) const {}
};

TEST(Interp, LorenzRk4MatchesHandWrittenBitForBit) {
  const std::vector<double> y0{1, 1, 1}, p0{10, 28, 8.0 / 3.0};
  kernel::testing::Sim vm(interp_model<double>("builtin://ode/lorenz"), "rk4", y0, p0);
  kernel::testing::Sim hand(HandLorenz{}, "rk4", y0, p0);
  vm.fixed(0.0, 0.01, 2000);
  hand.fixed(0.0, 0.01, 2000);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  ASSERT_EQ(hand.run_all(), kernel::DONE);
  ASSERT_EQ(vm.rows(), 2001);
  ASSERT_EQ(hand.rows(), 2001);
  for (long long r = 0; r < vm.rows(); ++r)
    for (int c = 0; c < 3; ++c)
      ASSERT_TRUE(same_bits(vm.rec(r, c), hand.rec(r, c))) << r << "," << c;
}

TEST(Interp, LogisticMapSameBitsAsDirectIteration) {
  const char* text = R"toml(
[model]
type = "map"
[states]
x = 0.2
[params]
r = 3.9
[equations.rhs]
x = "r * x * (1 - x)"
)toml";
  kernel::testing::Sim vm(interp_model<double>(text, true), "map", {0.2}, {3.9});
  vm.fixed(0.0, 1.0, 1000);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  double x = 0.2;
  for (long long n = 1; n <= 1000; ++n) {
    x = 3.9 * x * (1 - x);
    ASSERT_TRUE(same_bits(vm.rec(n, 0), x)) << n;
  }
}

TEST(Interp, CollatzInt64Exact) {
  kernel::testing::Sim vm(interp_model<long long>("builtin://map/collatz"), "map", {27}, {});
  vm.fixed(0.0, 1.0, 111);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  long long peak = 0;
  for (long long r = 0; r < vm.rows(); ++r) peak = std::max(peak, vm.rec(r, 0));
  EXPECT_EQ(vm.rec(111, 0), 1);
  EXPECT_EQ(peak, 9232);
  for (long long r = 0; r < 111; ++r) EXPECT_NE(vm.rec(r, 0), 1) << r;
}

// Python's arithmetic: % takes the divisor's sign, // floors, min/max keep the first of equals.
TEST(Interp, PythonSemanticsOfOperators) {
  const char* text = R"toml(
[model]
type = "map"
[states]
q1 = 0.0
q2 = 0.0
q3 = 0.0
q4 = 0.0
q5 = 0.0
q6 = 0.0
q7 = 0.0
[params]
m = -7.0
[equations.rhs]
q1 = "m % 3"
q2 = "m // 2"
q3 = "7.5 % -2 + 0*q1"
q4 = "(1 if m < 0 else 2) + 10*(m < -8)"
q5 = "sum(i for i in range(0, 10) if i % 2 == 0)"
q6 = "prod(i + 1 for i in range(4))"
q7 = "2**-1 + -m**2"
)toml";
  kernel::testing::Sim vm(interp_model<double>(text, true), "map", std::vector<double>(7, 0.0),
                          {-7.0});
  vm.fixed(0.0, 1.0, 1);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  EXPECT_EQ(vm.rec(1, 0), 2.0);   // -7 % 3
  EXPECT_EQ(vm.rec(1, 1), -4.0);  // -7 // 2
  EXPECT_EQ(vm.rec(1, 2), -0.5);  // 7.5 % -2
  EXPECT_EQ(vm.rec(1, 3), 1.0);
  EXPECT_EQ(vm.rec(1, 4), 20.0);  // 0+2+4+6+8
  EXPECT_EQ(vm.rec(1, 5), 24.0);  // 1*2*3*4
  EXPECT_EQ(vm.rec(1, 6), 0.5 - 49.0);
}

TEST(Interp, ConditionalIsLazyAndLoopsStayLoops) {
  const char* text = R"toml(
[model]
type = "map"
[states]
x = 1.0
[params]
w = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
[equations.rhs]
x = "sum(w[i] * x for i in range(0, 10)) if x > 0 else sqrt(-1)"
)toml";
  dsl::ModelSpec spec = dsl::load_model_text(text, "t.toml");
  ir::Module m = ir::lower(spec);
  int loops = 0, ifs = 0;
  for (const auto& ins : m.rhs.code) {
    loops += ins.op == ir::Op::LoopBegin;
    ifs += ins.op == ir::Op::If;
  }
  EXPECT_EQ(loops, 1);  // not unrolled
  EXPECT_EQ(ifs, 1);
  EXPECT_LT(m.rhs.code.size(), 20u);
  kernel::testing::Sim vm(interp_model<double>(text, true), "map", {1.0},
                          {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  vm.fixed(0.0, 1.0, 2);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  EXPECT_EQ(vm.rec(1, 0), 55.0);
  EXPECT_EQ(vm.rec(2, 0), 55.0 * 55.0);
}

std::string model_text(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

TEST(Interp, Int64PowersAreBySquaringAndExact) {
  // x ** 1000000000 in O(log k) multiplications; 3**k wraps exactly as repeated multiplication.
  const std::string text = model_text({"[model]", "type = \"map\"", "dtype = \"int64\"", "[states]",
                                       "x = 3", "[equations.rhs]", "x = \"x ** 1000000000\""});
  ir::Module m = ir::lower(dsl::load_model_text(text, "t.toml"));
  EXPECT_LT(m.rhs.code.size(), 64u);
  kernel::testing::Sim vm(interp_model<long long>(text, true), "map", {3}, {});
  vm.fixed(0.0, 1.0, 1);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  // The expected value by squaring in unsigned arithmetic: the same wrap-around (mod 2^64).
  unsigned long long want = 1, base = 3;
  for (long long k = 1000000000; k > 0; k >>= 1) {
    if (k & 1) want *= base;
    base *= base;
  }
  EXPECT_EQ(static_cast<unsigned long long>(vm.rec(1, 0)), want);
}

TEST(Interp, LongAuxChainsLowerWithoutDeepRecursion) {
  // 100 000 aux, each the previous plus 1, declared last to first (so ordering them walks the
  // whole chain): a recursive walk would overflow the stack.
  std::vector<std::string> lines = {"[model]", "type = \"map\"", "[states]", "x = 0.0", "[aux]"};
  const int n = 100000;
  for (int i = n - 1; i >= 1; --i) lines.push_back(fmt::format("a{} = \"a{} + 1\"", i, i - 1));
  lines.push_back("a0 = \"x\"");
  lines.insert(lines.end(), {"[equations.rhs]", fmt::format("x = \"a{}\"", n - 1)});
  const std::string text = model_text(lines);
  kernel::testing::Sim vm(interp_model<double>(text, true), "map", {0.0}, {});
  vm.fixed(0.0, 1.0, 2);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  EXPECT_EQ(vm.rec(2, 0), 2.0 * (n - 1));
}

TEST(Interp, FunctionChainsLowerInLinearTime) {
  // f_k(u) = f_{k-1}(u) + f_{k-1}(u): inlined naively that is 2^40 calls; each call on the same
  // value is lowered once.
  std::vector<std::string> lines = {"[model]",        "type = \"map\"", "[states]",    "x = 1.0",
                                    "[functions.f0]", "args = [\"u\"]", "expr = \"u\""};
  for (int i = 1; i <= 40; ++i)
    lines.insert(lines.end(), {fmt::format("[functions.f{}]", i), "args = [\"u\"]",
                               fmt::format("expr = \"f{}(u) + f{}(u)\"", i - 1, i - 1)});
  lines.insert(lines.end(), {"[equations.rhs]", "x = \"f40(x) * 2.0 ** -40\""});
  const std::string text = model_text(lines);
  ir::Module m = ir::lower(dsl::load_model_text(text, "t.toml"));
  EXPECT_LT(m.rhs.code.size(), 100u);
  kernel::testing::Sim vm(interp_model<double>(text, true), "map", {1.0}, {});
  vm.fixed(0.0, 1.0, 1);
  ASSERT_EQ(vm.run_all(), kernel::DONE);
  EXPECT_EQ(vm.rec(1, 0), 1.0);  // 2^40 x 2^-40, exact
}

}  // namespace

// int64 models are exact end to end: values beyond 2^53 (where a double stops holding every
// integer) pass through the model file, ic, params, assign, presets, a step and the results
// without rounding, and a value that does not fit int64 is refused naming the variable.
#include <climits>

#include "runtime/runtime_test_util.hpp"

namespace {

using namespace dynlib;
using rt_test::contains;
using rt_test::error_of;
using rt_test::inline_model;

constexpr long long kTwo53Plus1 = 9007199254740993LL;  // 2^53 + 1: no double holds it
constexpr long long kInt64Max = LLONG_MAX;             // 2^63 - 1

// x counts up by a, y down by 1: one step from the values above lands on other integers that no
// double holds either (2^53 + 3, 2^63 - 2).
std::string big_int_model() {
  return inline_model(R"(
[model]
type = "map"
name = "bigint"
dtype = "int64"
[states]
x = 9007199254740993
y = "9223372036854775806 + 1"
[params]
a = 2
w = [9007199254740993, 3]
[equations.rhs]
x = "x + a"
y = "y - 1"
[events.big]
cond = "x > 9007199254740992"
log = ["x", "y"]
[presets.far]
states = { x = 9223372036854775807 }
params = { a = 9007199254740993 }
)");
}

TEST(Int64Exact, ModelFileValues) {
  const FullModel m = build(big_int_model());
  EXPECT_EQ(m.spec().initial_state_i64, (std::vector<long long>{kTwo53Plus1, kInt64Max}));
  EXPECT_EQ(m.spec().param_values_i64,
            (std::vector<std::vector<long long>>{{2}, {kTwo53Plus1, 3}}));
  Sim sim(m);
  EXPECT_EQ(sim.state_i64(), (std::vector<long long>{kTwo53Plus1, kInt64Max}));
  EXPECT_EQ(sim.param_i64("w"), (std::vector<long long>{kTwo53Plus1, 3}));
}

TEST(Int64Exact, StepColumnsAndFinalState) {
  Sim sim = setup(big_int_model());
  const Results& r = sim.run({.N = 1});
  EXPECT_EQ(r.column_i64("x")[0], kTwo53Plus1);
  EXPECT_EQ(r.column_i64("x")[1], kTwo53Plus1 + 2);
  EXPECT_EQ(r.column_i64("y")[0], kInt64Max);
  EXPECT_EQ(r.column_i64("y")[1], kInt64Max - 1);
  EXPECT_EQ(r.final_state_i64(), (std::vector<long long>{kTwo53Plus1 + 2, kInt64Max - 1}));
  EXPECT_EQ(sim.state_i64(), r.final_state_i64());
  // Event logs: the firing after step 1 (x > 2^53) logs both states exactly.
  EXPECT_EQ(r.event("big").values_i64,
            (std::vector<std::vector<long long>>{{kTwo53Plus1 + 2}, {kInt64Max - 1}}));
}

TEST(Int64Exact, IcAndParamsAsIntegers) {
  Sim sim = setup(big_int_model());
  const Results& r = sim.run({.N = 1,
                              .ic = {{"x", 1LL}, {"y", kInt64Max}},
                              .params = {{"a", kTwo53Plus1}, {"w", std::vector<long long>{5, 6}}}});
  EXPECT_EQ(r.column_i64("x")[1], 1 + kTwo53Plus1);
  EXPECT_EQ(r.column_i64("y")[0], kInt64Max);
  EXPECT_EQ(sim.param_i64("a"), std::vector<long long>{kTwo53Plus1});
  EXPECT_EQ(sim.param_i64("w"), (std::vector<long long>{5, 6}));
  // Doubles still work where they are exact.
  const Results& d = sim.run({.N = 1, .ic = {{"x", 4.0}}, .params = {{"a", 3.0}}});
  EXPECT_EQ(d.final_state_i64()[0], 7);
}

TEST(Int64Exact, AssignAndPreset) {
  Sim sim = setup(big_int_model());
  sim.assign({{"x", kTwo53Plus1 + 2}, {"a", -kTwo53Plus1}, {"w[0]", kInt64Max}});
  EXPECT_EQ(sim.state_i64()[0], kTwo53Plus1 + 2);
  EXPECT_EQ(sim.param_i64("w"), (std::vector<long long>{kInt64Max, 3}));
  const Results& r = sim.run({.N = 1});
  EXPECT_EQ(r.final_state_i64()[0], 2);
  sim.assign("y", kTwo53Plus1);  // after a run: the state a resume continues from
  EXPECT_EQ(sim.state_i64()[1], kTwo53Plus1);
  EXPECT_EQ(sim.run({.N = 2, .resume = true}).final_state_i64()[1], kTwo53Plus1 - 1);
  sim.reset();
  sim.apply_preset("far");
  EXPECT_EQ(sim.state_i64()[0], kInt64Max);
  EXPECT_EQ(sim.param_i64("a"), std::vector<long long>{kTwo53Plus1});
}

TEST(Int64Exact, OutOfRangeAndFractionsNameTheVariable) {
  Sim sim = setup(big_int_model());
  // 2^63 does not fit: refused, not wrapped or clamped.
  const std::string too_big = error_of([&] {
    sim.run({.N = 1, .ic = {{"x", 9223372036854775808.0}}});
  });
  EXPECT_TRUE(contains(too_big, "state 'x'")) << too_big;
  EXPECT_TRUE(contains(too_big, "does not fit")) << too_big;
  const std::string too_small = error_of([&] { sim.assign("a", -1e19); });
  EXPECT_TRUE(contains(too_small, "param 'a'")) << too_small;
  EXPECT_TRUE(contains(too_small, "does not fit")) << too_small;
  const std::string fraction = error_of([&] { sim.assign("w", std::vector<double>{1.0, 2.5}); });
  EXPECT_TRUE(contains(fraction, "w[1]")) << fraction;
  EXPECT_TRUE(contains(fraction, "whole numbers")) << fraction;
  // -2^63 fits (exactly a double).
  sim.assign("x", -9223372036854775808.0);
  EXPECT_EQ(sim.state_i64()[0], LLONG_MIN);
  // The model file: 2^63 is refused when the model loads.
  EXPECT_FALSE(error_of([] {
                 build(
                     inline_model("[model]\ntype = \"map\"\ndtype = \"int64\"\n[states]\nx = "
                                  "\"9223372036854775807 + 1\"\n[equations.rhs]\nx = \"x\"\n"));
               }).empty());
}

TEST(Int64Exact, FloatModelsTakeIntegersAsTheNearestDouble) {
  // A float model given an integer computes with the double nearest to it, as it would from the
  // same number written as a double: bit-identical runs.
  Sim a = setup("builtin://map/logistic");
  Sim b = setup("builtin://map/logistic");
  const Results& ra = a.run({.N = 5, .ic = {{"x", 0.0}}, .params = {{"r", 3LL}}});
  const Results& rb = b.run({.N = 5, .ic = {{"x", 0LL}}, .params = {{"r", 3.0}}});
  EXPECT_EQ(ra.column_as_double("x"), rb.column_as_double("x"));
  EXPECT_EQ(value_as_doubles(Value(kTwo53Plus1)), std::vector<double>{9007199254740992.0});
  EXPECT_TRUE(contains(error_of([&] { (void)a.state_i64(); }), "float64"));
  EXPECT_TRUE(contains(error_of([&] { (void)ra.final_state_i64(); }), "final_state()"));
}

}  // namespace

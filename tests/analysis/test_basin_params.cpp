// Per-initial-condition params of basin_known and basin_auto (the reference's `params`): on
// x' = p * w[1] - x, whose only attractor is the fixed point x = p * w[1], each initial
// condition's label follows its own parameter row, whatever its initial state; labels do not
// depend on the thread count; params of the wrong size and per-IC params with refine are errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "analysis/analysis_test_util.hpp"
#include "dynlib/basins.hpp"

using namespace dynlib;

namespace {

using analysis_test::contains;
using analysis_test::error_of;

// Flat parameter vector: p, w[0], w[1].
const char* kRelax = R"toml(inline:
[model]
type = "ode"
name = "relax_to_p"
[states]
x = 0.0
[params]
p = 0.0
w = [0.0, 1.0]
[equations.rhs]
x = "p * w[1] - x"
[sim]
dt = 0.05
stepper = "rk4"
)toml";

std::vector<AttractorSpec> plus_minus() {
  return {BasinFixedPoint{"minus", {-1.0}, {0.05}}, BasinFixedPoint{"plus", {1.0}, {0.05}}};
}

// 40 initial states in [-3, 3]; row i: p = +1 or -1 in a pattern unrelated to x, and w[1] = +1
// except every fifth row, where w[1] = -1 flips the attractor (the array param is read too).
struct Family {
  BasinIC ic;
  std::vector<double> params;
  std::vector<int> expected;
};
Family family() {
  Family f;
  std::vector<std::vector<double>> pts;
  for (int i = 0; i < 40; ++i) {
    pts.push_back({-3.0 + 6.0 * i / 39.0});
    const double p = (i * 7) % 3 == 0 ? 1.0 : -1.0;
    const double w1 = i % 5 == 4 ? -1.0 : 1.0;
    f.params.insert(f.params.end(), {p, 0.0, w1});
    f.expected.push_back(p * w1 > 0 ? 1 : 0);
  }
  f.ic = basin_points(pts, {"x"});
  return f;
}

}  // namespace

TEST(BasinParams, KnownLabelFollowsEachInitialConditionsOwnParams) {
  Sim sim = setup(kRelax);
  sim.assign("p", 5.0);  // the Sim's own params: no attractor nearby, if they leaked
  const Family f = family();
  BasinKnownOptions o{.max_samples = 400, .threads = 1};
  o.params = f.params;
  const BasinResult one = basin_known(sim, plus_minus(), f.ic, o);
  EXPECT_EQ(one.labels, f.expected);
  o.threads = 2;
  const BasinResult two = basin_known(sim, plus_minus(), f.ic, o);
  EXPECT_EQ(two.labels, one.labels);
  EXPECT_EQ(two.samples, one.samples);
  EXPECT_EQ(one.meta.at("params"), "per initial condition");
  // the Sim keeps its params, and a run without `params` uses them: x -> 5, neither attractor
  EXPECT_EQ(sim.param("p").at(0), 5.0);
  const BasinResult own = basin_known(sim, plus_minus(), f.ic, {.max_samples = 400});
  for (int l : own.labels) EXPECT_EQ(l, BASIN_UNRESOLVED);
}

TEST(BasinParams, OneRowIsTheSameAsAssigningTheSim) {
  Sim sim = setup(kRelax);
  const BasinIC grid{.axes = {basin_axis("x", -2, 2, 17)}};
  BasinKnownOptions o{.max_samples = 400, .threads = 2};
  o.params = {-1.0, 0.0, 1.0};
  const BasinResult row = basin_known(sim, plus_minus(), grid, o);
  sim.assign("p", -1.0);
  const BasinResult assigned = basin_known(sim, plus_minus(), grid, {.max_samples = 400});
  EXPECT_EQ(row.labels, assigned.labels);
  EXPECT_EQ(row.samples, assigned.samples);
  for (int l : row.labels) EXPECT_EQ(l, 0);
  // one row is allowed with refine
  o.refine = true;
  o.coarse_factor = 4;
  const BasinResult refined = basin_known(sim, plus_minus(), grid, o);
  EXPECT_EQ(refined.labels, row.labels);
}

TEST(BasinParams, AutoLabelsGroupByParams) {
  const Sim sim = setup(kRelax);
  const Family f = family();
  // detection after the transient (x within 4e-2 of its fixed point), in one or two cells
  BasinAutoOptions o{.obs_min = {-3.0},
                     .obs_max = {3.0},
                     .grid_res = {60},
                     .max_samples = 400,
                     .transient_samples = 100,
                     .u_th = 0.05};
  o.params = f.params;
  o.threads = 1;
  const BasinResult one = basin_auto(sim, f.ic, o);
  ASSERT_EQ(one.registry.size(), 2u) << basin_summary(one);
  // the attractor discovered first is the first initial condition's
  for (size_t i = 0; i < f.expected.size(); ++i)
    EXPECT_EQ(one.labels[i], f.expected[i] == f.expected[0] ? 0 : 1) << i;
  o.threads = 2;
  o.batch_size = 7;
  const BasinResult two = basin_auto(sim, f.ic, o);
  o.threads = 1;
  const BasinResult two_ref = basin_auto(sim, f.ic, o);
  EXPECT_EQ(two.labels, two_ref.labels);
  EXPECT_EQ(two.labels, one.labels);
}

TEST(BasinParams, Errors) {
  const Sim sim = setup(kRelax);
  const Family f = family();
  BasinKnownOptions o{.max_samples = 50};
  o.params = std::vector<double>(f.params.begin(), f.params.end() - 3);  // 39 rows for 40 ICs
  const std::string e = error_of([&] { basin_known(sim, plus_minus(), f.ic, o); });
  EXPECT_TRUE(contains(e, "expected shape (40, 3)")) << e;
  EXPECT_TRUE(contains(e, "(3,)")) << e;
  BasinAutoOptions a{.obs_min = {-3.0}, .obs_max = {3.0}, .max_samples = 100};
  a.params = {1.0, 2.0};
  const std::string ea = error_of([&] { basin_auto(sim, f.ic, a); });
  EXPECT_TRUE(contains(ea, "expected shape (40, 3)")) << ea;
  // per-IC params with refine: a coarse cell's label cannot stand for other params
  BasinKnownOptions r{.max_samples = 50, .refine = true, .coarse_factor = 4};
  r.params.assign(17 * 3, 1.0);
  EXPECT_TRUE(contains(
      error_of([&] { basin_known(sim, plus_minus(), {.axes = {basin_axis("x", -2, 2, 17)}}, r); }),
      "refine"));
}

// build() with BuildOptions::mods and ::config: the modified model is what runs, and rebuild()
// (here through with_stepper and time_reversed) keeps the mods.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "dsl/temp_dir.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;

namespace {

// x' = -k x: x(T) = x0 exp(-k T).
const std::string kDecayWithMods = rt_test::inline_model(R"toml(
[model]
type = "ode"
name = "decay"
[states]
x = 1.0
[params]
k = 1.0
[equations.rhs]
x = "-k * x"
[sim]
stepper = "rk4"
dt = 0.001
[mods.fast]
set.params = { k = 3.0 }
)toml");

double end_x(const FullModel& m, double T) {
  Sim sim(m);
  RunOptions o;
  o.T = T;
  o.record = false;
  const Results& r = sim.run(o);
  EXPECT_EQ(r.status(), Status::Done) << r.message();
  return r.final_state().at(0);
}

}  // namespace

TEST(BuildMods, TheModifiedModelRunsAndRebuildKeepsIt) {
  BuildOptions o;
  o.mods = {
      "inline:[mod]\nname = \"half\"\n[mod.set.params]\nk = 0.5\n[mod.set.states]\nx = 2.0\n"};
  const FullModel m = build(kDecayWithMods, o);
  EXPECT_NEAR(end_x(m, 1.0), 2.0 * std::exp(-0.5), 1e-9);
  EXPECT_NE(m.spec().hash, build(kDecayWithMods).spec().hash);
  EXPECT_EQ(m.build_options().mods, o.mods);

  const FullModel euler = with_stepper(m, "euler");
  EXPECT_EQ(euler.spec().hash, m.spec().hash);
  EXPECT_NEAR(end_x(euler, 1.0), 2.0 * std::exp(-0.5), 1e-3);
  // Backward in time from x(1) lands on x(0) = 2 of the modified model.
  const FullModel back = time_reversed(m);
  Sim sim(back);
  RunOptions r;
  r.t0 = -1.0;
  r.T = 0.0;
  r.record = false;
  r.ic = {{"x", 2.0 * std::exp(-0.5)}};
  EXPECT_NEAR(sim.run(r).final_state().at(0), 2.0, 1e-9);
}

TEST(BuildMods, FragmentOfAModelFileAndConfigTags) {
  dynlib::testing::TempDir dir;
  const std::string file = dir.write("decay.toml", kDecayWithMods.substr(7));
  EXPECT_NEAR(end_x(build(file + "#mod=fast"), 1.0), std::exp(-3.0), 1e-9);
  BuildOptions o;
  o.config = PathConfig{{{"lab", {dir.str()}}}, std::nullopt};
  EXPECT_NEAR(end_x(build("lab://decay#mod=fast", o), 1.0), std::exp(-3.0), 1e-9);
  EXPECT_THROW(build("lab://decay"), ModelNotFoundError);
}

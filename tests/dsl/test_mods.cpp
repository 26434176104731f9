// Mods (src/dsl/mods.cpp): each verb on each target it takes, where mods come from (the model's
// [mods.NAME], mod files, inline text, #mod=NAME), their order, groups, and the diagnostics.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsl/model_test_util.hpp"
#include "dsl/mods.hpp"
#include "dynlib/errors.hpp"
#include "temp_dir.hpp"

namespace dynlib::dsl {
namespace {

using dynlib::testing::contains;
using dynlib::testing::IsolatedEnv;
using dynlib::testing::TempDir;

constexpr const char* kModsBase = R"toml([model]
type = "ode"
name = "osc"

[states]
x = 1.0
v = 0.0

[params]
k = 2.0
c = 0.5
d = 0.0

[functions.spring]
args = ["x", "k"]
expr = "k * x"

[functions.cube]
args = ["a"]
expr = "a**3"

[aux]
energy = "0.5 * v**2 + 0.5 * k * x**2"
speed = "abs(v)"

[equations.rhs]
x = "v"
v = "-spring(x, k) - c * v"

[events.reset]
phase = "end"
cond = "x > 10"
action = "x = 0"

[events.tick]
phase = "end"
cond = "t > 5"
action = "v = v"

[sim]
dt = 0.01

[mods.stiff]
set.params = { k = 10.0 }

[mods.fast]
group = "speed"
exclusive = true
[mods.fast.set.params]
c = 0.1
)toml";

std::vector<std::string> mod_event_names(const ModelSpec& s) {
  std::vector<std::string> out;
  for (const auto& e : s.events) out.push_back(e.name);
  return out;
}

std::vector<std::string> mod_aux_names(const ModelSpec& s) {
  std::vector<std::string> out;
  for (const auto& a : s.aux) out.push_back(a.name);
  return out;
}

double mod_param(const ModelSpec& s, const std::string& n) {
  const int i = s.param_index(n);
  EXPECT_GE(i, 0) << n;
  return i < 0 ? 0.0 : s.params[static_cast<size_t>(i)].values.at(0);
}

class ModsTest : public ::testing::Test {
 protected:
  std::string model(const std::string& text = kModsBase) { return dir_.write("osc.toml", text); }
  ModelSpec load(const std::string& uri, std::vector<std::string> mods = {}) {
    LoadOptions o;
    o.mods = std::move(mods);
    return load_model(uri, o);
  }
  ModelError error_of(const std::string& uri, std::vector<std::string> mods) {
    try {
      load(uri, std::move(mods));
    } catch (const ModelError& e) {
      return e;
    }
    ADD_FAILURE() << "expected a ModelError";
    return ModelError("", {});
  }
  std::string inline_mod(const std::string& body) {
    return "inline:\n[mod]\nname = \"m\"\n" + body;
  }

  IsolatedEnv sandbox_;
  TempDir dir_;
};

TEST_F(ModsTest, NoModsLeavesTheModelAndIgnoresItsModsTables) {
  const ModelSpec s = load(model());
  EXPECT_EQ(mod_event_names(s), (std::vector<std::string>{"reset", "tick"}));
  EXPECT_DOUBLE_EQ(mod_param(s, "k"), 2.0);
  EXPECT_DOUBLE_EQ(mod_param(s, "c"), 0.5);
}

TEST_F(ModsTest, ModOfTheModelFileByFragment) {
  const std::string file = model();
  const ModelSpec plain = load(file);
  const ModelSpec s = load(file + "#mod=stiff");
  EXPECT_DOUBLE_EQ(mod_param(s, "k"), 10.0);
  EXPECT_DOUBLE_EQ(mod_param(s, "c"), 0.5);
  EXPECT_NE(s.hash, plain.hash);  // the modified model is another model
  // The same mod named through the mods list gives the same model.
  EXPECT_EQ(load(file, {file + "#mod=stiff"}).hash, s.hash);
}

TEST_F(ModsTest, RemoveEachTarget) {
  const std::string file = model();
  const ModelSpec s = load(file, {inline_mod(R"toml(
[mod.remove.events]
names = ["reset"]
[mod.remove.aux]
names = ["speed"]
[mod.remove.params]
names = ["d"]
[mod.remove.functions]
names = ["cube"]

)toml")});
  EXPECT_EQ(mod_event_names(s), std::vector<std::string>{"tick"});
  EXPECT_EQ(mod_aux_names(s), std::vector<std::string>{"energy"});
  EXPECT_LT(s.param_index("d"), 0);
  EXPECT_EQ(s.params.size(), 2u);
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(s.functions[0].name, "spring");
  // What still used them fails validation, pointing at the model's own expression.
  const ModelError e = error_of(file, {inline_mod("[mod.remove.params]\nnames = [\"c\"]\n")});
  EXPECT_TRUE(contains(e.message(), "unknown name 'c'")) << e.what();
  EXPECT_TRUE(contains(e.where().file, "osc.toml")) << e.what();
}

TEST_F(ModsTest, ReplaceKeepsThePlaceOfWhatItReplaces) {
  const ModelSpec s = load(model(), {inline_mod(R"toml(
[mod.replace.events.reset]
phase = "start"
cond = "x > 3"
action = "x = 1"
log = ["t"]
[mod.replace.functions.spring]
args = ["x", "k"]
expr = "k * x**3"
[mod.replace.aux]
speed = "v * v"

)toml")});
  EXPECT_EQ(mod_event_names(s), (std::vector<std::string>{"reset", "tick"}));
  const EventSpec& reset = s.events[0];
  EXPECT_EQ(reset.phase, EventPhase::Start);
  EXPECT_EQ(reset.cond.src->text, "x > 3");
  EXPECT_EQ(reset.log_names, std::vector<std::string>{"t"});
  EXPECT_EQ(s.functions.at(0).name, "spring");
  EXPECT_EQ(s.functions.at(0).body.src->text, "k * x**3");
  EXPECT_EQ(mod_aux_names(s), (std::vector<std::string>{"energy", "speed"}));
  EXPECT_EQ(s.aux.at(1).expr.src->text, "v * v");
}

TEST_F(ModsTest, AddAppendsAfterTheModelsOwn) {
  const ModelSpec s = load(model(), {inline_mod(R"toml(
[mod.add.events.alarm]
phase = "end"
cond = "x > 1"
action.v = "0"
[mod.add.params]
gain = 3.0
[mod.add.aux]
power = "gain * v"
[mod.add.functions.twice]
args = ["a"]
expr = "2 * a"

)toml")});
  EXPECT_EQ(mod_event_names(s), (std::vector<std::string>{"reset", "tick", "alarm"}));
  EXPECT_EQ(s.params.back().name, "gain");
  EXPECT_DOUBLE_EQ(mod_param(s, "gain"), 3.0);
  EXPECT_EQ(mod_aux_names(s).back(), "power");
  EXPECT_EQ(s.functions.back().name, "twice");
  EXPECT_EQ(s.events.back().actions.at(0).target, "v");
}

TEST_F(ModsTest, SetUpdatesStatesParamsSimAndUpsertsAuxAndFunctions) {
  const ModelSpec s = load(model(), {inline_mod(R"toml(
[mod.set.states]
x = 4.0
[mod.set.params]
k = 7.0
[mod.set.sim]
dt = 0.05
t_end = 3.0
[mod.set.aux]
speed = "-v"
kinetic = "0.5 * v**2"
[mod.set.functions.spring]
args = ["x", "k"]
expr = "k * x + x**3"
[mod.set.functions.half]
args = ["a"]
expr = "a / 2"

)toml")});
  EXPECT_EQ(s.states.at(0).name, "x");  // the state vector keeps its order
  EXPECT_DOUBLE_EQ(s.states.at(0).init_value, 4.0);
  EXPECT_DOUBLE_EQ(mod_param(s, "k"), 7.0);
  EXPECT_EQ(s.params.at(0).name, "k");
  EXPECT_DOUBLE_EQ(*s.sim.dt, 0.05);
  EXPECT_DOUBLE_EQ(*s.sim.t_end, 3.0);
  EXPECT_EQ(mod_aux_names(s), (std::vector<std::string>{"energy", "speed", "kinetic"}));
  EXPECT_EQ(s.functions.at(0).body.src->text, "k * x + x**3");
  EXPECT_EQ(s.functions.back().name, "half");
}

TEST_F(ModsTest, VerbsRunRemoveReplaceAddSetWhateverTheFileOrder) {
  // set comes first in the file but runs last: it sees the param add created.
  const ModelSpec s = load(model(), {inline_mod(R"toml(
[mod.set.params]
gain = 5.0
[mod.add.params]
gain = 1.0
[mod.remove.events]
names = ["tick"]
[mod.add.events.tick]
cond = "t > 1"
action = "v = 0"

)toml")});
  EXPECT_DOUBLE_EQ(mod_param(s, "gain"), 5.0);
  EXPECT_EQ(mod_event_names(s), (std::vector<std::string>{"reset", "tick"}));
  EXPECT_EQ(s.events.back().cond.src->text, "t > 1");
}

TEST_F(ModsTest, ModFilesInOrderWithAndWithoutFragment) {
  const std::string file = model();
  const std::string one =
      dir_.write("one.toml", "[mod]\nname = \"one\"\n[mod.set.params]\nk = 3.0\n");
  const std::string many = dir_.write("many.toml", R"toml([mods.a.set.params]
k = 4.0
[mods.b.set.params]
c = 0.9

)toml");
  EXPECT_DOUBLE_EQ(mod_param(load(file, {one}), "k"), 3.0);
  // Later mods see earlier ones: the last set wins.
  EXPECT_DOUBLE_EQ(mod_param(load(file, {one, many + "#mod=a"}), "k"), 4.0);
  EXPECT_DOUBLE_EQ(mod_param(load(file, {many + "#mod=a", one}), "k"), 3.0);
  const ModelSpec both = load(file + "#mod=stiff", {many + "#mod=b"});
  EXPECT_DOUBLE_EQ(mod_param(both, "k"), 10.0);
  EXPECT_DOUBLE_EQ(mod_param(both, "c"), 0.9);
  // A file of several mods needs a fragment.
  const ModelError e = error_of(file, {many});
  EXPECT_TRUE(contains(e.message(), "several mods")) << e.what();
  EXPECT_TRUE(contains(e.hint(), "a, b")) << e.what();
}

TEST_F(ModsTest, TagUriOfAModFile) {
  const std::string file = model();
  TempDir root;
  root.write("tune.toml", "[mod]\nname = \"tune\"\n[mod.set.params]\nc = 0.125\n");
  sandbox_.env().set("DYN_MODEL_PATH", "modlib=" + root.str());
  EXPECT_DOUBLE_EQ(mod_param(load(file, {"modlib://tune"}), "c"), 0.125);
  // An explicit tag table replaces DYN_MODEL_PATH.
  LoadOptions o;
  o.mods = {"other://tune"};
  o.tags = TagTable{{"other", {root.str()}}};
  EXPECT_DOUBLE_EQ(mod_param(load_model(file, o), "c"), 0.125);
  o.mods = {"modlib://tune"};
  EXPECT_THROW(load_model(file, o), ModelNotFoundError);
}

TEST_F(ModsTest, ExclusiveGroupTakesOneModAtATime) {
  const std::string file = model();
  const std::string slow = dir_.write(
      "slow.toml", "[mod]\nname = \"slow\"\ngroup = \"speed\"\n[mod.set.params]\nc = 2.0\n");
  const ModelError e = error_of(file, {file + "#mod=fast", slow});
  EXPECT_TRUE(contains(e.message(), "group 'speed' allows only one active mod")) << e.what();
  EXPECT_TRUE(contains(e.message(), "fast, slow")) << e.what();
  EXPECT_EQ(e.where().file, slow);
  EXPECT_EQ(e.where().line, 3);
  // Without exclusive = true a group is only a label.
  const std::string slower = dir_.write(
      "slower.toml", "[mod]\nname = \"slower\"\ngroup = \"speed\"\n[mod.set.params]\nc = 3.0\n");
  EXPECT_DOUBLE_EQ(mod_param(load(file, {slow, slower}), "c"), 3.0);
  // The model URI's own mod is applied on its own, before the list.
  EXPECT_DOUBLE_EQ(mod_param(load(file + "#mod=fast", {slow}), "c"), 2.0);
}

TEST_F(ModsTest, ErrorsPointIntoTheModFileWithADidYouMean) {
  const std::string file = model();
  const std::string bad =
      dir_.write("bad.toml", "[mod]\nname = \"bad\"\n[mod.remove.events]\nnames = [\"rest\"]\n");
  ModelError e = error_of(file, {bad});
  EXPECT_EQ(e.where().file, bad);
  EXPECT_EQ(e.where().line, 4);
  EXPECT_EQ(e.where().column, 10);
  EXPECT_TRUE(contains(e.message(), "no event 'rest'")) << e.what();
  EXPECT_TRUE(contains(e.hint(), "did you mean 'reset'?")) << e.what();

  e = error_of(file, {inline_mod("[mod.set.params]\ncc = 1.0\n")});
  EXPECT_EQ(e.where().file, "<inline mod>");
  EXPECT_EQ(e.where().line, 5);
  EXPECT_TRUE(contains(e.message(), "set.params.cc: no param 'cc'")) << e.what();
  EXPECT_TRUE(contains(e.hint(), "did you mean 'c'?")) << e.what();

  e = error_of(file, {inline_mod("[mod.add.events.tick]\ncond = \"t > 1\"\n")});
  EXPECT_TRUE(contains(e.message(), "already has event 'tick'")) << e.what();

  e = error_of(file, {inline_mod("[mod.replace.events.tock]\ncond = \"t > 1\"\n")});
  EXPECT_TRUE(contains(e.hint(), "did you mean 'tick'?")) << e.what();

  e = error_of(file, {inline_mod("[mod.add.states]\ny = 1.0\n")});
  EXPECT_TRUE(contains(e.message(), "add.states is not supported")) << e.what();
  e = error_of(file, {inline_mod("[mod.replace.params]\nk = 1.0\n")});
  EXPECT_TRUE(contains(e.hint(), "set.params")) << e.what();
  e = error_of(file, {inline_mod("[mod.sett.params]\nk = 1.0\n")});
  EXPECT_TRUE(contains(e.hint(), "did you mean 'set'?")) << e.what();
  e = error_of(file, {inline_mod("[mod.add.aux]\nq = 1.0\n")});
  EXPECT_TRUE(contains(e.message(), "string expression")) << e.what();

  // A mistake inside an added expression is reported in the mod's file too.
  const std::string expr =
      dir_.write("expr.toml", "[mod]\nname = \"e\"\n[mod.add.events.boom]\ncond = \"x > kk\"\n");
  e = error_of(file, {expr});
  EXPECT_EQ(e.where().file, expr);
  EXPECT_EQ(e.where().line, 4);
  EXPECT_EQ(e.where().column, 13);
  EXPECT_TRUE(contains(e.hint(), "did you mean 'k'?")) << e.what();

  // Whole-model checks too: an aux cycle and a recursion a mod made.
  const std::string cyc = dir_.write(
      "cycle.toml", "[mod]\nname = \"c\"\n[mod.set.aux]\nspeed = \"energy\"\nenergy = \"speed\"\n");
  e = error_of(file, {cyc});
  EXPECT_TRUE(contains(e.message(), "cycle")) << e.what();
  EXPECT_EQ(e.where().file, cyc);
  EXPECT_EQ(e.where().line, 4);
  const std::string rec =
      dir_.write("rec.toml",
                 "[mod]\nname = \"r\"\n[mod.replace.functions.cube]\nargs = [\"a\"]\n"
                 "expr = \"cube(a)\"\n");
  e = error_of(file, {rec});
  EXPECT_TRUE(contains(e.message(), "recursion")) << e.what();
  EXPECT_EQ(e.where().file, rec);
  EXPECT_EQ(e.where().line, 5);
}

TEST_F(ModsTest, UnknownModNames) {
  const std::string file = model();
  ModelError e = error_of(file + "#mod=stif", {});
  EXPECT_TRUE(contains(e.message(), "no mod 'stif'")) << e.what();
  EXPECT_TRUE(contains(e.hint(), "did you mean 'stiff'?")) << e.what();
  const std::string plain = dir_.write("plain.toml", "[other]\nx = 1\n");
  e = error_of(file, {plain});
  EXPECT_TRUE(contains(e.message(), "has no [mod] table")) << e.what();
  EXPECT_THROW(load(file + "#model=x"), DynlibError);
}

}  // namespace
}  // namespace dynlib::dsl

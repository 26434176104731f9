// The one layout table (DESIGN rule 9): lookups of every kind of name, the grammar (`aux.x`,
// `w[k]`, whole names with dots), precise errors, and that the runtime (Sim::run params, assign,
// record_vars, Results::column, BatchResults::var_index) goes through it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynlib/ensemble.hpp"
#include "dynlib/layout.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using rt_test::contains;
using rt_test::error_of;
using rt_test::inline_model;

namespace {

// States osc1.x, osc1.v, x; params a, w[3], osc1.k; aux energy, x2; events spike, reset.
Layout sample_layout() {
  return Layout({"osc1.x", "osc1.v", "x"}, {"a", "w", "osc1.k"}, {1, 3, 1}, {false, true, false},
                {"energy", "x2"}, {{"spike", {"neuron"}, {"x", "energy"}}, {"reset", {}, {}}});
}

}  // namespace

TEST(Layout, TablesAndFlatParams) {
  const Layout l = sample_layout();
  EXPECT_EQ(l.n_state(), 3);
  EXPECT_EQ(l.n_aux(), 2);
  EXPECT_EQ(l.n_param_values(), 5);
  EXPECT_EQ(l.param_value_labels(),
            (std::vector<std::string>{"a", "w[0]", "w[1]", "w[2]", "osc1.k"}));
  ASSERT_EQ(l.params().size(), 3u);
  EXPECT_EQ(l.params()[1].offset, 1);
  EXPECT_EQ(l.params()[1].size, 3);
  EXPECT_TRUE(l.params()[1].is_array);
  EXPECT_EQ(l.params()[2].offset, 4);
  EXPECT_EQ(l.event_names(), (std::vector<std::string>{"spike", "reset"}));
  EXPECT_EQ(l.events()[0].log_fields, (std::vector<std::string>{"x", "energy"}));
  EXPECT_EQ(l.spellings({NameKind::Aux}),
            (std::vector<std::string>{"aux.energy", "aux.x2", "energy", "x2"}));
  EXPECT_TRUE(Layout().param_value_labels().empty());
}

TEST(Layout, FindsStatesParamsAuxAndEvents) {
  const Layout l = sample_layout();
  auto x = l.find("x");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->kind, NameKind::State);
  EXPECT_EQ(x->index, 2);
  EXPECT_EQ(x->first(), 2);
  EXPECT_EQ(x->count(), 1);

  auto a = l.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, NameKind::Param);
  EXPECT_FALSE(a->is_array);
  EXPECT_EQ(a->first(), 0);

  // A whole array param: all its flat entries.
  auto w = l.find("w");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->kind, NameKind::Param);
  EXPECT_TRUE(w->is_array);
  EXPECT_EQ(w->element, -1);
  EXPECT_EQ(w->first(), 1);
  EXPECT_EQ(w->count(), 3);

  // Elements in range.
  for (int k = 0; k < 3; ++k) {
    auto e = l.find("w[" + std::to_string(k) + "]");
    ASSERT_TRUE(e) << k;
    EXPECT_EQ(e->kind, NameKind::Param);
    EXPECT_EQ(e->index, 1);
    EXPECT_EQ(e->element, k);
    EXPECT_EQ(e->first(), 1 + k);
    EXPECT_EQ(e->count(), 1);
  }
  // Out of range, on a scalar, malformed: not a match.
  for (const char* bad :
       {"w[3]", "w[99]", "a[0]", "x[0]", "w[-1]", "w[]", "w[1", "w1]", "[1]", "w[1]]", "w[a]"})
    EXPECT_FALSE(l.find(bad)) << bad;

  // Aux: bare and with the prefix; the prefix only means aux.
  auto e1 = l.find("energy"), e2 = l.find("aux.energy");
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ(e1->kind, NameKind::Aux);
  EXPECT_EQ(e2->kind, NameKind::Aux);
  EXPECT_EQ(e1->index, 0);
  EXPECT_EQ(e2->index, 0);
  EXPECT_EQ(l.find("aux.x2")->index, 1);
  EXPECT_FALSE(l.find("aux.x"));  // x is a state, not an aux
  EXPECT_FALSE(l.find("aux.a"));
  EXPECT_FALSE(l.find("aux.energy", {NameKind::State, NameKind::Param}));

  // Events.
  auto r = l.find("reset");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, NameKind::Event);
  EXPECT_EQ(r->index, 1);
  EXPECT_FALSE(l.find("spike", {NameKind::State, NameKind::Aux}));

  // Kinds restrict the search.
  EXPECT_FALSE(l.find("x", {NameKind::Param}));
  EXPECT_FALSE(l.find("w[1]", {NameKind::State}));
  EXPECT_TRUE(l.find("w[1]", {NameKind::Param}));
}

TEST(Layout, WholeNamesWithDotsAndBracketsWin) {
  const Layout l = sample_layout();
  auto ox = l.find("osc1.x");
  ASSERT_TRUE(ox);
  EXPECT_EQ(ox->kind, NameKind::State);
  EXPECT_EQ(ox->index, 0);
  EXPECT_EQ(l.find("osc1.k")->kind, NameKind::Param);
  EXPECT_EQ(l.find("osc1.k")->first(), 4);
  EXPECT_FALSE(l.find("osc1"));

  // A declared name that looks like the grammar: the declared name wins; the grammar still
  // reaches the other one when the kinds ask for it.
  const Layout odd({"aux.e", "v[1]"}, {"v"}, {2}, {true}, {"e"}, {});
  auto s = odd.find("aux.e");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, NameKind::State);
  EXPECT_EQ(s->index, 0);
  auto ax = odd.find("aux.e", {NameKind::Aux});
  ASSERT_TRUE(ax);
  EXPECT_EQ(ax->kind, NameKind::Aux);
  auto vb = odd.find("v[1]");
  ASSERT_TRUE(vb);
  EXPECT_EQ(vb->kind, NameKind::State);
  EXPECT_EQ(vb->index, 1);
  auto ve = odd.find("v[1]", {NameKind::Param});
  ASSERT_TRUE(ve);
  EXPECT_EQ(ve->element, 1);
  EXPECT_EQ(ve->first(), 1);
}

TEST(Layout, ResolveErrorsArePrecise) {
  const Layout l = sample_layout();
  EXPECT_EQ(l.resolve("w[2]", {NameKind::Param}).first(), 3);

  // Did-you-mean, with the context first.
  const std::string m1 = error_of([&] { l.resolve("osc1.y", {NameKind::State}, "ic"); });
  EXPECT_EQ(m1.rfind("ic: unknown state 'osc1.y'", 0), 0u) << m1;
  EXPECT_TRUE(contains(m1, "did you mean 'osc1.x'?")) << m1;

  // The name exists as another kind.
  const std::string m2 = error_of([&] { l.resolve("x", {NameKind::Param}); });
  EXPECT_TRUE(contains(m2, "unknown param 'x'")) << m2;
  EXPECT_TRUE(contains(m2, "'x' is a state")) << m2;
  const std::string m3 = error_of([&] { l.resolve("energy", {NameKind::State, NameKind::Param}); });
  EXPECT_TRUE(contains(m3, "unknown state or param 'energy'")) << m3;
  EXPECT_TRUE(contains(m3, "'energy' is an aux")) << m3;
  const std::string m4 = error_of([&] { l.resolve("a", {NameKind::State}); });
  EXPECT_TRUE(contains(m4, "'a' is a param")) << m4;

  // Elements out of range and on a scalar.
  const std::string m5 = error_of([&] { l.resolve("w[3]", {NameKind::Param}); });
  EXPECT_TRUE(contains(m5, "'w' has 3 elements: w[0] to w[2]")) << m5;
  const std::string m6 = error_of([&] { l.resolve("a[0]", {NameKind::Param}); });
  EXPECT_TRUE(contains(m6, "'a' is not an array")) << m6;

  // Nothing close: the list of valid names, or that there are none.
  const std::string m7 = error_of([&] { l.resolve("zzzzzz", {NameKind::Event}); });
  EXPECT_TRUE(contains(m7, "unknown event 'zzzzzz'")) << m7;
  EXPECT_TRUE(contains(m7, "(events: spike, reset)")) << m7;
  const Layout none({"x"}, {}, {}, {}, {}, {});
  const std::string m8 = error_of([&] { none.resolve("k", {NameKind::Param}); });
  EXPECT_TRUE(contains(m8, "(the model has no params)")) << m8;
  EXPECT_STREQ(name_kind_name(NameKind::Aux), "aux");
}

namespace {
const char* kArrayModel = R"toml(
[model]
type = "map"
name = "arraymap"
[states]
x = 0.0
[params]
a = 1.0
w = [1.0, 2.0, 3.0]
[equations.rhs]
x = "a*x + w[1]"
[aux]
d = "2*x + w[2]"
)toml";
}  // namespace

TEST(Layout, TheRuntimeSetsArrayElementsByName) {
  Sim sim = setup(inline_model(kArrayModel));
  EXPECT_EQ(sim.model().layout().param_value_labels(),
            (std::vector<std::string>{"a", "w[0]", "w[1]", "w[2]"}));
  const Results& r = sim.run({.N = 3, .params = {{"w[1]", 2.5}}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 2.5, 5, 7.5}));
  EXPECT_EQ(sim.param("w"), (std::vector<double>{1.0, 2.5, 3.0}));
  EXPECT_EQ(sim.param("w[1]"), (std::vector<double>{2.5}));
  EXPECT_EQ(sim.param("a"), (std::vector<double>{1.0}));

  sim.assign("w[2]", 10.0);
  EXPECT_EQ(sim.param("w"), (std::vector<double>{1.0, 2.5, 10.0}));
  const Results& r2 =
      sim.run({.N = 1, .record_vars = std::vector<std::string>{"aux.d"}, .ic = {{"x", 0.0}}});
  EXPECT_EQ(r2.column("aux.d").to_vector(), (std::vector<double>{10.0, 15.0}));

  // Errors name the problem.
  const std::string m1 = error_of([&] { sim.run({.N = 1, .params = {{"w[3]", 1.0}}}); });
  EXPECT_TRUE(contains(m1, "w[3]")) << m1;
  const std::string m2 = error_of([&] { sim.run({.N = 1, .params = {{"w", 1.0}}}); });
  EXPECT_TRUE(contains(m2, "array of 3 values")) << m2;
  const std::string m3 = error_of([&] { sim.run({.N = 1, .params = {{"x", 1.0}}}); });
  EXPECT_TRUE(contains(m3, "'x' is a state")) << m3;
  const std::string m4 = error_of([&] { sim.param("q"); });
  EXPECT_TRUE(contains(m4, "unknown param 'q'")) << m4;
}

TEST(Layout, RecordVarsAndColumnsUseTheGrammar) {
  Sim sim = setup(inline_model(kArrayModel));
  const Results& r = sim.run({.N = 2, .record_vars = std::vector<std::string>{"aux.d", "x"}});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r.width(), 2u);
  EXPECT_TRUE(r.has("x"));
  EXPECT_TRUE(r.has("d"));
  EXPECT_TRUE(r.has("aux.d"));
  EXPECT_FALSE(r.has("aux.x"));
  const std::vector<double> d = {3, 7, 11};  // x = 0, 2, 4 -> 2x + 3
  EXPECT_EQ(r.column("aux.d").to_vector(), d);
  EXPECT_EQ(r.column("d").to_vector(), d);
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 2, 4}));

  // The bare name records the same.
  Sim bare = setup(inline_model(kArrayModel));
  EXPECT_EQ(
      bare.run({.N = 2, .record_vars = std::vector<std::string>{"d"}}).column("aux.d").to_vector(),
      d);

  // Unknown and unrecorded names.
  const std::string m1 =
      error_of([&] { sim.run({.N = 1, .record_vars = std::vector<std::string>{"aux.dd"}}); });
  EXPECT_TRUE(contains(m1, "did you mean")) << m1;
  const std::string m2 =
      error_of([&] { sim.run({.N = 1, .record_vars = std::vector<std::string>{"a"}}); });
  EXPECT_TRUE(contains(m2, "params are constant")) << m2;
  const std::string m3 = error_of([&] {
    sim.run({.N = 1, .record_vars = std::vector<std::string>{"x", "aux.x"}});
  });
  EXPECT_FALSE(m3.empty());
  const std::string m4 = error_of([&] {
    sim.run({.N = 1, .record_vars = std::vector<std::string>{"d", "aux.d"}});
  });
  EXPECT_TRUE(contains(m4, "twice")) << m4;
  Sim only_x = setup(inline_model(kArrayModel));
  const Results& rx = only_x.run({.N = 1, .record_vars = std::vector<std::string>{"x"}});
  EXPECT_FALSE(rx.has("aux.d"));
  EXPECT_FALSE(error_of([&] { rx.column("aux.d"); }).empty());
}

TEST(Layout, BatchVarIndexAndElementParams) {
  const FullModel m = build(inline_model(kArrayModel));
  const BatchResults b = run_batch(m, {.params = {{"w[1]", {1.0, 5.0}}},
                                       .N = 3,
                                       .record_vars = std::vector<std::string>{"x", "aux.d"},
                                       .threads = 2});
  ASSERT_TRUE(b.all_ok());
  const size_t ix = b.var_index("x"), id = b.var_index("aux.d");
  EXPECT_EQ(b.var_index("d"), id);
  EXPECT_NE(ix, id);
  EXPECT_EQ(b.at(0, 3, ix), 3.0);
  EXPECT_EQ(b.at(1, 3, ix), 15.0);
  EXPECT_EQ(b.at(1, 3, id), 33.0);
  EXPECT_EQ(b.layout.param_value_labels(), m.layout().param_value_labels());
  const std::string m1 = error_of([&] { (void)b.var_index("w"); });
  EXPECT_TRUE(contains(m1, "not a recorded variable")) << m1;
  const std::string m2 = error_of([&] { run_batch(m, {.params = {{"w[4]", {1.0}}}, .N = 1}); });
  EXPECT_TRUE(contains(m2, "out of range")) << m2;
  const std::string m3 = error_of([&] { run_batch(m, {.params = {{"a[0]", {1.0}}}, .N = 1}); });
  EXPECT_TRUE(contains(m3, "not an array")) << m3;
}

TEST(Layout, AnEventIsNamedWithTheRightArticle) {
  const Layout l = sample_layout();
  const std::string m = error_of([&] { l.resolve("spike", {NameKind::State}); });
  EXPECT_TRUE(contains(m, "'spike' is an event")) << m;
}

TEST(Layout, ARunsWholeArrayBeatsAnElementStoredWithConfig) {
  // Precedence (docs/simulation.md): run() options over config(). config() sets w[1]; the run
  // gives the whole of w: the run's values win, element 1 included.
  Sim sim = setup(inline_model(kArrayModel));
  sim.config({.params = {{"w[1]", 5.0}}});
  const Results& r = sim.run({.N = 1, .params = {{"w", std::vector<double>{1.0, 2.0, 3.0}}}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.column("x").to_vector(), (std::vector<double>{0, 2}));
  EXPECT_EQ(sim.param("w"), (std::vector<double>{1.0, 2.0, 3.0}));
  // And an element given to run() beats config()'s whole array.
  Sim other = setup(inline_model(kArrayModel));
  other.config({.params = {{"w", std::vector<double>{0.0, 7.0, 0.0}}}});
  other.run({.N = 1, .params = {{"w[1]", 4.0}}});
  EXPECT_EQ(other.param("w"), (std::vector<double>{0.0, 4.0, 0.0}));
}

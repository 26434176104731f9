// dynlib/inspect.hpp as a C++ user sees it: every section of a model comes back as plain data,
// expressions as their printed source.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dynlib/inspect.hpp"

namespace {

const char* kModel = R"(inline:
[model]
type = "ode"
name = "every_section"
[constants]
two = 2
[states]
x = 1.5
y = "a * two"
[params]
a = 0.25
w = [0.5, -1.0]
[equations.rhs]
x = "-a*sq(x) + w[0]*y"
y = "en - y"
[equations.jacobian]
expr = [["-2*a*x", "w[0]"], ["1", "-1"]]
[aux]
en = "half + x"
half = "0.5*y**2"
[functions.sq]
args = ["u"]
expr = "u*u"
[events.reset]
cond = "x >= 3"
action = "x = 0; y += a"
phase = "both"
tags = ["spike"]
log = ["t", "x"]
[sim]
t_end = 10.0
record_interval = 2
[presets.fast.params]
w = [1.0, 2.0]
[presets.fast.states]
x = 0.5
)";

TEST(InspectApi, DescribesEverySection) {
  const dynlib::ModelDescription m = dynlib::describe_model(kModel);
  EXPECT_EQ(m.name, "every_section");
  EXPECT_EQ(m.kind, dynlib::ModelKind::Ode);
  EXPECT_EQ(m.dtype, dynlib::DType::Float64);
  EXPECT_EQ(m.hash.size(), 64u);
  EXPECT_EQ(m.stepper, "rk4");  // no [sim] stepper: the default rule (the reference's)
  EXPECT_FALSE(m.sim.stepper.has_value());

  ASSERT_EQ(m.states.size(), 2u);
  EXPECT_FALSE(m.states[0].initial_computed);
  EXPECT_EQ(m.states[1].initial, 0.5);
  EXPECT_TRUE(m.states[1].initial_computed);
  EXPECT_EQ(m.states[1].initial_source, "a * two");

  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_TRUE(m.params[1].is_array);
  EXPECT_EQ(m.params[1].values, (std::vector<double>{0.5, -1.0}));
  ASSERT_EQ(m.constants.size(), 1u);
  EXPECT_EQ(m.constants[0].value, 2.0);

  ASSERT_EQ(m.functions.size(), 1u);
  EXPECT_EQ(m.functions[0].args, std::vector<std::string>{"u"});
  EXPECT_EQ(m.functions[0].body, "u * u");

  ASSERT_EQ(m.aux.size(), 2u);
  EXPECT_EQ(m.aux[0].name, "en");                    // declaration order
  EXPECT_EQ(m.aux_order, (std::vector<int>{1, 0}));  // half before en
  ASSERT_EQ(m.equations.size(), 2u);
  EXPECT_EQ(m.equations[0].lhs, "dx/dt");
  EXPECT_EQ(m.equations[0].source, "-a * sq(x) + w[0] * y");
  ASSERT_TRUE(m.jacobian.has_value());
  EXPECT_EQ((*m.jacobian)[0], (std::vector<std::string>{"-2 * a * x", "w[0]"}));
  EXPECT_FALSE(m.inverse.has_value());

  ASSERT_EQ(m.events.size(), 1u);
  const dynlib::EventDescription& e = m.events[0];
  EXPECT_EQ(e.phase, "both");
  EXPECT_EQ(e.tags, std::vector<std::string>{"spike"});
  EXPECT_EQ(e.condition, "x >= 3");
  ASSERT_EQ(e.actions.size(), 2u);
  EXPECT_EQ(e.actions[1].target, "y");
  EXPECT_EQ(e.actions[1].op, "+=");
  EXPECT_EQ(e.actions[1].source, "a");
  EXPECT_EQ(e.log, (std::vector<std::string>{"t", "x"}));

  ASSERT_EQ(m.presets.size(), 1u);
  ASSERT_EQ(m.presets[0].values.size(), 2u);
  for (const auto& v : m.presets[0].values) EXPECT_EQ(v.is_state, v.name == "x");

  EXPECT_EQ(m.sim.t_end, 10.0);
  EXPECT_EQ(m.sim.record_interval, 2);
}

TEST(InspectApi, MapsAndTheDefaultStepperRule) {
  EXPECT_STREQ(dynlib::default_stepper(dynlib::ModelKind::Ode), "rk4");
  EXPECT_STREQ(dynlib::default_stepper(dynlib::ModelKind::Map), "map");
  const dynlib::ModelDescription h = dynlib::describe_model("builtin://map/henon");
  EXPECT_EQ(h.kind, dynlib::ModelKind::Map);
  EXPECT_STREQ(dynlib::model_kind_name(h.kind), "map");
  EXPECT_EQ(h.equations[0].lhs, "x'");
  ASSERT_TRUE(h.inverse.has_value());
  EXPECT_EQ(h.inverse->size(), h.states.size());
}

TEST(InspectApi, ListsTheBuiltinsAndReportsErrors) {
  const auto uris = dynlib::list_models();
  EXPECT_NE(std::find(uris.begin(), uris.end(), "builtin://ode/lorenz"), uris.end());
  EXPECT_THROW(dynlib::describe_model("builtin://ode/no_such_model"), dynlib::ModelNotFoundError);
  EXPECT_THROW(dynlib::describe_model("inline:[model]\ntype = \"ode\"\n"), dynlib::ModelError);
}

}  // namespace

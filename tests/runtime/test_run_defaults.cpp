// The run defaults of dynlib/run_defaults.hpp are the ones a run uses: an adaptive run given no
// tolerances (or step-size options) is bit-identical to one given the defaults explicitly; a
// [sim] table's unset fields are the defaults; maps step by defaults::map_dt; a model naming no
// stepper gets the default one. And docs/simulation.md quotes the same numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "dynlib/run_defaults.hpp"
#include "runtime/runtime_test_util.hpp"

using namespace dynlib;
using rt_test::expect_same_results;
using rt_test::inline_model;

namespace {

const char* kOdeNoSim = R"toml(
[model]
type = "ode"
name = "vdp_nosim"
[states]
x = 2.0
v = 0.0
[params]
mu = 5.0
[equations.rhs]
x = "v"
v = "mu*(1 - x**2)*v - x"
)toml";

const char* kMapNoSim = R"toml(
[model]
type = "map"
name = "map_nosim"
[states]
x = 0.25
[params]
r = 3.7
[equations.rhs]
x = "r*x*(1 - x)"
)toml";

std::string read_doc(const std::string& rel) {
  const std::filesystem::path here(__FILE__);
  const std::filesystem::path doc = here.parent_path().parent_path().parent_path() / rel;
  std::ifstream in(doc);
  EXPECT_TRUE(in.good()) << "cannot read " << doc;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The line of a markdown table whose first cell starts with `first_cell`.
std::string table_row(const std::string& doc, const std::string& first_cell) {
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("| " + first_cell, 0) == 0) return line;
  ADD_FAILURE() << "no table row starting with '" << first_cell << "'";
  return "";
}

// The numbers in the first "( ... )" group of `text`, in order.
std::vector<double> numbers_in_parens(const std::string& text) {
  const size_t open = text.find('('), close = text.find(')', open);
  std::vector<double> out;
  if (open == std::string::npos || close == std::string::npos) return out;
  const std::string inner = text.substr(open + 1, close - open - 1);
  const std::regex num(R"([-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)");
  for (auto it = std::sregex_iterator(inner.begin(), inner.end(), num);
       it != std::sregex_iterator(); ++it)
    out.push_back(std::stod(it->str()));
  return out;
}

}  // namespace

TEST(RunDefaults, UnsetSimFieldsAreTheDefaults) {
  for (const char* toml : {kOdeNoSim, kMapNoSim}) {
    const FullModel m = build(inline_model(toml));
    const SimTable& s = m.spec().sim;
    SCOPED_TRACE(m.spec().name);
    EXPECT_EQ(s.t0, defaults::t0);
    EXPECT_EQ(m.spec().t0, defaults::t0);
    EXPECT_EQ(s.atol, defaults::atol);
    EXPECT_EQ(s.rtol, defaults::rtol);
    EXPECT_EQ(s.record, defaults::record);
    EXPECT_EQ(s.record_interval, defaults::record_interval);
    EXPECT_FALSE(s.t_end || s.dt || s.stepper || s.max_steps || s.dt_min || s.dt_max || s.safety ||
                 s.min_factor || s.max_factor || s.max_rejects || s.controller);
  }
  // The stepper of a model naming none.
  EXPECT_EQ(build(inline_model(kOdeNoSim)).stepper_name(), defaults::ode_stepper);
  EXPECT_EQ(build(inline_model(kMapNoSim)).stepper_name(), defaults::map_stepper);
  // A [sim] table setting some fields keeps the defaults for the others.
  const FullModel partial = build(inline_model(std::string(kOdeNoSim) + R"toml(
[sim]
atol = 1e-10
t_end = 3.0
)toml"));
  EXPECT_EQ(partial.spec().sim.atol, 1e-10);
  EXPECT_EQ(partial.spec().sim.rtol, defaults::rtol);
  EXPECT_EQ(partial.spec().sim.t0, defaults::t0);
  EXPECT_EQ(partial.spec().t_end, std::optional<double>(3.0));
}

TEST(RunDefaults, AnAdaptiveRunUsesTheDefaultTolerances) {
  const FullModel m = build(inline_model(kOdeNoSim), {.stepper = "rk45"});
  Sim implicit(m), explicit_tol(m), explicit_all(m), other(m);
  const Results& a = implicit.run({.T = 20.0});
  const Results& b = explicit_tol.run({.T = 20.0, .atol = defaults::atol, .rtol = defaults::rtol});
  const Results& c = explicit_all.run({.T = 20.0,
                                       .atol = defaults::atol,
                                       .rtol = defaults::rtol,
                                       .dt_min = defaults::dt_min,
                                       .dt_max = defaults::dt_max,
                                       .safety = defaults::safety,
                                       .min_factor = defaults::min_factor,
                                       .max_factor = defaults::max_factor,
                                       .max_rejects = defaults::max_rejects,
                                       .controller = std::string(defaults::controller)});
  ASSERT_TRUE(a.ok()) << a.message();
  ASSERT_GT(a.steps(), 20);
  expect_same_results(a, b);
  EXPECT_EQ(a.accepted_steps(), b.accepted_steps());
  EXPECT_EQ(a.rejected_steps(), b.rejected_steps());
  expect_same_results(a, c);
  EXPECT_EQ(a.rejected_steps(), c.rejected_steps());
  // The options matter: looser tolerances take fewer steps.
  const Results& d = other.run({.T = 20.0, .atol = 1e-4, .rtol = 1e-3});
  EXPECT_LT(d.steps(), a.steps());
}

TEST(RunDefaults, ASimTableOverridesTheDefaultTolerances) {
  // vanderpol's [sim] sets atol/rtol: a run given none uses those, not defaults::.
  const FullModel m = build("builtin://ode/vanderpol", {.stepper = "rk45"});
  const SimTable& s = m.spec().sim;
  ASSERT_TRUE(s.atol != defaults::atol || s.rtol != defaults::rtol);
  Sim implicit(m), from_table(m), from_defaults(m);
  const Results& a = implicit.run({.T = 20.0});
  expect_same_results(a, from_table.run({.T = 20.0, .atol = s.atol, .rtol = s.rtol}));
  const Results& c = from_defaults.run({.T = 20.0, .atol = defaults::atol, .rtol = defaults::rtol});
  EXPECT_NE(a.steps(), c.steps());
}

TEST(RunDefaults, MapsStepByTheDefaultDt) {
  Sim sim = setup(inline_model(kMapNoSim));
  const Results& r = sim.run({.N = 4});
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r.size(), 5u);
  for (size_t i = 0; i < r.size(); ++i)
    EXPECT_EQ(r.t()[i], defaults::t0 + static_cast<double>(i) * defaults::map_dt);
  // T counts in steps of map_dt too.
  Sim byT = setup(inline_model(kMapNoSim));
  const Results& rt = byT.run({.T = 6.0, .t0 = 2.0});
  EXPECT_EQ(rt.steps(), static_cast<long long>((6.0 - 2.0) / defaults::map_dt));
  EXPECT_EQ(rt.final_time(), 6.0);
  // The same as giving it.
  Sim given = setup(inline_model(kMapNoSim));
  expect_same_results(r, given.run({.N = 4, .dt = defaults::map_dt}));
}

TEST(RunDefaults, TheDocsQuoteTheDefaults) {
  const std::string doc = read_doc("docs/simulation.md");
  const std::vector<double> tol = numbers_in_parens(table_row(doc, "`atol`, `rtol`"));
  ASSERT_EQ(tol.size(), 2u);
  EXPECT_EQ(tol[0], defaults::atol);
  EXPECT_EQ(tol[1], defaults::rtol);
  const std::string adaptive = table_row(doc, "`dt_min`, `dt_max`");
  const std::vector<double> step = numbers_in_parens(adaptive);
  ASSERT_EQ(step.size(), 6u) << adaptive;
  EXPECT_EQ(step[0], defaults::dt_min);
  EXPECT_EQ(step[1], defaults::dt_max);
  EXPECT_EQ(step[2], defaults::safety);
  EXPECT_EQ(step[3], defaults::min_factor);
  EXPECT_EQ(step[4], defaults::max_factor);
  EXPECT_EQ(step[5], static_cast<double>(defaults::max_rejects));
  EXPECT_NE(adaptive.find(std::string("\"") + defaults::controller + "\""), std::string::npos)
      << adaptive;
  EXPECT_NE(table_row(doc, "`t0`").find("else 0"), std::string::npos);
  EXPECT_EQ(defaults::t0, 0.0);
  EXPECT_NE(table_row(doc, "`record_interval`").find("else 1"), std::string::npos);
  EXPECT_EQ(defaults::record_interval, 1);
  EXPECT_NE(table_row(doc, "`record`").find("else true"), std::string::npos);
  EXPECT_TRUE(defaults::record);
  EXPECT_NE(doc.find("else `0.01` for\nflows (the reference's default) and `1` for maps"),
            std::string::npos);
  EXPECT_EQ(defaults::flow_dt, 0.01);
  EXPECT_EQ(defaults::map_dt, 1.0);
  EXPECT_NE(doc.find("flow runs to `T = 1`"), std::string::npos);
  EXPECT_EQ(defaults::t_end, 1.0);
  EXPECT_NE(
      table_row(doc, "`stepper`").find(std::string("`") + defaults::ode_stepper + "` for ODEs"),
      std::string::npos);
}

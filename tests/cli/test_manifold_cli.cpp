// `dynlib manifold` end to end: the CSV holds exactly the points trace_manifold_1d_map /
// trace_manifold_1d_ode compute, --stable/--unstable choose the manifold (both by default), and
// bad input fails with a clear message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/manifolds.hpp"

namespace {

using Output = dynlib::testing::CliOutput;
using dynlib::testing::contains;
using dynlib::testing::num;
using dynlib::testing::parse_csv;
using dynlib::testing::slurp;

class ManifoldCli : public ::testing::Test {
 protected:
  dynlib::testing::TempDir dir;
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  Output cli(const std::string& args) { return dynlib::testing::run_dynlib_cli(args, dir.str()); }
};

}  // namespace

TEST_F(ManifoldCli, HenonUnstableCsvHoldsTheApisPoints) {
  const std::string csv = path("wu.csv");
  const Output o =
      cli("manifold builtin://map/henon --fixed-point x=0.6,y=0.2 --unstable --bounds x=-2:2 "
          "--bounds y=-1:1 --max-arclength 2 --out " +
          csv);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(contains(o.out, "unstable manifold of the saddle")) << o.out;
  const auto rows = parse_csv(slurp(csv));
  ASSERT_GT(rows.size(), 10u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"manifold", "branch", "segment", "index", "param",
                                               "x", "y"}));
  // The CLI refines a rough --fixed-point (no fp_check_tol unless --fp-check-tol is given).
  const dynlib::ManifoldResult r = dynlib::trace_manifold_1d_map(
      dynlib::build("builtin://map/henon"), {.fp = {0.6, 0.2},
                                             .kind = dynlib::ManifoldKind::Unstable,
                                             .bounds = {{-2, 2}, {-1, 1}},
                                             .max_arclength = 2,
                                             .fp_check_tol = std::nullopt});
  size_t expected = 1;
  for (int b = 0; b < 2; ++b)
    for (const auto& seg : r.branches[b].segments) expected += seg.count();
  ASSERT_EQ(rows.size(), expected);
  size_t row = 1;
  for (int b = 0; b < 2; ++b)
    for (size_t g = 0; g < r.branches[b].segments.size(); ++g) {
      const auto& seg = r.branches[b].segments[g];
      for (size_t i = 0; i < seg.count(); ++i, ++row) {
        EXPECT_EQ(rows[row][0], "unstable");
        EXPECT_EQ(rows[row][1], b == 0 ? "1" : "-1");
        EXPECT_EQ(rows[row][2], std::to_string(g));
        EXPECT_EQ(num(rows[row][5]), seg.points[2 * i]) << row;
        EXPECT_EQ(num(rows[row][6]), seg.points[2 * i + 1]) << row;
      }
    }
}

TEST_F(ManifoldCli, BothManifoldsByDefaultAndOdes) {
  const std::string csv = path("both.csv");
  const Output o =
      cli("manifold builtin://map/henon --fp 0.6,0.2 --bounds x=-3:3 --bounds y=-3:3 "
          "--max-arclength 1 -q --out " +
          csv);
  ASSERT_EQ(o.code, 0) << o.err;
  const auto rows = parse_csv(slurp(csv));
  bool stable = false, unstable = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    stable |= rows[i][0] == "stable";
    unstable |= rows[i][0] == "unstable";
  }
  EXPECT_TRUE(stable && unstable);
  const Output ode =
      cli("manifold builtin://ode/lorenz --fixed-point x=0,y=0,z=0 --unstable --max-arclength 5 "
          "--bounds x=-30:30 --bounds y=-40:40 --bounds z=-10:60 --out " +
          path("lorenz.csv"));
  ASSERT_EQ(ode.code, 0) << ode.err;
  EXPECT_TRUE(contains(ode.out, "method flow")) << ode.out;
}

TEST_F(ManifoldCli, OdeFlagsReachTheOptions) {
  const std::string csv = path("ode.csv");
  const Output o =
      cli("manifold builtin://ode/lorenz --fixed-point x=0,y=0,z=0 --unstable --max-time 3 "
          "--bounds x=-15:15 --bounds y=-20:20 --bounds z=-5:40 --clip-margin 0 --no-resample -q "
          "--out " +
          csv);
  ASSERT_EQ(o.code, 0) << o.err;
  dynlib::ManifoldOptions opt{.fp = {0, 0, 0},
                              .kind = dynlib::ManifoldKind::Unstable,
                              .bounds = {{-15, 15}, {-20, 20}, {-5, 40}},
                              .clip_margin = 0,
                              .max_time = 3,
                              .fp_check_tol = std::nullopt};
  opt.resample_h.reset();
  const dynlib::ManifoldResult r =
      dynlib::trace_manifold_1d_ode(dynlib::build("builtin://ode/lorenz"), opt);
  size_t expected = 1;
  for (int b = 0; b < 2; ++b) {
    EXPECT_EQ(r.branches[b].stop, "bounds");  // no margin: the first point outside ends it
    for (const auto& seg : r.branches[b].segments) expected += seg.count();
  }
  EXPECT_EQ(parse_csv(slurp(csv)).size(), expected);
}

TEST_F(ManifoldCli, Errors) {
  Output o = cli("manifold builtin://map/henon --fixed-point xx=0.6");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "did you mean 'x'")) << o.err;
  o = cli("manifold builtin://ode/lorenz --fixed-point 0,0,0 --stable --bounds x=-1:1");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "not 1-D")) << o.err;
  o = cli("manifold builtin://ode/lorenz --fixed-point 0,0,0 --unstable");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "bounds is required")) << o.err;
  o = cli("manifold builtin://map/henon --fixed-point 0.6,0.2 --fp-check-tol 1e-6");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "fp_check_tol")) << o.err;
  o = cli("manifold builtin://map/henon --fixed-point 0.6,0.2 --inverse newtn");
  EXPECT_NE(o.code, 0);
  EXPECT_TRUE(contains(o.err, "did you mean 'newton'")) << o.err;
}

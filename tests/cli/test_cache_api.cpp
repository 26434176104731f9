// dynlib/cache.hpp as a C++ user sees it: a native build publishes an entry the public listing
// describes, a fresh-process build (memory cache and compiler probe forgotten) loads it back, and
// clearing by digest prefix removes it. The cache lives in a temp dir, never the user's.
#include <gtest/gtest.h>

#include <string>

#include "dsl/temp_dir.hpp"
#include "dynlib/cache.hpp"
#include "dynlib/dynlib.hpp"

namespace {

TEST(CacheApi, PublishListReloadClear) {
  dynlib::testing::IsolatedEnv iso;
  iso.env()
      .set("XDG_CACHE_HOME", iso.home() / "cache")
      .set("DYNLIB_CACHE_FALLBACK", iso.home() / "fallback")
      .set("TMPDIR", iso.home().mkdir("tmp"));
  const dynlib::CacheLocation where = dynlib::cache_location();
  ASSERT_FALSE(where.memory_only());
  EXPECT_EQ(where.root, iso.home() / "cache/dynlib");
  EXPECT_EQ(where.kind, dynlib::CacheRootKind::Default);
  EXPECT_STREQ(dynlib::cache_root_kind_name(where.kind), "default");
  EXPECT_TRUE(dynlib::list_cache_entries(where.root).empty());

  const dynlib::BuildOptions options{.stepper = "rk4", .jit = true, .disk_cache = true};
  dynlib::clear_memory_cache();  // an earlier test of this process may hold the kernel
  try {
    dynlib::build("builtin://ode/lorenz", options);
  } catch (const dynlib::JITUnavailableError& e) {
    GTEST_SKIP() << e.what();
  }
  const auto entries = dynlib::list_cache_entries(where.root);
  ASSERT_EQ(entries.size(), 1u);
  const dynlib::CacheEntry& e = entries[0];
  EXPECT_TRUE(e.problem.empty()) << e.problem;
  EXPECT_EQ(e.model_name, "lorenz");
  EXPECT_EQ(e.stepper, "rk4");
  EXPECT_EQ(e.dtype, "float64");
  EXPECT_GT(e.bytes, 0);
  EXPECT_EQ(dynlib::cache_stats(where.root).entries, 1);

  dynlib::clear_memory_cache();
  dynlib::reset_compiler_probe();
  const dynlib::CompileCounters before = dynlib::compile_counters();
  const dynlib::FullModel again = dynlib::build("builtin://ode/lorenz", options);
  EXPECT_EQ(again.build_stats().kernel_source, "disk");
  EXPECT_EQ(dynlib::compile_counters().compiles, before.compiles);
  EXPECT_EQ(dynlib::compile_counters().disk_hits, before.disk_hits + 1);

  dynlib::ClearRequest request;
  request.what = dynlib::ClearRequest::What::DigestPrefix;
  request.digest_prefix = e.digest.substr(0, 8);
  const dynlib::ClearResult cleared = dynlib::clear_cache(where.root, request);
  ASSERT_EQ(cleared.removed.size(), 1u);
  EXPECT_EQ(cleared.removed[0].digest, e.digest);
  EXPECT_TRUE(cleared.failed.empty());
  EXPECT_TRUE(dynlib::list_cache_entries(where.root).empty());
  dynlib::clear_memory_cache();
}

TEST(CacheApi, Durations) {
  EXPECT_EQ(dynlib::parse_duration_ms("90s"), 90'000);
  EXPECT_EQ(dynlib::parse_duration_ms("2w"), 14LL * 24 * 3600 * 1000);
  EXPECT_FALSE(dynlib::parse_duration_ms("5x").has_value());
}

}  // namespace

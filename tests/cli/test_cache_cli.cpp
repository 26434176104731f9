// `dynlib cache ...` end to end: the executable over a cache the JIT layer filled. The environment
// points HOME, XDG_CACHE_HOME, TMPDIR and DYNLIB_CACHE_FALLBACK into a temp dir, so the real cache
// is never touched.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/cli_runner.hpp"
#include "dsl/temp_dir.hpp"
#include "jit/disk_cache.hpp"
#include "jit/jit.hpp"

namespace fs = std::filesystem;
namespace jit = dynlib::jit;

namespace {

using CliRun = dynlib::testing::CliOutput;

class CacheCli : public ::testing::Test {
 protected:
  CacheCli() {
    iso_.env()
        .set("XDG_CACHE_HOME", iso_.home() / "cache")
        .set("DYNLIB_CACHE_FALLBACK", iso_.home() / "fallback")
        .set("TMPDIR", iso_.home().mkdir("tmp"));
  }

  std::string root() const { return iso_.home() / "cache/dynlib"; }

  CliRun cli(const std::string& args) const {
    return dynlib::testing::run_dynlib_cli(args, iso_.home().str());
  }

  // Puts one kernel into the cache through the JIT layer; returns its digest.
  std::string add_entry(const std::string& model, const std::string& factor,
                        const std::string& stepper = "rk4", const std::string& dtype = "float64",
                        const std::string& model_hash = "") const {
    jit::CompileRequest r;
    r.source = "extern \"C\" int dynlib_abi_version() { return " +
               std::to_string(dynlib::kernel::kRunArgsAbi) +
               "; }\nextern \"C\" double f(double x) { return " + factor + " * x; }\n";
    r.key_inputs = {{"salt", root()}};
    r.disk_cache = true;
    r.manifest = {{"model_name", model}, {"stepper", stepper}, {"dtype", dtype}};
    if (!model_hash.empty()) r.manifest.push_back({"model_hash", model_hash});
    return jit::compile_and_load(r)->key();
  }

  dynlib::testing::IsolatedEnv iso_;
};

}  // namespace

TEST_F(CacheCli, PathNamesTheRootAndWhy) {
  CliRun r = cli("cache path");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), root());
  EXPECT_NE(r.out.find("source: default ($XDG_CACHE_HOME/dynlib)"), std::string::npos) << r.out;

  // An unwritable configured root (below a regular file) falls back, and says so.
  iso_.home().write("file", "x\n");
  const std::string config =
      iso_.home().write("config.toml", "cache_root = \"" + (iso_.home() / "file/sub") + "\"\n");
  iso_.env().set("DYNLIB_CONFIG", config);
  r = cli("cache path");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), iso_.home() / "fallback");
  EXPECT_NE(r.out.find("source: fallback"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("dynlib: warning:"), std::string::npos) << r.err;
}

TEST_F(CacheCli, ListStatsAndClear) {
  CliRun r = cli("cache list");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("no entries"), std::string::npos) << r.out;

  const std::string a = add_entry("alpha_model", "2.0");
  const std::string b = add_entry("beta_model", "3.0");
  r = cli("cache list");
  EXPECT_EQ(r.code, 0) << r.err;
  for (const std::string& s : {a.substr(0, 12), b.substr(0, 12), std::string("alpha_model"),
                               std::string("beta_model"), std::string("float64")})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " in\n" << r.out;

  r = cli("cache stats");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("entries:  2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("misses:   2\n"), std::string::npos) << r.out;

  r = cli("cache clear " + a.substr(0, 8));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("removed " + a.substr(0, 12)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("removed 1 entry"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(b.substr(0, 12)), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(jit::cache_entry_paths(root(), "kernel", a).dir));
  EXPECT_TRUE(fs::exists(jit::cache_entry_paths(root(), "kernel", b).dir));

  r = cli("cache clear --older-than 7d");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("removed 0 entries"), std::string::npos) << r.out;

  r = cli("cache clear --all");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("removed " + b.substr(0, 12)), std::string::npos) << r.out;
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
}

TEST_F(CacheCli, ClearNeedsExactlyOneSelection) {
  for (const char* args : {"cache clear", "cache clear --all abc", "cache clear --older-than 7x",
                           "cache clear not-hex"}) {
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_FALSE(r.err.empty()) << args;
  }
}

TEST_F(CacheCli, FiltersByStepperDtypeAndHashAndDryRun) {
  const std::string a = add_entry("alpha_model", "2.0", "rk4", "float64", "aa11");
  const std::string b = add_entry("beta_model", "3.0", "rk45", "float64", "bb22");
  const std::string c = add_entry("gamma_model", "4.0", "rk45", "float32", "bb33");
  auto shows = [](const CliRun& r, const std::string& digest) {
    return r.out.find(digest.substr(0, 12)) != std::string::npos;
  };
  CliRun r = cli("cache list --stepper rk45");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(shows(r, a));
  EXPECT_TRUE(shows(r, b) && shows(r, c)) << r.out;
  r = cli("cache list --stepper rk45 --dtype float32");
  EXPECT_TRUE(!shows(r, a) && !shows(r, b) && shows(r, c)) << r.out;
  r = cli("cache list --hash BB");  // a prefix of the spec hash, any case
  EXPECT_TRUE(!shows(r, a) && shows(r, b) && shows(r, c)) << r.out;
  r = cli("cache list --dtype int64");
  EXPECT_NE(r.out.find("no matching entries"), std::string::npos) << r.out;

  // A dry run names what would go and removes nothing.
  r = cli("cache clear --stepper rk45 --dry_run");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("would remove 2 entries"), std::string::npos) << r.out;
  EXPECT_EQ(jit::list_cache_entries(root()).size(), 3u);

  // Filters alone select among all entries; with a digest prefix they narrow it.
  r = cli("cache clear --stepper rk45 " + a.substr(0, 8));
  EXPECT_NE(r.out.find("removed 0 entries"), std::string::npos) << r.out;
  r = cli("cache clear --hash bb3");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("removed 1 entry"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(jit::cache_entry_paths(root(), "kernel", c).dir));
  EXPECT_TRUE(fs::exists(jit::cache_entry_paths(root(), "kernel", b).dir));
  r = cli("cache clear --all --dtype float64");
  EXPECT_NE(r.out.find("removed 2 entries"), std::string::npos) << r.out;
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
}

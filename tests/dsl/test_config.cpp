#include <gtest/gtest.h>
#include <sys/stat.h>

#include <limits>
#include <thread>

#include "dynlib/errors.hpp"
#include "support/config.hpp"
#include "temp_dir.hpp"

namespace dynlib::support {
namespace {

using dynlib::testing::IsolatedEnv;
using dynlib::testing::TempDir;

// The message of the DynlibError `f` throws; fails the test when it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DynlibError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DynlibError";
  return {};
}

TEST(ConfigLoad, MissingDefaultFileIsEmptyConfig) {
  IsolatedEnv sandbox;
  const UserConfig& c = user_config();
  EXPECT_TRUE(c.source_path.empty());
  EXPECT_TRUE(c.paths.empty());
  EXPECT_FALSE(c.cache_root);
  EXPECT_FALSE(c.cache_max_size);
  EXPECT_FALSE(c.jit_auto_threshold);
  EXPECT_FALSE(c.jit_compile_timeout);
}

TEST(ConfigLoad, ExplicitMissingFileIsAnError) {
  IsolatedEnv sandbox;
  const std::string missing = sandbox.home() / "nope/config.toml";
  sandbox.env().set("DYNLIB_CONFIG", missing);
  const std::string msg = error_of([] { user_config(); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
}

TEST(ConfigLoad, DefaultPathUnderXdgConfigHome) {
  IsolatedEnv sandbox;
  const std::string file =
      sandbox.home().write(".config/dynlib/config.toml", "[paths]\nmine = \"/m\"\n");
  EXPECT_EQ(user_config_path(), file);
  const UserConfig& c = user_config();
  EXPECT_EQ(c.source_path, file);
  ASSERT_EQ(c.paths.size(), 1u);
  EXPECT_EQ(c.paths[0].first, "mine");
}

TEST(ConfigLoad, DefaultPathFallsBackToHomeWithoutXdg) {
  IsolatedEnv sandbox;
  sandbox.env().unset("XDG_CONFIG_HOME");
  EXPECT_EQ(user_config_path(), sandbox.home() / ".config/dynlib/config.toml");
  sandbox.env().set("XDG_CONFIG_HOME", "relative/is/ignored");
  EXPECT_EQ(user_config_path(), sandbox.home() / ".config/dynlib/config.toml");
}

TEST(ConfigLoad, ExplicitPathIsExpanded) {
  IsolatedEnv sandbox;
  const std::string file = sandbox.home().write("cfg/dynlib.toml", "cache_root = \"/c\"\n");
  sandbox.env().set("DYNLIB_CONFIG", "~/cfg/dynlib.toml");
  bool explicit_path = false;
  EXPECT_EQ(user_config_path(&explicit_path), file);
  EXPECT_TRUE(explicit_path);
  EXPECT_EQ(user_config().cache_root, "/c");
}

// An unset variable used to expand to nothing: DYNLIB_CONFIG="$NOPE/c.toml" read "/c.toml".
TEST(ConfigLoad, ExplicitPathWithAnUnsetVariableIsAnError) {
  IsolatedEnv sandbox;
  sandbox.env().unset("DYNLIB_TEST_UNSET_VAR");
  for (const std::string value :
       {"$DYNLIB_TEST_UNSET_VAR/c.toml", "${DYNLIB_TEST_UNSET_VAR}/c.toml"}) {
    sandbox.env().set("DYNLIB_CONFIG", value);
    const std::string msg = error_of([] { user_config_path(); });
    EXPECT_NE(msg.find("DYNLIB_CONFIG"), std::string::npos) << msg;
    EXPECT_NE(msg.find("DYNLIB_TEST_UNSET_VAR"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not set"), std::string::npos) << msg;
    EXPECT_THROW(user_config(), ConfigError);
  }
  sandbox.env().set("DYNLIB_CONFIG", "~/c.toml").unset("HOME");
  EXPECT_NE(error_of([] { user_config_path(); }).find("HOME"), std::string::npos);
}

TEST(ConfigLoad, SameInstanceAcrossThreads) {
  IsolatedEnv sandbox;
  sandbox.env().set("DYNLIB_CONFIG", sandbox.home().write("c.toml", "[jit]\nauto_threshold = 2\n"));
  std::vector<const UserConfig*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&seen, i] { seen[i] = &user_config(); });
  for (auto& t : threads) t.join();
  for (const auto* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_EQ(seen[0]->jit_auto_threshold, 2.0);
}

TEST(ConfigParse, PathsAsStringOrListWithExpansion) {
  IsolatedEnv sandbox;
  sandbox.env().set("PROJ", "/proj");
  const std::string file = sandbox.home().write("c/config.toml", R"(
[paths]
one = "~/models"
many = ["$PROJ/a", "${PROJ}/b/", "rel/dir"]
)");
  const UserConfig c = load_user_config(file);
  ASSERT_EQ(c.paths.size(), 2u);
  EXPECT_EQ(c.paths[0].first, "one");
  EXPECT_EQ(c.paths[0].second, std::vector<std::string>{sandbox.home() / "models"});
  EXPECT_EQ(c.paths[1].first, "many");
  // A relative root is anchored at the config file's directory, not the current directory.
  EXPECT_EQ(c.paths[1].second,
            (std::vector<std::string>{"/proj/a", "/proj/b/", sandbox.home() / "c/rel/dir"}));
}

// "$SCRATCH/cache" with SCRATCH unset used to become "/cache": now an error at the variable.
TEST(ConfigParse, UnsetVariableInAPathIsAnErrorWithLocation) {
  IsolatedEnv sandbox;
  sandbox.env().unset("DYNLIB_TEST_UNSET_VAR").set("DYNLIB_TEST_SET_VAR", "/set");
  auto error_for = [](const std::string& text) {
    return error_of([&] { parse_user_config(text, "/x/config.toml"); });
  };
  std::string msg = error_for("cache_root = \"$DYNLIB_TEST_UNSET_VAR/cache\"\n");
  EXPECT_NE(msg.find("/x/config.toml:1:15: error: cache_root: environment variable "
                     "DYNLIB_TEST_UNSET_VAR is not set"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("^"), std::string::npos) << msg;

  msg = error_for("[cache]\nroot = \"$DYNLIB_TEST_SET_VAR/${DYNLIB_TEST_UNSET_VAR}\"\n");
  EXPECT_NE(msg.find("/x/config.toml:2:30: error: cache.root: environment variable "
                     "DYNLIB_TEST_UNSET_VAR is not set"),
            std::string::npos)
      << msg;

  msg = error_for("[paths]\nm = [\"/ok\", \"$DYNLIB_TEST_UNSET_VAR\"]\n");
  EXPECT_NE(msg.find("/x/config.toml:2:14: error: paths.m entry: environment variable "
                     "DYNLIB_TEST_UNSET_VAR is not set"),
            std::string::npos)
      << msg;

  // Set variables and ~ still expand.
  const UserConfig c = parse_user_config(
      "cache_root = \"${DYNLIB_TEST_SET_VAR}/c\"\n[paths]\nm = \"~/m\"\n", "/x/config.toml");
  EXPECT_EQ(c.cache_root, "/set/c");
  EXPECT_EQ(c.paths.at(0).second.at(0), sandbox.home() / "m");

  sandbox.env().unset("HOME");
  msg = error_for("cache_root = \"~/c\"\n");
  EXPECT_NE(
      msg.find("/x/config.toml:1:15: error: cache_root: environment variable HOME is not set"),
      std::string::npos)
      << msg;
}

TEST(ConfigParse, CacheAndJitKeys) {
  IsolatedEnv sandbox;
  UserConfig c = parse_user_config(R"(
[cache]
root = "~/cache"
max_size = "500MB"
[jit]
auto_threshold = 0.25
auto_min_calls = 5
auto_tier_threshold = inf
compile_timeout = 600
)",
                                   "/x/config.toml");
  EXPECT_EQ(c.cache_root, sandbox.home() / "cache");
  EXPECT_EQ(c.cache_max_size, 500'000'000LL);
  EXPECT_EQ(c.jit_auto_threshold, 0.25);
  EXPECT_EQ(c.jit_compile_timeout, 600.0);
  EXPECT_EQ(c.jit_auto_min_calls, 5);
  EXPECT_EQ(c.jit_auto_tier_threshold, std::numeric_limits<double>::infinity());

  c = parse_user_config("cache_root = \"/top\"\n[cache]\nmax_size = 1024\n", "/x/config.toml");
  EXPECT_EQ(c.cache_root, "/top");
  EXPECT_EQ(c.cache_max_size, 1024);
  EXPECT_FALSE(c.jit_auto_threshold);
}

TEST(ConfigParse, ByteSizes) {
  EXPECT_EQ(parse_byte_size("123"), 123);
  EXPECT_EQ(parse_byte_size("10B"), 10);
  EXPECT_EQ(parse_byte_size("2kB"), 2000);
  EXPECT_EQ(parse_byte_size("2GiB"), 2LL << 30);
  EXPECT_EQ(parse_byte_size("1.5 gb"), 1'500'000'000LL);
  EXPECT_EQ(parse_byte_size("1TiB"), 1LL << 40);
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("MB"));
  EXPECT_FALSE(parse_byte_size("-5MB"));
  EXPECT_FALSE(parse_byte_size("5 parsecs"));
  EXPECT_FALSE(parse_byte_size("1.2.3MB"));
  EXPECT_FALSE(parse_byte_size("99999999999TB"));
}

TEST(ConfigParse, UnknownTopLevelKeyHasDidYouMeanAndLocation) {
  const std::string msg = error_of(
      [] { parse_user_config("[paths]\na = \"/a\"\n\n[pathz]\nb = \"/b\"\n", "/c.toml"); });
  EXPECT_NE(msg.find("/c.toml:4:2: error: unknown key 'pathz'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'paths'?"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[pathz]"), std::string::npos) << msg;  // the source line is quoted
}

TEST(ConfigParse, UnknownNestedKeysHaveDidYouMean) {
  std::string msg = error_of([] { parse_user_config("[cache]\nmax_sise = 1\n", "/c.toml"); });
  EXPECT_NE(msg.find("/c.toml:2:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'max_size'?"), std::string::npos) << msg;
  msg = error_of([] { parse_user_config("[jit]\nauto_treshold = 1\n", "/c.toml"); });
  EXPECT_NE(msg.find("did you mean 'auto_threshold'?"), std::string::npos) << msg;
  // Nothing close: the known keys are listed instead.
  msg = error_of([] { parse_user_config("colour = 1\n", "/c.toml"); });
  EXPECT_NE(msg.find("known keys: paths cache_root cache jit"), std::string::npos) << msg;
}

TEST(ConfigParse, SyntaxErrorHasFileLineColumn) {
  const std::string msg = error_of([] { parse_user_config("[paths]\nx = \n", "/c.toml"); });
  EXPECT_EQ(msg.rfind("/c.toml:2:", 0), 0u) << msg;
}

TEST(ConfigParse, SyntaxErrorInFileNamesTheFile) {
  TempDir dir;
  const std::string file = dir.write("config.toml", "[paths\n");
  const std::string msg = error_of([&] { load_user_config(file); });
  EXPECT_EQ(msg.rfind(file + ":1:", 0), 0u) << msg;
}

TEST(ConfigParse, AFifoIsRefusedNotWaitedFor) {
  TempDir dir;
  const std::string fifo = dir / "config.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string msg = error_of([&] { load_user_config(fifo); });
  EXPECT_NE(msg.find("cannot read config file '" + fifo + "': it is a FIFO, not a regular file"),
            std::string::npos)
      << msg;
}

TEST(ConfigParse, WrongTypesAreErrors) {
  auto fails_with = [](const std::string& text, const std::string& needle) {
    const std::string msg = error_of([&] { parse_user_config(text, "/c.toml"); });
    EXPECT_NE(msg.find(needle), std::string::npos) << text << "\n" << msg;
  };
  fails_with("paths = \"/p\"\n", "'paths' must be a table");
  fails_with("[paths]\nx = 3\n", "paths.x must be a path or a list of paths");
  fails_with("[paths]\nx = [\"/a\", 3]\n", "must be a string path");
  fails_with("[paths]\n\"bad tag\" = \"/p\"\n", "not a valid tag name");
  fails_with("[paths]\ninline = \"/p\"\n", "not a valid tag name");
  fails_with("[paths]\nx = \"\"\n", "is empty");
  fails_with("[cache]\nmax_size = \"lots\"\n", "'lots' is not a size");
  fails_with("[cache]\nmax_size = -1\n", "must not be negative");
  fails_with("[cache]\nmax_size = 1.5\n", "must be an integer");
  fails_with("cache_root = \"/a\"\n[cache]\nroot = \"/b\"\n", "given twice");
  fails_with("[jit]\nauto_threshold = \"high\"\n", "auto_threshold must be a non-negative number");
  fails_with("[jit]\nauto_min_calls = 0\n", "auto_min_calls must be a positive integer");
  fails_with("[jit]\nauto_min_calls = 2.5\n", "auto_min_calls must be a positive integer");
  fails_with("[jit]\nauto_tier_threshold = -2\n", "auto_tier_threshold must be a non-negative");
  fails_with("[jit]\nauto_tier_thresold = 2\n", "did you mean 'auto_tier_threshold'?");
  fails_with("[jit]\nauto_threshold = -1.0\n", "non-negative");
  fails_with("[jit]\ncompile_timeout = \"5m\"\n", "compile_timeout must be a non-negative");
  fails_with("[jit]\ncompile_timeout = -1\n", "compile_timeout must be a non-negative");
}

}  // namespace
}  // namespace dynlib::support

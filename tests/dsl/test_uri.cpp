#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "dsl/builtin_models.hpp"
#include "dsl/model_test_util.hpp"
#include "dsl/uri.hpp"
#include "dynlib/errors.hpp"
#include "temp_dir.hpp"

namespace dynlib::dsl {
namespace {

namespace fs = std::filesystem;
using dynlib::testing::contains;
using dynlib::testing::IsolatedEnv;
using dynlib::testing::TempDir;

template <class F>
ModelNotFoundError not_found_of(F&& f) {
  try {
    f();
  } catch (const ModelNotFoundError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ModelNotFoundError";
  return ModelNotFoundError("", {});
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const DynlibError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DynlibError";
  return {};
}

bool is_embedded(const std::string& rel) {
  const auto& models = embedded_models();
  return std::any_of(models.begin(), models.end(), [&](const auto& m) { return m.path == rel; });
}

// Every test runs with HOME/XDG in a temp dir and no DYN_MODEL_PATH/DYNLIB_CONFIG, and has two
// scratch roots plus a place for a config file.
class UriTest : public ::testing::Test {
 protected:
  // Points DYNLIB_CONFIG at a fresh config file holding `text`.
  void use_config(const std::string& text) {
    sandbox_.env().set("DYNLIB_CONFIG",
                       cfg_.write("config" + std::to_string(++n_) + ".toml", text));
  }
  void set_model_path(const std::string& value) { sandbox_.env().set("DYN_MODEL_PATH", value); }

  IsolatedEnv sandbox_;
  TempDir a_, b_, cfg_, outside_;
  int n_ = 0;
};

TEST_F(UriTest, TagFromEnvironment) {
  const std::string file = a_.write("sub/m.toml", "# m\n");
  set_model_path("mine=" + a_.str());
  for (const char* uri : {"mine://sub/m", "mine://sub/m.toml", "mine://./sub//m"}) {
    const ModelSource src = resolve_model(uri);
    EXPECT_EQ(src.uri, uri);
    EXPECT_EQ(src.display_name, file);
    EXPECT_EQ(src.path, file);
    EXPECT_EQ(src.text, "# m\n");
  }
}

TEST_F(UriTest, TagFromConfigFile) {
  const std::string file = a_.write("m.toml", "# from config\n");
  use_config("[paths]\ncfg = \"" + a_.str() + "\"\n");
  EXPECT_EQ(resolve_model("cfg://m").path, file);
  use_config("[paths]\ncfg = [\"" + b_.str() + "\", \"" + a_.str() + "\"]\n");
  EXPECT_EQ(resolve_model("cfg://m").text, "# from config\n");
}

TEST_F(UriTest, EnvironmentRootsComeBeforeConfigRoots) {
  a_.write("m.toml", "env\n");
  b_.write("m.toml", "config\n");
  b_.write("only_config.toml", "config only\n");
  set_model_path("t=" + a_.str());
  use_config("[paths]\nt = \"" + b_.str() + "\"\n");
  EXPECT_EQ(resolve_model("t://m").text, "env\n");
  EXPECT_EQ(resolve_model("t://only_config").text, "config only\n");
}

TEST_F(UriTest, EnvironmentSyntaxSeveralTagsAndRoots) {
  a_.write("x.toml", "a\n");
  b_.write("x.toml", "b\n");
  b_.write("y.toml", "b-y\n");
  sandbox_.env().set("ROOT_B", b_.str());
  set_model_path("one=" + a_.str() + ",$ROOT_B:two=${ROOT_B}:");
  EXPECT_EQ(resolve_model("one://x").text, "a\n");
  EXPECT_EQ(resolve_model("one://y").text, "b-y\n");
  EXPECT_EQ(resolve_model("two://x").text, "b\n");

  const auto parsed = parse_model_path("a=/1,/2:b=/3:a=/4");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].second, (std::vector<std::string>{"/1", "/2", "/4"}));
  EXPECT_EQ(parsed[1].second, std::vector<std::string>{"/3"});
  EXPECT_TRUE(contains(message_of([] { parse_model_path("/just/a/path"); }), "has no 'TAG='"));
  EXPECT_TRUE(contains(message_of([] { parse_model_path("no tag=/p"); }), "not a valid tag"));
}

TEST_F(UriTest, UserRootShadowsBuiltin) {
  const std::string file = a_.write("ode/lorenz.toml", "# my lorenz\n");
  set_model_path("builtin=" + a_.str());
  const ModelSource src = resolve_model("builtin://ode/lorenz");
  EXPECT_EQ(src.path, file);
  EXPECT_EQ(src.display_name, file);
  EXPECT_EQ(src.text, "# my lorenz\n");
}

TEST_F(UriTest, BuiltinFallsBackToEmbedded) {
  set_model_path("builtin=" + a_.str());  // a user root without the model
  const auto& models = embedded_models();
  if (models.empty()) GTEST_SKIP() << "no builtin models embedded yet";
  for (const auto& m : models) {
    const std::string rel(m.path);
    const std::string stem = rel.substr(0, rel.size() - 5);
    for (const std::string& uri : {"builtin://" + stem, "builtin://" + rel}) {
      const ModelSource src = resolve_model(uri);
      EXPECT_EQ(src.display_name, "builtin://" + rel);
      EXPECT_TRUE(src.path.empty());
      EXPECT_EQ(src.text, m.text);
    }
  }
}

TEST_F(UriTest, NamedBuiltinsOnceTheyExist) {
  for (const std::string name : {"ode/lorenz", "ode/vanderpol", "map/logistic"}) {
    if (!is_embedded(name + ".toml")) continue;
    EXPECT_FALSE(resolve_model("builtin://" + name).text.empty()) << name;
  }
}

TEST_F(UriTest, NotFoundListsEveryCandidateInOrder) {
  set_model_path("builtin=" + a_.str() + "," + b_.str());
  use_config("[paths]\nbuiltin = \"" + cfg_.str() + "\"\n");
  const auto e = not_found_of([] { resolve_model("builtin://ode/nosuchmodel"); });
  EXPECT_EQ(e.uri(), "builtin://ode/nosuchmodel");
  EXPECT_EQ(e.candidates(), (std::vector<std::string>{
                                a_ / "ode/nosuchmodel.toml",
                                b_ / "ode/nosuchmodel.toml",
                                cfg_ / "ode/nosuchmodel.toml",
                                "builtin://ode/nosuchmodel.toml (embedded)",
                            }));
  for (const auto& c : e.candidates()) EXPECT_TRUE(contains(e.what(), c)) << e.what();
}

TEST_F(UriTest, DirectoriesAndDanglingSymlinksAreNotModels) {
  a_.mkdir("d.toml");
  fs::create_symlink(a_ / "gone.toml", a_ / "dangling.toml");
  set_model_path("t=" + a_.str());
  auto e = not_found_of([] { resolve_model("t://d"); });
  EXPECT_EQ(e.candidates(), std::vector<std::string>{a_ / "d.toml (a directory)"});
  e = not_found_of([] { resolve_model("t://dangling"); });
  EXPECT_EQ(e.candidates(), std::vector<std::string>{a_ / "dangling.toml (dangling symlink)"});
}

TEST_F(UriTest, DotDotIsRefused) {
  outside_.write("secret.toml", "secret\n");
  a_.write("sub/m.toml", "m\n");
  set_model_path("t=" + a_.str());
  for (const char* uri : {"t://../secret", "t://sub/../../secret", "t://sub/../m"}) {
    const std::string msg = message_of([&] { resolve_model(uri); });
    EXPECT_TRUE(contains(msg, "refusing model URI")) << msg;
    EXPECT_TRUE(contains(msg, "'..'")) << msg;
  }
}

TEST_F(UriTest, AbsoluteRelativePartIsRefused) {
  set_model_path("t=" + a_.str());
  const std::string file = outside_.write("secret.toml", "secret\n");
  const std::string msg = message_of([&] { resolve_model("t://" + file); });
  EXPECT_TRUE(contains(msg, "not an absolute path")) << msg;
}

TEST_F(UriTest, SymlinkOutOfRootIsRefused) {
  outside_.write("secret.toml", "secret\n");
  fs::create_symlink(outside_ / "secret.toml", a_ / "evil.toml");
  fs::create_directory_symlink(outside_.path(), a_ / "door");
  set_model_path("t=" + a_.str());
  for (const char* uri : {"t://evil", "t://door/secret"}) {
    const std::string msg = message_of([&] { resolve_model(uri); });
    EXPECT_TRUE(contains(msg, "refusing model URI")) << msg;
    EXPECT_TRUE(contains(msg, "outside root '" + a_.str() + "' of tag 't'")) << msg;
    EXPECT_TRUE(contains(msg, "DYN_MODEL_PATH")) << msg;
  }
  // Refused, not skipped: a later root holding the same name is not consulted.
  b_.write("evil.toml", "fine\n");
  set_model_path("t=" + a_.str() + "," + b_.str());
  EXPECT_THROW(resolve_model("t://evil"), DynlibError);
}

TEST_F(UriTest, SymlinkWithinRootIsFine) {
  a_.write("real/m.toml", "m\n");
  fs::create_symlink(a_ / "real/m.toml", a_ / "alias.toml");
  fs::create_directory_symlink(a_ / "real", a_ / "linkdir");
  set_model_path("t=" + a_.str());
  EXPECT_EQ(resolve_model("t://alias").text, "m\n");
  EXPECT_EQ(resolve_model("t://linkdir/m").text, "m\n");
}

TEST_F(UriTest, RootThatIsItselfASymlinkWorks) {
  a_.write("m.toml", "m\n");
  fs::create_directory_symlink(a_.path(), b_ / "root-link");
  set_model_path("t=" + (b_ / "root-link"));
  EXPECT_EQ(resolve_model("t://m").text, "m\n");
}

TEST_F(UriTest, PlainPaths) {
  const std::string file = a_.write("dir/model.toml", "plain\n");
  for (const std::string& uri : {file, a_ / "dir/model"}) {
    const ModelSource src = resolve_model(uri);
    EXPECT_EQ(src.text, "plain\n");
    EXPECT_EQ(src.display_name, file);
    EXPECT_EQ(src.path, file);
  }
  // A file without the extension is taken as given.
  a_.write("noext", "no extension\n");
  EXPECT_EQ(resolve_model(a_ / "noext").text, "no extension\n");
}

TEST_F(UriTest, PlainPathsExpandHomeAndVariables) {
  const std::string file = sandbox_.home().write("models/h.toml", "home\n");
  EXPECT_EQ(resolve_model("~/models/h").path, file);
  sandbox_.env().set("MODELS", sandbox_.home() / "models");
  EXPECT_EQ(resolve_model("$MODELS/h.toml").path, file);
  EXPECT_EQ(resolve_model("${MODELS}/h").text, "home\n");
}

TEST_F(UriTest, PlainPathNotFound) {
  a_.write("duffing.toml", "");
  const std::string wanted = a_ / "dufing";
  const auto e = not_found_of([&] { resolve_model(wanted); });
  EXPECT_EQ(e.candidates(), (std::vector<std::string>{wanted, wanted + ".toml"}));
  EXPECT_TRUE(contains(e.what(), "did you mean '" + (a_ / "duffing.toml") + "'?")) << e.what();
}

TEST_F(UriTest, InlineText) {
  const ModelSource src = resolve_model("inline:[model]\ntype = \"ode\"\n");
  EXPECT_EQ(src.display_name, "<inline>");
  EXPECT_TRUE(src.path.empty());
  EXPECT_EQ(src.text, "[model]\ntype = \"ode\"\n");
  EXPECT_EQ(resolve_model("inline:").text, "");
}

TEST_F(UriTest, InlineTextMayFollowWhitespaceAsInTripleQuotedPython) {
  // """\ninline:\n[model]...""": the reference's own examples write inline models this way.
  const ModelSource src = resolve_model("\n  \tinline:\n[model]\ntype = \"ode\"\n");
  EXPECT_EQ(src.display_name, "<inline>");
  EXPECT_EQ(src.text, "\n[model]\ntype = \"ode\"\n");
  // Text that merely contains the word later on is still a path.
  EXPECT_THROW(resolve_model("  model inline:[model]"), ModelNotFoundError);
}

TEST_F(UriTest, UnknownTagHasDidYouMean) {
  set_model_path("mine=" + a_.str());
  auto e = not_found_of([] { resolve_model("mien://x"); });
  EXPECT_TRUE(e.candidates().empty());
  EXPECT_TRUE(contains(e.what(), "unknown tag 'mien'")) << e.what();
  EXPECT_TRUE(contains(e.what(), "did you mean 'mine'?")) << e.what();
  e = not_found_of([] { resolve_model("bultin://ode/lorenz"); });
  EXPECT_TRUE(contains(e.what(), "did you mean 'builtin'?")) << e.what();
  e = not_found_of([] { resolve_model("zzzzzz://x"); });
  EXPECT_TRUE(contains(e.what(), "known tags: mine, builtin")) << e.what();
}

TEST_F(UriTest, MisspeltModelHasDidYouMean) {
  a_.write("ode/duffing.toml", "");
  b_.write("map/henon.toml", "");
  set_model_path("t=" + a_.str());
  use_config("[paths]\nt = \"" + b_.str() + "\"\n");
  auto e = not_found_of([] { resolve_model("t://ode/dufing"); });
  EXPECT_TRUE(contains(e.what(), "did you mean 't://ode/duffing'?")) << e.what();
  e = not_found_of([] { resolve_model("t://map/henonn.toml"); });
  EXPECT_TRUE(contains(e.what(), "did you mean 't://map/henon'?")) << e.what();
  e = not_found_of([] { resolve_model("t://henon"); });  // missing directory
  EXPECT_TRUE(contains(e.what(), "did you mean 't://map/henon'?")) << e.what();
  e = not_found_of([] { resolve_model("t://completely/different"); });
  EXPECT_FALSE(contains(e.what(), "did you mean")) << e.what();
}

TEST_F(UriTest, MisspeltBuiltinHasDidYouMean) {
  if (!is_embedded("ode/lorenz.toml")) GTEST_SKIP() << "builtin ode/lorenz not embedded yet";
  auto e = not_found_of([] { resolve_model("builtin://ode/lorentz"); });
  EXPECT_TRUE(contains(e.what(), "did you mean 'builtin://ode/lorenz'?")) << e.what();
  e = not_found_of([] { resolve_model("builtin://lorenz"); });
  EXPECT_TRUE(contains(e.what(), "did you mean 'builtin://ode/lorenz'?")) << e.what();
}

TEST_F(UriTest, ListModels) {
  a_.write("ode/mine.toml", "");
  a_.write("notes.txt", "");
  b_.write("deep/er/x.toml", "");
  outside_.write("secret.toml", "");
  fs::create_symlink(outside_ / "secret.toml", b_ / "leak.toml");
  set_model_path("builtin=" + a_.str() + ":env=" + b_.str() + ":gone=/no/such/root");
  use_config("[paths]\ncfg = \"" + a_.str() + "\"\n");

  const std::vector<std::string> models = list_models();
  EXPECT_TRUE(std::is_sorted(models.begin(), models.end()));
  EXPECT_EQ(std::adjacent_find(models.begin(), models.end()), models.end());
  std::vector<std::string> expected = {"builtin://ode/mine", "cfg://ode/mine", "env://deep/er/x"};
  for (const auto& m : embedded_models()) {
    const std::string rel(m.path);
    expected.push_back("builtin://" + rel.substr(0, rel.size() - 5));
  }
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(models, expected);
}

TEST_F(UriTest, BrokenConfigIsReportedNotIgnored) {
  use_config("[pahts]\n");
  const std::string msg = message_of([] { resolve_model("builtin://ode/lorenz"); });
  EXPECT_TRUE(contains(msg, "did you mean 'paths'?")) << msg;
  // Plain paths and inline text never need the config.
  EXPECT_EQ(resolve_model("inline:x").text, "x");
}

TEST_F(UriTest, UnreadableFileNamesFileAndReason) {
  if (fs::exists("/proc/self/mem")) {
    // Readable by nobody from offset 0, even root: a portable-enough way to hit a read error.
    const std::string msg = message_of([] { resolve_model("/proc/self/mem"); });
    EXPECT_TRUE(contains(msg, "cannot read model file '/proc/self/mem': ")) << msg;
  }
  if (geteuid() == 0) GTEST_SKIP() << "root can read files without permission bits";
  const std::string file = a_.write("locked.toml", "x\n");
  ::chmod(file.c_str(), 0);
  const std::string msg = message_of([&] { resolve_model(file); });
  EXPECT_TRUE(contains(msg, "cannot read model file '" + file + "': Permission denied")) << msg;
}

TEST_F(UriTest, OnlyRegularFilesOfBoundedSizeAreRead) {
  // A FIFO would block forever and /dev/zero never ends: both are refused at once.
  const std::string fifo = a_ / "fifo.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string msg = message_of([&] { resolve_model(fifo); });
  EXPECT_TRUE(contains(msg, "cannot read model file '" + fifo +
                                "': it is a FIFO, not a regular "
                                "file"))
      << msg;
  msg = message_of([] { resolve_model("/dev/zero"); });
  EXPECT_TRUE(contains(msg, "'/dev/zero': it is a character device, not a regular file")) << msg;
  // A (sparse) file past the 64 MB limit is not read.
  const std::string big = a_.write("big.toml", "");
  ASSERT_EQ(::truncate(big.c_str(), 65LL * 1024 * 1024), 0);
  msg = message_of([&] { resolve_model(big); });
  EXPECT_TRUE(contains(msg, "it is larger than 64 MB")) << msg;
}

TEST_F(UriTest, InaccessibleRootIsShownNotHidden) {
  if (geteuid() == 0) GTEST_SKIP() << "root can search directories without permission bits";
  a_.write("locked/m.toml", "m\n");
  ::chmod((a_ / "locked").c_str(), 0);
  set_model_path("t=" + (a_ / "locked"));
  const auto e = not_found_of([] { resolve_model("t://m"); });
  ::chmod((a_ / "locked").c_str(), 0755);  // so TempDir can clean up
  ASSERT_EQ(e.candidates().size(), 1u);
  EXPECT_TRUE(contains(e.candidates()[0], "(cannot access: Permission denied)")) << e.what();
}

TEST_F(UriTest, AnUnsetVariableInAPathIsAnErrorNotAnotherPath) {
  sandbox_.env().unset("DYNLIB_TEST_UNSET_ROOT");
  const std::string msg = message_of([] { resolve_model("$DYNLIB_TEST_UNSET_ROOT/m.toml"); });
  EXPECT_NE(msg.find("DYNLIB_TEST_UNSET_ROOT is not set"), std::string::npos) << msg;
  set_model_path("mine=${DYNLIB_TEST_UNSET_ROOT}/models");
  const std::string env_msg = message_of([] { resolve_model("mine://m"); });
  EXPECT_NE(env_msg.find("DYN_MODEL_PATH"), std::string::npos) << env_msg;
  EXPECT_NE(env_msg.find("DYNLIB_TEST_UNSET_ROOT"), std::string::npos) << env_msg;
  // Set, it is used.
  const std::string file = a_.write("m.toml", "# m\n");
  sandbox_.env().set("DYNLIB_TEST_UNSET_ROOT", a_.str());
  EXPECT_EQ(resolve_model("$DYNLIB_TEST_UNSET_ROOT/m.toml").path, file);
}

}  // namespace
}  // namespace dynlib::dsl

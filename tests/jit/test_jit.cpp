#include "jit/jit.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <thread>

#include "dsl/temp_dir.hpp"
#include "dynlib/errors.hpp"
#include "full_filesystem.hpp"
#include "jit/embedded_kernel.hpp"

namespace fs = std::filesystem;
using dynlib::testing::ScopedEnv;
using dynlib::testing::TempDir;
namespace jit = dynlib::jit;

namespace {

// Every test gets its own TMPDIR so it can check what the JIT leaves behind, and a unique salt so
// it never hits a kernel another test put into the memory cache.
class JitTest : public ::testing::Test {
 protected:
  JitTest() : env_("TMPDIR", tmp_.str()) {}

  std::string salt() const {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "." + info->name() + "." +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  jit::CompileRequest request(const std::string& source) const {
    jit::CompileRequest r;
    r.source = source;
    r.key_inputs = {{"salt", salt_}};
    return r;
  }

  // Entries of TMPDIR whose name starts with `prefix`.
  std::vector<std::string> leftovers(const std::string& prefix = "dynlib-") const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(tmp_.path())) {
      const std::string name = e.path().filename().string();
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    return out;
  }

  TempDir tmp_;
  ScopedEnv env_;
  std::string salt_ = salt();
};

std::string twice_source(int abi = dynlib::kernel::kRunArgsAbi, const std::string& extra = "") {
  return "extern \"C\" int dynlib_abi_version() { return " + std::to_string(abi) +
         "; }\n"
         "extern \"C\" double twice(double x) { return 2.0 * x; }\n" +
         extra;
}

double call_twice(const jit::LoadedKernel& k, double x) {
  auto fn = reinterpret_cast<double (*)(double)>(k.require_symbol("twice"));
  return fn(x);
}

}  // namespace

TEST_F(JitTest, CompilesLoadsAndRunsAFreestandingUnit) {
  const auto before = jit::jit_counters();
  const auto t0 = std::chrono::steady_clock::now();
  auto k = jit::compile_and_load(request(twice_source()));
  const double cold = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(call_twice(*k, 21.0), 42.0);
  EXPECT_FALSE(k->from_memory_cache());
  EXPECT_EQ(k->key().size(), 64u);
  EXPECT_FALSE(k->compiler().version.empty());
  EXPECT_EQ(k->symbol("no_such_symbol"), nullptr);
  EXPECT_THROW(k->require_symbol("no_such_symbol"), dynlib::DynlibError);
  EXPECT_EQ(jit::jit_counters().compiles, before.compiles + 1);
  const auto& t = k->timings();
  std::printf(
      "[ timing ] cold compile+load of a small TU: %.3f s (write %.4f, compile %.3f, load "
      "%.4f; compiler %s, %s; probe %.3f s)\n",
      cold, t.write, t.compile, t.load, k->compiler().path.c_str(), k->compiler().version.c_str(),
      k->compiler().probe_seconds);
  EXPECT_GT(t.compile, 0.0);
}

TEST_F(JitTest, NothingIsLeftOnDiskAfterASuccessfulLoad) {
  auto k = jit::compile_and_load(request(twice_source()));
  EXPECT_EQ(call_twice(*k, 1.5), 3.0);
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();
}

TEST_F(JitTest, SecondRequestHitsTheMemoryCache) {
  auto a = jit::compile_and_load(request(twice_source()));
  const auto mid = jit::jit_counters();
  auto b = jit::compile_and_load(request(twice_source()));
  const auto after = jit::jit_counters();
  EXPECT_EQ(after.compiles, mid.compiles);
  EXPECT_EQ(after.memory_hits, mid.memory_hits + 1);
  EXPECT_TRUE(b->from_memory_cache());
  EXPECT_EQ(a->key(), b->key());
  EXPECT_EQ(a->library(), b->library());
  EXPECT_EQ(a->symbol("twice"), b->symbol("twice"));
  EXPECT_EQ(call_twice(*b, 4.0), 8.0);
}

TEST_F(JitTest, KeyDependsOnSourceInputsFlagsAbiAndHeaders) {
  const auto base = request(twice_source());
  const std::string k0 = jit::kernel_key(base);
  EXPECT_EQ(k0, jit::kernel_key(base));  // deterministic

  auto src = base;
  src.source += "\n";
  EXPECT_NE(jit::kernel_key(src), k0);

  auto input = base;
  input.key_inputs.push_back({"dtype", "float32"});
  EXPECT_NE(jit::kernel_key(input), k0);

  auto native = base;
  native.options.march_native = true;
  EXPECT_NE(jit::kernel_key(native), k0);

  auto abi = base;
  abi.abi_version += 1;
  EXPECT_NE(jit::kernel_key(abi), k0);

  // The default header set is the embedded one; a changed header content or path changes the key.
  std::vector<dynlib::EmbeddedFile> headers(dynlib::embedded_kernel_headers().begin(),
                                            dynlib::embedded_kernel_headers().end());
  ASSERT_FALSE(headers.empty());
  auto same = base;
  same.headers = &headers;
  EXPECT_EQ(jit::kernel_key(same), k0);
  const std::string changed = std::string(headers[0].text) + "// changed\n";
  headers[0].text = changed;
  EXPECT_NE(jit::kernel_key(same), k0);
  headers[0].text = dynlib::embedded_kernel_headers()[0].text;
  headers[0].path = "kernel/renamed.hpp";
  EXPECT_NE(jit::kernel_key(same), k0);
}

TEST_F(JitTest, IncludesTheEmbeddedKernelHeaders) {
  // The generated source includes kernel headers by "kernel/..." paths; they must resolve.
  auto r = request(
      std::string("#include \"kernel/run_args.hpp\"\n") +
      "extern \"C\" int dynlib_abi_version() { return dynlib::kernel::kRunArgsAbi; }\n"
      "extern \"C\" double twice(double x) { return 2.0 * x; }\n"
      "extern \"C\" int args_size() { return (int)sizeof(dynlib::kernel::RunArgs<double>); }\n");
  auto k = jit::compile_and_load(r);
  auto size = reinterpret_cast<int (*)()>(k->require_symbol("args_size"));
  EXPECT_EQ(size(), static_cast<int>(sizeof(dynlib::kernel::RunArgs<double>)));
}

TEST_F(JitTest, WholeKernelHeaderCompiles) {
  // kernel/kernel.hpp is what generated sources include: it must compile from the written headers.
  auto k = jit::compile_and_load(request("#include \"kernel/kernel.hpp\"\n" + twice_source()));
  EXPECT_EQ(call_twice(*k, 5.0), 10.0);
  std::printf(
      "[ timing ] TU including kernel/kernel.hpp: write %.4f s, compile %.3f s, load %.4f s\n",
      k->timings().write, k->timings().compile, k->timings().load);
}

TEST_F(JitTest, InjectedHeadersAreWrittenAndUsed) {
  std::vector<dynlib::EmbeddedFile> headers{
      {"kernel/answer.hpp", "inline int answer() { return 7; }\n"}};
  auto r = request(twice_source(
      dynlib::kernel::kRunArgsAbi,
      "#include \"kernel/answer.hpp\"\nextern \"C\" int get() { return answer(); }\n"));
  r.headers = &headers;
  auto k = jit::compile_and_load(r);
  EXPECT_EQ(reinterpret_cast<int (*)()>(k->require_symbol("get"))(), 7);
}

TEST_F(JitTest, EightThreadsAskingForTheSameNewSourceCompileOnce) {
  const auto before = jit::jit_counters();
  const auto r = request(twice_source());
  std::vector<std::shared_ptr<const jit::LoadedKernel>> got(8);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      got[i] = jit::compile_and_load(r);
    });
  go = true;
  for (auto& t : threads) t.join();
  const auto after = jit::jit_counters();
  EXPECT_EQ(after.compiles, before.compiles + 1);
  EXPECT_EQ(after.memory_hits, before.memory_hits + 7);
  int fresh = 0;
  for (const auto& k : got) {
    ASSERT_TRUE(k);
    EXPECT_EQ(k->library(), got[0]->library());
    EXPECT_EQ(call_twice(*k, 3.0), 6.0);
    fresh += k->from_memory_cache() ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
}

TEST_F(JitTest, DifferentSourcesCompileInParallel) {
  const auto before = jit::jit_counters();
  constexpr int kN = 4;
  std::vector<std::shared_ptr<const jit::LoadedKernel>> got(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i)
    threads.emplace_back([&, i] {
      got[i] = jit::compile_and_load(
          request(twice_source(dynlib::kernel::kRunArgsAbi, "extern \"C\" int which() { return " +
                                                                std::to_string(i) + "; }\n")));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(jit::jit_counters().compiles, before.compiles + kN);
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(reinterpret_cast<int (*)()>(got[i]->require_symbol("which"))(), i);
    EXPECT_EQ(call_twice(*got[i], 0.5), 1.0);
  }
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(JitTest, SyntaxErrorGivesCompileErrorWithDiagnosticsAndKeptSource) {
  const std::string bad = twice_source() + "extern \"C\" int broken( { return 1 }\n";
  try {
    jit::compile_and_load(request(bad));
    FAIL() << "expected CompileError";
  } catch (const dynlib::CompileError& e) {
    EXPECT_NE(e.diagnostics().find("error"), std::string::npos) << e.diagnostics();
    // Diagnostics name the kept source, not the removed temp dir.
    EXPECT_NE(e.diagnostics().find(e.source_path()), std::string::npos) << e.diagnostics();
    ASSERT_TRUE(fs::exists(e.source_path())) << e.source_path();
    std::ifstream in(e.source_path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), bad);
    EXPECT_NE(std::string(e.what()).find(e.source_path()), std::string::npos);
  }
  // Only the kept source remains.
  const auto left = leftovers();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].rfind("dynlib-failed-", 0), 0u);
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_.path() / left[0]), fs::directory_iterator()),
            1);
}

TEST_F(JitTest, FailuresAreNotCached) {
  const auto r = request("this is not C++\n");
  const auto before = jit::jit_counters();
  EXPECT_THROW(jit::compile_and_load(r), dynlib::CompileError);
  EXPECT_THROW(jit::compile_and_load(r), dynlib::CompileError);
  const auto after = jit::jit_counters();
  EXPECT_EQ(after.compiles, before.compiles + 2);
  EXPECT_EQ(after.compile_failures, before.compile_failures + 2);
}

TEST_F(JitTest, WrongAbiVersionIsRejected) {
  try {
    jit::compile_and_load(request(twice_source(dynlib::kernel::kRunArgsAbi + 41)));
    FAIL() << "expected CompileError";
  } catch (const dynlib::CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("ABI version " +
                                         std::to_string(dynlib::kernel::kRunArgsAbi + 41)),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(leftovers("dynlib-jit-").empty());
}

TEST_F(JitTest, MissingAbiSymbolIsRejected) {
  EXPECT_THROW(
      jit::compile_and_load(request("extern \"C\" double twice(double x) { return x; }\n")),
      dynlib::CompileError);
}

TEST_F(JitTest, ClearingTheCacheKeepsHeldKernelsAlive) {
  auto k = jit::compile_and_load(request(twice_source()));
  jit::clear_memory_cache();
  EXPECT_EQ(call_twice(*k, 2.0), 4.0);
  const auto before = jit::jit_counters();
  auto again = jit::compile_and_load(request(twice_source()));
  EXPECT_EQ(jit::jit_counters().compiles, before.compiles + 1);
  EXPECT_FALSE(again->from_memory_cache());
}

class CompilerDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override { jit::reset_compiler_probe(); }
  void TearDown() override { jit::reset_compiler_probe(); }
};

TEST_F(CompilerDiscoveryTest, NonexistentCompilerWithEmptyPathIsUnavailable) {
  ScopedEnv env;
  env.set("DYNLIB_CXX", "/nonexistent").set("PATH", "");
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("DYNLIB_CXX=/nonexistent"), std::string::npos) << what;
    EXPECT_NE(what.find("no such file"), std::string::npos) << what;
    EXPECT_NE(what.find("apt-get install g++"), std::string::npos) << what;
  }
  // compile_and_load never falls back to anything.
  jit::CompileRequest r;
  r.source = twice_source();
  EXPECT_THROW(jit::compile_and_load(r), dynlib::JITUnavailableError);
}

TEST_F(CompilerDiscoveryTest, EmptyPathListsEveryDefaultCandidate) {
  ScopedEnv env;
  env.unset("DYNLIB_CXX").set("PATH", "");
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    const std::string what = e.what();
    for (const char* name : {"c++:", "g++:", "clang++:"})
      EXPECT_NE(what.find(name), std::string::npos) << what;
    EXPECT_NE(what.find("PATH is empty"), std::string::npos) << what;
  }
}

TEST_F(CompilerDiscoveryTest, NotACompilerIsReported) {
  ScopedEnv env("DYNLIB_CXX", "/bin/false");
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("--version"), std::string::npos) << e.what();
  }
}

TEST_F(CompilerDiscoveryTest, DynlibCxxNameWithExtraWords) {
  ScopedEnv env("DYNLIB_CXX", "g++ -Wno-unused");
  const auto& cc = jit::system_compiler();
  EXPECT_EQ(fs::path(cc.path).filename(), "g++");
  ASSERT_EQ(cc.extra_args.size(), 1u);
  EXPECT_EQ(cc.extra_args[0], "-Wno-unused");
}

TEST_F(CompilerDiscoveryTest, DynlibCxxPathWithSpaces) {
  if (!fs::exists("/usr/bin/g++")) GTEST_SKIP() << "needs /usr/bin/g++";
  TempDir dir;
  const fs::path link = dir.path() / "my compiler" / "g++";
  fs::create_directories(link.parent_path());
  fs::create_symlink(fs::canonical("/usr/bin/g++"), link);
  ScopedEnv env("DYNLIB_CXX", link.string());
  const auto& cc = jit::system_compiler();
  EXPECT_EQ(cc.path, link.string());
  EXPECT_TRUE(cc.extra_args.empty());
}

TEST_F(CompilerDiscoveryTest, DefaultFindsAWorkingCompilerAndChangesTheKey) {
  ScopedEnv env;
  env.unset("DYNLIB_CXX");
  const auto& cc = jit::system_compiler();
  EXPECT_TRUE(fs::path(cc.path).is_absolute());
  EXPECT_FALSE(cc.version.empty());
  jit::CompileRequest r;
  r.source = twice_source();
  const std::string k_default = jit::kernel_key(r);
  env.set("DYNLIB_CXX", "g++ -Wno-unused");
  EXPECT_NE(jit::kernel_key(r), k_default);  // a different compiler command is a different binary
}

TEST_F(CompilerDiscoveryTest, ClangWorksToo) {
  ScopedEnv env("DYNLIB_CXX", "clang++");
  try {
    jit::system_compiler();
  } catch (const dynlib::JITUnavailableError& e) {
    GTEST_SKIP() << "no working clang++: " << e.what();
  }
  TempDir tmp;
  env.set("TMPDIR", tmp.str());
  jit::CompileRequest r;
  r.source = twice_source();
  r.key_inputs = {{"salt", "clang"}};
  auto k = jit::compile_and_load(r);
  EXPECT_NE(k->compiler().version.find("clang"), std::string::npos) << k->compiler().version;
  EXPECT_EQ(call_twice(*k, 2.5), 5.0);
  try {
    r.source += "int broken(\n";
    jit::compile_and_load(r);
    FAIL() << "expected CompileError";
  } catch (const dynlib::CompileError& e) {
    EXPECT_NE(e.diagnostics().find("error"), std::string::npos) << e.diagnostics();
    EXPECT_TRUE(fs::exists(e.source_path()));
  }
}

// ---- the compiler process: temporary files, timeout, no orphans, stale temporary directories ----

namespace {

// Gone: no such process, or a zombie nobody has reaped yet (in a container, pid 1 may never reap).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

// Polls `done` every 20 ms for at most `limit`; true as soon as it holds.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

pid_t read_pid(const fs::path& file) {
  std::ifstream in(file);
  long long pid = 0;
  return in >> pid ? static_cast<pid_t>(pid) : 0;
}

// A compiler that is the real one for probing, but hangs on a kernel: it writes its pid to
// <dir>/compiler.pid and the pid of a `sleep` it started (as cc1plus would be) to <dir>/child.pid,
// then waits for the sleep.
class HangingCompilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jit::reset_compiler_probe();
    const std::string real = jit::system_compiler().path;
    script_ = (dir_.path() / "hanging-c++").string();
    std::ofstream(script_) << "#!/bin/sh\n"
                           << "for a in \"$@\"; do case \"$a\" in */kernel.cpp)\n"
                           << "  echo $$ > '" << (dir_.path() / "compiler.pid").string() << "'\n"
                           << "  sleep 1000 & echo $! > '" << (dir_.path() / "child.pid").string()
                           << "'\n"
                           << "  wait; exit 1;;\n"
                           << "esac; done\n"
                           << "exec '" << real << "' \"$@\"\n";
    fs::permissions(script_, fs::perms::owner_all);
    env_.set("DYNLIB_CXX", script_).set("TMPDIR", tmp_.str()).unset("DYNLIB_COMPILE_TIMEOUT");
    jit::reset_compiler_probe();
  }
  void TearDown() override { jit::reset_compiler_probe(); }

  jit::CompileRequest request() const {
    jit::CompileRequest r;
    r.source = twice_source();
    r.key_inputs = {
        {"salt", std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())}};
    return r;
  }

  pid_t compiler_pid() const { return read_pid(dir_.path() / "compiler.pid"); }
  pid_t child_pid() const { return read_pid(dir_.path() / "child.pid"); }

  TempDir dir_, tmp_;
  ScopedEnv env_;
  std::string script_;
};

}  // namespace

TEST_F(HangingCompilerTest, TimeoutKillsTheCompilersWholeGroupAndSaysHowToRaiseIt) {
  jit::system_compiler();  // probe with the default limit; only the kernel compile hangs
  env_.set("DYNLIB_COMPILE_TIMEOUT", "0.5");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    jit::compile_and_load(request());
    FAIL() << "expected CompileError";
  } catch (const dynlib::CompileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("took longer than 0.5 s"), std::string::npos) << what;
    EXPECT_NE(what.find("DYNLIB_COMPILE_TIMEOUT"), std::string::npos) << what;
    EXPECT_NE(what.find("compile_timeout"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
  const pid_t compiler = compiler_pid(), child = child_pid();
  ASSERT_GT(compiler, 0);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(eventually([&] { return process_gone(compiler); })) << compiler;
  EXPECT_TRUE(eventually([&] { return process_gone(child); })) << "the sleep it started: " << child;
}

TEST_F(HangingCompilerTest, AnInvalidTimeoutIsAnError) {
  env_.set("DYNLIB_COMPILE_TIMEOUT", "5 minutes");
  try {
    jit::compile_timeout_seconds();
    FAIL() << "expected DynlibError";
  } catch (const dynlib::DynlibError& e) {
    EXPECT_NE(std::string(e.what()).find("DYNLIB_COMPILE_TIMEOUT='5 minutes'"), std::string::npos)
        << e.what();
  }
  env_.set("DYNLIB_COMPILE_TIMEOUT", "42");
  EXPECT_EQ(jit::compile_timeout_seconds(), 42.0);
}

TEST_F(HangingCompilerTest, AKilledProcessLeavesNoCompilerAndItsTempDirIsCleanedLater) {
  jit::system_compiler();
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      jit::compile_and_load(request());
    } catch (...) {
    }
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  const bool started = eventually([&] { return compiler_pid() > 0 && child_pid() > 0; });
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(started) << "the hanging compiler never started";
  const pid_t compiler = compiler_pid(), child = child_pid();
  EXPECT_TRUE(eventually([&] { return process_gone(compiler); })) << compiler;
  EXPECT_TRUE(eventually([&] { return process_gone(child); })) << "the sleep it started: " << child;

  // The killed process's temporary directory is left behind, named with its pid ...
  const std::string owned = "dynlib-jit-" + jit::temp_owner_tag(pid) + "-";
  auto left_by_killed = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(tmp_.path()))
      n += e.path().filename().string().rfind(owned, 0) == 0;
    return n;
  };
  EXPECT_EQ(left_by_killed(), 1);
  // ... and the next temporary directory the JIT creates removes it.
  const std::string fresh = jit::make_temp_dir("dynlib-jit-");
  EXPECT_EQ(left_by_killed(), 0);
  EXPECT_NE(fs::path(fresh).filename().string().find("-" + jit::temp_owner_tag(::getpid()) + "-"),
            std::string::npos)
      << fresh;
  fs::remove_all(fresh);
}

TEST(TempDirs, OnlyDirectoriesOfDeadOwnersAreRemoved) {
  TempDir tmp;
  ScopedEnv env("TMPDIR", tmp.str());
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string d = jit::temp_owner_tag(dead);
  const std::vector<std::string> stale = {"dynlib-jit-" + d + "-abcdef",
                                          "dynlib-probe-" + d + "-ABC123",
                                          "dynlib-load-" + d + "-x1y2z3"};
  const std::vector<std::string> kept = {
      "dynlib-jit-" + jit::temp_owner_tag(::getpid()) + "-abcdef",   // this process
      "dynlib-jit-" + jit::temp_owner_tag(::getppid()) + "-abcdef",  // alive
      "dynlib-jit-" + std::to_string(dead) + ".1-abcdef",  // another pid namespace: unknowable
      "dynlib-jit-" + std::to_string(dead) + "-abcdef",    // no namespace
      "dynlib-jit-notapid-abcdef",                         // another naming
      "dynlib-jit-" + d + "-toolong",                      // not mkdtemp's 6 characters
      "dynlib-failed-0123456789abcdef",                    // kept on purpose
      "other-" + d + "-abcdef"};
  for (const auto& name : stale) tmp.mkdir(name + "/sub");
  for (const auto& name : kept) tmp.mkdir(name);
  tmp.write("dynlib-jit-" + d + "-afile1", "a file, not a directory");
  EXPECT_EQ(jit::remove_stale_temp_dirs(tmp.str()), 3);
  for (const auto& name : stale) EXPECT_FALSE(fs::exists(tmp.path() / name)) << name;
  for (const auto& name : kept) EXPECT_TRUE(fs::exists(tmp.path() / name)) << name;
  EXPECT_TRUE(fs::exists(tmp.path() / ("dynlib-jit-" + d + "-afile1")));
}

TEST_F(CompilerDiscoveryTest, TemporaryDirectoryFailureIsReportedAsSuchNotAsNoCompiler) {
  TempDir dir;
  const std::string file = dir.write("file", "a regular file: nothing can be created below it");
  const std::string unusable = file + "/tmp";
  ScopedEnv env;
  env.unset("DYNLIB_CXX").set("TMPDIR", unusable);
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("temporary"), std::string::npos) << what;
    EXPECT_NE(what.find(unusable + "/dynlib-probe-"), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOTDIR)), std::string::npos) << what;
    EXPECT_EQ(what.find("none was found"), std::string::npos) << what;
  }
  // Not remembered as "no compiler": with a usable TMPDIR the same process finds one.
  env.set("TMPDIR", dir.str());
  EXPECT_NO_THROW(jit::system_compiler());

  // A compile that cannot create its directory says so too.
  env.set("TMPDIR", unusable);
  jit::CompileRequest r;
  r.source = twice_source();
  r.key_inputs = {{"salt", "unusable-tmpdir"}};
  try {
    jit::compile_and_load(r);
    FAIL() << "expected DynlibError";
  } catch (const dynlib::DynlibError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(unusable + "/dynlib-jit-"), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOTDIR)), std::string::npos) << what;
  }
}

class FullTemporaryDirectory : public CompilerDiscoveryTest,
                               public ::testing::WithParamInterface<std::uintmax_t> {};

// Room 0: not even the probe's source can be written. Room 8 KiB: it can, but the compiler's own
// files cannot (the old message then was "no C++ compiler found", with every candidate's error).
TEST_P(FullTemporaryDirectory, IsReportedAsSuchNotAsNoCompiler) {
  TempDir dir;
  dynlib::testing::FullFilesystem full(dir / "full", GetParam());
  if (!full.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  ScopedEnv env;
  env.unset("DYNLIB_CXX").set("TMPDIR", dir / "full");
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir / "full"), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOSPC)), std::string::npos) << what;
    EXPECT_EQ(what.find("none was found"), std::string::npos) << what;
  }
  // A compile after a successful probe says the same, not "please report".
  env.set("TMPDIR", dir.str());
  jit::system_compiler();
  env.set("TMPDIR", dir / "full");
  jit::CompileRequest r;
  r.source = twice_source();
  r.key_inputs = {{"salt", "full-tmpdir"}};
  try {
    jit::compile_and_load(r);
    FAIL() << "expected DynlibError";
  } catch (const dynlib::DynlibError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir / "full"), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOSPC)), std::string::npos) << what;
    EXPECT_EQ(what.find("report"), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(NoRoomAndALittle, FullTemporaryDirectory, ::testing::Values(0, 8192));

TEST_F(CompilerDiscoveryTest, AProbeThatHangsTimesOutAndSaysHowToAllowMore) {
  TempDir dir;
  const std::string script = dir.write("hangs-on-version", "#!/bin/sh\nexec sleep 1000\n");
  fs::permissions(script, fs::perms::owner_all);
  ScopedEnv env;
  env.set("DYNLIB_CXX", script).set("DYNLIB_COMPILE_TIMEOUT", "0.3");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    jit::system_compiler();
    FAIL() << "expected JITUnavailableError";
  } catch (const dynlib::JITUnavailableError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("`--version` took longer than 0.3 s"), std::string::npos) << what;
    EXPECT_NE(what.find("DYNLIB_COMPILE_TIMEOUT=<seconds>"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

// The persistent JIT cache: entries across processes (fork), concurrency, self-repair of every kind
// of damage, root selection and fallbacks, eviction, and the maintenance functions behind
// `dynlib cache`.
//
// Every test runs in its own HOME / XDG_CACHE_HOME / TMPDIR / DYNLIB_CACHE_FALLBACK under a temp
// dir, so the real ~/.cache and /tmp/dynlib-cache are never touched. Tests run as root here, and
// chmod does not stop root from writing a directory: an unwritable root is simulated by a path
// below a regular FILE ("<tmp>/file/sub"), which no user can create.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dsl/temp_dir.hpp"
#include "dynlib/errors.hpp"
#include "full_filesystem.hpp"
#include "jit/disk_cache.hpp"
#include "jit/embedded_kernel.hpp"
#include "jit/jit.hpp"
#include "support/digest.hpp"

namespace fs = std::filesystem;
using dynlib::testing::ScopedEnv;
using dynlib::testing::TempDir;
namespace jit = dynlib::jit;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::string kernel_source(const std::string& factor = "2.0") {
  return "extern \"C\" int dynlib_abi_version() { return " +
         std::to_string(dynlib::kernel::kRunArgsAbi) +
         "; }\n"
         "extern \"C\" double twice(double x) { return " +
         factor + " * x; }\n";
}

double call_twice(const jit::LoadedKernel& k, double x) {
  return reinterpret_cast<double (*)(double)>(k.require_symbol("twice"))(x);
}

// Every path below `dir`, relative, sorted (to check what a run left behind).
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

class DiskCacheTest : public ::testing::Test {
 protected:
  DiskCacheTest() {
    env_.set("HOME", (dir_.path() / "home").string())
        .set("XDG_CACHE_HOME", (dir_.path() / "home" / "cache").string())
        .set("XDG_CONFIG_HOME", (dir_.path() / "home" / "config").string())
        .unset("DYNLIB_CONFIG")
        .set("DYNLIB_CACHE_FALLBACK", (dir_.path() / "fallback").string())
        .set("TMPDIR", dir_.mkdir("tmp"));
  }

  // The default root of this test (XDG_CACHE_HOME/dynlib).
  std::string root() const { return (dir_.path() / "home" / "cache" / "dynlib").string(); }

  std::string salt() const {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "." + info->name() + "." +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  jit::CompileRequest request(const std::string& source = kernel_source()) const {
    jit::CompileRequest r;
    r.source = source;
    r.key_inputs = {{"salt", salt_}};
    r.disk_cache = true;
    r.manifest = {{"model_name", "twice"},
                  {"model_hash", "feedc0de"},
                  {"stepper", "rk4"},
                  {"dtype", "float64"}};
    return r;
  }

  jit::CacheEntryPaths entry(const std::string& key, const std::string& root_dir = {}) const {
    return jit::cache_entry_paths(root_dir.empty() ? root() : root_dir, "kernel", key);
  }

  // Uses a config file (a new path each time: user_config() reads each path once per process).
  void use_config(const std::string& text) {
    const std::string path = dir_.write("config-" + std::to_string(configs_++) + ".toml", text);
    env_.set("DYNLIB_CONFIG", path);
  }

  TempDir dir_;
  ScopedEnv env_;
  std::string salt_ = salt();
  int configs_ = 0;
};

// Runs `body` in a forked child and returns what it wrote to its pipe. The child never returns
// into the test framework.
std::string in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    try {
      out = body();
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

// A child that behaves like a fresh process: no memory cache, no compiler probe remembered.
void forget_everything() {
  jit::clear_memory_cache();
  jit::reset_compiler_probe();
}

}  // namespace

TEST_F(DiskCacheTest, PublishesACompleteEntry) {
  const auto r = request();
  auto k = jit::compile_and_load(r);
  EXPECT_FALSE(k->from_disk_cache());
  EXPECT_FALSE(k->from_memory_cache());
  EXPECT_EQ(call_twice(*k, 21.0), 42.0);

  const auto p = entry(k->key());
  EXPECT_EQ(fs::path(p.dir).parent_path().filename(), k->key().substr(0, 2));
  EXPECT_EQ(fs::path(p.dir).parent_path().parent_path().filename(), "kernel");
  EXPECT_EQ(fs::path(p.dir).parent_path().parent_path().parent_path(), fs::path(root()) / "jit");
  EXPECT_TRUE(fs::exists(p.lock));
  const std::set<std::string> files{"kernel.so", "kernel.cpp", "manifest.toml"};
  std::set<std::string> found;
  for (const auto& e : fs::directory_iterator(p.dir)) found.insert(e.path().filename().string());
  EXPECT_EQ(found, files);

  const jit::Manifest m = jit::read_manifest(p.dir + "/manifest.toml");
  EXPECT_EQ(m.key, k->key());
  EXPECT_EQ(m.component_kind, "kernel");
  EXPECT_EQ(m.info_value("model_name"), "twice");
  EXPECT_EQ(m.info_value("stepper"), "rk4");
  EXPECT_EQ(m.info_value("dtype"), "float64");
  EXPECT_EQ(m.info_value("model_hash"), "feedc0de");
  ASSERT_EQ(m.key_inputs.size(), 1u);
  EXPECT_EQ(m.key_inputs[0].second, salt_);
  const std::string so = slurp(p.dir + "/kernel.so");
  EXPECT_EQ(m.so_bytes, static_cast<long long>(so.size()));
  EXPECT_EQ(m.so_sha256, dynlib::support::sha256_hex(so));
  // The entry keeps the source it was built from: the request's text plus its key.
  const std::string src = slurp(p.dir + "/kernel.cpp");
  EXPECT_EQ(src.rfind(r.source, 0), 0u);
  EXPECT_NE(src.find(k->key()), std::string::npos);
  EXPECT_EQ(m.source_bytes, static_cast<long long>(src.size()));
  EXPECT_EQ(m.compiler_version, k->compiler().version);
  EXPECT_EQ(m.hits, 0);
  EXPECT_EQ(m.misses, 1);
  EXPECT_GT(m.created_ms, 0);
  EXPECT_EQ(m.last_used_ms, m.created_ms);
  // Nothing is left in the build area or in TMPDIR.
  EXPECT_TRUE(fs::is_empty(fs::path(root()) / "jit" / "tmp"));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
}

TEST_F(DiskCacheTest, ASecondLoadIsADiskHitThatStartsNoProcess) {
  const auto r = request();
  auto first = jit::compile_and_load(r);
  forget_everything();  // as a fresh process would be
  const auto before = jit::jit_counters();
  auto hit = jit::compile_and_load(r);
  const auto after = jit::jit_counters();
  EXPECT_TRUE(hit->from_disk_cache());
  EXPECT_FALSE(hit->from_memory_cache());
  EXPECT_EQ(hit->key(), first->key());
  EXPECT_EQ(after.compiles, before.compiles);
  EXPECT_EQ(after.processes, before.processes);  // neither the compiler nor a probe ran
  EXPECT_EQ(after.disk_hits, before.disk_hits + 1);
  EXPECT_TRUE(hit->compiler().remembered);
  EXPECT_EQ(hit->compiler().version, first->compiler().version);
  EXPECT_EQ(hit->timings().compile, 0.0);
  EXPECT_EQ(hit->timings().write, 0.0);
  EXPECT_GT(hit->timings().load, 0.0);
  EXPECT_EQ(call_twice(*hit, 1.5), 3.0);
  // A separate load, not the first library handed back by dlopen.
  EXPECT_NE(hit->library(), first->library());
  EXPECT_NE(hit->symbol("twice"), first->symbol("twice"));

  const auto m = jit::read_manifest(entry(hit->key()).dir + "/manifest.toml");
  EXPECT_EQ(m.hits, 1);
  EXPECT_GE(m.last_used_ms, m.created_ms);

  // Within the process the memory cache answers next.
  auto again = jit::compile_and_load(r);
  EXPECT_TRUE(again->from_memory_cache());
  EXPECT_FALSE(again->from_disk_cache());
  EXPECT_EQ(again->library(), hit->library());
}

TEST_F(DiskCacheTest, AFreshProcessLoadsFromDiskWithoutRunningTheCompiler) {
  const auto r = request();
  const std::string key = jit::compile_and_load(r)->key();
  const std::string got = in_child([&] {
    forget_everything();
    const auto before = jit::jit_counters();
    auto k = jit::compile_and_load(r);
    const auto after = jit::jit_counters();
    return "disk=" + std::to_string(k->from_disk_cache()) +
           " compiles=" + std::to_string(after.compiles - before.compiles) +
           " processes=" + std::to_string(after.processes - before.processes) +
           " value=" + std::to_string(call_twice(*k, 4.0)) + " key=" + k->key();
  });
  EXPECT_EQ(got, "disk=1 compiles=0 processes=0 value=8.000000 key=" + key);
}

TEST_F(DiskCacheTest, EightProcessesOnAnEmptyCacheCompileOnce) {
  const auto r = request(kernel_source("2.0") +
                         "extern \"C\" double poly(double x) { return (x + 1.0) * x - 0.5; }\n");
  constexpr int kProcesses = 8;
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < kProcesses; ++i) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      ::close(out[0]);
      char c;
      (void)!::read(go[0], &c, 1);  // returns when the parent closes the pipe: all start at once
      std::string line;
      try {
        forget_everything();
        const auto before = jit::jit_counters();
        auto k = jit::compile_and_load(r);
        const double y = reinterpret_cast<double (*)(double)>(k->require_symbol("poly"))(1.25);
        char value[64];
        std::snprintf(value, sizeof value, "%a", y);
        line = "compiles=" + std::to_string(jit::jit_counters().compiles - before.compiles) +
               " disk=" + std::to_string(k->from_disk_cache()) + " value=" + value +
               " key=" + k->key();
      } catch (const std::exception& e) {
        line = std::string("error: ") + e.what();
      }
      (void)!::write(out[1], line.data(), line.size());
      ::_exit(0);
    }
    ::close(out[1]);
    children.emplace_back(pid, out[0]);
  }
  ::close(go[0]);
  ::close(go[1]);  // go

  int compiles = 0, from_disk = 0;
  std::set<std::string> values, keys;
  for (auto [pid, fd] : children) {
    std::string line;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) line.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(line.rfind("compiles=", 0), 0u) << line;
    std::istringstream in(line);
    std::string c, d, v, k;
    in >> c >> d >> v >> k;
    compiles += std::stoi(c.substr(9));
    from_disk += std::stoi(d.substr(5));
    values.insert(v);
    keys.insert(k);
  }
  EXPECT_EQ(compiles, 1);
  EXPECT_EQ(from_disk, kProcesses - 1);
  EXPECT_EQ(values.size(), 1u);
  EXPECT_EQ(keys.size(), 1u);
  const auto m = jit::read_manifest(entry(keys.begin()->substr(4)).dir + "/manifest.toml");
  EXPECT_EQ(m.misses, 1);
  EXPECT_EQ(m.hits, kProcesses - 1);  // every hit was counted: updates happen under the lock
}

TEST_F(DiskCacheTest, AKilledLockHolderBlocksNobody) {
  const auto r = request();
  const std::string key = jit::kernel_key(r);
  const auto p = entry(key);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    jit::EntryLock held = jit::EntryLock::acquire(p.lock);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();  // holds the lock until killed
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_FALSE(jit::EntryLock::try_acquire(p.lock).held());  // really held by the child
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  auto k = jit::compile_and_load(r);  // would hang forever if the lock outlived its holder
  EXPECT_EQ(call_twice(*k, 3.0), 6.0);
  EXPECT_TRUE(fs::exists(p.dir));
}

// ---- self-repair ----

struct Damage {
  const char* name;
  // Damages the entry `dir`; `other_so` is a valid kernel of another key.
  std::function<void(const fs::path& dir, const std::string& other_so)> apply;
  const char* problem;  // a substring of the warning
};

// Rewrites the manifest's size and checksum for a replaced kernel.so, so only later checks fail.
void fix_manifest_for(const fs::path& dir) {
  auto m = jit::read_manifest((dir / "manifest.toml").string());
  const std::string so = slurp(dir / "kernel.so");
  m.so_bytes = static_cast<long long>(so.size());
  m.so_sha256 = dynlib::support::sha256_hex(so);
  jit::write_manifest((dir / "manifest.toml").string(), m);
}

const std::vector<Damage>& damages() {
  static const std::vector<Damage> all = {
      {"ChecksumMismatch",
       [](const fs::path& dir, const std::string&) {
         std::string so = slurp(dir / "kernel.so");
         so[so.size() / 2] = static_cast<char>(so[so.size() / 2] ^ 0x5a);  // same size
         spit(dir / "kernel.so", so);
       },
       "does not match its sha256 checksum"},
      {"TruncatedSharedObject",
       [](const fs::path& dir, const std::string&) {
         fs::resize_file(dir / "kernel.so", fs::file_size(dir / "kernel.so") / 2);
       },
       "truncated or overwritten"},
      {"GarbageSharedObject",
       [](const fs::path& dir, const std::string&) {
         spit(dir / "kernel.so", "this is not an ELF file\n");
       },
       "truncated or overwritten"},
      {"GarbageWithMatchingChecksumFailsDlopen",
       [](const fs::path& dir, const std::string&) {
         spit(dir / "kernel.so", std::string(4096, '\x7f'));
         fix_manifest_for(dir);
       },
       "cannot load the compiled kernel"},
      {"AnotherValidKernelIsRefused",
       [](const fs::path& dir, const std::string& other_so) {
         fs::copy_file(other_so, dir / "kernel.so", fs::copy_options::overwrite_existing);
         fix_manifest_for(dir);
       },
       "not the kernel of this key"},
      {"MissingSharedObject",
       [](const fs::path& dir, const std::string&) { fs::remove(dir / "kernel.so"); },
       "missing or unreadable kernel.so"},
      {"MissingSource",
       [](const fs::path& dir, const std::string&) { fs::remove(dir / "kernel.cpp"); },
       "missing kernel.cpp"},
      {"MissingManifest",
       [](const fs::path& dir, const std::string&) { fs::remove(dir / "manifest.toml"); },
       "cannot be read"},
      {"UnparsableManifest",
       [](const fs::path& dir, const std::string&) {
         spit(dir / "manifest.toml", "key = [unterminated\n");
       },
       "not valid TOML"},
      {"ManifestWithAWrongType",
       [](const fs::path& dir, const std::string&) {
         std::string text = slurp(dir / "manifest.toml");
         const auto at = text.find("so_bytes = ");
         text.insert(at + 11, "\"");
         text.insert(text.find('\n', at), "\"");
         spit(dir / "manifest.toml", text);
       },
       "field 'so_bytes'"},
      // Files that are not regular files: neither waited on (a FIFO) nor read without end.
      {"SharedObjectIsAFifo",
       [](const fs::path& dir, const std::string&) {
         fs::remove(dir / "kernel.so");
         ASSERT_EQ(::mkfifo((dir / "kernel.so").c_str(), 0644), 0);
       },
       "missing or unreadable kernel.so"},
      {"SharedObjectLinksToDevZero",
       [](const fs::path& dir, const std::string&) {
         fs::remove(dir / "kernel.so");
         fs::create_symlink("/dev/zero", dir / "kernel.so");
       },
       "missing or unreadable kernel.so"},
      {"ManifestIsAFifo",
       [](const fs::path& dir, const std::string&) {
         fs::remove(dir / "manifest.toml");
         ASSERT_EQ(::mkfifo((dir / "manifest.toml").c_str(), 0644), 0);
       },
       "cannot be read"},
      {"EntryIsAFile",
       [](const fs::path& dir, const std::string&) {
         fs::remove_all(dir);
         spit(dir, "not a directory");
       },
       "cannot be read"},
  };
  return all;
}

class DiskCacheRepair : public DiskCacheTest, public ::testing::WithParamInterface<Damage> {};

TEST_P(DiskCacheRepair, DamagedEntryIsReportedRemovedAndRebuilt) {
  const Damage& damage = GetParam();
  // Another valid kernel (same ABI, other key) for the wrong-kernel case.
  auto other = request(kernel_source("3.0"));
  const std::string other_key = jit::compile_and_load(other)->key();
  const std::string other_so = entry(other_key).dir + "/kernel.so";

  const auto r = request();
  auto original = jit::compile_and_load(r);
  const auto p = entry(original->key());
  damage.apply(p.dir, other_so);
  jit::clear_memory_cache();

  const auto before = jit::jit_counters();
  ::testing::internal::CaptureStderr();
  auto repaired = jit::compile_and_load(r);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const auto after = jit::jit_counters();

  EXPECT_EQ(call_twice(*repaired, 5.0), 10.0);  // the right kernel, never the damaged one
  EXPECT_FALSE(repaired->from_disk_cache());
  EXPECT_EQ(after.disk_repairs, before.disk_repairs + 1);
  EXPECT_EQ(after.compiles, before.compiles + 1);
  // One warning line naming the entry and the problem.
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(err.rfind("dynlib: warning: ", 0), 0u) << err;
  EXPECT_NE(err.find(p.dir), std::string::npos) << err;
  EXPECT_NE(err.find(damage.problem), std::string::npos) << err;
  EXPECT_NE(err.find("recompiling"), std::string::npos) << err;

  // The rebuilt entry is whole: the next fresh load is a silent disk hit.
  EXPECT_TRUE(fs::is_directory(p.dir));
  jit::clear_memory_cache();
  ::testing::internal::CaptureStderr();
  auto hit = jit::compile_and_load(r);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(hit->from_disk_cache());
  EXPECT_EQ(call_twice(*hit, 0.25), 0.5);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, DiskCacheRepair, ::testing::ValuesIn(damages()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- keys ----

TEST_F(DiskCacheTest, ALockFileThatIsNotARegularFileIsReplacedNotWaitedOn) {
  const auto r = request();
  const std::string key = jit::compile_and_load(r)->key();
  const auto p = entry(key);
  for (const std::string kind : {"fifo", "directory", "symlink"}) {
    SCOPED_TRACE(kind);
    fs::remove_all(p.lock);
    if (kind == "fifo") {
      ASSERT_EQ(::mkfifo(p.lock.c_str(), 0644), 0);
    }
    if (kind == "directory") fs::create_directory(p.lock);
    if (kind == "symlink") fs::create_symlink("/dev/zero", p.lock);
    jit::clear_memory_cache();
    auto k = jit::compile_and_load(r);  // would hang on a FIFO opened for reading
    EXPECT_EQ(call_twice(*k, 2.0), 4.0);
    jit::EntryLock held = jit::EntryLock::acquire(p.lock);
    EXPECT_TRUE(held.held());
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(p.lock)));
  }
}

TEST_F(DiskCacheTest, AnyChangedKeyInputIsANewEntry) {
  const auto base = request();
  auto a = jit::compile_and_load(base);
  // A changed kernel header, simulated by an extra define among the key inputs.
  auto define = base;
  define.key_inputs.push_back({"define", "DYNLIB_KERNEL_HEADERS_V2=1"});
  auto b = jit::compile_and_load(define);
  EXPECT_NE(a->key(), b->key());
  EXPECT_FALSE(b->from_disk_cache());
  // A changed header text as well.
  std::vector<dynlib::EmbeddedFile> headers(dynlib::embedded_kernel_headers().begin(),
                                            dynlib::embedded_kernel_headers().end());
  const std::string changed = std::string(headers[0].text) + "// changed\n";
  headers[0].text = changed;
  auto header = base;
  header.headers = &headers;
  auto c = jit::compile_and_load(header);
  EXPECT_NE(c->key(), a->key());
  EXPECT_NE(c->key(), b->key());
  std::set<std::string> digests;
  for (const auto& e : jit::list_cache_entries(root())) digests.insert(e.digest);
  EXPECT_EQ(digests, (std::set<std::string>{a->key(), b->key(), c->key()}));
  // The disk key is the same content key as without the disk cache.
  auto plain = base;
  plain.disk_cache = false;
  EXPECT_EQ(jit::kernel_key(plain), a->key());
}

TEST_F(DiskCacheTest, ComponentKindIsALayoutLevelAndMustBeASimpleName) {
  auto r = request();
  r.component_kind = "rhs";
  auto k = jit::compile_and_load(r);
  EXPECT_TRUE(fs::is_directory(jit::cache_entry_paths(root(), "rhs", k->key()).dir));
  r.component_kind = "../evil";
  EXPECT_THROW(jit::compile_and_load(r), dynlib::CacheError);
  r.component_kind = "tmp";
  EXPECT_THROW(jit::compile_and_load(r), dynlib::CacheError);
}

TEST_F(DiskCacheTest, FailedCompileLeavesNoEntry) {
  auto r = request("this is not C++\n");
  EXPECT_THROW(jit::compile_and_load(r), dynlib::CompileError);
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
  // A kernel is compiled outside the cache; nothing of a failed one gets into <root>/jit/tmp.
  const fs::path tmp = fs::path(root()) / "jit" / "tmp";
  EXPECT_TRUE(!fs::exists(tmp) || fs::is_empty(tmp));
}

// ---- failures to persist: a full disk (or EROFS, EACCES, EDQUOT) only costs persistence ----

struct PersistFault {
  const char* step;  // as jit::injected_cache_write_fault() names it
  int error;
  const char* path_part = "";  // only paths containing this fail
};

class DiskCachePersistFailure : public DiskCacheTest,
                                public ::testing::WithParamInterface<PersistFault> {
 protected:
  DiskCachePersistFailure() { jit::testing::reset_cache_write_warning(); }
  ~DiskCachePersistFailure() override {
    jit::testing::set_cache_write_fault({});
    jit::testing::reset_cache_write_warning();
  }
};

TEST_P(DiskCachePersistFailure, FallsBackToTheCompiledKernelWithOneWarningNamingTheCause) {
  const PersistFault fault = GetParam();
  jit::cache_location();  // the root is usable when the process starts; the disk fills up later
  std::vector<std::string> failed_paths;
  jit::testing::set_cache_write_fault([&](std::string_view step, const std::string& path) {
    if (step != fault.step || path.find(fault.path_part) == std::string::npos) return 0;
    failed_paths.push_back(path);
    return fault.error;
  });

  ::testing::internal::CaptureStderr();
  std::shared_ptr<const jit::LoadedKernel> k1, k2;
  EXPECT_NO_THROW(k1 = jit::compile_and_load(request()));
  EXPECT_NO_THROW(k2 = jit::compile_and_load(request(kernel_source("3.0"))));
  const std::string err = ::testing::internal::GetCapturedStderr();

  ASSERT_TRUE(k1 && k2);
  EXPECT_EQ(call_twice(*k1, 2.0), 4.0);
  EXPECT_EQ(call_twice(*k2, 2.0), 6.0);
  EXPECT_FALSE(k1->from_disk_cache());
  ASSERT_FALSE(failed_paths.empty());
  // One warning for the process, naming the root, the path that failed and the cause.
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(err.rfind("dynlib: warning: cannot persist to the JIT cache at '" + root() + "'", 0),
            0u)
      << err;
  EXPECT_NE(err.find(failed_paths.front()), std::string::npos) << err;
  EXPECT_NE(err.find(std::strerror(fault.error)), std::string::npos) << err;
  EXPECT_EQ(err.find("report"), std::string::npos) << err;
  // Nothing half-written is left in the cache.
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
  const fs::path tmp = fs::path(root()) / "jit" / "tmp";
  EXPECT_TRUE(!fs::exists(tmp) || fs::is_empty(tmp)) << tree(tmp).size();

  // Once the disk has room again, kernels are persisted again.
  jit::testing::set_cache_write_fault({});
  jit::clear_memory_cache();
  auto k3 = jit::compile_and_load(request());
  EXPECT_TRUE(fs::is_directory(entry(k3->key()).dir));
}

INSTANTIATE_TEST_SUITE_P(
    EveryStepAndCause, DiskCachePersistFailure,
    ::testing::Values(PersistFault{"create directory", ENOSPC}, PersistFault{"write", ENOSPC},
                      PersistFault{"write", EDQUOT}, PersistFault{"rename", EROFS},
                      PersistFault{"rename", ENOSPC, "/jit/kernel/"}, PersistFault{"lock", EACCES},
                      PersistFault{"lock", ENOSPC}),
    [](const ::testing::TestParamInfo<PersistFault>& info) {
      std::string name = info.param.step;
      name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
      return name + "_" + std::to_string(info.param.error) +
             (*info.param.path_part ? "_entry" : "");
    });

// The same on a really full disk (a small tmpfs; skipped where mounting is not allowed).
TEST_F(DiskCacheTest, AReallyFullDiskOnlyCostsPersistence) {
  const std::string cache_root = (dir_.path() / "full").string();
  dynlib::testing::FullFilesystem full(cache_root, 8192);  // room for a lock, not for a kernel
  if (!full.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  use_config("cache_root = \"" + cache_root + "\"\n");
  jit::testing::reset_cache_write_warning();

  ::testing::internal::CaptureStderr();
  std::shared_ptr<const jit::LoadedKernel> k1, k2;
  EXPECT_NO_THROW(k1 = jit::compile_and_load(request()));
  EXPECT_NO_THROW(k2 = jit::compile_and_load(request(kernel_source("7.0"))));
  const std::string err = ::testing::internal::GetCapturedStderr();
  jit::testing::reset_cache_write_warning();

  ASSERT_TRUE(k1 && k2);
  EXPECT_EQ(call_twice(*k1, 1.0), 2.0);
  EXPECT_EQ(call_twice(*k2, 1.0), 7.0);
  EXPECT_EQ(jit::cache_location().root, cache_root);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("cannot persist to the JIT cache at '" + cache_root + "'"), std::string::npos)
      << err;
  EXPECT_NE(err.find(std::strerror(ENOSPC)), std::string::npos) << err;
  EXPECT_TRUE(jit::list_cache_entries(cache_root).empty());
}

// The same without injection: the cache's tmp directory cannot be created (a file is in the way).
TEST_F(DiskCacheTest, AnUnwritableCacheAfterStartOnlyCostsPersistence) {
  jit::testing::reset_cache_write_warning();
  jit::cache_location();
  const fs::path tmp = fs::path(root()) / "jit" / "tmp";
  fs::remove_all(tmp);
  spit(tmp, "a regular file where the cache's tmp directory belongs\n");

  ::testing::internal::CaptureStderr();
  std::shared_ptr<const jit::LoadedKernel> k;
  EXPECT_NO_THROW(k = jit::compile_and_load(request()));
  const std::string err = ::testing::internal::GetCapturedStderr();
  jit::testing::reset_cache_write_warning();

  ASSERT_TRUE(k);
  EXPECT_EQ(call_twice(*k, 1.5), 3.0);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(tmp.string()), std::string::npos) << err;
  EXPECT_NE(err.find("cannot persist"), std::string::npos) << err;
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
}

// ---- where the cache lives ----

TEST_F(DiskCacheTest, DefaultRootFollowsXdgCacheHomeThenHome) {
  auto loc = jit::cache_location();
  EXPECT_EQ(loc.root, root());
  EXPECT_EQ(loc.kind, jit::CacheRootKind::Default);
  EXPECT_NE(loc.why.find("XDG_CACHE_HOME"), std::string::npos) << loc.why;
  env_.set("XDG_CACHE_HOME", "relative/ignored");
  std::string why;
  EXPECT_EQ(jit::default_cache_root(&why), (dir_.path() / "home" / ".cache" / "dynlib").string());
  EXPECT_EQ(why, "~/.cache/dynlib");
  env_.unset("XDG_CACHE_HOME");
  EXPECT_EQ(jit::cache_location().root, (dir_.path() / "home" / ".cache" / "dynlib").string());
}

TEST_F(DiskCacheTest, ConfiguredRootAndMaxSizeAreUsed) {
  const std::string configured = (dir_.path() / "configured").string();
  use_config("[cache]\nroot = \"" + configured + "\"\nmax_size = \"5MB\"\n");
  auto loc = jit::cache_location();
  EXPECT_EQ(loc.root, configured);
  EXPECT_EQ(loc.kind, jit::CacheRootKind::Config);
  EXPECT_NE(loc.why.find("config-0.toml"), std::string::npos) << loc.why;
  ASSERT_TRUE(loc.max_size);
  EXPECT_EQ(*loc.max_size, 5000000);
  auto k = jit::compile_and_load(request());
  EXPECT_TRUE(fs::is_directory(entry(k->key(), configured).dir));
  EXPECT_FALSE(fs::exists(root()));
  // The top-level spelling, with ~ expanded.
  use_config("cache_root = \"~/elsewhere\"\n");
  EXPECT_EQ(jit::cache_location().root, (dir_.path() / "home" / "elsewhere").string());
}

TEST_F(DiskCacheTest, UnwritableRootFallsBackWithOneWarning) {
  dir_.write("file", "a regular file: nothing can be created below it\n");
  const std::string unwritable = (dir_.path() / "file" / "sub").string();
  use_config("cache_root = \"" + unwritable + "\"\n");
  const std::string fallback = (dir_.path() / "fallback").string();

  ::testing::internal::CaptureStderr();
  auto k1 = jit::compile_and_load(request());
  auto r2 = request(kernel_source("4.0"));
  auto k2 = jit::compile_and_load(r2);
  const auto loc = jit::cache_location();
  const std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(loc.kind, jit::CacheRootKind::Fallback);
  EXPECT_EQ(loc.root, fallback);
  EXPECT_EQ(loc.requested, unwritable);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;  // once per process
  EXPECT_NE(err.find(unwritable), std::string::npos) << err;
  EXPECT_NE(err.find(fallback), std::string::npos) << err;
  EXPECT_TRUE(fs::is_directory(entry(k1->key(), fallback).dir));
  EXPECT_TRUE(fs::is_directory(entry(k2->key(), fallback).dir));
  EXPECT_EQ(call_twice(*k2, 1.0), 4.0);
  // The shared fallback is private to its user.
  EXPECT_EQ(fs::status(fallback).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
}

TEST_F(DiskCacheTest, BothUnwritableMeansMemoryOnlyAndNoFilesAnywhere) {
  dir_.write("file", "x\n");
  dir_.write("file2", "x\n");
  use_config("cache_root = \"" + (dir_.path() / "file" / "sub").string() + "\"\n");
  env_.set("DYNLIB_CACHE_FALLBACK", (dir_.path() / "file2" / "sub").string());
  const auto before = tree(dir_.path());

  ::testing::internal::CaptureStderr();
  auto k = jit::compile_and_load(request());
  auto k2 = jit::compile_and_load(request(kernel_source("5.0")));
  const std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(call_twice(*k, 2.0), 4.0);
  EXPECT_EQ(call_twice(*k2, 2.0), 10.0);
  EXPECT_FALSE(k->from_disk_cache());
  EXPECT_EQ(jit::cache_location().kind, jit::CacheRootKind::MemoryOnly);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("memory only"), std::string::npos) << err;
  // Not one file or directory more: no cache, no fallback, nothing in TMPDIR or HOME.
  EXPECT_EQ(tree(dir_.path()), before);
  // The memory cache still works.
  EXPECT_TRUE(jit::compile_and_load(request())->from_memory_cache());
}

TEST_F(DiskCacheTest, AFallbackOthersCanWriteIsRefused) {
  dir_.write("file", "x\n");
  use_config("cache_root = \"" + (dir_.path() / "file" / "sub").string() + "\"\n");
  const fs::path fallback = dir_.mkdir("open-fallback");
  fs::permissions(fallback, fs::perms::all);  // 0777: anyone could plant kernels there
  env_.set("DYNLIB_CACHE_FALLBACK", fallback.string());
  ::testing::internal::CaptureStderr();
  const auto loc = jit::cache_location();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(loc.kind, jit::CacheRootKind::MemoryOnly);
  EXPECT_NE(err.find("writable by other users"), std::string::npos) << err;
}

// ---- maintenance: list, stats, clear, eviction ----

TEST_F(DiskCacheTest, ListAndStatsReflectTheEntries) {
  EXPECT_TRUE(jit::list_cache_entries(root()).empty());
  auto a = jit::compile_and_load(request());
  auto rb = request(kernel_source("7.0"));
  rb.manifest = {{"model_name", "seven"}, {"stepper", "euler"}, {"dtype", "float32"}};
  auto b = jit::compile_and_load(rb);
  jit::clear_memory_cache();
  jit::compile_and_load(request());  // one hit on a
  jit::clear_memory_cache();
  jit::compile_and_load(request());  // and another

  const auto entries = jit::list_cache_entries(root());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].digest, a->key());  // most recently used first
  EXPECT_EQ(entries[1].digest, b->key());
  EXPECT_EQ(entries[1].manifest.info_value("model_name"), "seven");
  EXPECT_EQ(entries[1].manifest.info_value("stepper"), "euler");
  EXPECT_EQ(entries[1].manifest.info_value("dtype"), "float32");
  EXPECT_EQ(entries[0].manifest.hits, 2);
  for (const auto& e : entries) {
    EXPECT_TRUE(e.problem.empty()) << e.problem;
    EXPECT_EQ(e.component_kind, "kernel");
    long long bytes = 0;
    for (const auto& f : fs::directory_iterator(e.dir))
      bytes += static_cast<long long>(f.file_size());
    EXPECT_EQ(e.bytes, bytes);
  }

  // A damaged entry is listed with its problem (and its directory's time), and counted apart.
  fs::remove(fs::path(entries[1].dir) / "manifest.toml");
  const auto s = jit::cache_stats(root());
  EXPECT_EQ(s.entries, 2);
  EXPECT_EQ(s.damaged, 1);
  EXPECT_EQ(s.hits, 2);
  EXPECT_EQ(s.misses, 1);
  long long listed = 0;
  for (const auto& e : jit::list_cache_entries(root())) {
    listed += e.bytes;
    EXPECT_EQ(e.problem.empty(), e.digest == a->key()) << e.digest << ": " << e.problem;
  }
  EXPECT_EQ(s.entry_bytes, listed);
  EXPECT_GE(s.bytes, s.entry_bytes);
}

TEST_F(DiskCacheTest, ClearRemovesExactlyWhatItSays) {
  std::vector<std::string> keys;
  for (const char* f : {"2.0", "3.0", "4.0", "5.0"})
    keys.push_back(jit::compile_and_load(request(kernel_source(f)))->key());
  auto digests = [&] {
    std::set<std::string> out;
    for (const auto& e : jit::list_cache_entries(root())) out.insert(e.digest);
    return out;
  };

  // By digest prefix (case-insensitive).
  std::string prefix = keys[0].substr(0, 10);
  for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto removed = jit::clear_cache(root(), {jit::ClearRequest::What::DigestPrefix, prefix, 0});
  ASSERT_EQ(removed.removed.size(), 1u);
  EXPECT_EQ(removed.removed[0].digest, keys[0]);
  EXPECT_EQ(digests(), (std::set<std::string>{keys[1], keys[2], keys[3]}));
  EXPECT_FALSE(fs::exists(entry(keys[0]).lock));
  EXPECT_THROW(jit::clear_cache(root(), {jit::ClearRequest::What::DigestPrefix, "xyz", 0}),
               dynlib::CacheError);
  EXPECT_TRUE(
      jit::clear_cache(root(), {jit::ClearRequest::What::DigestPrefix, keys[0].substr(0, 12), 0})
          .removed.empty());

  // By age: entry 1 was last used ten days ago, entry 2 three days ago.
  auto age = [&](const std::string& key, long long days) {
    auto m = jit::read_manifest(entry(key).dir + "/manifest.toml");
    m.last_used_ms = jit::unix_time_ms() - days * 86400000LL;
    jit::write_manifest(entry(key).dir + "/manifest.toml", m);
  };
  age(keys[1], 10);
  age(keys[2], 3);
  removed = jit::clear_cache(
      root(), {jit::ClearRequest::What::OlderThan, "", *jit::parse_duration_ms("7d")});
  ASSERT_EQ(removed.removed.size(), 1u);
  EXPECT_EQ(removed.removed[0].digest, keys[1]);
  EXPECT_EQ(digests(), (std::set<std::string>{keys[2], keys[3]}));

  // Everything, including lock files without an entry.
  const std::string orphan = entry(std::string(64, 'a')).lock;
  { jit::EntryLock l = jit::EntryLock::acquire(orphan); }
  removed = jit::clear_cache(root(), {jit::ClearRequest::What::All, "", 0});
  EXPECT_EQ(removed.removed.size(), 2u);
  EXPECT_TRUE(digests().empty());
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(removed.failed.empty());
  // A kernel loaded before the clear keeps working, and the next request compiles again.
  jit::clear_memory_cache();
  auto k = jit::compile_and_load(request(kernel_source("2.0")));
  EXPECT_FALSE(k->from_disk_cache());
}

TEST_F(DiskCacheTest, ClearWaitsForAnEntryInUse) {
  const auto r = request();
  const std::string key = jit::compile_and_load(r)->key();
  const auto p = entry(key);
  long long bytes_before = 0;
  for (const auto& f : fs::directory_iterator(p.dir))
    bytes_before += static_cast<long long>(f.file_size());
  const std::string note = "the child wrote this while holding the lock\n";
  // A child holds the entry lock for a moment (as a compiling process would) and writes into the
  // entry; clear must wait for it rather than pull the entry from under it, then remove it.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    jit::EntryLock held = jit::EntryLock::acquire(p.lock);
    (void)!::write(ready[1], "x", 1);
    ::usleep(200000);
    spit(p.dir + "/held-by-child", note);
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  auto result = jit::clear_cache(root(), {jit::ClearRequest::What::All, "", 0});
  ::waitpid(pid, nullptr, 0);
  ASSERT_EQ(result.removed.size(), 1u);
  // Clear looked at the entry only after the child's write, i.e. after the child let go.
  EXPECT_EQ(result.removed[0].bytes, bytes_before + static_cast<long long>(note.size()));
  EXPECT_FALSE(fs::exists(p.dir));
}

TEST_F(DiskCacheTest, MaxSizeEvictsLeastRecentlyUsed) {
  const std::string configured = (dir_.path() / "lru").string();
  use_config("cache_root = \"" + configured + "\"\n");
  const std::string a = jit::compile_and_load(request(kernel_source("2.0")))->key();
  const std::string b = jit::compile_and_load(request(kernel_source("3.0")))->key();
  jit::clear_memory_cache();
  // Last-used times have millisecond resolution: make "a used after b" a strict order.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  jit::compile_and_load(request(kernel_source("2.0")));  // a is now used after b
  long long largest = 0;
  for (const auto& e : jit::list_cache_entries(configured)) largest = std::max(largest, e.bytes);

  // Room for two and a half entries: publishing a third evicts the least recently used (b).
  use_config("[cache]\nroot = \"" + configured +
             "\"\nmax_size = " + std::to_string(largest * 5 / 2) + "\n");
  const std::string c = jit::compile_and_load(request(kernel_source("4.0")))->key();
  std::set<std::string> left;
  for (const auto& e : jit::list_cache_entries(configured)) left.insert(e.digest);
  EXPECT_EQ(left, (std::set<std::string>{a, c}));
  EXPECT_FALSE(fs::exists(entry(b, configured).lock));
}

TEST(DiskCacheUnits, ParseDuration) {
  EXPECT_EQ(jit::parse_duration_ms("7d"), 7LL * 86400000);
  EXPECT_EQ(jit::parse_duration_ms("12h"), 12LL * 3600000);
  EXPECT_EQ(jit::parse_duration_ms("15m"), 15LL * 60000);
  EXPECT_EQ(jit::parse_duration_ms("90s"), 90000);
  EXPECT_EQ(jit::parse_duration_ms("2w"), 14LL * 86400000);
  EXPECT_EQ(jit::parse_duration_ms("30"), 30000);
  EXPECT_EQ(jit::parse_duration_ms("1.5h"), 5400000);
  EXPECT_FALSE(jit::parse_duration_ms(""));
  EXPECT_FALSE(jit::parse_duration_ms("d"));
  EXPECT_FALSE(jit::parse_duration_ms("7 days"));
  EXPECT_FALSE(jit::parse_duration_ms("-1d"));
}

TEST(DiskCacheUnits, ManifestRoundTrips) {
  jit::Manifest m;
  m.key = std::string(64, 'b');
  m.component_kind = "kernel";
  m.so_bytes = 123;
  m.so_sha256 = std::string(64, 'c');
  m.source_bytes = 45;
  m.compiler = "/usr/bin/c++";
  m.compiler_canonical = "/usr/bin/x86_64-linux-gnu-g++-12";
  m.compiler_args = {"-stdlib=libc++"};
  m.compiler_version = "c++ (Debian 12.2.0-14) 12.2.0";
  m.flags = {"-O2", "-fPIC"};
  m.abi = 3;
  m.key_inputs = {{"dtype", "float64"}, {"quote\"d", "new\nline"}};
  m.info = {{"model_name", "lorenz"}};
  m.created_ms = 1700000000000;
  m.last_used_ms = 1700000001000;
  m.hits = 4;
  m.misses = 2;
  m.compile_seconds = 0.25;
  const auto back = jit::parse_manifest(jit::manifest_to_toml(m), "m.toml");
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(back.compiler_args, m.compiler_args);
  EXPECT_EQ(back.flags, m.flags);
  EXPECT_EQ(back.key_inputs, m.key_inputs);
  EXPECT_EQ(back.info, m.info);
  EXPECT_EQ(back.created_ms, m.created_ms);
  EXPECT_EQ(back.last_used_ms, m.last_used_ms);
  EXPECT_EQ(back.hits, 4);
  EXPECT_EQ(back.misses, 2);
  EXPECT_EQ(back.compile_seconds, 0.25);
  EXPECT_EQ(back.info_value("model_name"), "lorenz");
  EXPECT_EQ(back.info_value("absent"), "");
}

TEST(DiskCacheUnits, TouchManifestRewritesOnlyTheUsageInPlace) {
  TempDir dir;
  jit::Manifest m;
  m.key = std::string(64, 'd');
  m.component_kind = "kernel";
  m.so_sha256 = std::string(64, 'e');
  m.last_used_ms = 5;
  m.hits = 9;
  const std::string path = dir / "manifest.toml";
  jit::write_manifest(path, m);
  const auto size = fs::file_size(path);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);

  jit::touch_manifest(path, 1795415319090, 10000000000LL);
  const auto back = jit::read_manifest(path);
  EXPECT_EQ(back.last_used_ms, 1795415319090);
  EXPECT_EQ(back.hits, 10000000000LL);
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(fs::file_size(path), size);  // fixed width
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // the same file, written in place

  // Another layout is refused rather than damaged.
  spit(path, "format = 1\nhits = 3\n");
  EXPECT_THROW(jit::touch_manifest(path, 1, 2), dynlib::CacheError);
  EXPECT_EQ(slurp(path), "format = 1\nhits = 3\n");
}

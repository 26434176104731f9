#include "jit/compiler.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

#include "dynlib/errors.hpp"
#include "support/digest.hpp"
#include "support/text.hpp"

extern char** environ;

namespace dynlib::jit {

namespace fs = std::filesystem;
using support::env_or_empty;

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Resolves a compiler word to an absolute path; on failure returns "" and sets `why`.
std::string resolve_program(const std::string& word, const std::string& path_env,
                            std::string* why) {
  if (word.find('/') != std::string::npos) {
    std::error_code ec;
    if (!fs::exists(word, ec)) {
      *why = "no such file";
      return {};
    }
    if (!is_executable_file(word)) {
      *why = "not an executable file";
      return {};
    }
    return fs::absolute(word, ec).string();
  }
  if (path_env.empty()) {
    *why = "not found: PATH is empty";
    return {};
  }
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + word;
    if (is_executable_file(candidate)) {
      std::error_code ec;
      return fs::absolute(candidate, ec).string();
    }
    start = end + 1;
  }
  *why = "not found on PATH (" + path_env + ")";
  return {};
}

std::string first_lines(const std::string& text, int n) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i) {
    if (!out.empty()) out += " | ";
    out += line;
  }
  return out;
}

constexpr const char* kProbeSource = "extern \"C\" int dynlib_probe(int x) { return x + 1; }\n";

// Tries one candidate; returns true and fills `info`, or false with `why`.
bool probe(const std::vector<std::string>& words, const std::string& path_env, CompilerInfo* info,
           std::string* why) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path = resolve_program(words[0], path_env, why);
  if (path.empty()) return false;
  std::vector<std::string> extra(words.begin() + 1, words.end());

  std::vector<std::string> argv{path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--version");
  ProcessResult version;
  try {
    version = run_process(argv);
  } catch (const DynlibError& e) {
    *why = e.what();
    return false;
  }
  if (version.exit_status != 0) {
    *why = "`--version` failed (exit status " + std::to_string(version.exit_status) +
           "): " + first_lines(version.output, 3);
    return false;
  }

  std::string dir;
  try {
    dir = make_temp_dir("dynlib-probe-");
  } catch (const DynlibError& e) {
    *why = e.what();
    return false;
  }
  const std::string src = dir + "/probe.cpp";
  const std::string so = dir + "/probe.so";
  std::ofstream(src, std::ios::binary) << kProbeSource;
  std::vector<std::string> cargv{path};
  cargv.insert(cargv.end(), extra.begin(), extra.end());
  for (auto& f : compile_flags({})) cargv.push_back(f);
  cargv.insert(cargv.end(), {"-o", so, src});
  bool ok = false;
  try {
    const ProcessResult r = run_process(cargv);
    std::error_code ec;
    if (r.exit_status != 0)
      *why = "cannot build a shared object (exit status " + std::to_string(r.exit_status) +
             "): " + first_lines(r.output, 3);
    else if (!fs::exists(so, ec))
      *why = "reported success but produced no shared object";
    else
      ok = true;
  } catch (const DynlibError& e) {
    *why = e.what();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!ok) return false;

  info->path = path;
  info->canonical_path = fs::canonical(path, ec).string();
  if (ec) info->canonical_path = path;
  info->extra_args = std::move(extra);
  info->version = first_lines(version.output, 1);
  info->probe_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

// A candidate's identity without running it: what its first word resolves to, and the size,
// modification time and inode of the file behind every symlink. Empty resolution is recorded too
// (a compiler that appears later must invalidate a memo that skipped it).
#if defined(__APPLE__)
const struct timespec& modified(const struct stat& st) {
  return st.st_mtimespec;
}
#else
const struct timespec& modified(const struct stat& st) {
  return st.st_mtim;
}
#endif

std::string candidate_stamp(const std::vector<std::string>& words, const std::string& path_env) {
  std::string why;
  const std::string path =
      words.empty() ? std::string() : resolve_program(words[0], path_env, &why);
  if (path.empty()) return "unresolved " + (words.empty() ? std::string() : words[0]);
  std::error_code ec;
  const std::string canonical = fs::canonical(path, ec).string();
  struct stat st {};
  if (ec || ::stat(canonical.c_str(), &st) != 0) return "unstatable " + path;
  return "path=" + path + " canonical=" + canonical + " size=" + std::to_string(st.st_size) +
         " mtime=" + std::to_string(modified(st).tv_sec) + "." +
         std::to_string(modified(st).tv_nsec) + " ino=" + std::to_string(st.st_dev) + ":" +
         std::to_string(st.st_ino);
}

struct ProbeOutcome {
  std::unique_ptr<CompilerInfo> info;  // null when no compiler works
  std::string error;
  std::vector<std::string> stamps;  // candidate_stamp() of each candidate tried, winner last
};

std::mutex& probe_mutex() {
  static std::mutex m;
  return m;
}

// Outcomes are never erased except by reset (references handed out stay valid until then).
std::map<std::string, ProbeOutcome>& probe_results() {
  static auto* results = new std::map<std::string, ProbeOutcome>();
  return *results;
}

// Remembered (memo-file) compilers, keyed by memo dir, DYNLIB_CXX and PATH; same lifetime rule.
std::map<std::string, std::unique_ptr<CompilerInfo>>& memo_results() {
  static auto* results = new std::map<std::string, std::unique_ptr<CompilerInfo>>();
  return *results;
}

// The candidates in the order they are tried: label, words.
std::vector<std::pair<std::string, std::vector<std::string>>> candidates_for(
    const std::string& cxx_env) {
  std::vector<std::pair<std::string, std::vector<std::string>>> candidates;
  if (!cxx_env.empty()) {
    std::error_code ec;
    if (cxx_env.find('/') != std::string::npos && fs::is_regular_file(cxx_env, ec))
      candidates.push_back({"DYNLIB_CXX=" + cxx_env, {cxx_env}});
    else
      candidates.push_back({"DYNLIB_CXX=" + cxx_env, split_words(cxx_env)});
    if (candidates.back().second.empty()) candidates.back().second.push_back(cxx_env);
  } else {
    for (const char* name : {"c++", "g++", "clang++"}) candidates.push_back({name, {name}});
  }
  return candidates;
}

ProbeOutcome probe_all(const std::string& cxx_env, const std::string& path_env) {
  ProbeOutcome out;
  std::string tried;
  for (const auto& [label, words] : candidates_for(cxx_env)) {
    out.stamps.push_back(candidate_stamp(words, path_env));
    auto info = std::make_unique<CompilerInfo>();
    std::string why;
    if (probe(words, path_env, info.get(), &why)) {
      out.info = std::move(info);
      return out;
    }
    tried += "\n  " + label + ": " + why;
  }
  out.error =
      "jit=true needs a working C++ compiler, but none was found. Tried:" + tried +
      "\nTo fix: install g++ (apt-get install g++) or set DYNLIB_CXX=/path/to/compiler" +
      (cxx_env.empty() ? std::string() : " (DYNLIB_CXX is set, so no other compiler was tried)");
  return out;
}

// Probes (once per process for this environment) with probe_mutex() held.
const ProbeOutcome& probe_outcome_locked(const std::string& cxx_env, const std::string& path_env) {
  auto& results = probe_results();
  const std::string key = cxx_env + '\0' + path_env;
  auto it = results.find(key);
  if (it == results.end()) it = results.emplace(key, probe_all(cxx_env, path_env)).first;
  return it->second;
}

// The memo file for one environment: the environment is hashed into the name and repeated inside,
// so two environments never share a memo.
std::string memo_file(const std::string& memo_dir, const std::string& cxx_env,
                      const std::string& path_env) {
  return memo_dir + "/" + support::sha256_hex(cxx_env + '\0' + path_env).substr(0, 32) + ".toml";
}

std::unique_ptr<CompilerInfo> read_memo(const std::string& file, const std::string& cxx_env,
                                        const std::string& path_env) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  toml::table t;
  try {
    t = toml::parse(text.str(), file);
  } catch (const toml::parse_error&) {
    return nullptr;  // a damaged memo only costs a probe
  }
  if (t["format"].value_or<int64_t>(0) != 1 || t["dynlib_cxx"].value<std::string>() != cxx_env ||
      t["path"].value<std::string>() != path_env)
    return nullptr;
  const auto* stamps = t["stamps"].as_array();
  if (!stamps || stamps->empty()) return nullptr;
  const auto candidates = candidates_for(cxx_env);
  if (stamps->size() > candidates.size()) return nullptr;
  for (std::size_t i = 0; i < stamps->size(); ++i) {
    const auto s = (*stamps)[i].value<std::string>();
    if (!s || *s != candidate_stamp(candidates[i].second, path_env)) return nullptr;
  }
  auto info = std::make_unique<CompilerInfo>();
  const auto path = t["compiler"].value<std::string>();
  const auto canonical = t["canonical"].value<std::string>();
  const auto version = t["version"].value<std::string>();
  if (!path || !canonical || !version) return nullptr;
  info->path = *path;
  info->canonical_path = *canonical;
  info->version = *version;
  if (const auto* args = t["extra_args"].as_array())
    for (const auto& a : *args)
      if (const auto v = a.value<std::string>()) info->extra_args.push_back(*v);
  info->remembered = true;
  return info;
}

// Best effort, atomic (a temp file renamed into place): readers see the old memo or the new one.
void write_memo(const std::string& memo_dir, const std::string& file, const std::string& cxx_env,
                const std::string& path_env, const ProbeOutcome& outcome) {
  toml::array stamps, args;
  for (const auto& s : outcome.stamps) stamps.push_back(s);
  for (const auto& a : outcome.info->extra_args) args.push_back(a);
  toml::table t{{"format", 1},
                {"dynlib_cxx", cxx_env},
                {"path", path_env},
                {"stamps", std::move(stamps)},
                {"compiler", outcome.info->path},
                {"canonical", outcome.info->canonical_path},
                {"extra_args", std::move(args)},
                {"version", outcome.info->version}};
  std::ostringstream text;
  text << t << "\n";
  std::error_code ec;
  fs::create_directories(memo_dir, ec);
  std::string tmp = memo_dir + "/.memo-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return;
  const std::string data = text.str();
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) ::unlink(tmp.c_str());
}

std::atomic<long long> g_processes{0};

}  // namespace

const CompilerInfo& system_compiler() {
  const std::string cxx_env = env_or_empty("DYNLIB_CXX");
  const std::string path_env = env_or_empty("PATH");
  std::lock_guard lock(probe_mutex());
  const ProbeOutcome& outcome = probe_outcome_locked(cxx_env, path_env);
  if (!outcome.info) throw JITUnavailableError(outcome.error);
  return *outcome.info;
}

const CompilerInfo& system_compiler_memoized(const std::string& memo_dir) {
  const std::string cxx_env = env_or_empty("DYNLIB_CXX");
  const std::string path_env = env_or_empty("PATH");
  std::lock_guard lock(probe_mutex());
  auto& memos = memo_results();
  const std::string key = memo_dir + '\0' + cxx_env + '\0' + path_env;
  if (auto it = memos.find(key); it != memos.end()) return *it->second;
  // A compiler already probed in this process is not looked up again: the probe is authoritative.
  const bool probed = probe_results().count(cxx_env + '\0' + path_env) != 0;
  const std::string file = memo_file(memo_dir, cxx_env, path_env);
  if (!probed) {
    if (auto info = read_memo(file, cxx_env, path_env))
      return *memos.emplace(key, std::move(info)).first->second;
  }
  const ProbeOutcome& outcome = probe_outcome_locked(cxx_env, path_env);
  if (!outcome.info) throw JITUnavailableError(outcome.error);
  write_memo(memo_dir, file, cxx_env, path_env, outcome);
  return *memos.emplace(key, std::make_unique<CompilerInfo>(*outcome.info)).first->second;
}

void reset_compiler_probe() {
  std::lock_guard lock(probe_mutex());
  // CompilerInfo references handed out before the reset would dangle; keep them alive (a reset is
  // a test-only operation, the leak is a few strings).
  static auto* graveyard = new std::vector<ProbeOutcome>();
  static auto* memo_graveyard = new std::vector<std::unique_ptr<CompilerInfo>>();
  for (auto& [k, v] : probe_results()) graveyard->push_back(std::move(v));
  probe_results().clear();
  for (auto& [k, v] : memo_results()) memo_graveyard->push_back(std::move(v));
  memo_results().clear();
}

long long processes_started() {
  return g_processes.load();
}

std::vector<std::string> compile_flags(const CompileOptions& options) {
  std::vector<std::string> flags{
      "-std=c++20",     "-O2",           "-fPIC", "-shared", "-ffp-contract=off",
      "-fno-fast-math", "-Wl,-Bsymbolic"};
  if (options.march_native) flags.push_back("-march=native");
  return flags;
}

ProcessResult run_process(const std::vector<std::string>& argv) {
  if (argv.empty()) throw DynlibError("run_process: empty argument list");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw DynlibError(std::string("cannot create a pipe: ") + std::strerror(errno));

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "LC_ALL=", 7) != 0) env_strings.emplace_back(*e);
  }
  env_strings.emplace_back("LC_ALL=C");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  pid_t pid = 0;
  g_processes++;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw DynlibError("cannot run " + argv[0] + ": " + std::strerror(rc));
  }

  ProcessResult result;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw DynlibError("waitpid failed for " + argv[0]);
  }
  if (WIFEXITED(status))
    result.exit_status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.output +=
        "\n(" + argv[0] + " killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  return result;
}

std::string temp_root() {
  const std::string t = env_or_empty("TMPDIR");
  return t.empty() ? std::string("/tmp") : t;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = temp_root() + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw DynlibError("cannot create a temporary directory " + pattern + ": " +
                      std::strerror(errno));
  return pattern;
}

}  // namespace dynlib::jit

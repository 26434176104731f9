#include "jit/compiler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include "dynlib/errors.hpp"
#include "support/config.hpp"
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

// Thrown out of probing when the JIT cannot create its own temporary files: that says nothing
// about the compiler, so it is neither reported as "no compiler found" nor remembered.
struct TempFilesError : JITUnavailableError {
  using JITUnavailableError::JITUnavailableError;
};

[[noreturn]] void throw_temp_files_error(const std::string& what) {
  throw TempFilesError("the JIT cannot create its temporary files: " + what +
                       "\nTo fix: free space there, or set TMPDIR to a writable directory");
}

// Tries one candidate; returns true and fills `info`, or false with `why`. Throws TempFilesError.
bool probe(const std::vector<std::string>& words, const std::string& path_env,
           double timeout_seconds, CompilerInfo* info, std::string* why) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path = resolve_program(words[0], path_env, why);
  if (path.empty()) return false;
  std::vector<std::string> extra(words.begin() + 1, words.end());
  auto timed_out = [&](const char* what) {
    *why = fmt::format("{} took longer than {} s and was stopped", what, timeout_seconds);
    return false;
  };

  std::vector<std::string> argv{path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--version");
  ProcessResult version;
  try {
    version = run_process(argv, timeout_seconds);
  } catch (const DynlibError& e) {
    *why = e.what();
    return false;
  }
  if (version.timed_out) return timed_out("`--version`");
  if (version.exit_status != 0) {
    *why = "`--version` failed (exit status " + std::to_string(version.exit_status) +
           "): " + first_lines(version.output, 3);
    return false;
  }

  std::string dir;
  try {
    dir = make_temp_dir("dynlib-probe-");
  } catch (const DynlibError& e) {
    throw_temp_files_error(e.what());
  }
  const std::string src = dir + "/probe.cpp";
  const std::string so = dir + "/probe.so";
  {
    std::ofstream out(src, std::ios::binary);
    out << kProbeSource;
    out.close();
    if (!out) {
      const int err = errno;
      std::error_code ec;
      fs::remove_all(dir, ec);
      throw_temp_files_error("cannot write " + src + ": " + std::strerror(err));
    }
  }
  std::vector<std::string> cargv{path};
  cargv.insert(cargv.end(), extra.begin(), extra.end());
  for (auto& f : compile_flags({})) cargv.push_back(f);
  cargv.insert(cargv.end(), {"-o", so, src});
  bool ok = false;
  std::string room;  // set when the compile failed for lack of room in the temporary directory
  try {
    const ProcessResult r = run_process(cargv, timeout_seconds);
    std::error_code ec;
    if (r.timed_out)
      timed_out("the test compile");
    else if (r.exit_status != 0 && !temp_space_problem(dir).empty())
      room = temp_space_problem(dir) + "; the compiler said: " + first_lines(r.output, 3);
    else if (r.exit_status != 0)
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
  if (!room.empty()) throw_temp_files_error(room);
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

// Throws TempFilesError (and DynlibError for an invalid compile timeout) without an outcome.
ProbeOutcome probe_all(const std::string& cxx_env, const std::string& path_env) {
  ProbeOutcome out;
  std::string tried;
  const double timeout_seconds = compile_timeout_seconds();
  for (const auto& [label, words] : candidates_for(cxx_env)) {
    out.stamps.push_back(candidate_stamp(words, path_env));
    auto info = std::make_unique<CompilerInfo>();
    std::string why;
    if (probe(words, path_env, timeout_seconds, info.get(), &why)) {
      out.info = std::move(info);
      return out;
    }
    tried += "\n  " + label + ": " + why;
  }
  out.error =
      "jit=true needs a working C++ compiler, but none was found. Tried:" + tried +
      "\nTo fix: install g++ (apt-get install g++) or set DYNLIB_CXX=/path/to/compiler" +
      (cxx_env.empty() ? std::string() : " (DYNLIB_CXX is set, so no other compiler was tried)") +
      (tried.find(" took longer than ") == std::string::npos
           ? std::string()
           : "\nA compiler that is only slow: allow more time with "
             "DYNLIB_COMPILE_TIMEOUT=<seconds> "
             "or [jit] compile_timeout in the config file (0 = no limit)");
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
  if (options.opt_level < 0 || options.opt_level > 3)
    throw DynlibError("compile options: opt_level must be 0..3, got " +
                      std::to_string(options.opt_level));
  std::vector<std::string> flags{"-std=c++20",
                                 "-O" + std::to_string(options.opt_level),
                                 "-fPIC",
                                 "-shared",
                                 "-ffp-contract=off",
                                 "-fno-fast-math",
                                 "-Wl,-Bsymbolic"};
  if (options.march_native) flags.push_back("-march=native");
  // libm is recorded as needed although named before the source (--as-needed would drop it).
  if (options.c_runtime_only) flags.insert(flags.end(), {"-nostdlib", "-Wl,--no-as-needed", "-lm"});
  return flags;
}

namespace {

// What the supervisor and the program tell run_process() through the report pipe.
struct Report {
  int kind;
  int value;
};
constexpr int kExecFailed = 1;  // value: errno of execve (or fork)
constexpr int kExited = 2;      // value: the program's wait status

// File descriptors and memory of the forked supervisor: everything is prepared before fork(), since
// a fork of a multi-threaded process may only make async-signal-safe calls.
struct SpawnPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  int output_fd;  // write end of the output pipe: the program's stdout and stderr
  int report_fd;  // write end of the report pipe
  pid_t parent;
};

void report(int fd, int kind, int value) {
  const Report r{kind, value};
  (void)!::write(fd, &r, sizeof r);
}

// Supervisor (the forked child; it never returns): starts the program in its own process group and
// takes the group down if the parent dies first. Only async-signal-safe calls from here on.
[[noreturn]] void supervise(const SpawnPlan& plan) {
  ::setpgid(0, 0);  // a group of its own: a timeout or the parent's death kills all of it at once
  sigset_t waited;
  ::sigemptyset(&waited);
  ::sigaddset(&waited, SIGCHLD);
  ::sigaddset(&waited, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &waited, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGCHLD, &dfl, nullptr);  // an ignored SIGCHLD would reap the program for us
#ifdef __linux__  // elsewhere there is no parent-death signal: only the timeout stops a compiler
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // delivered when the thread that forked us dies
#endif
  if (::getppid() != plan.parent) ::_exit(127);  // it died before prctl

  // stdin /dev/null, stdout and stderr the output pipe, fd 3 the report pipe (close-on-exec), and
  // nothing else: no descriptor of the parent (another compile's pipe, a cache lock) stays open.
  const int null_fd = ::open("/dev/null", O_RDONLY);
  const int out = ::fcntl(plan.output_fd, F_DUPFD, 10);
  const int rep = ::fcntl(plan.report_fd, F_DUPFD, 10);
  const int in = null_fd < 0 ? -1 : ::fcntl(null_fd, F_DUPFD, 10);
  if (out < 0 || rep < 0 || in < 0) {
    report(plan.report_fd, kExecFailed, errno);
    ::_exit(127);
  }
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::dup2(rep, 3);
  ::fcntl(3, F_SETFD, FD_CLOEXEC);
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
#endif
  {
    for (int fd = 4; fd < 65536; ++fd) ::close(fd);
  }

  const pid_t self = ::getpid();
  const pid_t program = ::fork();
  if (program == 0) {
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the supervisor
#endif
    if (::getppid() != self) ::_exit(127);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(plan.program, plan.argv, plan.envp);
    report(3, kExecFailed, errno);
    ::_exit(127);
  }
  if (program < 0) {
    report(3, kExecFailed, errno);
    ::_exit(127);
  }
  for (;;) {
    const int sig = ::sigwaitinfo(&waited, nullptr);
    if (sig == SIGTERM) ::kill(0, SIGKILL);  // the parent died: the whole group goes, us included
    if (sig != SIGCHLD) continue;
    int status = 0;
    if (::waitpid(program, &status, WNOHANG) != program) continue;
    report(3, kExited, status);
    ::kill(0, SIGKILL);  // anything the program left running in its group goes too
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_seconds) {
  if (argv.empty()) throw DynlibError("run_process: empty argument list");
  int out[2], rep[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    throw DynlibError(std::string("cannot create a pipe: ") + std::strerror(errno));
  if (::pipe2(rep, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(out[0]);
    ::close(out[1]);
    throw DynlibError(std::string("cannot create a pipe: ") + std::strerror(err));
  }

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

  const SpawnPlan plan{argv[0].c_str(), args.data(), envp.data(), out[1], rep[1], ::getpid()};
  g_processes++;
  const pid_t supervisor = ::fork();
  if (supervisor == 0) supervise(plan);
  const int fork_errno = errno;
  ::close(out[1]);
  ::close(rep[1]);
  if (supervisor < 0) {
    ::close(out[0]);
    ::close(rep[0]);
    throw DynlibError("cannot run " + argv[0] + ": " + std::strerror(fork_errno));
  }
  ::setpgid(supervisor, supervisor);  // also here, so a timeout can never miss the group

  using Clock = std::chrono::steady_clock;
  const bool limited = timeout_seconds > 0 && std::isfinite(timeout_seconds);
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(limited ? timeout_seconds : 0));
  ProcessResult result;
  std::string reports;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {rep[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    int wait_ms = -1;
    if (limited) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left + 1, 1 << 30));
    }
    const int ready = ::poll(fds, 2, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (auto& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        (p.fd == out[0] ? result.output : reports).append(buf, static_cast<std::size_t>(n));
        continue;
      }
      p.fd = -1;  // end of file (or an error): poll() ignores negative descriptors
      --open_fds;
    }
  }
  if (result.timed_out) ::kill(-supervisor, SIGKILL);
  ::close(out[0]);
  ::close(rep[0]);
  int status = 0;
  while (::waitpid(supervisor, &status, 0) < 0) {
    if (errno != EINTR) throw DynlibError("waitpid failed for " + argv[0]);
  }

  bool exited = false;
  for (std::size_t at = 0; at + sizeof(Report) <= reports.size(); at += sizeof(Report)) {
    Report r;
    std::memcpy(&r, reports.data() + at, sizeof r);
    if (r.kind == kExecFailed)
      throw DynlibError("cannot run " + argv[0] + ": " + std::strerror(r.value));
    if (r.kind == kExited) {
      exited = true;
      status = r.value;
    }
  }
  if (result.timed_out) return result;
  if (!exited) {
    result.output += "\n(the process supervising " + argv[0] + " died unexpectedly)";
  } else if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.output +=
        "\n(" + argv[0] + " killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  }
  return result;
}

double compile_timeout_seconds() {
  const std::string env = env_or_empty("DYNLIB_COMPILE_TIMEOUT");
  if (env.empty()) {
    return support::user_config().jit_compile_timeout.value_or(kDefaultCompileTimeoutSeconds);
  }
  char* end = nullptr;
  const double seconds = std::strtod(env.c_str(), &end);
  if (end == env.c_str() || *end != '\0' || !(seconds >= 0))
    throw DynlibError("DYNLIB_COMPILE_TIMEOUT='" + env +
                      "' is not a number of seconds (use e.g. 600, or 0 for no limit)");
  return seconds;
}

std::string temp_root() {
  const std::string t = env_or_empty("TMPDIR");
  return t.empty() ? std::string("/tmp") : t;
}

namespace {

// This process's pid namespace (the inode of /proc/self/ns/pid), 0 when unknown. A /tmp shared by
// containers may hold directories of live processes whose pids mean nothing here.
unsigned long long pid_namespace() {
  static const unsigned long long ns = [] {
    struct stat st {};
    return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<unsigned long long>(st.st_ino)
                                                 : 0ULL;
  }();
  return ns;
}

// Digits only, not empty, and small enough: the number; else nullopt.
std::optional<unsigned long long> parse_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  unsigned long long n = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + static_cast<unsigned long long>(c - '0');
  }
  return n;
}

// The owner pid of a name "dynlib-<word>-<pid>.<pid namespace>-XXXXXX" (make_temp_dir's scheme)
// when that namespace is this process's; else 0.
pid_t temp_dir_owner(const std::string& name) {
  if (name.rfind("dynlib-", 0) != 0) return 0;
  const std::size_t word_end = name.find('-', 7);
  if (word_end == std::string::npos || word_end == 7) return 0;
  const std::size_t tag_end = name.find('-', word_end + 1);
  if (tag_end == std::string::npos || name.size() != tag_end + 7) return 0;
  const std::string_view tag = std::string_view(name).substr(word_end + 1, tag_end - word_end - 1);
  const std::size_t dot = tag.find('.');
  if (dot == std::string_view::npos) return 0;
  const auto pid = parse_number(tag.substr(0, dot));
  const auto ns = parse_number(tag.substr(dot + 1));
  if (!pid || !ns || *ns != pid_namespace() || *pid == 0 || *pid > (1ULL << 31)) return 0;
  return static_cast<pid_t>(*pid);
}

}  // namespace

std::string temp_owner_tag(pid_t pid) {
  return std::to_string(pid) + "." + std::to_string(pid_namespace());
}

int remove_stale_temp_dirs(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const pid_t owner = temp_dir_owner(it->path().filename().string());
    if (owner <= 0 || owner == ::getpid()) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
      continue;
    if (::kill(owner, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code rec;
    if (fs::remove_all(it->path(), rec) > 0 && !rec) ++removed;
  }
  return removed;
}

std::string temp_space_problem(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return {};
  const unsigned long long free_bytes =
      static_cast<unsigned long long>(st.f_bavail) * static_cast<unsigned long long>(st.f_frsize);
  const bool no_inodes = st.f_files > 0 && st.f_favail == 0;
  if (free_bytes >= (1ULL << 20) && !no_inodes) return {};
  return fmt::format("{}: {} ({} KiB free{})", dir, std::strerror(ENOSPC), free_bytes / 1024,
                     no_inodes ? ", no inode free" : "");
}

std::string make_temp_dir(const std::string& prefix) {
  const std::string root = temp_root();
  remove_stale_temp_dirs(root);
  std::string pattern = root + "/" + prefix + temp_owner_tag(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw DynlibError("cannot create a temporary directory " + pattern + ": " +
                      std::strerror(errno));
  return pattern;
}

}  // namespace dynlib::jit

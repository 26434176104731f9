// The system C++ compiler the JIT drives: discovery, the fixed flag set, and running it.
//
// Discovery. $DYNLIB_CXX, when set and non-empty, is the only candidate (an explicit choice never
// falls back to another compiler). Its value is either a path (containing "/") of an existing file
// (spaces allowed), or whitespace-separated words: the first is the compiler (a path, or a name
// looked up on $PATH), the rest are extra arguments placed before dynlib's own flags, e.g.
// DYNLIB_CXX="clang++ -stdlib=libc++". No shell quoting is interpreted. Without DYNLIB_CXX the
// candidates are c++, g++, clang++ on $PATH, in that order; the first one that works wins.
//
// A candidate works when it compiles a tiny freestanding translation unit into a shared object with
// the JIT's flags (nothing is run). The result of probing is remembered per process for each
// (DYNLIB_CXX, PATH) pair, so changing either re-probes; reset_compiler_probe() forgets everything.
//
// Across processes, system_compiler_memoized() remembers a successful probe in a small file (the
// disk cache keeps it under <root>/jit/compilers/), so a warm cache hit identifies the compiler
// without starting any process: each candidate tried is fingerprinted by its resolved path,
// canonical path, size, modification time and inode, and the memo is trusted only while every
// fingerprint still matches.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dynlib::jit {

struct CompilerInfo {
  std::string path;            // absolute path that is executed (PATH-resolved, not canonical)
  std::string canonical_path;  // symlinks resolved (identity for the cache key)
  std::vector<std::string> extra_args;  // words after the compiler in DYNLIB_CXX
  std::string version;                  // first line of `<compiler> --version`
  double probe_seconds = 0;             // time the probe compile took
  bool remembered = false;              // identified from a memo file, without running the compiler
};

// The compiler to use. Probes at most once per (DYNLIB_CXX, PATH) value; thread-safe. Throws
// JITUnavailableError listing every candidate tried and why it failed, and how to fix it.
const CompilerInfo& system_compiler();

// Like system_compiler(), but answers from the memo file in `memo_dir` when the fingerprints of the
// candidates still match (no process is started), and writes that file after a real probe. The
// memo is an optimisation only: a missing, unreadable or stale memo means a normal probe, and
// failing to write it is ignored. Remembered per process like system_compiler(). Thread-safe.
const CompilerInfo& system_compiler_memoized(const std::string& memo_dir);

// Forgets every probe result, in memory (tests change DYNLIB_CXX / PATH between cases).
void reset_compiler_probe();

// How many processes run_process() has started in this process (compiler probes and compiles):
// lets tests prove that a warm disk-cache hit starts none.
long long processes_started();

struct CompileOptions {
  bool march_native = false;  // add -march=native (and the host CPU identity to the key)
  int opt_level = 2;          // -O2 (jit=on, tier 1) or -O3 (jit=auto's tier 2); never fast-math
  // Link against nothing but libm (-nostdlib ... -lm). For quick kernels (plain functions, no C++
  // runtime, no static constructors); the driver's default link of libstdc++ and the start files
  // costs ~35 ms of a ~90 ms compile.
  bool c_runtime_only = false;
};

// The flags every kernel is compiled with (DESIGN rule 2: -ffp-contract=off, no fast-math):
//   -std=c++20 -O<opt_level> -fPIC -shared -ffp-contract=off -fno-fast-math -Wl,-Bsymbolic
//   [-march=native] [-nostdlib -Wl,--no-as-needed -lm]
// No -fvisibility=hidden: every extern "C" function of the source is exported without annotation.
// -Wl,-Bsymbolic makes the kernel bind its own inline/template definitions instead of the host
// process's copies of the same kernel headers (which may be built with other flags).
std::vector<std::string> compile_flags(const CompileOptions& options);

// Result of running a program: exit status (or -1 if it did not exit normally) and its stdout and
// stderr merged.
struct ProcessResult {
  int exit_status = -1;
  std::string output;
  bool timed_out = false;  // killed (with everything it started) when the timeout expired
};

// Runs argv[0] (an absolute path; no PATH search, no shell) with argv, LC_ALL=C, and captures
// stdout+stderr. Throws DynlibError if the process cannot be started.
//
// The program runs in its own process group under a small supervisor process (a fork of this one
// that never execs): when this process dies, however it dies, the supervisor gets a parent-death
// signal and kills the whole group, so no compiler (nor cc1plus, as, ld it started) outlives us.
// With `timeout_seconds` > 0 the whole group is killed when it runs longer (timed_out is then set).
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_seconds = 0);

// How long one compiler run may take, in seconds (0 = no limit): $DYNLIB_COMPILE_TIMEOUT when set
// and non-empty, else the config's [jit] compile_timeout, else kDefaultCompileTimeoutSeconds.
// Throws DynlibError for a value that is not a non-negative number.
inline constexpr double kDefaultCompileTimeoutSeconds = 300;
double compile_timeout_seconds();

// $TMPDIR if set and non-empty, else /tmp.
std::string temp_root();

// A fresh private (0700) directory temp_root()/<prefix><owner tag>-XXXXXX (mkdtemp): the owner in
// the name lets a later process tell an abandoned directory from a live one. First removes the
// stale ones in temp_root() (remove_stale_temp_dirs). Throws DynlibError naming the path and the
// cause.
std::string make_temp_dir(const std::string& prefix);

// "<pid>.<pid namespace inode>": who owns a temporary directory. The namespace matters where
// containers share one /tmp: there a pid of another namespace says nothing about its process.
std::string temp_owner_tag(pid_t pid);

// Removes stale temporary directories in `dir`: named "dynlib-<word>-<owner tag>-XXXXXX" as
// make_temp_dir() names them (its prefixes are "dynlib-<word>-"), owned by this user, whose owner
// is in this pid namespace and no longer running. Returns how many were removed. Never throws.
int remove_stale_temp_dirs(const std::string& dir);

// "<dir>: No space left on device (<n> KiB free)" when the filesystem of `dir` is (nearly) full:
// under 1 MiB or no inode left for this user, too little for a compiler's temporary files; else "".
// Tells a compiler that failed for lack of room from one that rejected its input.
std::string temp_space_problem(const std::string& dir);

}  // namespace dynlib::jit

// Compile a C++ source string into a shared object, load it, and cache it in memory by a content
// key (DESIGN rules 5 and 7). The JIT layer knows nothing of models: it compiles text.
//
//   CompileRequest req;
//   req.source = generated_cpp;                // #include "kernel/..." resolves to the embedded
//   headers req.key_inputs = {{"dtype", "float64"}}; auto k = jit::compile_and_load(req);       //
//   JITUnavailableError / CompileError auto run = reinterpret_cast<int
//   (*)(void*)>(k->symbol("dynlib_run"));
//
// Every kernel exports `extern "C" int dynlib_abi_version()`; it must return
// CompileRequest::abi_version or the kernel is rejected (CompileError) without running anything
// else of it.
//
// Pipeline (each step timed): key -> memory cache -> [disk_cache: the entry of the same key on
// disk, see jit/disk_cache.hpp] -> write source and kernel headers into a private temp dir -> run
// the compiler -> dlopen -> check ABI -> delete the .so and the temp dir (the mapping stays valid).
// With no disk cache nothing is left on disk. A failed compile keeps only the source, at
// $TMPDIR/dynlib-failed-<key prefix>/kernel.cpp.
//
// With disk_cache, under the entry's flock: a complete entry is verified (manifest, sizes, sha256
// of the .so), loaded from a private in-memory copy (so a repaired entry is really reloaded and
// nobody can change a mapped file under us), and must export the ABI version and its own key; a
// damaged entry is reported on stderr, deleted and rebuilt. A miss compiles in a private temp dir
// (like a memory-only kernel), then copies the source and .so into a new directory under
// <root>/jit/tmp/ and renames the finished entry into place. Any failure of that second step (a
// full disk, a read-only root, a quota, a lock that cannot be created) only costs persistence: the
// compiled kernel is returned, with one warning per process (warn_cache_write_failure). A warm
// hit starts no process: the compiler is identified through system_compiler_memoized().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jit/compiler.hpp"
#include "kernel/run_args.hpp"
#include "support/embedded.hpp"

namespace dynlib::jit {

struct CompileRequest {
  std::string source;  // the translation unit
  // Anything else the binary depends on that is not in the source (dtype, ...); digested in order.
  std::vector<std::pair<std::string, std::string>> key_inputs;
  CompileOptions options;
  int abi_version = kernel::kRunArgsAbi;  // what dynlib_abi_version() must return
  // The headers written next to the source; null = embedded_kernel_headers(). Tests inject others.
  const std::vector<EmbeddedFile>* headers = nullptr;
  // Also look the key up in, and publish to, the persistent on-disk cache (DESIGN rule 5). The root
  // comes from jit::cache_location() (config, default, fallback or memory only). The compiled
  // source then also defines `extern "C" const char dynlib_kernel_key[]` (the key), which every
  // load from disk checks.
  bool disk_cache = false;
  // The disk cache root for this request instead of the user config's (build()'s config=).
  std::optional<std::string> cache_root;
  // Descriptive fields written into the disk cache's manifest (not part of the key): by
  // convention "model_name", "model_hash", "stepper", "dtype".
  std::vector<std::pair<std::string, std::string>> manifest;
  std::string component_kind = "kernel";  // the <component kind> level of the cache layout
};

// sha256 hex over everything that determines the binary: the source, every header's path and
// content, the compiler's path, canonical path, extra args and version line, the flags (and, with
// -march=native, the host CPU's identity), the ABI version and the key inputs. Probes the compiler
// (may throw JITUnavailableError).
std::string kernel_key(const CompileRequest& request);

struct CompileTimings {  // seconds
  double key = 0;        // finding the cache root and compiler, digesting the request
  double write = 0;      // temp dir, source and headers (0 for a disk hit)
  double compile = 0;    // the compiler process (0 for a disk hit)
  double load = 0;       // dlopen, ABI check, removing the files; for a disk hit: lock, verify,
                         // dlopen, manifest update
};

// The dlopen handle of one loaded shared object; dlclose when the last owner lets go.
class LoadedLibrary;

// What compile_and_load returns: a view on a loaded kernel. Requests for the same key share the
// same LoadedLibrary (same symbol addresses); each request gets its own LoadedKernel saying whether
// it was served from the memory cache or loaded from the disk cache (neither: it was compiled).
class LoadedKernel {
 public:
  LoadedKernel(std::shared_ptr<const LoadedLibrary> library, std::string key, CompilerInfo compiler,
               CompileTimings timings, bool from_memory_cache, bool from_disk_cache = false);

  // The address of an exported symbol, or nullptr if there is none.
  void* symbol(const std::string& name) const;
  // Like symbol(), but throws DynlibError naming the missing symbol.
  void* require_symbol(const std::string& name) const;

  const std::string& key() const noexcept { return key_; }
  const CompilerInfo& compiler() const noexcept { return compiler_; }
  // How this kernel was built (the original compile's timings, also on a memory hit).
  const CompileTimings& timings() const noexcept { return timings_; }
  bool from_memory_cache() const noexcept { return from_memory_cache_; }
  // This request loaded the kernel from a disk cache entry (false for a memory hit of it).
  bool from_disk_cache() const noexcept { return from_disk_cache_; }
  const std::shared_ptr<const LoadedLibrary>& library() const noexcept { return library_; }

 private:
  std::shared_ptr<const LoadedLibrary> library_;
  std::string key_;
  CompilerInfo compiler_;
  CompileTimings timings_;
  bool from_memory_cache_;
  bool from_disk_cache_;
};

// Compiles (or finds in the memory cache) and loads. Thread-safe: concurrent requests for the same
// key compile once (the others wait and share the result, or its error); different keys compile in
// parallel. Failures are not cached. Throws JITUnavailableError, CompileError, DynlibError.
std::shared_ptr<const LoadedKernel> compile_and_load(const CompileRequest& request);

struct JitCounters {
  long long compiles = 0;  // compiler invocations (successful or not)
  long long compile_failures = 0;
  long long memory_hits =
      0;  // requests served from the memory cache (incl. waiting on another thread)
  long long memory_entries = 0;  // kernels held by the memory cache now
  long long disk_hits = 0;       // kernels loaded from a disk cache entry
  long long disk_publishes = 0;  // entries compiled and published to the disk cache
  long long disk_repairs = 0;    // damaged entries deleted (and rebuilt)
  long long processes = 0;       // processes started (compiler probes and compiles)
};
JitCounters jit_counters();

// The kernel of `request` if it is ready without compiling: loaded in this process already, or
// (with request.disk_cache) complete in the disk cache. Null otherwise, also when no compiler is
// found or another thread is still compiling it. Never throws and never runs the compiler for a
// kernel it has not found (jit="auto" uses it to start native at once on a warm cache).
std::shared_ptr<const LoadedKernel> find_cached(const CompileRequest& request);

// Drops the memory cache's references (kernels still held elsewhere stay loaded until released).
void clear_memory_cache();

}  // namespace dynlib::jit

// The caches of compiled kernels (see docs/jit.md): where the on-disk cache lives and why, its
// entries, statistics and cleaning (what `dynlib cache path | list | stats | clear` print), and
// the in-process controls benchmarks and tests use to measure cold builds.
//
//   dynlib::CacheLocation where = dynlib::cache_location();
//   if (!where.memory_only())
//     for (const dynlib::CacheEntry& e : dynlib::list_cache_entries(where.root))
//       std::cout << e.digest << " " << e.model_name << " " << e.bytes << "\n";
//
// The cache is content-addressed (a kernel's digest covers everything that determines the
// binary), so cleaning it never changes results: a removed kernel is compiled again when needed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynlib/errors.hpp"

namespace dynlib {

// ---- where the disk cache lives ----

// How the root was chosen: the config file's `cache_root`, the platform default
// ($XDG_CACHE_HOME/dynlib or ~/.cache/dynlib on Linux), the fallback ($DYNLIB_CACHE_FALLBACK,
// default /tmp/dynlib-cache) when that is not writable, or none of them (memory only).
enum class CacheRootKind { Config, Default, Fallback, MemoryOnly };
const char* cache_root_kind_name(CacheRootKind kind);  // "config", "default", "fallback", ...

struct CacheLocation {
  std::string root;  // the effective root; empty when the cache is memory only
  CacheRootKind kind = CacheRootKind::MemoryOnly;
  std::string requested;              // the configured or default root, whether usable or not
  std::string why;                    // e.g. "cache_root in /home/u/.config/dynlib/config.toml"
  std::optional<long long> max_size;  // bytes, from the config
  bool memory_only() const noexcept { return root.empty(); }
};

// The effective root, decided once per process for each config file and environment (a
// fallback is warned about once on stderr). Throws DynlibError for an invalid config file.
CacheLocation cache_location();

// ---- entries ----

// One kernel on disk. For a damaged entry (unreadable manifest) `problem` says why and the
// manifest fields are empty or zero.
struct CacheEntry {
  std::string component_kind;  // the kind of compiled component, e.g. "runner"
  std::string digest;          // the content key (hex)
  std::string dir;             // the entry's directory
  long long bytes = 0;         // all files of the entry
  std::string problem;
  // From the manifest: what the kernel is for (empty when not recorded)
  std::string model_name, model_hash, stepper, dtype;
  std::string compiler_version;
  double compile_seconds = 0;
  long long created_ms = 0;    // Unix time, milliseconds
  long long last_used_ms = 0;  // for a damaged entry: the directory's modification time
  long long hits = 0;          // loads served from this entry
  long long misses = 0;        // compiles that produced it (more than 1 after repairs)
};

// Which entries: those built for this stepper (canonical name), this dtype ("float64", ...) and
// a model whose spec hash starts with this prefix; an empty field matches every entry.
struct CacheFilter {
  std::string stepper, dtype, model_hash_prefix;
  bool empty() const { return stepper.empty() && dtype.empty() && model_hash_prefix.empty(); }
  bool matches(const CacheEntry& e) const;
};

// Every entry under `root` that `filter` matches, most recently used first. An empty or missing
// root has none.
std::vector<CacheEntry> list_cache_entries(const std::string& root, const CacheFilter& filter = {});

struct CacheStats {
  long long entries = 0;
  long long damaged = 0;      // entries whose manifest cannot be read
  long long bytes = 0;        // everything under the root's jit/ (entries, locks, temp files)
  long long entry_bytes = 0;  // the entries alone
  long long hits = 0;         // summed over the entries' manifests
  long long misses = 0;
};
CacheStats cache_stats(const std::string& root);

struct ClearRequest {
  enum class What { All, DigestPrefix, OlderThan } what = What::All;
  std::string digest_prefix;    // hex, for DigestPrefix
  long long older_than_ms = 0;  // for OlderThan: last used more than this long ago
  CacheFilter filter;           // and only entries it matches
  bool dry_run = false;  // list what would be removed in ClearResult::removed; remove nothing
};
struct ClearResult {
  std::vector<CacheEntry> removed;
  std::vector<std::string> failed;  // "dir: why"
  long long stale_temp_dirs = 0;    // abandoned builds removed (All only)
};
// Removes the matching entries, each under its lock: a process compiling or loading one is
// waited for, and one that has loaded it keeps running. Throws CacheError for an invalid prefix.
ClearResult clear_cache(const std::string& root, const ClearRequest& request);

// "90s", "15m", "12h", "7d", "2w" (a bare number is seconds) -> milliseconds; nullopt otherwise.
std::optional<long long> parse_duration_ms(std::string_view text);

// ---- in-process control (benchmarks, tests) ----

// Forgets the kernels this process holds in memory, so the next build() with jit looks in the
// disk cache or compiles (kernels still in use stay loaded until released).
void clear_memory_cache();

// Forgets which system compiler was found, so the next native build probes (or reads the
// compiler memo of the disk cache) again, as a fresh process would.
void reset_compiler_probe();

// Process-wide counts of what the compiled-kernel machinery did since the process started.
struct CompileCounters {
  long long compiles = 0;  // compiler invocations (successful or not)
  long long compile_failures = 0;
  long long memory_hits = 0;     // builds served from the memory cache
  long long memory_entries = 0;  // kernels held by the memory cache now
  long long disk_hits = 0;       // kernels loaded from a disk cache entry
  long long disk_publishes = 0;  // entries compiled and published to the disk cache
  long long disk_repairs = 0;    // damaged entries deleted (and rebuilt)
  long long processes = 0;       // processes started (compiler probes and compiles)
};
CompileCounters compile_counters();

}  // namespace dynlib

// The persistent on-disk kernel cache (DESIGN rule 5): where it lives, its entries and manifests,
// per-entry locks, and the maintenance operations behind `dynlib cache` (list, stats, clear, LRU
// eviction). jit.cpp looks kernels up and publishes them through these pieces; nothing here
// compiles or loads code.
//
// Layout under the effective root:
//   <root>/jit/<component kind>/<first two hex>/<digest>/      one entry:
//       kernel.so        the shared object
//       kernel.cpp       the source it was built from
//       manifest.toml    key inputs, descriptive fields, compiler, sizes, sha256 of kernel.so,
//                        created / last-used times, hit and miss counts
//   <root>/jit/<component kind>/<first two hex>/<digest>.lock  the entry's flock lock
//   <root>/jit/tmp/       entries being assembled, <key prefix>-<pid>-XXXXXX (renamed into place
//                         when complete; the kernel itself is compiled in a private temp dir)
//   <root>/jit/compilers/ compiler memo files (see system_compiler_memoized)
//
// Root: the config's `cache_root` / `[cache] root`, else the platform default
// ($XDG_CACHE_HOME/dynlib or ~/.cache/dynlib on Linux, ~/Library/Caches/dynlib on macOS,
// %LOCALAPPDATA%/dynlib/Cache on Windows). A root that cannot be written falls back to
// $DYNLIB_CACHE_FALLBACK (default /tmp/dynlib-cache; it must be owned by the current user and
// not writable by others), and if that fails too the cache is memory only. Each fallback is
// reported once per process on stderr.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynlib::jit {

// ---- where the cache lives ----

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

// The platform default root ("" when there is no home directory); `why` says how it was derived.
std::string default_cache_root(std::string* why = nullptr);
// $DYNLIB_CACHE_FALLBACK when set and non-empty, else /tmp/dynlib-cache.
std::string fallback_cache_root();

// The effective root: decided (and its jit/ directory created) once per process for each
// combination of config file and environment; warns once on stderr when falling back. Throws
// DynlibError for an invalid config file.
// `requested`: a root named by the caller (build()'s config=) instead of the user config's.
CacheLocation cache_location(const std::optional<std::string>& requested = std::nullopt);

// ---- entries ----

// Paths of one entry. The component kind must be a simple name ([A-Za-z0-9_-]+, not "tmp" or
// "compilers"); otherwise CacheError.
struct CacheEntryPaths {
  std::string dir;   // <root>/jit/<kind>/<xx>/<digest>
  std::string lock;  // <dir>.lock
};
CacheEntryPaths cache_entry_paths(const std::string& root, const std::string& component_kind,
                                  const std::string& digest);
void check_component_kind(const std::string& kind);

inline constexpr const char* kSharedObjectFile = "kernel.so";
inline constexpr const char* kSourceFile = "kernel.cpp";
inline constexpr const char* kManifestFile = "manifest.toml";

struct Manifest {
  std::string key;  // the digest (also the entry's directory name)
  std::string component_kind;
  long long so_bytes = 0;
  std::string so_sha256;
  long long source_bytes = 0;
  std::string compiler;  // path that was run
  std::string compiler_canonical;
  std::vector<std::string> compiler_args;
  std::string compiler_version;
  std::vector<std::string> flags;
  int abi = 0;
  std::vector<std::pair<std::string, std::string>> key_inputs;
  std::vector<std::pair<std::string, std::string>> info;  // model_name, model_hash, stepper, ...
  long long created_ms = 0;                               // Unix time, milliseconds
  long long last_used_ms = 0;
  long long hits = 0;    // loads served from this entry
  long long misses = 0;  // compiles that produced this entry (more than 1 after repairs)
  double compile_seconds = 0;

  // The value of an info field, or "" when absent.
  std::string info_value(std::string_view name) const;
};

std::string manifest_to_toml(const Manifest& m);
// Throws CacheError naming what is wrong (syntax, a missing or mistyped field).
Manifest parse_manifest(const std::string& text, const std::string& path);
Manifest read_manifest(const std::string& path);
// Writes through a temporary file renamed over `path`: readers see the old or the new manifest.
void write_manifest(const std::string& path, const Manifest& m);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR: 0, or the errno of the failure
// (ENOSPC for a write that wrote nothing: the device is full).
int write_fully(int fd, std::string_view bytes);
// Rewrites only the fixed-width last_used_ms and hits at the end of a manifest written by
// manifest_to_toml(), in place (one pwrite, no new file). Throws CacheError when the file does not
// have that layout (then write_manifest() is the way).
void touch_manifest(const std::string& path, long long last_used_ms, long long hits);

long long unix_time_ms();

// An exclusive flock on an entry's lock file. The kernel releases it when the holder dies, so a
// killed process never blocks anyone. A lock file may be deleted by its holder (remove_file());
// a waiter that then gets the lock notices the file is gone and retries on a fresh one.
class EntryLock {
 public:
  EntryLock() = default;
  ~EntryLock();
  EntryLock(EntryLock&& other) noexcept;
  EntryLock& operator=(EntryLock&& other) noexcept;
  EntryLock(const EntryLock&) = delete;
  EntryLock& operator=(const EntryLock&) = delete;

  // Waits for the lock; creates the file and its directory if needed. Throws CacheError.
  static EntryLock acquire(const std::string& path);
  // Like acquire(), but returns an unheld lock at once when another holder has it.
  static EntryLock try_acquire(const std::string& path);

  bool held() const noexcept { return fd_ >= 0; }
  // Deletes the lock file (while still holding it), then releases.
  void remove_file_and_release();
  void release();

 private:
  static EntryLock lock(const std::string& path, bool wait);
  int fd_ = -1;
  std::string path_;
};

// One entry as found on disk. `problem` is set (and the manifest fields are empty) when the
// manifest cannot be read.
struct CacheEntryInfo {
  std::string component_kind;
  std::string digest;
  std::string dir;
  long long bytes = 0;  // all files of the entry
  std::string problem;
  Manifest manifest;
  // The manifest's last_used_ms, or the directory's modification time for a damaged entry.
  long long last_used_ms = 0;
};

// Every entry under `root`, most recently used first. An empty or missing root has none.
std::vector<CacheEntryInfo> list_cache_entries(const std::string& root);

struct CacheStats {
  long long entries = 0;
  long long damaged = 0;  // entries whose manifest cannot be read
  long long bytes = 0;    // all files under <root>/jit (entries, locks, temp dirs, memos)
  long long entry_bytes = 0;
  long long hits = 0;    // summed over manifests
  long long misses = 0;  // summed over manifests
};
CacheStats cache_stats(const std::string& root);

struct ClearRequest {
  enum class What { All, DigestPrefix, OlderThan } what = What::All;
  std::string digest_prefix;    // lowercase hex, for DigestPrefix
  long long older_than_ms = 0;  // for OlderThan: last used more than this long ago
  // When set, an entry must also satisfy it (e.g. the stepper or dtype it was built for).
  std::function<bool(const CacheEntryInfo&)> also;
  bool dry_run = false;  // report what would be removed; remove nothing
};
struct ClearResult {
  std::vector<CacheEntryInfo> removed;
  std::vector<std::string> failed;  // "dir: why"
  long long stale_temp_dirs = 0;    // abandoned builds removed (All only)
};
// Removes the matching entries, each under its lock (so a process compiling or loading it is
// waited for, and a process that has loaded it keeps running: kernels are loaded from private
// copies). Throws CacheError for an invalid prefix.
ClearResult clear_cache(const std::string& root, const ClearRequest& request);

// Removes least-recently-used entries (skipping `keep_digest` and entries another process holds)
// until the entries total at most `max_bytes`; returns what was removed.
std::vector<CacheEntryInfo> evict_to_size(const std::string& root, long long max_bytes,
                                          const std::string& keep_digest = {});

// "90s", "15m", "12h", "7d", "2w" (a bare number is seconds) -> milliseconds.
std::optional<long long> parse_duration_ms(std::string_view text);

// ---- failures to persist ----
// Writing the cache (a directory, a file, a rename, an entry lock) can fail at any time (a full
// disk, a read-only remount, a quota): that only costs persistence, the kernel is still compiled
// and used. The first such failure in a process is reported with one warning naming what failed,
// the path and the cause (`failure`, e.g. "cannot write '/c/jit/tmp/x/kernel.so': No space left on
// device"); later ones are silent.
void warn_cache_write_failure(const std::string& root, const std::string& failure);

// The errno a test made the cache write `step` ("create directory", "write", "rename", "lock") of
// `path` fail with, or 0 (always 0 unless a test set a fault). Checked before each such step.
int injected_cache_write_fault(std::string_view step, const std::string& path);

// TEST-ONLY fault injection (a full disk cannot be made on demand, and root ignores permissions).
namespace testing {
// `fault(step, path)` returns the errno to fail that step with, or 0; an empty function clears it.
void set_cache_write_fault(std::function<int(std::string_view step, const std::string& path)> f);
// Lets the next persistence failure warn again (tests of the once-per-process warning).
void reset_cache_write_warning();
}  // namespace testing

// ---- warnings ----
// One line on stderr: "dynlib: warning: <message>".
void cache_warning(const std::string& message);
// The same, but each distinct message at most once per process.
void cache_warning_once(const std::string& message);

}  // namespace dynlib::jit

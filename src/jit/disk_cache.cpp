#include "jit/disk_cache.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "dynlib/errors.hpp"
#include "support/config.hpp"
#include "support/regular_file.hpp"
#include "support/text.hpp"

namespace dynlib::jit {

namespace fs = std::filesystem;
using support::env_or_empty;

namespace {

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Makes `root` and <root>/jit usable or says why not. A private root (the shared /tmp fallback)
// must belong to this user and be closed to others: anyone who can write it could plant kernels.
bool prepare_root(const std::string& root, bool must_be_private, std::string* why) {
  if (root.empty()) {
    *why = "no home directory to put it in";
    return false;
  }
  std::error_code ec;
  const fs::path r(root);
  if (!fs::is_directory(r, ec)) {
    if (r.has_parent_path()) fs::create_directories(r.parent_path(), ec);
    if (ec) {
      *why = ec.message();
      return false;
    }
    if (::mkdir(root.c_str(), must_be_private ? 0700 : 0777) != 0 && errno != EEXIST) {
      *why = std::strerror(errno);
      return false;
    }
  }
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *why = "not a directory";
    return false;
  }
  if (must_be_private && st.st_uid != ::geteuid()) {
    *why = "owned by another user";
    return false;
  }
  if (must_be_private && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    *why = "writable by other users";
    return false;
  }
  const fs::path jit = r / "jit";
  fs::create_directories(jit, ec);
  if (ec) {
    *why = ec.message();
    return false;
  }
  if (::access(jit.c_str(), W_OK | X_OK) != 0) {
    *why = std::strerror(errno);
    return false;
  }
  return true;
}

long long mtime_ms(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
#if defined(__APPLE__)
  const struct timespec& m = st.st_mtimespec;
#else
  const struct timespec& m = st.st_mtim;
#endif
  return static_cast<long long>(m.tv_sec) * 1000 + m.tv_nsec / 1000000;
}

long long tree_bytes(const fs::path& dir) {
  long long total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      const auto n = it->file_size(fec);
      if (!fec) total += static_cast<long long>(n);
    }
  }
  return total;
}

// A manifest is small text; anything that is not a regular file under 1 MiB is damage.
std::string read_text(const std::string& path, std::string* why) {
  return support::read_regular_file(path, std::size_t{1} << 20, *why);
}

CacheEntryInfo read_entry_info(const fs::path& dir, const std::string& kind,
                               const std::string& digest) {
  CacheEntryInfo e;
  e.component_kind = kind;
  e.digest = digest;
  e.dir = dir.string();
  e.bytes = tree_bytes(dir);
  try {
    e.manifest = read_manifest((dir / kManifestFile).string());
    e.last_used_ms = e.manifest.last_used_ms;
  } catch (const CacheError& err) {
    e.problem = err.what();
    e.manifest = Manifest{};
    e.last_used_ms = mtime_ms(e.dir);
  }
  return e;
}

// Lists directories under `dir` (no symlinks followed), skipping anything that vanishes.
std::vector<fs::path> subdirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (it->is_directory(sec) && !it->is_symlink(sec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_reserved_dir(const std::string& name) {
  return name == "tmp" || name == "compilers";
}

// Entry directories: <root>/jit/<kind>/<xx>/<digest>.
struct EntryRef {
  fs::path dir;
  std::string kind, digest;
};
std::vector<EntryRef> entry_dirs(const std::string& root) {
  std::vector<EntryRef> out;
  if (root.empty()) return out;
  for (const auto& kind_dir : subdirs(fs::path(root) / "jit")) {
    const std::string kind = kind_dir.filename().string();
    if (is_reserved_dir(kind)) continue;
    for (const auto& shard : subdirs(kind_dir)) {
      if (shard.filename().string().size() != 2) continue;
      for (const auto& dir : subdirs(shard)) {
        const std::string digest = dir.filename().string();
        if (is_hex_digest(digest) && digest.compare(0, 2, shard.filename().string()) == 0)
          out.push_back({dir, kind, digest});
      }
    }
  }
  return out;
}

toml::array string_array(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(s);
  return a;
}

toml::array pair_array(const std::vector<std::pair<std::string, std::string>>& v) {
  toml::array a;
  for (const auto& [k, val] : v) a.push_back(toml::array{k, val});
  return a;
}

// Removes one entry while holding its lock; false (with `why`) if it could not be removed.
bool remove_entry_locked(const CacheEntryPaths& p, EntryLock& lock, std::string* why) {
  std::error_code ec;
  fs::remove_all(p.dir, ec);
  if (ec) {
    *why = ec.message();
    lock.release();
    return false;
  }
  lock.remove_file_and_release();
  return true;
}

}  // namespace

// ---- location ----

const char* cache_root_kind_name(CacheRootKind kind) {
  switch (kind) {
    case CacheRootKind::Config:
      return "config";
    case CacheRootKind::Default:
      return "default";
    case CacheRootKind::Fallback:
      return "fallback";
    case CacheRootKind::MemoryOnly:
      return "memory only";
  }
  return "?";
}

std::string default_cache_root(std::string* why) {
  std::string reason, root;
#if defined(_WIN32)
  if (const std::string local = env_or_empty("LOCALAPPDATA"); !local.empty()) {
    root = (fs::path(local) / "dynlib" / "Cache").string();
    reason = "%LOCALAPPDATA%\\dynlib\\Cache";
  } else if (const std::string profile = env_or_empty("USERPROFILE"); !profile.empty()) {
    root = (fs::path(profile) / "AppData" / "Local" / "dynlib" / "Cache").string();
    reason = "%USERPROFILE%\\AppData\\Local\\dynlib\\Cache";
  }
#elif defined(__APPLE__)
  if (const std::string home = env_or_empty("HOME"); !home.empty()) {
    root = (fs::path(home) / "Library" / "Caches" / "dynlib").string();
    reason = "~/Library/Caches/dynlib";
  }
#else
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (const std::string xdg = env_or_empty("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/') {
    root = (fs::path(xdg) / "dynlib").string();
    reason = "$XDG_CACHE_HOME/dynlib";
  } else if (const std::string home = env_or_empty("HOME"); !home.empty()) {
    root = (fs::path(home) / ".cache" / "dynlib").string();
    reason = "~/.cache/dynlib";
  }
#endif
  if (why) *why = root.empty() ? "no home directory" : reason;
  return root;
}

std::string fallback_cache_root() {
  const std::string env = env_or_empty("DYNLIB_CACHE_FALLBACK");
  if (env.empty()) return "/tmp/dynlib-cache";
  std::error_code ec;
  const fs::path p = fs::absolute(env, ec);
  return (ec ? fs::path(env) : p).lexically_normal().string();
}

CacheLocation cache_location(const std::optional<std::string>& requested) {
  const support::UserConfig& config = support::user_config();
  CacheLocation loc;
  loc.max_size = config.cache_max_size;
  std::string default_why;
  if (requested) {
    loc.requested = *requested;
    loc.kind = CacheRootKind::Config;
    loc.why = "set by the build's path config";
  } else if (config.cache_root) {
    loc.requested = *config.cache_root;
    loc.kind = CacheRootKind::Config;
    loc.why = "set in " + config.source_path;
  } else {
    loc.requested = default_cache_root(&default_why);
    loc.kind = CacheRootKind::Default;
    loc.why = default_why;
  }
  const std::string fallback = fallback_cache_root();

  // Decided once per (requested, fallback) pair: the hit path then does no directory work.
  struct Decided {
    std::string root;
    CacheRootKind kind;
    std::string why;
  };
  static std::mutex mutex;
  static std::map<std::string, Decided> decided;
  const std::string memo_key = loc.requested + '\0' + fallback;
  std::lock_guard lock(mutex);
  auto it = decided.find(memo_key);
  if (it == decided.end()) {
    Decided d{loc.requested, loc.kind, loc.why};
    std::string why;
    if (!prepare_root(loc.requested, false, &why)) {
      const std::string requested_text =
          loc.requested.empty() ? std::string("the default cache root") : "'" + loc.requested + "'";
      std::string fallback_why;
      if (fallback != loc.requested && prepare_root(fallback, true, &fallback_why)) {
        d = {fallback, CacheRootKind::Fallback,
             fmt::format("{} is not usable: {}", requested_text, why)};
        cache_warning_once(fmt::format("JIT cache root {} is not usable ({}); using '{}' instead",
                                       requested_text, why, fallback));
      } else {
        if (fallback == loc.requested) fallback_why = why;
        d = {"", CacheRootKind::MemoryOnly,
             fmt::format("{} is not usable ({}) and neither is the fallback '{}' ({})",
                         requested_text, why, fallback, fallback_why)};
        cache_warning_once(fmt::format(
            "JIT cache root {} is not usable ({}) and neither is the fallback '{}' ({}); compiled "
            "kernels are cached in memory only",
            requested_text, why, fallback, fallback_why));
      }
    }
    it = decided.emplace(memo_key, std::move(d)).first;
  }
  loc.root = it->second.root;
  loc.kind = it->second.kind;
  loc.why = it->second.why;
  return loc;
}

// ---- entries ----

void check_component_kind(const std::string& kind) {
  const bool simple = !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!simple || is_reserved_dir(kind))
    throw CacheError(fmt::format(
        "invalid cache component kind '{}': use letters, digits, '_' or '-' (not tmp/compilers)",
        kind));
}

CacheEntryPaths cache_entry_paths(const std::string& root, const std::string& component_kind,
                                  const std::string& digest) {
  check_component_kind(component_kind);
  if (!is_hex_digest(digest)) throw CacheError("not a cache digest: '" + digest + "'");
  const fs::path dir = fs::path(root) / "jit" / component_kind / digest.substr(0, 2) / digest;
  return {dir.string(), dir.string() + ".lock"};
}

std::string Manifest::info_value(std::string_view name) const {
  for (const auto& [k, v] : info)
    if (k == name) return v;
  return {};
}

long long unix_time_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// The usage fields close the manifest at a fixed width, so a cache hit can rewrite them in place
// (one small pwrite) instead of replacing the file: on ext4 a rename over an existing file forces
// a writeback that costs milliseconds, more than the rest of a hit.
constexpr const char* kUsageComment =
    "# Rewritten in place on every load (fixed width): the only write of a cache hit.\n";
std::string usage_lines(long long last_used_ms, long long hits) {
  return fmt::format("last_used_ms = {:<20}\nhits = {:<20}\n", last_used_ms, hits);
}

}  // namespace

std::string manifest_to_toml(const Manifest& m) {
  toml::table t{{"format", 1},
                {"key", m.key},
                {"component_kind", m.component_kind},
                {"so_bytes", m.so_bytes},
                {"so_sha256", m.so_sha256},
                {"source_bytes", m.source_bytes},
                {"compiler", m.compiler},
                {"compiler_canonical", m.compiler_canonical},
                {"compiler_args", string_array(m.compiler_args)},
                {"compiler_version", m.compiler_version},
                {"flags", string_array(m.flags)},
                {"abi", m.abi},
                {"key_inputs", pair_array(m.key_inputs)},
                {"info", pair_array(m.info)},
                {"created_ms", m.created_ms},
                {"misses", m.misses},
                {"compile_seconds", m.compile_seconds}};
  std::ostringstream out;
  // No sub-tables above, so the usage keys appended after the table are still top-level keys.
  out << "# dynlib JIT cache entry (written by dynlib; edits make the entry invalid)\n"
      << t << "\n"
      << kUsageComment << usage_lines(m.last_used_ms, m.hits);
  return out.str();
}

void touch_manifest(const std::string& path, long long last_used_ms, long long hits) {
  // O_NONBLOCK|O_NOFOLLOW and the S_ISREG check below: a FIFO or a link planted as the manifest is
  // damage, not something to wait on or follow.
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) throw CacheError(fmt::format("cannot update {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw CacheError(fmt::format("cannot update {}: not a regular file", path));
  }
  std::string text;
  if (::fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (1 << 20)) {
    text.resize(static_cast<std::size_t>(st.st_size));
    if (::pread(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) text.clear();
  }
  const std::string fresh = usage_lines(last_used_ms, hits);
  const std::string tail = std::string(kUsageComment) + usage_lines(0, 0);
  // The tail must be exactly where and as long as manifest_to_toml() puts it.
  const std::size_t at = text.size() >= tail.size() ? text.size() - fresh.size() : 0;
  const bool layout_ok =
      text.size() >= tail.size() &&
      text.compare(text.size() - tail.size(), std::strlen(kUsageComment), kUsageComment) == 0 &&
      text.compare(at, 15, "last_used_ms = ") == 0 && text[at + 35] == '\n' &&
      text.compare(at + 36, 7, "hits = ") == 0 && text.back() == '\n';
  const bool ok = layout_ok && ::pwrite(fd, fresh.data(), fresh.size(), static_cast<off_t>(at)) ==
                                   static_cast<ssize_t>(fresh.size());
  ::close(fd);
  if (!ok) throw CacheError(fmt::format("cannot update {} in place", path));
}

Manifest parse_manifest(const std::string& text, const std::string& path) {
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw CacheError(fmt::format("{}: not valid TOML ({} at line {})", path, e.description(),
                                 e.source().begin.line));
  }
  auto fail = [&](const char* field, const char* what) -> CacheError {
    return CacheError(fmt::format("{}: field '{}' {}", path, field, what));
  };
  auto str = [&](const char* field) {
    const auto v = t[field].value<std::string>();
    if (!v) throw fail(field, "is missing or not a string");
    return *v;
  };
  auto integer = [&](const char* field) {
    const auto* n = t[field].as_integer();
    if (!n) throw fail(field, "is missing or not an integer");
    return static_cast<long long>(n->get());
  };
  auto strings = [&](const char* field) {
    const auto* a = t[field].as_array();
    if (!a) throw fail(field, "is missing or not an array");
    std::vector<std::string> out;
    for (const auto& e : *a) {
      const auto v = e.value<std::string>();
      if (!v) throw fail(field, "holds a non-string");
      out.push_back(*v);
    }
    return out;
  };
  auto pairs = [&](const char* field) {
    const auto* a = t[field].as_array();
    if (!a) throw fail(field, "is missing or not an array");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : *a) {
      const auto* p = e.as_array();
      if (!p || p->size() != 2 || !(*p)[0].is_string() || !(*p)[1].is_string())
        throw fail(field, "holds something other than [name, value] pairs");
      out.emplace_back(*(*p)[0].value<std::string>(), *(*p)[1].value<std::string>());
    }
    return out;
  };
  if (integer("format") != 1) throw fail("format", "is not 1");
  Manifest m;
  m.key = str("key");
  m.component_kind = str("component_kind");
  m.so_bytes = integer("so_bytes");
  m.so_sha256 = str("so_sha256");
  m.source_bytes = integer("source_bytes");
  m.compiler = str("compiler");
  m.compiler_canonical = str("compiler_canonical");
  m.compiler_args = strings("compiler_args");
  m.compiler_version = str("compiler_version");
  m.flags = strings("flags");
  m.abi = static_cast<int>(integer("abi"));
  m.key_inputs = pairs("key_inputs");
  m.info = pairs("info");
  m.created_ms = integer("created_ms");
  m.last_used_ms = integer("last_used_ms");
  m.hits = integer("hits");
  m.misses = integer("misses");
  const auto seconds = t["compile_seconds"].value<double>();
  if (!seconds) throw fail("compile_seconds", "is missing or not a number");
  m.compile_seconds = *seconds;
  return m;
}

Manifest read_manifest(const std::string& path) {
  std::string why;
  const std::string text = read_text(path, &why);
  if (!why.empty()) throw CacheError(fmt::format("{}: cannot be read ({})", path, why));
  return parse_manifest(text, path);
}

int write_fully(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

void write_manifest(const std::string& path, const Manifest& m) {
  const std::string text = manifest_to_toml(m);
  std::string tmp = (fs::path(path).parent_path() / ".manifest-XXXXXX").string();
  if (const int err = injected_cache_write_fault("write", path))
    throw CacheError(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw CacheError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  ::fchmod(fd, 0644);  // mkstemp makes 0600; a shared configured root is readable by its group
  int err = write_fully(fd, text);
  if (::close(fd) != 0 && err == 0) err = errno;  // NFS and quotas may report only here
  if (err == 0) err = injected_cache_write_fault("rename", path);
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw CacheError(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
}

// ---- locks ----

EntryLock::~EntryLock() {
  release();
}

EntryLock::EntryLock(EntryLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

EntryLock& EntryLock::operator=(EntryLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

EntryLock EntryLock::acquire(const std::string& path) {
  return lock(path, true);
}

EntryLock EntryLock::try_acquire(const std::string& path) {
  return lock(path, false);
}

namespace {
void remove_damaged_lock(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}
}  // namespace

EntryLock EntryLock::lock(const std::string& path, bool wait) {
  // Bounded: each retry means another process deleted the lock file in between, which a clear
  // does once per entry.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int injected = injected_cache_write_fault("lock", path);
    const int fd =
        injected
            ? -1
            : ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0644);
    if (fd < 0) {
      const int err = injected ? injected : errno;
      if (err == ENOENT) {  // no shard directory yet, or a clear removed it just now
        std::error_code ec;
        fs::create_directories(fs::path(path).parent_path(), ec);
        if (!ec) continue;
      }
      if (err == ELOOP || err == EISDIR || err == ENXIO) {  // a link, directory or socket
        remove_damaged_lock(path);
        continue;
      }
      throw CacheError(fmt::format("cannot open the lock file {}: {}", path, std::strerror(err)));
    }
    struct stat kind {};
    if (::fstat(fd, &kind) != 0 || !S_ISREG(kind.st_mode)) {
      // A FIFO or device planted as the lock file: damage to repair, never something to wait on.
      ::close(fd);
      remove_damaged_lock(path);
      continue;
    }
    int rc;
    while ((rc = ::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      if (!wait && err == EWOULDBLOCK) return {};
      throw CacheError(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
    }
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino) {
      EntryLock out;
      out.fd_ = fd;
      out.path_ = path;
      return out;
    }
    ::close(fd);  // deleted or replaced while we waited: lock the file that is there now
  }
  throw CacheError("cannot lock " + path + ": the lock file keeps disappearing");
}

void EntryLock::remove_file_and_release() {
  if (fd_ >= 0) ::unlink(path_.c_str());
  release();
}

void EntryLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
  fd_ = -1;
}

// ---- maintenance ----

std::vector<CacheEntryInfo> list_cache_entries(const std::string& root) {
  std::vector<CacheEntryInfo> out;
  for (const auto& ref : entry_dirs(root))
    out.push_back(read_entry_info(ref.dir, ref.kind, ref.digest));
  std::stable_sort(out.begin(), out.end(), [](const CacheEntryInfo& a, const CacheEntryInfo& b) {
    return a.last_used_ms > b.last_used_ms;
  });
  return out;
}

CacheStats cache_stats(const std::string& root) {
  CacheStats s;
  if (root.empty()) return s;
  for (const auto& e : list_cache_entries(root)) {
    ++s.entries;
    s.entry_bytes += e.bytes;
    if (!e.problem.empty()) {
      ++s.damaged;
      continue;
    }
    s.hits += e.manifest.hits;
    s.misses += e.manifest.misses;
  }
  s.bytes = tree_bytes(fs::path(root) / "jit");
  return s;
}

ClearResult clear_cache(const std::string& root, const ClearRequest& request) {
  std::string prefix;
  if (request.what == ClearRequest::What::DigestPrefix) {
    for (char c : request.digest_prefix)
      prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (prefix.empty() || prefix.size() > 64 ||
        !std::all_of(prefix.begin(), prefix.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      throw CacheError("'" + request.digest_prefix + "' is not a digest prefix (hex digits)");
  }
  const long long now = unix_time_ms();
  auto selected = [&](const CacheEntryInfo& e) {
    switch (request.what) {
      case ClearRequest::What::All:
        return true;
      case ClearRequest::What::DigestPrefix:
        return e.digest.compare(0, prefix.size(), prefix) == 0;
      case ClearRequest::What::OlderThan:
        return e.last_used_ms < now - request.older_than_ms;
    }
    return false;
  };
  auto matches = [&](const CacheEntryInfo& e) {
    return selected(e) && (!request.also || request.also(e));
  };

  ClearResult result;
  if (root.empty()) return result;
  for (const auto& ref : entry_dirs(root)) {
    CacheEntryInfo seen = read_entry_info(ref.dir, ref.kind, ref.digest);
    if (!matches(seen)) continue;
    if (request.dry_run) {
      result.removed.push_back(std::move(seen));
      continue;
    }
    const CacheEntryPaths p = cache_entry_paths(root, ref.kind, ref.digest);
    EntryLock lock;
    try {
      lock = EntryLock::acquire(p.lock);  // waits for a process compiling or loading it
    } catch (const CacheError& e) {
      result.failed.push_back(p.dir + ": " + e.what());
      continue;
    }
    std::error_code ec;
    if (!fs::exists(p.dir, ec)) {  // removed while we waited
      lock.remove_file_and_release();
      continue;
    }
    // Look again under the lock: it may have been used (or rebuilt) while we waited.
    CacheEntryInfo info = read_entry_info(ref.dir, ref.kind, ref.digest);
    if (!matches(info)) continue;
    std::string why;
    if (remove_entry_locked(p, lock, &why))
      result.removed.push_back(std::move(info));
    else
      result.failed.push_back(p.dir + ": " + why);
  }

  // Housekeeping belongs to clearing everything, not to a filtered or pretend one.
  if (request.what == ClearRequest::What::All && !request.also && !request.dry_run) {
    const fs::path jit = fs::path(root) / "jit";
    // Lock files without an entry (left by failed compiles), then empty shard directories.
    for (const auto& kind_dir : subdirs(jit)) {
      if (is_reserved_dir(kind_dir.filename().string())) continue;
      for (const auto& shard : subdirs(kind_dir)) {
        std::error_code ec;
        for (fs::directory_iterator it(shard, ec), end; !ec && it != end; it.increment(ec)) {
          if (it->path().extension() != ".lock") continue;
          const std::string lock_path = it->path().string();
          const std::string entry = lock_path.substr(0, lock_path.size() - 5);
          EntryLock lock = EntryLock::try_acquire(lock_path);
          std::error_code eec;
          if (lock.held() && !fs::exists(entry, eec)) lock.remove_file_and_release();
        }
        fs::remove(shard, ec);  // only if empty
      }
    }
    // Builds abandoned by killed processes; a live build is younger than an hour.
    const long long stale_before = now - 3600LL * 1000;
    for (const auto& tmp : subdirs(jit / "tmp")) {
      if (mtime_ms(tmp.string()) >= stale_before) continue;
      std::error_code ec;
      if (fs::remove_all(tmp, ec) > 0 && !ec) ++result.stale_temp_dirs;
    }
  }
  return result;
}

std::vector<CacheEntryInfo> evict_to_size(const std::string& root, long long max_bytes,
                                          const std::string& keep_digest) {
  std::vector<CacheEntryInfo> removed;
  std::vector<CacheEntryInfo> entries = list_cache_entries(root);
  long long total = 0;
  for (const auto& e : entries) total += e.bytes;
  std::reverse(entries.begin(), entries.end());  // least recently used first
  for (auto& e : entries) {
    if (total <= max_bytes) break;
    if (e.digest == keep_digest) continue;
    const CacheEntryPaths p = cache_entry_paths(root, e.component_kind, e.digest);
    EntryLock lock;
    try {
      lock = EntryLock::try_acquire(p.lock);  // never wait: a busy entry is in use, skip it
    } catch (const CacheError&) {
      continue;
    }
    if (!lock.held()) continue;
    std::error_code ec;
    if (!fs::exists(p.dir, ec)) continue;
    std::string why;
    if (!remove_entry_locked(p, lock, &why)) continue;
    total -= e.bytes;
    removed.push_back(std::move(e));
  }
  return removed;
}

std::optional<long long> parse_duration_ms(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  const std::string number(text.substr(0, i));
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return {};
  const std::string_view unit = text.substr(i);
  static const std::map<std::string_view, double> units = {
      {"", 1e3}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}, {"w", 604800e3}};
  const auto it = units.find(unit);
  if (it == units.end()) return {};
  const double ms = std::strtod(number.c_str(), nullptr) * it->second;
  if (!std::isfinite(ms) || ms >= 9.0e18) return {};
  return static_cast<long long>(ms);
}

// ---- failures to persist ----

namespace {
std::mutex g_fault_mutex;
std::function<int(std::string_view, const std::string&)> g_fault;  // guarded by g_fault_mutex
std::atomic<bool> g_fault_set{false};  // the hit path checks this without the mutex
std::atomic<bool> g_write_failure_warned{false};
}  // namespace

void warn_cache_write_failure(const std::string& root, const std::string& failure) {
  if (g_write_failure_warned.exchange(true)) return;
  cache_warning(fmt::format(
      "cannot persist to the JIT cache at '{}': {}; compiled kernels are still used but stay in "
      "memory only (later failures to persist are not shown)",
      root, failure));
}

int injected_cache_write_fault(std::string_view step, const std::string& path) {
  if (!g_fault_set.load()) return 0;
  std::lock_guard lock(g_fault_mutex);
  return g_fault ? g_fault(step, path) : 0;
}

namespace testing {
void set_cache_write_fault(std::function<int(std::string_view step, const std::string& path)> f) {
  std::lock_guard lock(g_fault_mutex);
  g_fault = std::move(f);
  g_fault_set = static_cast<bool>(g_fault);
}
void reset_cache_write_warning() {
  g_write_failure_warned = false;
}
}  // namespace testing

// ---- warnings ----

void cache_warning(const std::string& message) {
  const std::string line = "dynlib: warning: " + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines of processes do not mix
  std::fflush(stderr);
}

void cache_warning_once(const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> said;
  {
    std::lock_guard lock(mutex);
    if (!said.insert(message).second) return;
  }
  cache_warning(message);
}

}  // namespace dynlib::jit

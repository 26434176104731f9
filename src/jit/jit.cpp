#include "jit/jit.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "dynlib/errors.hpp"
#include "jit/disk_cache.hpp"
#include "jit/embedded_kernel.hpp"
#include "support/digest.hpp"
#include "support/regular_file.hpp"

namespace dynlib::jit {

namespace fs = std::filesystem;

class LoadedLibrary {
 public:
  // `fd`, when >= 0, is the memfd the library was loaded from (/proc/self/fd/<fd>); it stays open
  // while the library is loaded so that no later load reuses its number, and with it the path
  // the dynamic loader would match to this library instead of loading the new one.
  explicit LoadedLibrary(void* handle, int fd = -1) : handle_(handle), fd_(fd) {}
  ~LoadedLibrary() {
    if (handle_) ::dlclose(handle_);
    if (fd_ >= 0) ::close(fd_);
  }
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;
  void* symbol(const std::string& name) const { return ::dlsym(handle_, name.c_str()); }

 private:
  void* handle_;
  int fd_;
};

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Length-prefixed fields, so no two different requests serialise to the same bytes.
void add_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ' ';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

// What -march=native means on this machine (its model name and feature flags).
std::string host_cpu_identity() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model, flags;
  while (std::getline(in, line) && (model.empty() || flags.empty())) {
    if (model.empty() && line.rfind("model name", 0) == 0) model = line;
    if (flags.empty() && (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0))
      flags = line;
  }
  return model + "\n" + flags;
}

const std::vector<EmbeddedFile>& headers_of(const CompileRequest& r) {
  return r.headers ? *r.headers : embedded_kernel_headers();
}

// Throws DynlibError naming the path and the cause.
void write_file(const fs::path& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw DynlibError("cannot create directory " + path.parent_path().string() + ": " +
                      ec.message());
  errno = 0;
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out)
    throw DynlibError("cannot write " + path.string() +
                      (errno ? std::string(": ") + std::strerror(errno) : std::string()));
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

// Removes a directory tree on scope exit.
struct DirGuard {
  std::string path;
  ~DirGuard() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Keeps the failed source at a stable place; returns its path.
std::string keep_failed_source(const std::string& key, const std::string& source) {
  const fs::path dir = fs::path(temp_root()) / ("dynlib-failed-" + key.substr(0, 16));
  const fs::path path = dir / "kernel.cpp";
  try {
    write_file(path, source);
  } catch (const std::exception&) {
    return "(could not be kept: cannot write " + path.string() + ")";
  }
  return path.string();
}

struct Counters {
  std::atomic<long long> compiles{0}, failures{0}, hits{0};
  std::atomic<long long> disk_hits{0}, disk_publishes{0}, disk_repairs{0};
};
Counters& counters() {
  static Counters c;
  return c;
}

struct Built {
  std::shared_ptr<const LoadedLibrary> library;
  CompileTimings timings;
  bool from_disk = false;
};

// What opening a shared object as a kernel gave: the library, or why not (a one-line message and
// a detail for CompileError::diagnostics()).
struct Opened {
  std::shared_ptr<const LoadedLibrary> library;
  std::string message, detail;
};

// dlopen + the kernel checks: the ABI version, and with `key` non-empty the embedded key.
Opened open_kernel(const std::string& path, int abi_version, const std::string& key, int fd = -1) {
  Opened out;
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    if (fd >= 0) ::close(fd);
    const char* err = ::dlerror();
    out.message = "cannot load the compiled kernel";
    out.detail = err ? err : "dlopen failed";
    return out;
  }
  auto library = std::make_shared<const LoadedLibrary>(handle, fd);
  using AbiFn = int (*)();
  auto abi = reinterpret_cast<AbiFn>(library->symbol("dynlib_abi_version"));
  if (!abi) {
    out.message = "the compiled kernel does not export extern \"C\" int dynlib_abi_version()";
    out.detail = "missing symbol dynlib_abi_version";
    return out;
  }
  const int got = abi();
  if (got != abi_version) {
    out.message = "the compiled kernel has ABI version " + std::to_string(got) +
                  ", this dynlib expects " + std::to_string(abi_version);
    out.detail = "dynlib_abi_version() returned " + std::to_string(got);
    return out;
  }
  if (!key.empty()) {
    const auto* embedded = static_cast<const char*>(library->symbol("dynlib_kernel_key"));
    if (!embedded || std::strncmp(embedded, key.c_str(), key.size() + 1) != 0) {
      out.message = "the shared object is not the kernel of this key";
      out.detail = embedded ? "dynlib_kernel_key differs" : "missing symbol dynlib_kernel_key";
      return out;
    }
  }
  out.library = std::move(library);
  return out;
}

// A file of a cache entry, read only if it is a regular file of a bounded size: a FIFO or a
// device planted in an entry must neither hang nor exhaust memory (it is damage, rebuilt).
constexpr std::size_t kMaxCachedFileBytes = std::size_t{512} << 20;
bool read_bytes(const std::string& path, std::string* out) {
  std::string why;
  *out = support::read_regular_file(path, kMaxCachedFileBytes, why);
  return why.empty();
}

// Loads a shared object from a private copy of `bytes`: what was verified is exactly what runs,
// a file in the cache is never mapped (so nobody can change or truncate it under a running
// kernel), and each load is a new inode, so dlopen cannot hand back an older library that was
// loaded from the same path. On Linux the copy is a memfd; elsewhere (or if that fails) a temp
// file removed right after dlopen.
Opened open_kernel_copy(std::string_view bytes, int abi_version, const std::string& key) {
#ifdef __linux__
  static const bool have_proc = ::access("/proc/self/fd", X_OK) == 0;
  if (have_proc) {
    const int fd = ::memfd_create("dynlib-kernel", MFD_CLOEXEC);
    if (fd >= 0) {
      if (write_fully(fd, bytes) != 0) {
        ::close(fd);
      } else {
        // open_kernel owns fd from here: the loaded library keeps it open (see LoadedLibrary).
        Opened o = open_kernel("/proc/self/fd/" + std::to_string(fd), abi_version, key, fd);
        if (o.library) return o;
      }
    }
  }
#endif
  std::string dir;
  try {
    dir = make_temp_dir("dynlib-load-");
  } catch (const DynlibError& e) {
    return Opened{nullptr, "cannot load the compiled kernel", e.what()};
  }
  DirGuard guard{dir};
  const std::string path = dir + "/" + kSharedObjectFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
  const bool written = fd >= 0 && write_fully(fd, bytes) == 0;
  if (fd >= 0) ::close(fd);
  if (!written)
    return Opened{nullptr, "cannot load the compiled kernel", "cannot write a copy to " + path};
  return open_kernel(path, abi_version, key);
}

// Writes `source` (as kernel.cpp) and the headers into `dir`, compiles dir/kernel.so and loads it:
// from the built file, or with `private_copy` through open_kernel_copy() checking `key`. A failure
// keeps the request's source and throws CompileError.
Built compile_into(const fs::path& dir, const CompileRequest& request, const std::string& source,
                   const std::string& key, const CompilerInfo& cc, CompileTimings timings,
                   bool private_copy) {
  auto t0 = Clock::now();
  const std::string src = (dir / kSourceFile).string();
  const std::string so = (dir / kSharedObjectFile).string();
  write_file(src, source);
  for (const auto& h : headers_of(request))
    write_file(dir / "include" / std::string(h.path), h.text);
  timings.write = seconds_since(t0);

  t0 = Clock::now();
  std::vector<std::string> argv{cc.path};
  argv.insert(argv.end(), cc.extra_args.begin(), cc.extra_args.end());
  for (auto& f : compile_flags(request.options)) argv.push_back(std::move(f));
  argv.insert(argv.end(), {"-I", (dir / "include").string(), "-o", so, src});
  const double timeout_seconds = compile_timeout_seconds();
  counters().compiles++;
  ProcessResult r = run_process(argv, timeout_seconds);
  timings.compile = seconds_since(t0);
  if (r.timed_out) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError(
        fmt::format("the C++ compiler ({}) took longer than {} s and was stopped; to allow more, "
                    "set DYNLIB_COMPILE_TIMEOUT=<seconds> (0 = no limit) or [jit] compile_timeout "
                    "in the config file",
                    cc.path, timeout_seconds),
        replace_all(r.output, src, kept), kept);
  }
  std::error_code ec;
  if (r.exit_status != 0 || !fs::exists(so, ec)) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    if (const std::string room = temp_space_problem(dir.string()); !room.empty())
      throw CompileError("the C++ compiler could not write its files: " + room +
                             "; free space there, or set TMPDIR to a directory with room",
                         replace_all(r.output, src, kept), kept);
    throw CompileError("the C++ compiler (" + cc.path +
                           ") rejected the generated kernel (exit status " +
                           std::to_string(r.exit_status) + ")",
                       replace_all(r.output, src, kept), kept);
  }

  t0 = Clock::now();
  Opened opened;
  if (private_copy) {
    std::string bytes;
    if (read_bytes(so, &bytes))
      opened = open_kernel_copy(bytes, request.abi_version, key);
    else
      opened = Opened{nullptr, "cannot load the compiled kernel", "cannot read " + so};
  } else {
    opened = open_kernel(so, request.abi_version, {});
  }
  if (!opened.library) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError(opened.message, opened.detail, kept);
  }
  timings.load = seconds_since(t0);
  return {std::move(opened.library), timings, false};
}

// The memory-only path: compiles in a private temp dir that is removed afterwards (the mapping of
// the loaded .so stays valid), so nothing is left on disk.
Built build_in_memory(const CompileRequest& request, const std::string& key, const CompilerInfo& cc,
                      CompileTimings timings) {
  DirGuard dir{make_temp_dir("dynlib-jit-")};
  return compile_into(dir.path, request, request.source, key, cc, timings, false);
}

// Appended to the source of a disk-cached kernel so a load can tell that the entry holds the kernel
// of its key (and not another valid kernel): no computation changes.
std::string key_definition(const std::string& key) {
  return "\n// dynlib disk cache: every load from the cache checks this against the entry's key\n"
         "extern \"C\" const char dynlib_kernel_key[] = \"" +
         key + "\";\n";
}

// Verifies and loads a complete entry (its lock held). Returns null with `problem` set when the
// entry is damaged; `manifest` is filled whenever the manifest could be read.
std::shared_ptr<const LoadedLibrary> load_entry(const CacheEntryPaths& paths,
                                                const CompileRequest& request,
                                                const std::string& key,
                                                std::optional<Manifest>* manifest,
                                                std::string* problem) {
  const fs::path dir(paths.dir);
  try {
    *manifest = read_manifest((dir / kManifestFile).string());
  } catch (const CacheError& e) {
    *problem = std::string("manifest: ") + e.what();
    return nullptr;
  }
  const Manifest& m = **manifest;
  if (m.key != key) {
    *problem = "the manifest is for key " + m.key.substr(0, 16);
    return nullptr;
  }
  std::string so;
  if (!read_bytes((dir / kSharedObjectFile).string(), &so)) {
    *problem = std::string("missing or unreadable ") + kSharedObjectFile;
    return nullptr;
  }
  if (static_cast<long long>(so.size()) != m.so_bytes) {
    *problem = fmt::format("{} has {} bytes, the manifest says {} (truncated or overwritten)",
                           kSharedObjectFile, so.size(), m.so_bytes);
    return nullptr;
  }
  if (support::sha256_hex(so) != m.so_sha256) {
    *problem = fmt::format("{} does not match its sha256 checksum", kSharedObjectFile);
    return nullptr;
  }
  struct stat st {};
  if (::stat((dir / kSourceFile).c_str(), &st) != 0) {
    *problem = std::string("missing ") + kSourceFile;
    return nullptr;
  }
  if (static_cast<long long>(st.st_size) != m.source_bytes) {
    *problem = fmt::format("{} has {} bytes, the manifest says {}", kSourceFile, st.st_size,
                           m.source_bytes);
    return nullptr;
  }
  Opened opened = open_kernel_copy(so, request.abi_version, key);
  if (!opened.library) {
    *problem = opened.message + " (" + opened.detail + ")";
    return nullptr;
  }
  return opened.library;
}

// ---- persisting an entry: every failure is a CacheError "cannot <do> '<path>': <cause>" ----

[[noreturn]] void throw_cache_write_error(std::string_view what, const std::string& path, int err) {
  throw CacheError(fmt::format("cannot {} '{}': {}", what, path, std::strerror(err)));
}

void create_cache_dirs(const fs::path& dir) {
  if (const int err = injected_cache_write_fault("create directory", dir.string()))
    throw_cache_write_error("create directory", dir.string(), err);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_cache_write_error("create directory", dir.string(), ec.value());
}

void write_cache_file(const std::string& path, std::string_view bytes) {
  int err = injected_cache_write_fault("write", path);
  const int fd = err ? -1 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw_cache_write_error("write", path, err ? err : errno);
  err = write_fully(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;  // NFS and quotas may report only here
  if (err) throw_cache_write_error("write", path, err);
}

// Copies a compiled kernel (its source and shared object) into a new entry directory under
// <root>/jit/tmp/ and renames that into place (lock held). Throws CacheError.
void publish_entry(const std::string& source, const std::string& so, const Manifest& manifest,
                   const CacheLocation& loc, const CacheEntryPaths& paths) {
  const fs::path tmp_parent = fs::path(loc.root) / "jit" / "tmp";
  create_cache_dirs(tmp_parent);
  // The pid tells a build abandoned by a killed process from a live one.
  std::string tmp =
      (tmp_parent / fmt::format("{}-{}-XXXXXX", manifest.key.substr(0, 16), ::getpid())).string();
  if (const int err = injected_cache_write_fault("create directory", tmp))
    throw_cache_write_error("create directory", tmp, err);
  if (!::mkdtemp(tmp.data())) throw_cache_write_error("create directory", tmp, errno);
  DirGuard guard{tmp};
  const fs::path dir(tmp);
  write_cache_file((dir / kSourceFile).string(), source);
  write_cache_file((dir / kSharedObjectFile).string(), so);
  write_manifest((dir / kManifestFile).string(), manifest);
  ::chmod(tmp.c_str(), 0755);  // mkdtemp made it 0700; a configured root may be shared
  create_cache_dirs(fs::path(paths.dir).parent_path());
  int err = injected_cache_write_fault("rename", paths.dir);
  if (err == 0 && ::rename(tmp.c_str(), paths.dir.c_str()) != 0) err = errno;
  if (err) throw_cache_write_error("rename to", paths.dir, err);  // atomic: no entry or all of it
  guard.path.clear();
}

// Compiles in a private temporary directory, exactly like a memory-only kernel, then publishes the
// entry (lock held). Writing the cache is a separate step after the compile, so a cache that
// cannot be written (a full disk, a read-only root, a quota) only costs persistence: the kernel is
// still returned, with one warning per process (warn_cache_write_failure).
Built build_and_publish(const CompileRequest& request, const std::string& key,
                        const CompilerInfo& cc, const CacheLocation& loc,
                        const CacheEntryPaths& paths, CompileTimings timings,
                        const std::optional<Manifest>& previous) {
  const std::string source = request.source + key_definition(key);
  DirGuard work{make_temp_dir("dynlib-jit-")};
  Built b = compile_into(work.path, request, source, key, cc, timings, true);
  try {
    std::string so;
    const std::string built = (fs::path(work.path) / kSharedObjectFile).string();
    if (!read_bytes(built, &so))
      throw CacheError(fmt::format("cannot read the compiled kernel '{}' back", built));
    Manifest m;
    m.key = key;
    m.component_kind = request.component_kind;
    m.so_bytes = static_cast<long long>(so.size());
    m.so_sha256 = support::sha256_hex(so);
    m.source_bytes = static_cast<long long>(source.size());
    m.compiler = cc.path;
    m.compiler_canonical = cc.canonical_path;
    m.compiler_args = cc.extra_args;
    m.compiler_version = cc.version;
    m.flags = compile_flags(request.options);
    m.abi = request.abi_version;
    m.key_inputs = request.key_inputs;
    m.info = request.manifest;
    m.created_ms = m.last_used_ms = unix_time_ms();
    m.hits = previous ? previous->hits : 0;  // a rebuilt entry keeps its history
    m.misses = 1 + (previous ? previous->misses : 0);
    m.compile_seconds = b.timings.compile;
    publish_entry(source, so, m, loc, paths);
    counters().disk_publishes++;
  } catch (const std::exception& e) {
    warn_cache_write_failure(loc.root, e.what());
  }
  return b;
}

// The disk-cache path for one key: load the entry, or repair it, or compile and publish it, all
// under the entry's lock so concurrent processes compile once.
Built disk_get(const CompileRequest& request, const std::string& key, const CompilerInfo& cc,
               const CacheLocation& loc, CompileTimings timings) {
  const auto t0 = Clock::now();
  const CacheEntryPaths paths = cache_entry_paths(loc.root, request.component_kind, key);
  EntryLock lock;
  try {
    lock = EntryLock::acquire(paths.lock);
  } catch (const CacheError& e) {
    warn_cache_write_failure(loc.root, e.what());
    return build_in_memory(request, key, cc, timings);
  }
  std::optional<Manifest> previous;
  std::error_code ec;
  if (fs::symlink_status(paths.dir, ec).type() != fs::file_type::not_found) {
    std::string problem;
    if (auto library = load_entry(paths, request, key, &previous, &problem)) {
      Manifest m = *previous;
      m.last_used_ms = unix_time_ms();
      m.hits += 1;
      const std::string manifest_path = (fs::path(paths.dir) / kManifestFile).string();
      try {
        touch_manifest(manifest_path, m.last_used_ms, m.hits);
      } catch (const CacheError&) {
        try {
          write_manifest(manifest_path, m);
        } catch (const CacheError&) {
          // Only the statistics are lost; the verified kernel is good.
        }
      }
      counters().disk_hits++;
      timings.write = timings.compile = 0;
      timings.load = seconds_since(t0);
      return {std::move(library), timings, true};
    }
    cache_warning(fmt::format("JIT cache entry {} is damaged: {}; removing it and recompiling",
                              paths.dir, problem));
    counters().disk_repairs++;
    fs::remove_all(paths.dir, ec);
    if (ec) {
      warn_cache_write_failure(loc.root, fmt::format("cannot remove the damaged entry '{}': {}",
                                                     paths.dir, ec.message()));
      return build_in_memory(request, key, cc, timings);
    }
  }
  Built b = build_and_publish(request, key, cc, loc, paths, timings, previous);
  lock.release();
  if (loc.max_size) {
    try {
      evict_to_size(loc.root, *loc.max_size, key);
    } catch (const std::exception& e) {
      cache_warning_once(fmt::format("JIT cache eviction failed: {}", e.what()));
    }
  }
  return b;
}

struct Cache {
  struct Entry {
    std::shared_future<Built> future;
    unsigned long long id;  // tells an entry from a later one for the same key (after a clear)
  };
  std::mutex mutex;
  std::map<std::string, Entry> entries;
  unsigned long long next_id = 0;
};
Cache& cache() {
  // Never destroyed: kernels stay mapped until exit (no dlclose racing static destructors).
  static auto* c = new Cache();
  return *c;
}

std::string key_with(const CompileRequest& request, const CompilerInfo& cc) {
  std::string s;
  add_field(s, "dynlib-jit-key", "1");
  add_field(s, "source", request.source);
  std::vector<const EmbeddedFile*> headers;
  for (const auto& h : headers_of(request)) headers.push_back(&h);
  std::sort(headers.begin(), headers.end(),
            [](const EmbeddedFile* a, const EmbeddedFile* b) { return a->path < b->path; });
  for (const auto* h : headers) {
    add_field(s, "header", h->path);
    add_field(s, "text", h->text);
  }
  add_field(s, "compiler", cc.path);
  add_field(s, "compiler-canonical", cc.canonical_path);
  for (const auto& a : cc.extra_args) add_field(s, "compiler-arg", a);
  add_field(s, "compiler-version", cc.version);
  for (const auto& f : compile_flags(request.options)) add_field(s, "flag", f);
  if (request.options.march_native) add_field(s, "host-cpu", host_cpu_identity());
  add_field(s, "abi", std::to_string(request.abi_version));
  for (const auto& [name, value] : request.key_inputs) {
    add_field(s, "input", name);
    add_field(s, "value", value);
  }
  return support::sha256_hex(s);
}

}  // namespace

LoadedKernel::LoadedKernel(std::shared_ptr<const LoadedLibrary> library, std::string key,
                           CompilerInfo compiler, CompileTimings timings, bool from_memory_cache,
                           bool from_disk_cache)
    : library_(std::move(library)),
      key_(std::move(key)),
      compiler_(std::move(compiler)),
      timings_(timings),
      from_memory_cache_(from_memory_cache),
      from_disk_cache_(from_disk_cache) {}

void* LoadedKernel::symbol(const std::string& name) const {
  return library_->symbol(name);
}

void* LoadedKernel::require_symbol(const std::string& name) const {
  void* p = symbol(name);
  if (!p) throw DynlibError("compiled kernel " + key_.substr(0, 16) + " has no symbol " + name);
  return p;
}

std::string kernel_key(const CompileRequest& request) {
  return key_with(request, system_compiler());
}

std::shared_ptr<const LoadedKernel> compile_and_load(const CompileRequest& request) {
  const auto t0 = Clock::now();
  std::optional<CacheLocation> location;
  if (request.disk_cache) {
    check_component_kind(request.component_kind);
    CacheLocation loc = cache_location(request.cache_root);
    if (!loc.memory_only()) location = std::move(loc);
  }
  // With a disk cache the compiler is identified from its memo: a warm hit starts no process.
  const CompilerInfo& cc =
      location ? system_compiler_memoized(location->root + "/jit/compilers") : system_compiler();
  const std::string key = key_with(request, cc);
  CompileTimings timings;
  timings.key = seconds_since(t0);

  // A disk-cached kernel differs from a memory-only one (it embeds its key) and belongs to a root.
  const std::string slot = location ? "disk:" + location->root + std::string(1, '\0') + key : key;
  Cache& c = cache();
  std::promise<Built> promise;
  std::shared_future<Built> future;
  bool owner = false;
  unsigned long long id = 0;
  {
    std::lock_guard lock(c.mutex);
    auto it = c.entries.find(slot);
    if (it != c.entries.end()) {
      future = it->second.future;
    } else {
      future = promise.get_future().share();
      id = ++c.next_id;
      c.entries.emplace(slot, Cache::Entry{future, id});
      owner = true;
    }
  }
  if (!owner) {
    const Built& b = future.get();  // rethrows the owner's error
    counters().hits++;
    return std::make_shared<const LoadedKernel>(b.library, key, cc, b.timings, true, false);
  }
  try {
    Built b = location ? disk_get(request, key, cc, *location, timings)
                       : build_in_memory(request, key, cc, timings);
    promise.set_value(b);
    return std::make_shared<const LoadedKernel>(std::move(b.library), key, cc, b.timings, false,
                                                b.from_disk);
  } catch (...) {
    {
      std::lock_guard lock(c.mutex);  // failures are not cached: the next request tries again
      auto it = c.entries.find(slot);
      if (it != c.entries.end() && it->second.id == id) c.entries.erase(it);
    }
    promise.set_exception(std::current_exception());
    throw;
  }
}

std::shared_ptr<const LoadedKernel> find_cached(const CompileRequest& request) {
  try {
    std::optional<CacheLocation> location;
    if (request.disk_cache) {
      check_component_kind(request.component_kind);
      CacheLocation loc = cache_location(request.cache_root);
      if (!loc.memory_only()) location = std::move(loc);
    }
    if (!location) {  // nothing compiled in this process yet: no need to probe a compiler
      std::lock_guard lock(cache().mutex);
      if (cache().entries.empty()) return nullptr;
    }
    const CompilerInfo& cc =
        location ? system_compiler_memoized(location->root + "/jit/compilers") : system_compiler();
    const std::string key = key_with(request, cc);
    const std::string slot = location ? "disk:" + location->root + std::string(1, '\0') + key : key;
    {
      Cache& c = cache();
      std::lock_guard lock(c.mutex);
      auto it = c.entries.find(slot);
      if (it != c.entries.end()) {
        const auto& future = it->second.future;
        if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return nullptr;
        try {
          const Built& b = future.get();
          counters().hits++;
          return std::make_shared<const LoadedKernel>(b.library, key, cc, b.timings, true, false);
        } catch (...) {
          return nullptr;
        }
      }
    }
    if (!location) return nullptr;
    std::error_code ec;
    const CacheEntryPaths paths = cache_entry_paths(location->root, request.component_kind, key);
    if (!fs::exists(fs::path(paths.dir) / kManifestFile, ec)) return nullptr;
    // A complete entry: load it the usual way (a damaged one is repaired there, by compiling).
    return compile_and_load(request);
  } catch (const std::exception&) {
    return nullptr;
  }
}

JitCounters jit_counters() {
  JitCounters out;
  out.compiles = counters().compiles.load();
  out.compile_failures = counters().failures.load();
  out.memory_hits = counters().hits.load();
  out.disk_hits = counters().disk_hits.load();
  out.disk_publishes = counters().disk_publishes.load();
  out.disk_repairs = counters().disk_repairs.load();
  out.processes = processes_started();
  std::lock_guard lock(cache().mutex);
  out.memory_entries = static_cast<long long>(cache().entries.size());
  return out;
}

void clear_memory_cache() {
  std::lock_guard lock(cache().mutex);
  cache().entries.clear();
}

}  // namespace dynlib::jit

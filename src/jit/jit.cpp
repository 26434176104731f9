#include "jit/jit.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>

#include "dynlib/errors.hpp"
#include "jit/embedded_kernel.hpp"
#include "support/digest.hpp"

namespace dynlib::jit {

namespace fs = std::filesystem;

class LoadedLibrary {
 public:
  explicit LoadedLibrary(void* handle) : handle_(handle) {}
  ~LoadedLibrary() {
    if (handle_) ::dlclose(handle_);
  }
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;
  void* symbol(const std::string& name) const { return ::dlsym(handle_, name.c_str()); }

 private:
  void* handle_;
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

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw DynlibError("cannot write " + path.string());
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
};
Counters& counters() {
  static Counters c;
  return c;
}

struct Built {
  std::shared_ptr<const LoadedLibrary> library;
  CompileTimings timings;
};

// Compiles `request` (key already computed) and loads the result. The disk cache, when it comes,
// stores the .so produced here under the same key and skips to load_shared_object().
Built build(const CompileRequest& request, const std::string& key, const CompilerInfo& cc,
            CompileTimings timings) {
  auto t0 = Clock::now();
  DirGuard dir{make_temp_dir("dynlib-jit-")};
  const fs::path root(dir.path);
  const std::string src = (root / "kernel.cpp").string();
  const std::string so = (root / "kernel.so").string();
  write_file(src, request.source);
  for (const auto& h : headers_of(request))
    write_file(root / "include" / std::string(h.path), h.text);
  timings.write = seconds_since(t0);

  t0 = Clock::now();
  std::vector<std::string> argv{cc.path};
  argv.insert(argv.end(), cc.extra_args.begin(), cc.extra_args.end());
  for (auto& f : compile_flags(request.options)) argv.push_back(std::move(f));
  argv.insert(argv.end(), {"-I", (root / "include").string(), "-o", so, src});
  counters().compiles++;
  ProcessResult r = run_process(argv);
  timings.compile = seconds_since(t0);
  std::error_code ec;
  if (r.exit_status != 0 || !fs::exists(so, ec)) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError("the C++ compiler (" + cc.path +
                           ") rejected the generated kernel (exit status " +
                           std::to_string(r.exit_status) + ")",
                       replace_all(r.output, src, kept), kept);
  }

  t0 = Clock::now();
  void* handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    counters().failures++;
    const char* err = ::dlerror();
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError("cannot load the compiled kernel", err ? err : "dlopen failed", kept);
  }
  auto library = std::make_shared<const LoadedLibrary>(handle);
  using AbiFn = int (*)();
  auto abi = reinterpret_cast<AbiFn>(library->symbol("dynlib_abi_version"));
  if (!abi) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError("the compiled kernel does not export extern \"C\" int dynlib_abi_version()",
                       "missing symbol dynlib_abi_version", kept);
  }
  const int got = abi();
  if (got != request.abi_version) {
    counters().failures++;
    const std::string kept = keep_failed_source(key, request.source);
    throw CompileError("the compiled kernel has ABI version " + std::to_string(got) +
                           ", this dynlib expects " + std::to_string(request.abi_version),
                       "dynlib_abi_version() returned " + std::to_string(got), kept);
  }
  fs::remove(so, ec);  // the mapping stays valid; the DirGuard removes the rest
  timings.load = seconds_since(t0);
  return {std::move(library), timings};
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

}  // namespace

LoadedKernel::LoadedKernel(std::shared_ptr<const LoadedLibrary> library, std::string key,
                           CompilerInfo compiler, CompileTimings timings, bool from_memory_cache)
    : library_(std::move(library)),
      key_(std::move(key)),
      compiler_(std::move(compiler)),
      timings_(timings),
      from_memory_cache_(from_memory_cache) {}

void* LoadedKernel::symbol(const std::string& name) const {
  return library_->symbol(name);
}

void* LoadedKernel::require_symbol(const std::string& name) const {
  void* p = symbol(name);
  if (!p) throw DynlibError("compiled kernel " + key_.substr(0, 16) + " has no symbol " + name);
  return p;
}

std::string kernel_key(const CompileRequest& request) {
  const CompilerInfo& cc = system_compiler();
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

std::shared_ptr<const LoadedKernel> compile_and_load(const CompileRequest& request) {
  const auto t0 = Clock::now();
  const CompilerInfo& cc = system_compiler();
  const std::string key = kernel_key(request);
  CompileTimings timings;
  timings.key = seconds_since(t0);

  Cache& c = cache();
  std::promise<Built> promise;
  std::shared_future<Built> future;
  bool owner = false;
  unsigned long long id = 0;
  {
    std::lock_guard lock(c.mutex);
    auto it = c.entries.find(key);
    if (it != c.entries.end()) {
      future = it->second.future;
    } else {
      future = promise.get_future().share();
      id = ++c.next_id;
      c.entries.emplace(key, Cache::Entry{future, id});
      owner = true;
    }
  }
  if (!owner) {
    const Built& b = future.get();  // rethrows the owner's error
    counters().hits++;
    return std::make_shared<const LoadedKernel>(b.library, key, cc, b.timings, true);
  }
  try {
    Built b = build(request, key, cc, timings);
    promise.set_value(b);
    return std::make_shared<const LoadedKernel>(std::move(b.library), key, cc, b.timings, false);
  } catch (...) {
    {
      std::lock_guard lock(c.mutex);  // failures are not cached: the next request tries again
      auto it = c.entries.find(key);
      if (it != c.entries.end() && it->second.id == id) c.entries.erase(it);
    }
    promise.set_exception(std::current_exception());
    throw;
  }
}

JitCounters jit_counters() {
  JitCounters out;
  out.compiles = counters().compiles.load();
  out.compile_failures = counters().failures.load();
  out.memory_hits = counters().hits.load();
  std::lock_guard lock(cache().mutex);
  out.memory_entries = static_cast<long long>(cache().entries.size());
  return out;
}

void clear_memory_cache() {
  std::lock_guard lock(cache().mutex);
  cache().entries.clear();
}

}  // namespace dynlib::jit

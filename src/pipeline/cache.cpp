// dynlib/cache.hpp on top of the JIT layer's disk cache, memory cache and compiler probe: the
// public structs are copies, so jit/ stays free to change its own.

#include "dynlib/cache.hpp"

#include <cctype>

#include "jit/compiler.hpp"
#include "jit/disk_cache.hpp"
#include "jit/jit.hpp"

namespace dynlib {
namespace {

CacheRootKind public_kind(jit::CacheRootKind kind) {
  switch (kind) {
    case jit::CacheRootKind::Config:
      return CacheRootKind::Config;
    case jit::CacheRootKind::Default:
      return CacheRootKind::Default;
    case jit::CacheRootKind::Fallback:
      return CacheRootKind::Fallback;
    case jit::CacheRootKind::MemoryOnly:
      return CacheRootKind::MemoryOnly;
  }
  return CacheRootKind::MemoryOnly;
}

jit::CacheRootKind jit_kind(CacheRootKind kind) {
  switch (kind) {
    case CacheRootKind::Config:
      return jit::CacheRootKind::Config;
    case CacheRootKind::Default:
      return jit::CacheRootKind::Default;
    case CacheRootKind::Fallback:
      return jit::CacheRootKind::Fallback;
    case CacheRootKind::MemoryOnly:
      return jit::CacheRootKind::MemoryOnly;
  }
  return jit::CacheRootKind::MemoryOnly;
}

CacheEntry public_entry(const jit::CacheEntryInfo& e) {
  const jit::Manifest& m = e.manifest;
  CacheEntry c;
  c.component_kind = e.component_kind;
  c.digest = e.digest;
  c.dir = e.dir;
  c.bytes = e.bytes;
  c.problem = e.problem;
  c.model_name = m.info_value("model_name");
  c.model_hash = m.info_value("model_hash");
  c.stepper = m.info_value("stepper");
  c.dtype = m.info_value("dtype");
  c.compiler_version = m.compiler_version;
  c.compile_seconds = m.compile_seconds;
  c.created_ms = m.created_ms;
  c.last_used_ms = e.last_used_ms;
  c.hits = m.hits;
  c.misses = m.misses;
  return c;
}

std::vector<CacheEntry> public_entries(const std::vector<jit::CacheEntryInfo>& entries) {
  std::vector<CacheEntry> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(public_entry(e));
  return out;
}

jit::ClearRequest::What jit_what(ClearRequest::What what) {
  switch (what) {
    case ClearRequest::What::All:
      return jit::ClearRequest::What::All;
    case ClearRequest::What::DigestPrefix:
      return jit::ClearRequest::What::DigestPrefix;
    case ClearRequest::What::OlderThan:
      return jit::ClearRequest::What::OlderThan;
  }
  return jit::ClearRequest::What::All;
}

}  // namespace

const char* cache_root_kind_name(CacheRootKind kind) {
  return jit::cache_root_kind_name(jit_kind(kind));
}

CacheLocation cache_location() {
  const jit::CacheLocation loc = jit::cache_location();
  return {loc.root, public_kind(loc.kind), loc.requested, loc.why, loc.max_size};
}

bool CacheFilter::matches(const CacheEntry& e) const {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return (stepper.empty() || e.stepper == stepper) && (dtype.empty() || e.dtype == dtype) &&
         (model_hash_prefix.empty() ||
          lower(e.model_hash).compare(0, model_hash_prefix.size(), lower(model_hash_prefix)) == 0);
}

std::vector<CacheEntry> list_cache_entries(const std::string& root, const CacheFilter& filter) {
  std::vector<CacheEntry> out;
  for (CacheEntry& e : public_entries(jit::list_cache_entries(root)))
    if (filter.matches(e)) out.push_back(std::move(e));
  return out;
}

CacheStats cache_stats(const std::string& root) {
  const jit::CacheStats s = jit::cache_stats(root);
  return {s.entries, s.damaged, s.bytes, s.entry_bytes, s.hits, s.misses};
}

ClearResult clear_cache(const std::string& root, const ClearRequest& request) {
  jit::ClearRequest r;
  r.what = jit_what(request.what);
  r.digest_prefix = request.digest_prefix;
  r.older_than_ms = request.older_than_ms;
  if (!request.filter.empty())
    r.also = [filter = request.filter](const jit::CacheEntryInfo& e) {
      return filter.matches(public_entry(e));
    };
  r.dry_run = request.dry_run;
  jit::ClearResult result = jit::clear_cache(root, r);
  return {public_entries(result.removed), std::move(result.failed), result.stale_temp_dirs};
}

std::optional<long long> parse_duration_ms(std::string_view text) {
  return jit::parse_duration_ms(text);
}

void clear_memory_cache() {
  jit::clear_memory_cache();
}

void reset_compiler_probe() {
  jit::reset_compiler_probe();
}

CompileCounters compile_counters() {
  const jit::JitCounters c = jit::jit_counters();
  return {c.compiles,  c.compile_failures, c.memory_hits,  c.memory_entries,
          c.disk_hits, c.disk_publishes,   c.disk_repairs, c.processes};
}

}  // namespace dynlib

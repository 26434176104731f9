// dynlib cache path | list | stats | clear: a thin view on dynlib/cache.hpp.

#include <fmt/format.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "dynlib/cache.hpp"
#include "dynlib/errors.hpp"

namespace dynlib::cli {
namespace {

std::string human_bytes(long long n) {
  if (n < 1024) return fmt::format("{} B", n);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n) / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string local_time(long long ms) {
  if (ms <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

// The effective root, or nullopt (after saying so) when the cache is memory only.
std::optional<CacheLocation> disk_location() {
  CacheLocation loc = cache_location();
  if (loc.memory_only()) {
    fmt::print("no disk cache: {}\n", loc.why);
    return std::nullopt;
  }
  return loc;
}

int path() {
  const CacheLocation loc = cache_location();
  if (loc.memory_only()) {
    fmt::print("(memory only)\nsource: {}\n", loc.why);
    return 0;
  }
  fmt::print("{}\nsource: {} ({})\n", loc.root, cache_root_kind_name(loc.kind), loc.why);
  if (loc.max_size) fmt::print("max size: {}\n", human_bytes(*loc.max_size));
  return 0;
}

// --stepper, --dtype, --hash of list and clear (the reference dynlib's options).
void add_filter_options(CLI::App& cmd, CacheFilter& filter, const char* verb) {
  cmd.add_option("--stepper", filter.stepper,
                 fmt::format("{} only entries built for this stepper", verb));
  cmd.add_option("--dtype", filter.dtype,
                 fmt::format("{} only entries of this dtype (float64, float32, int64)", verb));
  cmd.add_option("--hash", filter.model_hash_prefix,
                 fmt::format("{} only entries of models whose spec hash starts with this", verb));
}

int list(const CacheFilter& filter) {
  const auto loc = disk_location();
  if (!loc) return 0;
  const auto entries = list_cache_entries(loc->root, filter);
  if (entries.empty()) {
    fmt::print("no {}entries in {}\n", filter.empty() ? "" : "matching ", loc->root);
    return 0;
  }
  fmt::print("{:<12}  {:<8}  {:<20}  {:<10}  {:<7}  {:>10}  {:<19}  {:>5}\n", "DIGEST", "KIND",
             "MODEL", "STEPPER", "DTYPE", "SIZE", "LAST USED", "HITS");
  for (const auto& e : entries) {
    const std::string model = e.problem.empty() ? or_dash(e.model_name) : "(damaged)";
    fmt::print("{:<12}  {:<8}  {:<20}  {:<10}  {:<7}  {:>10}  {:<19}  {:>5}\n",
               e.digest.substr(0, 12), e.component_kind, model, or_dash(e.stepper),
               or_dash(e.dtype), human_bytes(e.bytes), local_time(e.last_used_ms), e.hits);
  }
  return 0;
}

int stats() {
  const auto loc = disk_location();
  if (!loc) return 0;
  const CacheStats s = cache_stats(loc->root);
  fmt::print("root:     {}\n", loc->root);
  fmt::print("entries:  {}{}\n", s.entries,
             s.damaged ? fmt::format(" ({} damaged)", s.damaged) : std::string());
  fmt::print("size:     {} (entries {})\n", human_bytes(s.bytes), human_bytes(s.entry_bytes));
  if (loc->max_size) fmt::print("max size: {}\n", human_bytes(*loc->max_size));
  fmt::print("hits:     {}\nmisses:   {}\n", s.hits, s.misses);
  return 0;
}

struct ClearArgs {
  bool all = false;
  std::string older_than;
  std::string prefix;
  CacheFilter filter;
  bool dry_run = false;
};

int clear(const ClearArgs& args) {
  const int chosen =
      (args.all ? 1 : 0) + (args.older_than.empty() ? 0 : 1) + (args.prefix.empty() ? 0 : 1);
  // Filters alone select among all entries; with --all, --older-than or a prefix they narrow it.
  if (chosen > 1 || (chosen == 0 && args.filter.empty()))
    throw DynlibError(
        "dynlib cache clear: give one of --all, --older-than DURATION or a DIGEST_PREFIX, "
        "and/or filters (--stepper, --dtype, --hash)");
  ClearRequest request;
  request.filter = args.filter;
  request.dry_run = args.dry_run;
  if (args.all || chosen == 0) {
    request.what = ClearRequest::What::All;
  } else if (!args.older_than.empty()) {
    const auto ms = parse_duration_ms(args.older_than);
    if (!ms)
      throw DynlibError(
          fmt::format("dynlib cache clear: '{}' is not a duration (use e.g. 90s, 30m, 12h, 7d, 2w)",
                      args.older_than));
    request.what = ClearRequest::What::OlderThan;
    request.older_than_ms = *ms;
  } else {
    request.what = ClearRequest::What::DigestPrefix;
    request.digest_prefix = args.prefix;
  }
  const auto loc = disk_location();
  if (!loc) return 0;
  const ClearResult r = clear_cache(loc->root, request);
  const char* verb = args.dry_run ? "would remove" : "removed";
  long long bytes = 0;
  for (const auto& e : r.removed) {
    bytes += e.bytes;
    fmt::print("{} {}  {}  {}  {}  {}  {}\n", verb, e.digest.substr(0, 12), e.component_kind,
               e.problem.empty() ? or_dash(e.model_name) : "(damaged)", or_dash(e.stepper),
               or_dash(e.dtype), human_bytes(e.bytes));
  }
  fmt::print("{} {} entr{} ({}) from {}\n", verb, r.removed.size(),
             r.removed.size() == 1 ? "y" : "ies", human_bytes(bytes), loc->root);
  if (r.stale_temp_dirs > 0)
    fmt::print("removed {} abandoned build director{}\n", r.stale_temp_dirs,
               r.stale_temp_dirs == 1 ? "y" : "ies");
  for (const auto& f : r.failed) fmt::print(stderr, "dynlib cache clear: could not remove {}\n", f);
  return r.failed.empty() ? 0 : 1;
}

}  // namespace

void add_cache_commands(CLI::App& app) {
  CLI::App* cache = app.add_subcommand(
      "cache", "Inspect and clean the on-disk cache of compiled kernels: path, list, stats, clear");
  cache->require_subcommand(1);

  cache->add_subcommand("path", "Print the effective cache root and why it is that one")
      ->callback([] { set_action([] { return path(); }); });
  auto list_filter = std::make_shared<CacheFilter>();
  CLI::App* list_cmd = cache->add_subcommand(
      "list", "One row per entry: digest, model, stepper, dtype, size, last use");
  add_filter_options(*list_cmd, *list_filter, "List");
  list_cmd->callback([list_filter] { set_action([list_filter] { return list(*list_filter); }); });
  cache->add_subcommand("stats", "Entries, bytes, and the hits and misses recorded in manifests")
      ->callback([] { set_action([] { return stats(); }); });

  auto args = std::make_shared<ClearArgs>();
  CLI::App* clear_cmd = cache->add_subcommand(
      "clear",
      "Remove entries: --all, those last used before --older-than, by digest prefix, and/or by "
      "--stepper, --dtype, --hash");
  clear_cmd->add_flag("--all", args->all, "Remove every entry");
  clear_cmd->add_option("--older-than", args->older_than,
                        "Remove entries last used longer ago than this (90s, 30m, 12h, 7d, 2w)");
  clear_cmd->add_option("prefix", args->prefix, "Remove the entries whose digest starts with this");
  add_filter_options(*clear_cmd, args->filter, "Remove");
  clear_cmd->add_flag("--dry-run,--dry_run", args->dry_run,
                      "Print what would be removed, remove nothing");
  clear_cmd->callback([args] { set_action([args] { return clear(*args); }); });
}

}  // namespace dynlib::cli

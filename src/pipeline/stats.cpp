// The process-wide compile statistics behind dynlib::jit_stats(): one entry per kernel (a model's
// generated source for one stepper and dtype), updated by build(), background compiles and runs.
#include <algorithm>
#include <map>
#include <mutex>

#include "pipeline/factory.hpp"

namespace dynlib {
namespace detail {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, KernelStats> entries;
};
Registry& registry() {
  static auto* r = new Registry();  // never destroyed: background compiles may report at exit
  return *r;
}

KernelStats& entry_for(Registry& r, const BuiltModel& mi) {
  KernelStats& k = r.entries[mi.stats.kernel_id];
  if (k.id.empty()) {
    k.id = mi.stats.kernel_id;
    k.model_name = mi.info.name;
    k.stepper = mi.stepper_name;
    k.dtype = dtype_name(mi.dtype);
    k.quick = mi.options.jit.mode == JitMode::Quick;
  }
  return k;
}

void add_backend(KernelStats& k, const char* backend) {
  if (std::find(k.backends.begin(), k.backends.end(), backend) == k.backends.end())
    k.backends.emplace_back(backend);
}

void count_kernel(KernelStats& k, const jit::LoadedKernel& kernel, int tier) {
  k.digest = kernel.key();
  if (kernel.from_memory_cache()) {
    ++k.memory_hits;
  } else if (kernel.from_disk_cache()) {
    ++k.disk_hits;
  } else {
    const jit::CompileTimings& t = kernel.timings();
    const double seconds = t.key + t.write + t.compile + t.load;
    ++k.compiles;
    k.compile_seconds += seconds;
    ++k.tiers[tier].compiles;
    k.tiers[tier].compile_seconds += seconds;
  }
}

}  // namespace

namespace pipeline_detail {

void stats_on_build(const BuiltModel& mi) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  KernelStats& k = entry_for(r, mi);
  ++k.builds;
  if (mi.factory->loaded) count_kernel(k, *mi.factory->loaded, 1);
}

void stats_on_compiled(const BuiltModel& mi, const jit::LoadedKernel& kernel, int tier) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  count_kernel(entry_for(r, mi), kernel, tier);
}

void stats_on_tier2_verdict(const BuiltModel& mi, TierVerdict verdict) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  entry_for(r, mi).tier2_verdict = verdict == TierVerdict::Keep ? "kept" : "dropped";
}

}  // namespace pipeline_detail

namespace {

void count_run(const BuiltModel& mi, const RunStats& run) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  KernelStats& k = entry_for(r, mi);
  ++k.runs;
  k.interp_steps += run.interp_steps;
  k.interp_seconds += run.interp_seconds;
  k.native_steps += run.native_steps;
  k.native_seconds += run.native_seconds;
  if (run.interp_steps > 0) add_backend(k, "interpreter");
  if (run.native_steps > 0) add_backend(k, "native");
  if (run.switch_step >= 0) ++k.auto_switches;
  for (int t = 0; t < KernelStats::kTiers; ++t) {
    const TierTime spent = tier_time(run, t);
    k.tiers[t].steps += spent.steps;
    k.tiers[t].seconds += spent.seconds;
    if (spent.steps > 0) k.tier = std::max(k.tier, t);
  }
  if (run.tier2_step >= 0) ++k.tier_ups;
}

}  // namespace

void BuiltModel::on_run(const RunStats& run) const {
  count_run(*this, run);
  pipeline_detail::auto_on_run(*this, run);
}

}  // namespace detail

std::vector<KernelStats> jit_stats() {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  std::vector<KernelStats> out;
  for (const auto& [id, k] : r.entries) out.push_back(k);
  return out;
}

void reset_jit_stats() {
  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mutex);
  r.entries.clear();
}

}  // namespace dynlib

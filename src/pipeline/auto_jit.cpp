// jit=auto's tiers: which native kernel a run starts in (tier 2 > tier 1 > the interpreter), and
// when to compile the next tier in the background. Two rules start a compile (docs/jit.md):
// - one run's own estimate of its remaining interpretation (its progress so far), and
// - every run of the kernel in this process together: once `min_calls` runs have spent
//   `threshold` seconds interpreted, the kernel is hot and more runs are expected to follow, so
//   a loop of short runs (or a batch of short trajectories) goes native too.
// A kernel whose runs have spent `tier_threshold` seconds in its tier-1 code is recompiled at
// -O3 -march=native (tier 2). Every tier computes the same bits (-ffp-contract=off, no
// fast-math), so a run may move up at any YIELD.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "pipeline/factory.hpp"
#include "support/config.hpp"

namespace dynlib::detail {

using AutoNative = BuiltModel::Factory::AutoNative;
using BackgroundKernel = BuiltModel::Factory::BackgroundKernel;

namespace {

BackgroundKernel& tier_kernel(const BuiltModel& m, int tier) {
  AutoNative& an = *m.factory->auto_native;
  return tier == 2 ? an.tier2 : an.tier1;
}

// Starts compiling `tier` (1 or 2) on a background thread unless someone has.
void start_tier(const BuiltModel& m, int tier) {
  AutoNative& an = *m.factory->auto_native;
  BackgroundKernel& bk = tier_kernel(m, tier);
  std::lock_guard lock(bk.mutex);
  if (bk.started) return;
  bk.started = true;
  const jit::CompileRequest& request = tier == 2 ? an.tier2_request : m.factory->request;
  // The task reads `m`, which outlives it: ~BackgroundKernel (owned by the factory) waits for it.
  bk.job = std::async(std::launch::async, [&m, &bk, &request, tier] {
             try {
               auto k = jit::compile_and_load(request);
               bk.kernel = pipeline_detail::make_native_kernel(m, k, false);
               pipeline_detail::stats_on_compiled(m, *k, tier);
               bk.ready.store(true, std::memory_order_release);
             } catch (const std::exception& e) {
               bk.failed = true;
               static std::atomic<bool> warned[3]{};
               if (!warned[tier].exchange(true))
                 fmt::print(stderr,
                            "dynlib: warning: jit=auto could not build a native kernel (tier {}) "
                            "for model '{}'; it keeps running {} ({})\n",
                            tier, m.info.name,
                            tier == 2 ? "its tier-1 kernel" : "in the interpreter", e.what());
             }
           }).share();
}

void wait_for(BackgroundKernel& bk) {
  std::shared_future<void> job;
  {
    std::lock_guard lock(bk.mutex);
    job = bk.job;
  }
  if (job.valid()) job.wait();
}

struct KernelHeatView {
  long long runs;
  double interp_seconds, tier1_seconds;
};

// Whether every run of the kernel so far, plus `current` (a run in progress, counted as one more
// run when `in_progress`), has spent long enough in `tier` to pay for the next one.
bool pays_across_runs(const AutoNative& an, int tier, const RunStats& current, bool in_progress) {
  std::lock_guard lock(an.heat->mutex);
  const KernelHeatView h{an.heat->runs + (in_progress ? 1 : 0),
                         an.heat->interp_seconds + current.interp_seconds,
                         an.heat->tier1_seconds + current.native_seconds - current.tier2_seconds};
  if (tier == 0) return h.runs >= an.min_calls && h.interp_seconds >= an.threshold;
  return tier == 1 && h.tier1_seconds >= an.tier_threshold;
}

}  // namespace

BuiltModel::Native BuiltModel::best_native() const {
  const AutoNative* an = factory->auto_native.get();
  if (an && an->tier2.ready.load(std::memory_order_acquire)) return {an->tier2.kernel, 2};
  if (factory->native) return {factory->native, factory->native_tier};
  if (an && an->tier1.ready.load(std::memory_order_acquire)) return {an->tier1.kernel, 1};
  return {};
}

bool BuiltModel::auto_jit() const {
  return factory->auto_native != nullptr;
}

void BuiltModel::consider_tiers(int tier, const RunStats& current, double fraction,
                                double elapsed) const {
  const AutoNative& an = *factory->auto_native;
  if (tier >= 2) return;
  // The run in progress counts as a run once it has taken steps (not at its start).
  const bool in_progress = current.interp_steps + current.native_steps > 0;
  bool pays = pays_across_runs(an, tier, current, in_progress);
  if (tier == 0 && !pays) {
    const double remaining = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : elapsed;
    pays = remaining > an.threshold;
  }
  if (pays) start_tier(*this, tier + 1);
}

void BuiltModel::compile_tier_now(int tier) const {
  start_tier(*this, tier);
  wait_for(tier_kernel(*this, tier));
}

void BuiltModel::wait_compiles() const {
  for (int tier : {1, 2}) wait_for(tier_kernel(*this, tier));
}

namespace pipeline_detail {

std::shared_ptr<BuiltModel::Factory::KernelHeat> kernel_heat(const std::string& id) {
  static std::mutex mutex;
  static auto* heats =
      new std::map<std::string, std::shared_ptr<BuiltModel::Factory::KernelHeat>>();
  std::lock_guard lock(mutex);
  auto& h = (*heats)[id];
  if (!h) h = std::make_shared<BuiltModel::Factory::KernelHeat>();
  return h;
}

void configure_auto_native(BuiltModel& m, const BuildOptions& options) {
  const support::UserConfig& config = support::user_config();
  auto an = std::make_unique<AutoNative>();
  an->threshold = options.auto_threshold.value_or(
      config.jit_auto_threshold.value_or(defaults::jit_auto_threshold));
  if (!(an->threshold >= 0) || !std::isfinite(an->threshold))
    throw DynlibError(fmt::format(
        "auto_threshold must be a finite non-negative number of seconds, got {}", an->threshold));
  an->min_calls = options.auto_min_calls.value_or(
      config.jit_auto_min_calls.value_or(defaults::jit_auto_min_calls));
  if (an->min_calls < 1)
    throw DynlibError(
        fmt::format("auto_min_calls must be at least 1 (a number of runs), got {}", an->min_calls));
  an->tier_threshold = options.auto_tier_threshold.value_or(
      config.jit_auto_tier_threshold.value_or(defaults::jit_auto_tier_threshold));
  if (!(an->tier_threshold >= 0))
    throw DynlibError(fmt::format(
        "auto_tier_threshold must be a non-negative number of seconds (inf: never), got {}",
        an->tier_threshold));
  an->tier2_request = m.factory->request;
  an->tier2_request.options.opt_level = 3;
  an->tier2_request.options.march_native = true;
  an->heat = kernel_heat(m.stats.kernel_id);
  m.factory->auto_native = std::move(an);
}

void auto_on_run(const BuiltModel& m, const RunStats& run) {
  if (!m.auto_jit()) return;
  const AutoNative& an = *m.factory->auto_native;
  {
    std::lock_guard lock(an.heat->mutex);
    ++an.heat->runs;
    an.heat->interp_seconds += run.interp_seconds;
    an.heat->tier1_seconds += run.native_seconds - run.tier2_seconds;
  }
  const int tier = m.best_native().tier;
  if (tier < 2 && pays_across_runs(an, tier, RunStats{}, false)) start_tier(m, tier + 1);
}

}  // namespace pipeline_detail

}  // namespace dynlib::detail

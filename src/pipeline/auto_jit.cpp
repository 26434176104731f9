// jit=auto's tiers: which native kernel a run starts in (tier 2 > tier 1 > the interpreter), and
// when to compile the next tier in the background. Two rules start a compile (docs/jit.md):
// - one run's own estimate of its remaining interpretation (its progress so far), and
// - every run of the kernel in this process together: once `min_calls` runs have spent
//   `threshold` seconds interpreted, the kernel is hot and more runs are expected to follow, so
//   a loop of short runs (or a batch of short trajectories) goes native too.
// A kernel whose runs have spent `tier_threshold` seconds in its tier-1 code is recompiled at
// -O3 -march=native (tier 2), kept only if it is measured faster (tier_trial.hpp). Every tier
// computes the same bits (-ffp-contract=off, no fast-math), so a run may move at any YIELD.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "pipeline/factory.hpp"
#include "support/config.hpp"

namespace dynlib::detail {

using AutoNative = BuiltModel::Factory::AutoNative;
using BackgroundKernel = BuiltModel::Factory::BackgroundKernel;
using KernelHeat = BuiltModel::Factory::KernelHeat;

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

TierVerdict verdict_of(const KernelHeat& h) {
  return static_cast<TierVerdict>(h.tier2_verdict.load());
}

// Whether this model's runs are trying tier 2 against tier 1 now.
bool on_trial(const AutoNative& an) {
  return an.tier2.ready.load(std::memory_order_acquire) &&
         verdict_of(*an.heat) == TierVerdict::Undecided;
}

// The kernel's run time so far, `h`, plus `current` (a run in progress, counted as one more run
// when `in_progress`; its native time is trial time when `trial`).
KernelHeat::Totals heat_with(const KernelHeat::Totals& h, const RunStats& current, bool in_progress,
                             bool trial) {
  auto plus = [](TierTime a, TierTime b, bool add) {
    return add ? TierTime{a.steps + b.steps, a.seconds + b.seconds} : a;
  };
  const TierTime run1 = tier_time(current, 1), run2 = tier_time(current, 2);
  return {h.runs + (in_progress ? 1 : 0), h.interp_seconds + current.interp_seconds,
          plus(h.tier1, run1, true),      plus(h.tier2, run2, true),
          plus(h.trial1, run1, trial),    plus(h.trial2, run2, trial)};
}

// What the kernel's runs so far say for a model whose runs are in `tier`: start the next tier's
// compile (tiers 0 and 1), or judge tier 2 once its trial is over.
void weigh_heat(const BuiltModel& m, int tier, const RunStats& current, bool in_progress) {
  const AutoNative& an = *m.factory->auto_native;
  const bool trial = on_trial(an);
  KernelHeat::Totals h;
  {
    std::lock_guard lock(an.heat->mutex);
    h = heat_with(an.heat->totals, current, in_progress, trial);
  }
  if (tier == 0 && h.runs >= an.min_calls && h.interp_seconds >= an.threshold) start_tier(m, 1);
  // Tier 2 waits for tier 1 to have run (and is never tried again once dropped).
  if (tier == 1 && h.tier1.steps > 0 && h.tier1.seconds >= an.tier_threshold &&
      verdict_of(*an.heat) != TierVerdict::Drop)
    start_tier(m, 2);
  if (trial) {
    const TierVerdict v = tier2_verdict(h.trial1, h.trial2, an.tier_threshold);
    int expected = static_cast<int>(TierVerdict::Undecided);
    if (v != TierVerdict::Undecided &&
        an.heat->tier2_verdict.compare_exchange_strong(expected, static_cast<int>(v)))
      pipeline_detail::stats_on_tier2_verdict(m, v);
  }
}

}  // namespace

BuiltModel::Native BuiltModel::best_native() const {
  const AutoNative* an = factory->auto_native.get();
  if (an && an->tier2.ready.load(std::memory_order_acquire) &&
      verdict_of(*an->heat) != TierVerdict::Drop)
    return {an->tier2.kernel, 2};
  return tier1_native();
}

BuiltModel::Native BuiltModel::tier1_native() const {
  if (factory->native) return {factory->native, 1};
  const AutoNative* an = factory->auto_native.get();
  if (an && an->tier1.ready.load(std::memory_order_acquire)) return {an->tier1.kernel, 1};
  return {};
}

BuiltModel::Native BuiltModel::next_native() const {
  const AutoNative* an = factory->auto_native.get();
  if (an && on_trial(*an) && an->heat->trial_turn.fetch_add(1) % 2 == 1)
    if (Native t1 = tier1_native(); t1.kernel) return t1;
  return best_native();
}

bool BuiltModel::auto_jit() const {
  return factory->auto_native != nullptr;
}

void BuiltModel::consider_tiers(int tier, const RunStats& current, double fraction,
                                double elapsed) const {
  const AutoNative& an = *factory->auto_native;
  if (tier == 0) {
    const double remaining = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : elapsed;
    if (remaining > an.threshold) start_tier(*this, 1);
  }
  // The run in progress counts as a run once it has taken steps (not at its start).
  weigh_heat(*this, tier, current, current.interp_steps + current.native_steps > 0);
}

void BuiltModel::compile_tier_now(int tier) const {
  start_tier(*this, tier);
  wait_for(tier_kernel(*this, tier));
}

void BuiltModel::wait_compiles() const {
  for (int tier : {1, 2}) wait_for(tier_kernel(*this, tier));
}

namespace pipeline_detail {

std::shared_ptr<KernelHeat> kernel_heat(const std::string& id) {
  static std::mutex mutex;
  static auto* heats = new std::map<std::string, std::shared_ptr<KernelHeat>>();
  std::lock_guard lock(mutex);
  auto& h = (*heats)[id];
  if (!h) h = std::make_shared<KernelHeat>();
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
  const bool trial = on_trial(*m.factory->auto_native);
  KernelHeat& heat = *m.factory->auto_native->heat;
  {
    std::lock_guard lock(heat.mutex);
    heat.totals = heat_with(heat.totals, run, true, trial);
  }
  weigh_heat(m, m.best_native().tier, RunStats{}, false);
}

}  // namespace pipeline_detail

}  // namespace dynlib::detail

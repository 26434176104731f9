// jit_report(): jit_stats() as a table per kernel, one row per tier that compiled or ran.
#include <fmt/format.h>

#include "dynlib/dynlib.hpp"

namespace dynlib {

const char* KernelStats::tier_name(int tier) {
  switch (tier) {
    case 0:
      return "interpreter";
    case 1:
      return "native -O2";
    case 2:
      return "native -O3 -march=native";
    default:
      return "?";
  }
}

const char* KernelStats::tier_label(int tier) const {
  return tier == 1 && quick ? "native functions (quick)" : tier_name(tier);
}

std::string jit_report() {
  const std::vector<KernelStats> all = jit_stats();
  if (all.empty()) return "jit report: no model built in this process\n";
  std::string out = fmt::format("jit report: {} kernel{} in this process\n", all.size(),
                                all.size() == 1 ? "" : "s");
  for (const KernelStats& k : all) {
    std::string tier2;
    if (!k.tier2_verdict.empty())
      tier2 = fmt::format("; tier 2 {} ({:.2f}x tier 1's speed)", k.tier2_verdict,
                          k.tiers[1].ns_per_step() / k.tiers[2].ns_per_step());
    else if (k.tiers[2].steps > 0)
      tier2 = "; tier 2 on trial";
    auto count = [](long long n, const char* what) {
      return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
    };
    out += fmt::format("{} ({}, {}), kernel {}: {} ({}, {}), {}, highest tier {}{}\n", k.model_name,
                       k.stepper, k.dtype, k.id.substr(0, 12), count(k.builds, "build"),
                       count(k.memory_hits, "memory hit"), count(k.disk_hits, "disk hit"),
                       count(k.runs, "run"), k.tier, tier2);
    out += fmt::format("  {:<26} {:>8} {:>10} {:>14} {:>10} {:>10} {:>9}\n", "tier", "compiles",
                       "compile s", "steps", "run s", "ns/step", "speed-up");
    for (int t = 0; t < KernelStats::kTiers; ++t) {
      const KernelStats::Tier& tier = k.tiers[t];
      if (tier.steps == 0 && tier.compiles == 0) continue;
      const std::string compiles = t == 0 ? "-" : fmt::format("{}", tier.compiles);
      const std::string compile_s = t == 0 ? "-" : fmt::format("{:.3f}", tier.compile_seconds);
      const double speedup = t == 0 ? (tier.steps ? 1.0 : 0.0) : k.tier_speedup(t);
      out += fmt::format("  {:<26} {:>8} {:>10} {:>14} {:>10.3f} {:>10.1f} {:>9}\n",
                         fmt::format("{} {}", t, k.tier_label(t)), compiles, compile_s, tier.steps,
                         tier.seconds, tier.ns_per_step(),
                         speedup > 0 ? fmt::format("{:.2f}x", speedup) : "-");
    }
  }
  return out;
}

}  // namespace dynlib

// jit=auto's verdict on a tier-2 kernel: -O3 -march=native is not always faster than -O2 (on
// small scalar models it is often a little slower), so tier 2 replaces tier 1 only where it is
// measured faster. While tier 2 is on trial, the kernel's runs and kernel calls alternate between
// the two tiers, so both see the same mix of work (short and long runs, recorded or not) under
// the same machine load; once each has run for half the trial time (at least 0.05 s), their mean
// times per step decide.
#pragma once

#include <algorithm>

#include "dynlib/dynlib.hpp"

namespace dynlib::detail {

enum class TierVerdict { Undecided = 0, Keep = 1, Drop = 2 };

struct TierTime {
  long long steps = 0;
  double seconds = 0.0;
};

// What a run spent in `tier` (0 interpreter, 1 and 2 native): RunStats counts native steps as a
// whole and the tier-2 part of them apart.
inline TierTime tier_time(const RunStats& r, int tier) {
  if (tier == 0) return {r.interp_steps, r.interp_seconds};
  if (tier == 1) return {r.native_steps - r.tier2_steps, r.native_seconds - r.tier2_seconds};
  return {r.tier2_steps, r.tier2_seconds};
}

// `tier1`, `tier2`: the time each tier ran during the trial.
inline TierVerdict tier2_verdict(TierTime tier1, TierTime tier2, double trial_seconds) {
  const double each = std::max(trial_seconds / 2, 0.05);
  if (tier1.steps <= 0 || tier2.steps <= 0 || tier1.seconds < each || tier2.seconds < each)
    return TierVerdict::Undecided;
  const double ns1 = tier1.seconds / static_cast<double>(tier1.steps);
  const double ns2 = tier2.seconds / static_cast<double>(tier2.steps);
  return ns2 <= ns1 ? TierVerdict::Keep : TierVerdict::Drop;
}

}  // namespace dynlib::detail

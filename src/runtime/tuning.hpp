// Knobs of the wrapper loop that users never need but tests do: starting buffer capacities (to
// force many GROW_REC/GROW_EVT re-entries) and a fixed step budget (to force many YIELDs). Zero
// means "the wrapper decides". Process-wide; read at the start of each run().
#pragma once

#include <atomic>

namespace dynlib::detail {

struct Tuning {
  std::atomic<long long> rec_cap0{0};     // initial record rows
  std::atomic<long long> evt_cap0{0};     // initial event rows
  std::atomic<long long> step_budget{0};  // steps per kernel call (0: adaptive, ~50 ms a call)
  // Bytes the record and event buffers of one run may take (0: the machine's physical memory);
  // a run that needs more stops with Status::MemoryLimit and keeps what it recorded.
  std::atomic<long long> memory_limit{0};
  // jit=auto: > 0 pins the switch to the first YIELD at or after this step (compiling and waiting
  // there, whatever the threshold), so tests can prove a mid-run switch changes no bit.
  std::atomic<long long> auto_switch_step{0};
  // jit=auto: > 0 pins the move from tier 1 to tier 2 (-O3 -march=native) the same way.
  std::atomic<long long> tier_up_step{0};
  // jit=auto: wait for each background compile as soon as it starts, so tests pin when a compile
  // starts and which run first goes native, independent of how long the compiler takes.
  std::atomic<bool> wait_for_compiles{false};
  // Counted, not set: fresh runs that recorded into the buffers of released results
  // (record_pool.hpp), so tests can tell reuse from an allocator handing back the same address.
  std::atomic<long long> record_buffers_reused{0};
};

Tuning& tuning();

// The bytes one run's record and event buffers, or one batch's results, may take: the machine's
// physical memory, or Tuning::memory_limit when set.
double memory_limit();

}  // namespace dynlib::detail

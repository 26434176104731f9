// Where a Sim's recording buffers come from. Fresh memory is what makes a recorded run slow:
// every 4 KiB page costs a fault on first touch (measured at ~17 µs a page on this project's
// machines, docs/PERFORMANCE.md), more than the kernel takes to fill it. So
// - the buffers of a run's results come back to the Sim when those results are released (the
//   next run writes into memory already faulted in), and
// - a large buffer that must be allocated asks for transparent huge pages (one fault per 2 MiB)
//   and is faulted in by one system call, not a trap per page.
// Neither changes a value: only where the rows are written.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace dynlib::detail {

// The recorded columns of one run, in the layout ResultsData keeps them.
struct RecordBuffers {
  std::vector<double> t;
  std::vector<long long> step;
  std::vector<double> f64;  // the model's dtype: one of these three holds the rows
  std::vector<float> f32;
  std::vector<long long> i64;
};

// One set of buffers handed back by released results, waiting for the Sim's next run. Results
// may be released on any thread (Python's garbage collector, a batch worker), hence the lock.
// At most one set is kept (the latest): the memory a single run of this Sim recorded.
class RecordPool {
 public:
  void give(RecordBuffers&& buffers) {
    std::lock_guard lock(mutex_);
    kept_ = std::move(buffers);
  }
  // The kept set when its time column holds between `rows` and 4 × `rows` (+ 1024) samples: a
  // set far larger than the run needs would stay attached to its results; it is freed instead.
  // `rows` < 0 (a run of unknown length) takes any set.
  std::optional<RecordBuffers> take(long long rows) {
    std::optional<RecordBuffers> out;
    {
      std::lock_guard lock(mutex_);
      out.swap(kept_);
    }
    if (out && rows >= 0 && out->t.capacity() > 4 * static_cast<size_t>(rows) + 1024)
      out.reset();  // freed outside the lock
    return out;
  }

 private:
  std::mutex mutex_;
  std::optional<RecordBuffers> kept_;
};

// Before the first touch of a large new block [p, p + bytes): asks the kernel to back it with
// transparent huge pages (where the system allows them only on request, as Debian's default
// "madvise" mode does; only the 2 MiB-aligned interior qualifies), then faults it all in.
// Smaller blocks are left alone.
inline void prepare_large_block(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
  // One system call faults the whole block in (huge pages where advised), instead of one trap
  // per page on first touch; the block's unaligned head and tail stay in 4 KiB pages.
  const uintptr_t first = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{4095};
  ::madvise(reinterpret_cast<void*>(first), reinterpret_cast<uintptr_t>(p) + bytes - first,
            MADV_POPULATE_WRITE);
#endif
#else
  (void)p;
  (void)bytes;
#endif
}

// v.resize(n), with a new allocation (growth past the capacity) prepared before its first touch.
template <class T>
void resize_buffer(std::vector<T>& v, size_t n) {
  if (n > v.capacity()) {
    v.reserve(n);
    prepare_large_block(v.data(), n * sizeof(T));
  }
  v.resize(n);
}

}  // namespace dynlib::detail

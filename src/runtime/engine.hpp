// The wrapper loop's interface (DESIGN rule 4): an Engine owns every buffer of a run, fills
// RunArgs, calls the kernel (the interpreter's or a native one, through pipeline::Entry) and acts
// on the status it returns: grows the record/event buffers and re-enters (GROW_REC/GROW_EVT),
// reports progress and considers going native at YIELD (jit=auto), and turns the terminal
// statuses into Results with a precise message.
#pragma once

#include <csignal>
#include <memory>
#include <type_traits>
#include <vector>

#include "runtime/results_data.hpp"
#include "runtime/run_plan.hpp"

namespace dynlib::detail {

static_assert(std::is_same_v<std::sig_atomic_t, int>,
              "request_stop() writes a sig_atomic_t the kernel reads as volatile int");

struct Hooks {
  const ProgressFn* progress = nullptr;
  double progress_interval = 0.2;
  volatile int* stop = nullptr;
  // Sim::set_record_sink: when set, full buffers of `sink_rows` samples (or event firings) are
  // handed over and emptied instead of grown.
  const RecordSink* sink = nullptr;
  long long sink_rows = 0;
};

// Where the previous run's results live; a resumed run takes its buffers back from here.
struct ResultsSlot {
  std::shared_ptr<ResultsData> last;  // null before the first run
  Results results{nullptr};
  bool failed = false;  // the last run failed after it started: it has no results
};

class EngineBase {
 public:
  virtual ~EngineBase() = default;
  virtual bool has_run() const = 0;
  virtual void set_state(int i, Scalar v) = 0;  // initial state and, after a run, the current one
  virtual void set_param(int flat, Scalar v) = 0;
  virtual std::vector<double> state() const = 0;
  virtual double param(int flat) const = 0;
  virtual std::vector<long long> state_i64() const = 0;  // int64 engines: exact; others: empty
  virtual long long param_i64(int flat) const = 0;
  virtual void reset() = 0;
  // The session as values, without pins (Sim adds them); restore() checks sizes, not pins.
  virtual SessionImage image() const = 0;
  virtual void restore(const SessionImage& image) = 0;
  virtual void run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) = 0;
};

// The engine for the model's dtype.
std::unique_ptr<EngineBase> make_engine(std::shared_ptr<const BuiltModel> model);

}  // namespace dynlib::detail

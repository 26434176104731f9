// Observers: analyses that watch a run as it goes (RunOptions::observers), and what they leave in
// Results::observers(). See docs/lyapunov.md.
//
//   sim.run({.T = 400, .dt = 0.001, .transient = 20,
//            .observers = {dynlib::lyapunov_spectrum_observer(3)}});
//   const dynlib::ObserverResult& ly = sim.results().observer("lyapunov_spectrum");
//   double l1 = ly.output("lyap0");            // the final estimate of the largest exponent
//   std::vector<double> trace = ly.trace_column("lyap0");   // its running estimate
//
// Lyapunov observers advance k tangent vectors with the run's own stepper (the discrete
// variational equation of that stepper, through the model's symbolic J·v), renormalise them by
// modified Gram-Schmidt every `renorm_every` steps and average the log stretch over the time
// (flows) or iterations (maps) after the transient. A callback observer calls a host function
// every `every` steps (the route custom observers from Python take: slower, one call per point);
// a block observer hands a host function the points in blocks of consecutive steps.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dynlib {

// What a callback observer sees (copies: valid during the call only).
struct ObserverPoint {
  double t = 0.0;
  long long step = 0;
  std::vector<double>* y = nullptr;  // the state (writable: return ObserverReply::state_changed)
  const std::vector<double>* p = nullptr;  // the flat parameter vector
};

struct ObserverReply {
  bool stop = false;           // end the run (Status::EarlyExit; the results so far are kept)
  bool state_changed = false;  // the callback wrote *y (the stepper's history restarts)
};

// What a block observer sees: `rows` consecutive points of the run, row r at step
// first_step + r (copies widened to double, valid during the call only).
struct ObserverBlock {
  long long first_step = 0;
  size_t rows = 0;
  size_t n = 0;               // values per row: every state, in the layout's order
  const double* y = nullptr;  // rows x n, row-major
  const double* t = nullptr;  // rows times
};

struct ObserverSpec {
  enum class Kind { LyapunovMle, LyapunovSpectrum, Callback, Block };
  Kind kind = Kind::LyapunovMle;
  std::string name;  // key in Results::observers(); default "lyapunov_mle" / "lyapunov_spectrum"
  // ---- Lyapunov ----
  int k = 1;                      // exponents (spectrum), 1 <= k <= states
  std::string mode = "auto";      // "flow" (per unit time) | "map" (per iteration) | "auto": model
  long long renorm_every = 1;     // renormalise every this many steps (>= 1)
  long long record_interval = 1;  // a trace row every this many steps (0: no trace)
  std::vector<double> init_basis{};  // k vectors of n values ([j][i]); default e_1..e_k
  // ---- callback ----
  std::function<ObserverReply(const ObserverPoint&)> callback{};
  long long every = 1;  // call after every this many steps (and at start)
  // ---- block ----
  // Called with the points at start and after every step, block_rows at a time (and once with
  // those left when the run ends); returns true to end the run (Status::EarlyExit), which then
  // ends after the block's last step.
  std::function<bool(const ObserverBlock&)> block_callback{};
  long long block_rows = 256;  // 1 .. 2^20
};

// The reference dynlib's factories (its keyword names; docs/lyapunov.md).
ObserverSpec lyapunov_mle_observer(long long record_interval = 1, const std::string& mode = "auto");
ObserverSpec lyapunov_spectrum_observer(int k, long long record_interval = 1,
                                        const std::string& mode = "auto",
                                        std::vector<double> init_basis = {});
ObserverSpec callback_observer(std::string name,
                               std::function<ObserverReply(const ObserverPoint&)> callback,
                               long long every = 1);
// This package's own: a host observer that sees every point at a fraction of a callback's cost
// (one call per block of steps instead of one per step; what the basin analyses use).
ObserverSpec block_observer(std::string name, std::function<bool(const ObserverBlock&)> callback,
                            long long block_rows = 256);

// What an observer leaves in Results::observers(). Outputs are final values (the Lyapunov
// estimates and their sums); the trace holds running values, one row per record_interval steps.
struct ObserverResult {
  std::string name;
  std::vector<std::string> output_names;
  std::vector<double> out;  // one per output name
  std::vector<std::string> trace_names;
  std::vector<double> trace;  // trace_rows x trace_names.size(), row-major
  size_t trace_rows = 0;
  std::vector<double> trace_time;
  std::vector<long long> trace_steps;
  long long record_interval = 0;
  std::map<std::string, std::string> meta;  // stepper, mode, k, renorm_every, ...

  // Throws DynlibError with a did-you-mean for names it does not have.
  double output(const std::string& name) const;
  std::vector<double> trace_column(const std::string& name) const;
};

}  // namespace dynlib

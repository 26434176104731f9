// run_batch: n independent trajectories of one FullModel on k threads (docs/ensembles.md).
//
// Everything goes through the public Sim API, so both backends work alike. Each worker owns one
// Sim over the shared, immutable FullModel and runs its trajectories as fresh runs with per-row
// param/ic overrides, each from the base values (Worker::run_row); a run then depends only on them
// and the run options, so trajectory i is the same bits whichever worker runs it. Trajectories are
// handed out one at a time (dynamic: sweeps mix fast and slow rows) and each result goes to its own
// slot; packing into [n, time, var] happens after every worker has joined.
#include "dynlib/ensemble.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "pipeline/built_model.hpp"
#include "runtime/tuning.hpp"

namespace dynlib {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

static_assert(std::atomic<bool>::is_always_lock_free,
              "BatchOptions::stop may be set from a signal handler");

// One column of the per-trajectory inputs: the value of row i is values[i * stride].
struct Column {
  std::string label;  // as the user wrote it, for messages
  bool is_param = false;
  int index = -1;   // state index, or param index in ModelInfo
  int element = 0;  // element of the param's value vector (0 for scalars)
  const double* values = nullptr;
  size_t stride = 1;
};

// The values every trajectory starts from before its row is applied.
struct Base {
  FullModel model;
  std::map<std::string, Value> assign;      // applied to each worker's Sim; empty: the defaults
  std::vector<std::vector<double>> params;  // current value of every param, ModelInfo order
};

class InputCheck {
 public:
  InputCheck(const ModelInfo& info, const Layout& layout, DType dtype)
      : info_(info), layout_(layout), dtype_(dtype) {}

  std::vector<Column> columns;
  std::optional<size_t> n;

  void table(const char* what, const std::vector<std::string>& names,
             const std::vector<double>& values, bool is_param) {
    if (names.empty() && values.empty()) return;
    if (names.empty())
      throw DynlibError(
          fmt::format("run_batch: {}_values is given but {}_names is empty", what, what));
    if (values.size() % names.size() != 0)
      throw DynlibError(fmt::format(
          "run_batch: {}_values has {} values, not a whole number of rows of {} ({}_names: {})",
          what, values.size(), names.size(), what, fmt::join(names, ", ")));
    rows(fmt::format("{}_values", what), values.size() / names.size());
    for (size_t j = 0; j < names.size(); ++j)
      add(names[j], is_param, values.data() + j, names.size(), values.size() / names.size());
  }

  void by_name(const char* what, const std::map<std::string, std::vector<double>>& m,
               bool is_param) {
    for (const auto& [name, values] : m) {
      rows(fmt::format("{}[\"{}\"]", what, name), values.size());
      add(name, is_param, values.data(), 1, values.size());
    }
  }

 private:
  void rows(const std::string& what, size_t count) {
    if (!n) {
      n = count;
      first_ = what;
    } else if (*n != count) {
      throw DynlibError(fmt::format(
          "run_batch: {} has {} rows but {} has {}: every per-trajectory input needs the same "
          "number of rows (n)",
          what, count, first_, *n));
    }
  }

  void add(const std::string& label, bool is_param, const double* values, size_t stride,
           size_t count) {
    Column c;
    c.label = label;
    c.is_param = is_param;
    c.values = values;
    c.stride = stride;
    // A param, one element "w[2]" of an array param, or a state: the layout's grammar.
    const NameKind kind = is_param ? NameKind::Param : NameKind::State;
    const NameKind other = is_param ? NameKind::State : NameKind::Param;
    const auto r = layout_.find(label, {kind});
    if (!r) {
      const auto o = layout_.find(label, {other});
      if (o && !is_param)
        throw DynlibError(
            fmt::format("run_batch: ic: unknown state '{}' ('{}' is a param: vary it with params)",
                        label, label));
      if (o && is_param)
        throw DynlibError(
            fmt::format("run_batch: params: unknown param '{}' ('{}' is a state: vary it with ic)",
                        label, label));
      // Name the problem: an element of something, or an unknown name.
      if (const auto el = Layout::split_element(label); el && is_param) {
        const std::string base(el->base);
        if (const auto arr = layout_.find(base, {NameKind::Param})) {
          if (!arr->is_array)
            throw DynlibError(fmt::format("run_batch: params: '{}' is not an array", base));
          throw DynlibError(fmt::format(
              "run_batch: params: '{}' is out of range: '{}' has {} value{} (indices 0..{})", label,
              base, arr->size, arr->size == 1 ? "" : "s", arr->size - 1));
        }
      }
      throw DynlibError(
          with_suggestion(fmt::format("run_batch: {}: unknown {} '{}'", is_param ? "params" : "ic",
                                      is_param ? "param" : "state", label),
                          label, is_param ? layout_.param_names() : layout_.state_names(),
                          is_param ? "params" : "states"));
    }
    if (r->is_array && r->element < 0)
      throw DynlibError(fmt::format(
          "run_batch: params: '{}' is an array of {} values; vary its elements by name, as "
          "'{}[0]' ... '{}[{}]'",
          label, r->size, label, label, r->size - 1));
    c.index = r->index;
    c.element = std::max(r->element, 0);
    if (!seen_.insert({is_param, c.index, c.element}).second)
      throw DynlibError(
          fmt::format("run_batch: {} '{}' is given twice", is_param ? "param" : "state", label));
    if (dtype_ == DType::Int64) {
      for (size_t i = 0; i < count; ++i) {
        const double v = values[i * stride];
        if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.2e18)
          throw DynlibError(fmt::format(
              "run_batch: {} '{}' row {} = {}: model '{}' is int64 and takes whole numbers only",
              is_param ? "param" : "state", label, i, v, info_.name));
      }
    }
    columns.push_back(c);
  }

  const ModelInfo& info_;
  const Layout& layout_;
  DType dtype_;
  std::string first_;
  std::set<std::tuple<bool, int, int>> seen_;
};

RunOptions shared_options(const BatchOptions& o) {
  RunOptions r;
  r.T = o.T;
  r.N = o.N;
  r.dt = o.dt;
  r.t0 = o.t0;
  r.record = o.final_only ? std::optional<bool>(false) : o.record;
  r.record_interval = o.record_interval;
  r.record_vars = o.record_vars;
  r.transient = o.transient;
  r.max_steps = o.max_steps;
  r.atol = o.atol;
  r.rtol = o.rtol;
  r.dt_min = o.dt_min;
  r.dt_max = o.dt_max;
  r.safety = o.safety;
  r.min_factor = o.min_factor;
  r.max_factor = o.max_factor;
  r.max_rejects = o.max_rejects;
  r.controller = o.controller;
  r.newton_tol = o.newton_tol;
  r.jac_eps = o.jac_eps;
  r.newton_max_iter = o.newton_max_iter;
  r.jacobian_mode = o.jacobian_mode;
  r.max_order = o.max_order;
  r.linear_solver = o.linear_solver;
  for (const ObserverSpec& spec : o.observers)
    if (spec.kind == ObserverSpec::Kind::Callback || spec.kind == ObserverSpec::Kind::Block)
      throw DynlibError(fmt::format(
          "run_batch: observer '{}' is a {}; batches take Lyapunov observers only (a "
          "callback would be called from every worker thread)",
          spec.name, spec.kind == ObserverSpec::Kind::Block ? "block observer" : "callback"));
  r.observers = o.observers;
  return r;
}

// What a finished trajectory keeps until packing: its rows compacted and widened to double.
struct Trajectory {
  bool ran = false;
  std::vector<double> t, data;
  size_t width = 0;
  std::vector<double> final_state;
  double final_time = kNaN;
  long long steps = 0;
  Status status = Status::UserBreak;
  std::string message = "not run: the batch was stopped before this trajectory started";
  std::vector<EventLog> events;
  std::map<std::string, ObserverResult> observers;
};

template <class T>
void widen(const Results& r, std::vector<double>& out) {
  const T* p = r.raw_data<T>();
  out.assign(p, p + r.size() * r.width());
}

void keep(const Results& r, bool final_only, Trajectory& out) {
  out.ran = true;
  if (!final_only && r.size() > 0) {
    out.t = r.t();
    switch (r.dtype()) {
      case DType::Float64:
        widen<double>(r, out.data);
        break;
      case DType::Float32:
        widen<float>(r, out.data);
        break;
      case DType::Int64:
        widen<long long>(r, out.data);
        break;
    }
  }
  out.width = r.width();
  out.final_state = r.final_state();
  out.final_time = r.final_time();
  out.steps = r.steps();
  out.status = r.status();
  out.message = r.message();
  if (!final_only) out.events = r.events();
  out.observers = r.observers();
}

// What every worker reads to know whether to stop early.
struct Control {
  std::atomic<bool> abort{false};  // a worker failed
  const std::atomic<bool>* stop = nullptr;
  bool stopping() const { return abort.load(std::memory_order_relaxed) || (stop && stop->load()); }
};

// A worker's workspace: one Sim (its buffers are reused run after run) and the run options it
// rewrites in place for each row. Built on the thread that uses it, so the Sim's scratch (the
// interpreter frame, written on every operation) comes from that thread's malloc arena and never
// shares a cache line with another worker's scratch or with the model every worker reads.
struct Worker {
  Worker(const Base& base, const RunOptions& shared, const std::vector<Column>& columns,
         const Control& control)
      : sim(base.model) {
    if (!base.assign.empty()) sim.assign(base.assign);
    bind(shared, columns, base);
    // Called at every YIELD of a run (~50 ms): ends a long trajectory when the batch stops.
    sim.set_progress(
        [this, &control](double, long long) {
          if (control.stopping()) sim.request_stop();
        },
        0.0);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Sim sim;
  RunOptions options;
  std::vector<std::pair<const Column*, double*>> targets;  // where row values go in `options`

  void bind(const RunOptions& shared, const std::vector<Column>& columns, const Base& base) {
    options = shared;
    const ModelInfo& info = base.model.spec();
    for (const Column& c : columns) {
      if (c.is_param) {
        const std::string& name = info.param_names[static_cast<size_t>(c.index)];
        // The whole value vector: the base values with the varied elements replaced per row.
        options.params.try_emplace(name, base.params[static_cast<size_t>(c.index)]);
      } else {
        options.ic[info.state_names[static_cast<size_t>(c.index)]] = 0.0;
      }
    }
    // Map nodes are stable: point at the values now that every entry exists.
    for (const Column& c : columns) {
      double* slot;
      if (c.is_param) {
        auto& v = std::get<std::vector<double>>(
            options.params.at(info.param_names[static_cast<size_t>(c.index)]));
        slot = &v[static_cast<size_t>(c.element)];
      } else {
        slot = &std::get<double>(options.ic.at(info.state_names[static_cast<size_t>(c.index)]));
      }
      targets.emplace_back(&c, slot);
    }
  }

  // A fresh run starts from the Sim's current values (the previous trajectory's end, params as
  // its events left them): back to the base values first, so that trajectory i depends on row i
  // only.
  const Results& run_row(size_t i, const Base& base) {
    sim.reset();
    if (!base.assign.empty()) sim.assign(base.assign);
    for (auto& [c, slot] : targets) *slot = c->values[i * c->stride];
    return sim.run(options);
  }
};

BatchResults run(const Base& base, const BatchOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const ModelInfo& info = base.model.spec();

  // ---- 1. every check, before any work ----
  InputCheck in(info, base.model.layout(), base.model.dtype());
  in.table("param", o.param_names, o.param_values, true);
  in.by_name("params", o.params, true);
  const std::vector<std::string>& ic_names = o.ic_names.empty() ? info.state_names : o.ic_names;
  if (!o.ic_values.empty() || !o.ic_names.empty()) in.table("ic", ic_names, o.ic_values, false);
  in.by_name("ic", o.ic, false);
  if (!in.n)
    throw DynlibError(
        "run_batch: nothing varies: give per-trajectory params (param_names/param_values or "
        "params) or initial states (ic_values or ic), n rows each");
  const size_t n = *in.n;
  if (o.threads < 0)
    throw DynlibError(
        fmt::format("run_batch: threads = {} must be >= 0 (0: all cores)", o.threads));
  if (o.final_only && o.record == std::optional<bool>(true))
    throw DynlibError("run_batch: final_only records nothing; it cannot be combined with record");
  int k = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  k = std::clamp(k, 1, static_cast<int>(std::max<size_t>(std::min<size_t>(n, 1 << 16), 1)));

  const RunOptions shared = shared_options(o);
  Control control;
  control.stop = o.stop;
  std::vector<std::unique_ptr<Worker>> workers(static_cast<size_t>(k));
  // With one worker it is the calling thread; with several, each one is a new thread, so that no
  // worker's scratch comes from the calling thread's heap, where the shared model lives.
  if (k == 1) workers[0] = std::make_unique<Worker>(base, shared, in.columns, control);
  // The shared options are checked by the real run path: one step of a probe run, which throws
  // for whatever every trajectory would throw for (no end, T before t0, record_vars, dt, ...).
  std::vector<std::string> names;
  {
    RunOptions options = shared;
    options.max_steps = 1;
    std::optional<Sim> own;
    if (k > 1) {
      own.emplace(base.model);
      if (!base.assign.empty()) own->assign(base.assign);
    }
    const Results& r = (k > 1 ? *own : workers[0]->sim).run(options);
    if (shared.record != std::optional<bool>(false)) names = r.names();
  }

  // A batch whose results alone cannot fit in memory is refused before any work (it would
  // otherwise be killed midway, losing everything): at least one slot, a final state and one
  // recorded row per trajectory.
  const double per_run = static_cast<double>(
      sizeof(Trajectory) + sizeof(double) * (info.state_names.size() + names.size() + 1) +
      sizeof(EventLog) * base.model.layout().events().size());
  if (static_cast<double>(n) * per_run > detail::memory_limit())
    throw DynlibError(fmt::format(
        "run_batch: {} trajectories need at least {:.3g} GB for their results, more than this "
        "machine's memory ({:.3g} GB): run fewer at a time",
        n, static_cast<double>(n) * per_run / 1e9, detail::memory_limit() / 1e9));

  // ---- 2. the workers ----
  std::vector<Trajectory> slots(n);
  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards errors, done and the progress callback
  size_t done = 0;
  std::vector<std::pair<size_t, std::exception_ptr>> errors;  // (trajectory, error)
  auto fail = [&](size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    errors.emplace_back(i, std::current_exception());
    control.abort.store(true);
  };
  auto work = [&](Worker& w) {
    for (;;) {
      if (control.stopping()) return;
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      try {
        keep(w.run_row(i, base), o.final_only, slots[i]);
      } catch (...) {
        fail(i);
        return;
      }
      if (o.progress) {
        // The failure is recorded before the lock is released, so no call follows a throw.
        std::lock_guard<std::mutex> lock(mutex);
        if (control.abort.load()) return;
        try {
          o.progress(++done, n);
        } catch (...) {
          errors.emplace_back(i, std::current_exception());
          control.abort.store(true);
          return;
        }
      }
    }
  };
  {
    std::vector<std::thread> threads;
    try {
      for (size_t w = k > 1 ? 0 : 1; w < workers.size(); ++w)
        threads.emplace_back([&, w] {
          try {
            workers[w] = std::make_unique<Worker>(base, shared, in.columns, control);
          } catch (...) {
            fail(n);  // no trajectory: ranks after every trajectory's error
            return;
          }
          work(*workers[w]);
        });
    } catch (...) {
      control.abort.store(true);  // could not start a thread: stop those that did
      for (auto& th : threads) th.join();
      throw;
    }
    if (k == 1) work(*workers[0]);
    for (auto& th : threads) th.join();
  }
  if (!errors.empty()) {
    auto first = std::min_element(errors.begin(), errors.end(),
                                  [](const auto& a, const auto& b) { return a.first < b.first; });
    std::rethrow_exception(first->second);
  }

  // ---- 3. pack [n, time, var] ----
  BatchResults b;
  b.n = n;
  b.names = std::move(names);
  b.layout = base.model.layout();
  b.n_var = b.names.size();
  b.state_names = info.state_names;
  b.threads = k;
  const size_t s = info.state_names.size();
  for (const Trajectory& tr : slots) {
    b.n_time = std::max(b.n_time, tr.t.size());
    if (tr.ran && !tr.t.empty() && tr.width != b.n_var)
      throw DynlibError("run_batch: internal error: trajectories recorded different columns");
  }
  b.data.assign(n * b.n_time * b.n_var, kNaN);
  b.t.assign(n * b.n_time, kNaN);
  b.counts.assign(n, 0);
  b.final_state.assign(n * s, kNaN);
  b.final_time.assign(n, kNaN);
  b.steps.assign(n, 0);
  b.status.assign(n, Status::UserBreak);
  b.message.assign(n, {});
  if (!o.final_only) b.events.resize(n);
  if (!o.observers.empty()) b.observers.resize(n);
  size_t longest = 0;
  for (size_t i = 0; i < n; ++i) {
    Trajectory& tr = slots[i];
    const size_t rows = tr.t.size();
    b.counts[i] = rows;
    if (rows > b.counts[longest]) longest = i;
    std::copy(tr.t.begin(), tr.t.end(), b.t.begin() + static_cast<std::ptrdiff_t>(i * b.n_time));
    std::copy(tr.data.begin(), tr.data.end(),
              b.data.begin() + static_cast<std::ptrdiff_t>(i * b.n_time * b.n_var));
    if (tr.ran)
      std::copy(tr.final_state.begin(), tr.final_state.end(),
                b.final_state.begin() + static_cast<std::ptrdiff_t>(i * s));
    b.final_time[i] = tr.final_time;
    b.steps[i] = tr.steps;
    b.status[i] = tr.status;
    b.message[i] = std::move(tr.message);
    if (!o.final_only) b.events[i] = std::move(tr.events);
    if (!o.observers.empty()) b.observers[i] = std::move(tr.observers);
    tr = Trajectory{};  // release as we go: the packed copy is the one that stays
  }
  // A common time axis when every trajectory's times are a prefix of the longest one's.
  if (b.n_time > 0) {
    const double* ref = b.t.data() + longest * b.n_time;
    bool common = true;
    for (size_t i = 0; i < n && common; ++i)
      common = std::memcmp(b.t.data() + i * b.n_time, ref, b.counts[i] * sizeof(double)) == 0;
    if (common) b.time.assign(ref, ref + b.n_time);
  }
  b.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return b;
}

}  // namespace

size_t BatchResults::var_index(const std::string& name) const {
  // The model's layout says which variable `name` is; its declared name finds the column.
  std::string key = name;
  if (const auto r = layout.find(name, {NameKind::State, NameKind::Aux}))
    key = r->kind == NameKind::State ? layout.state_names()[static_cast<size_t>(r->index)]
                                     : layout.aux_names()[static_cast<size_t>(r->index)];
  auto it = std::find(names.begin(), names.end(), key);
  if (it != names.end()) return static_cast<size_t>(it - names.begin());
  if (names.empty())
    throw DynlibError(fmt::format("'{}' was not recorded: this batch recorded no variables", name));
  throw DynlibError(with_suggestion(fmt::format("'{}' is not a recorded variable", name), name,
                                    names, "recorded variables"));
}

bool BatchResults::all_ok() const {
  return std::all_of(status.begin(), status.end(), [](Status s) { return s == Status::Done; });
}

BatchResults run_batch(const FullModel& model, const BatchOptions& options) {
  Base base{model, {}, model.spec().param_values};
  return run(base, options);
}

BatchResults run_batch(const Sim& sim, const BatchOptions& options) {
  Base base{sim.model(), {}, {}};
  const ModelInfo& info = base.model.spec();
  const std::vector<double> state = sim.state();
  for (size_t i = 0; i < info.state_names.size(); ++i) base.assign[info.state_names[i]] = state[i];
  for (const std::string& p : info.param_names) {
    base.params.push_back(sim.param(p));
    base.assign[p] = base.params.back();
  }
  return run(base, options);
}

}  // namespace dynlib

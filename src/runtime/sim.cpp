// Sim: a model, its run defaults (config()), its current values and its last results; each run()
// resolves its options into a Plan (run_plan.hpp) and hands it to the Engine of the model's dtype
// (engine.hpp), which drives the kernel.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <ctime>

#include "kernel/run_args.hpp"
#include "runtime/engine.hpp"

namespace dynlib {
namespace detail {

struct SimImpl {
  explicit SimImpl(FullModel m)
      : model(std::move(m)), mi(*model.impl()), names(mi), engine(make_engine(model.impl())) {}

  FullModel model;
  const BuiltModel& mi;
  ModelNames names;
  RunOptions config;
  ProgressFn progress;
  double progress_interval = 0.2;
  volatile std::sig_atomic_t stop = 0;
  RecordSink sink;
  long long sink_rows = 0;
  std::unique_ptr<EngineBase> engine;
  ResultsSlot slot;
  // Why the last run failed without results (it threw before it could keep any); results() then
  // says so instead of looking like an empty successful run.
  std::string failed_run;
  std::vector<SessionSnapshot> snapshots;  // "initial" first, once taken
  bool initial_taken = false;

  const Layout& layout() const { return mi.layout; }

  // The pins alone (an observed run has no image, but its Sim has pins).
  void pin(SessionImage& im) const {
    im.spec_hash = mi.info.hash;
    im.stepper = model.stepper_name();
    im.dtype = dtype_name(mi.dtype);
    im.abi = kernel::kRunArgsAbi;
  }
  SessionImage image() const {
    SessionImage im = engine->image();
    pin(im);
    return im;
  }
  void add_snapshot(std::string name, std::string description, SessionImage im) {
    snapshots.push_back(
        SessionSnapshot{std::move(name), std::move(description), now_iso(), std::move(im)});
  }
  // The reference's "initial" snapshot: the session before its first run (`plan`: that run's ic
  // and params are part of it) or before the first snapshot call.
  void take_initial(const Plan* plan) {
    if (initial_taken) return;
    SessionImage im = image();
    if (plan) {
      auto set = [&](const char* key, int i, const Scalar& v) {
        if (mi.dtype == DType::Int64) {
          if (auto it = im.ints.find(key); it != im.ints.end())
            it->second.at(static_cast<size_t>(i)) = v.integer;
        } else if (auto it = im.reals.find(key); it != im.reals.end()) {
          it->second.at(static_cast<size_t>(i)) = v.real;
        }
      };
      for (const auto& [i, v] : plan->ic) set(im.running ? "y" : "y0", i, v);
      for (const auto& [i, v] : plan->params) set(im.running ? "p" : "p0", i, v);
    }
    initial_taken = true;
    snapshots.insert(snapshots.begin(), SessionSnapshot{"initial", "taken before the first run",
                                                        now_iso(), std::move(im)});
  }
  static std::string now_iso() {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  }
  Plan resolve(const RunOptions& o) const { return names.resolve(o, config, engine->has_run()); }

  void assign_one(const std::string& name, const Value& v) {
    if (names.state_index(name) >= 0) {
      const auto [i, x] = names.state_value(name, v);
      engine->set_state(i, x);
      return;
    }
    if (names.param_index(name) >= 0) {
      for (const auto& [k, x] : names.param_values(name, v)) engine->set_param(k, x);
      return;
    }
    std::string msg = fmt::format("assign: no state or param named '{}'", name);
    if (layout().find(name, {NameKind::Aux})) msg += " (aux variables are computed, not assigned)";
    throw DynlibError(with_suggestion(
        msg, name, layout().spellings({NameKind::State, NameKind::Param}), "states and params"));
  }
};

}  // namespace detail

// ---- Sim ----
Sim::Sim(FullModel model) : impl_(std::make_unique<detail::SimImpl>(std::move(model))) {}
Sim::Sim(Sim&&) noexcept = default;
Sim& Sim::operator=(Sim&&) noexcept = default;
Sim::~Sim() = default;

const FullModel& Sim::model() const {
  return impl_->model;
}

const Results& Sim::run(const RunOptions& options) {
  detail::SimImpl& s = *impl_;
  const detail::Plan plan = s.resolve(options);
  s.take_initial(&plan);
  detail::Hooks hooks;
  hooks.progress = &s.progress;
  hooks.progress_interval = s.progress_interval;
  hooks.stop = &s.stop;
  if (s.sink) {
    hooks.sink = &s.sink;
    hooks.sink_rows = s.sink_rows;
  }
  struct ClearStop {
    volatile std::sig_atomic_t& f;
    ~ClearStop() { __atomic_store_n(&f, 0, __ATOMIC_RELAXED); }
  } clear{s.stop};
  try {
    s.engine->run(plan, hooks, s.slot);
  } catch (const std::exception& e) {
    // A run refused before it started changed nothing; one that failed midway kept nothing.
    if (s.slot.failed) s.failed_run = e.what();
    throw;
  }
  s.failed_run.clear();
  return s.slot.results;
}

const Results& Sim::results() const {
  if (!impl_->failed_run.empty())
    throw DynlibError("no results: the last run failed (" + impl_->failed_run + ")");
  return impl_->slot.results;
}

void Sim::config(const RunOptions& defaults) {
  detail::SimImpl& s = *impl_;
  if (!defaults.observers.empty())
    throw DynlibError("observers apply to one run: pass them to run(), not config()");
  // Check names and values now, not at the next run: resolve with these defaults.
  RunOptions saved = std::move(s.config);
  s.config = defaults;
  s.config.resume = false;
  try {
    RunOptions probe;
    if (!defaults.T && !defaults.N && !s.mi.info.sim.t_end)
      probe.N = 0;  // an end is not required here
    (void)s.resolve(probe);
  } catch (...) {
    s.config = std::move(saved);
    throw;
  }
}

void Sim::assign(const std::string& name, const Value& value) {
  impl_->assign_one(name, value);
}

void Sim::assign(const std::map<std::string, Value>& values) {
  // All or nothing: check every name first.
  for (const auto& [k, v] : values) {
    if (impl_->names.state_index(k) >= 0)
      (void)impl_->names.state_value(k, v);
    else
      (void)impl_->names.param_values(k, v);
  }
  for (const auto& [k, v] : values) impl_->assign_one(k, v);
}

void Sim::apply_preset(const std::string& name) {
  detail::SimImpl& s = *impl_;
  const auto& presets = s.mi.presets;
  auto it =
      std::find_if(presets.begin(), presets.end(), [&](const auto& p) { return p.name == name; });
  if (it == presets.end())
    throw DynlibError(with_suggestion(fmt::format("no preset named '{}'", name), name,
                                      s.mi.info.preset_names, "presets"));
  const bool is_int = s.mi.dtype == DType::Int64;
  for (const auto& v : it->values) {
    // int64 models: the preset's exact integers (its doubles round beyond 2^53).
    std::vector<detail::Scalar> vals;
    if (is_int && !v.int_values.empty())
      for (long long x : v.int_values) vals.push_back({static_cast<double>(x), x});
    else
      for (double x : v.values) vals.push_back({x, static_cast<long long>(0)});
    if (v.ref.kind == NameKind::State) {
      s.engine->set_state(v.ref.index, vals.at(0));
    } else {
      for (size_t k = 0; k < vals.size(); ++k)
        s.engine->set_param(v.ref.offset + static_cast<int>(k), vals[k]);
    }
  }
}

void Sim::reset() {
  impl_->engine->reset();
  impl_->slot = detail::ResultsSlot{};
  impl_->failed_run.clear();
}

SessionImage Sim::session() const {
  return impl_->image();
}

std::map<std::string, std::pair<std::string, std::string>> Sim::compat_check(
    const SessionImage& image) const {
  SessionImage mine;
  impl_->pin(mine);
  std::map<std::string, std::pair<std::string, std::string>> diff;
  auto pin = [&](const char* name, const std::string& a, const std::string& b) {
    if (a != b) diff[name] = {a, b};
  };
  pin("spec_hash", mine.spec_hash, image.spec_hash);
  pin("stepper", mine.stepper, image.stepper);
  pin("dtype", mine.dtype, image.dtype);
  pin("abi", std::to_string(mine.abi), std::to_string(image.abi));
  return diff;
}

void Sim::restore(const SessionImage& image) {
  const auto diff = compat_check(image);
  if (!diff.empty()) {
    std::string what;
    for (const auto& [k, v] : diff)
      what += fmt::format("{}{} (this Sim: '{}', the image: '{}')", what.empty() ? "" : "; ", k,
                          v.first, v.second);
    throw DynlibError("cannot restore a session of another model, stepper or dtype: " + what);
  }
  impl_->engine->restore(image);
  impl_->slot = detail::ResultsSlot{};
  impl_->failed_run.clear();
}

void Sim::create_snapshot(const std::string& name, const std::string& description) {
  detail::SimImpl& s = *impl_;
  if (name.empty()) throw DynlibError("a snapshot needs a name");
  s.take_initial(nullptr);
  for (const SessionSnapshot& snap : s.snapshots)
    if (snap.name == name)
      throw DynlibError(fmt::format("a snapshot named '{}' exists already", name));
  s.add_snapshot(name, description, s.image());
}

const std::vector<SessionSnapshot>& Sim::snapshots() {
  impl_->take_initial(nullptr);
  return impl_->snapshots;
}

const SessionSnapshot& Sim::snapshot(const std::string& name) {
  detail::SimImpl& s = *impl_;
  s.take_initial(nullptr);
  std::vector<std::string> names;
  for (const SessionSnapshot& snap : s.snapshots) {
    if (snap.name == name) return snap;
    names.push_back(snap.name);
  }
  throw DynlibError(
      with_suggestion(fmt::format("no snapshot named '{}'", name), name, names, "snapshots"));
}

void Sim::reset(const std::string& snapshot_name) {
  restore(snapshot(snapshot_name).image);
}

std::vector<double> Sim::state() const {
  return impl_->engine->state();
}

std::vector<double> Sim::param(const std::string& name) const {
  const NameRef r = impl_->layout().resolve(name, {NameKind::Param});
  std::vector<double> out;
  for (int i = r.first(); i < r.first() + r.count(); ++i) out.push_back(impl_->engine->param(i));
  return out;
}

void Sim::set_record_sink(RecordSink sink, long long rows) {
  if (sink && rows < 1)
    throw DynlibError(fmt::format("set_record_sink: rows = {} must be at least 1", rows));
  impl_->sink = std::move(sink);
  impl_->sink_rows = rows;
}

std::vector<long long> Sim::state_i64() const {
  if (impl_->mi.dtype != DType::Int64)
    throw DynlibError(fmt::format("state_i64() reads an int64 model's state, but model '{}' is {}",
                                  impl_->mi.info.name, dtype_name(impl_->mi.dtype)));
  return impl_->engine->state_i64();
}

std::vector<long long> Sim::param_i64(const std::string& name) const {
  if (impl_->mi.dtype != DType::Int64)
    throw DynlibError(fmt::format("param_i64() reads an int64 model's params, but model '{}' is {}",
                                  impl_->mi.info.name, dtype_name(impl_->mi.dtype)));
  const NameRef r = impl_->layout().resolve(name, {NameKind::Param});
  std::vector<long long> out;
  for (int i = r.first(); i < r.first() + r.count(); ++i)
    out.push_back(impl_->engine->param_i64(i));
  return out;
}

void Sim::set_progress(ProgressFn fn, double min_interval_seconds) {
  impl_->progress = std::move(fn);
  impl_->progress_interval = min_interval_seconds;
}

// A lock-free atomic store: safe from another thread and from a signal handler.
void Sim::request_stop() {
  __atomic_store_n(&impl_->stop, 1, __ATOMIC_RELAXED);
}

Sim setup(const std::string& model, const BuildOptions& options) {
  return Sim(build(model, options));
}

}  // namespace dynlib
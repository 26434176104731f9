// dynlib's C++ API: build a model, set up a simulation, run it, read named results.
//
//   dynlib::Sim sim = dynlib::setup("builtin://ode/lorenz", {.stepper = "rk4"});
//   sim.run({.T = 50.0, .dt = 0.01});
//   const dynlib::Results& res = sim.results();
//   auto x = res.column("x");            // a strided view into the recorded buffer (no copy)
//   double x_end = res.final_state()[0];
//
// Everything a user can get wrong raises a DynlibError subclass (errors.hpp) with a precise
// message; a run that stops early (NaN, max_steps, Ctrl+C, step failure) does not throw: it keeps
// what it computed and reports why in Results::status() / message().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dynlib/dtype.hpp"
#include "dynlib/errors.hpp"
#include "dynlib/layout.hpp"
#include "dynlib/observers.hpp"
#include "dynlib/run_defaults.hpp"

namespace dynlib {

namespace detail {
struct BuiltModel;
struct SimImpl;
struct ResultsData;
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Building a model
// ---------------------------------------------------------------------------------------------
// Every member has a default member initializer, so designated initializers such as
// {.stepper = "rk4"} compile without -Wmissing-field-initializers warnings.
// How a model runs: Off = the interpreter; On = a native kernel compiled by the system compiler
// (errors if there is none: never a silent fallback); Auto = start interpreted, compile in the
// background when the run is long enough, switch to native mid-run (see docs/jit.md); Quick = the
// model's functions alone compiled natively (about a third of On's cold compile) and run by the
// library's precompiled steppers: the same bits, a little slower per step than On (docs/jit.md).
enum class JitMode { Off, On, Auto, Quick };
const char* jit_mode_name(JitMode mode);
// "on"/"true"/"1", "off"/"false"/"0", "auto" (case-insensitive). Throws DynlibError otherwise.
JitMode parse_jit_mode(const std::string& text);

// BuildOptions::jit accepts a bool (`{.jit = true}`) or a JitMode (`{.jit = JitMode::Auto}`).
struct Jit {
  JitMode mode = JitMode::Off;
  Jit() = default;
  Jit(bool on) : mode(on ? JitMode::On : JitMode::Off) {}  // NOLINT: implicit by design
  Jit(JitMode m) : mode(m) {}                              // NOLINT: implicit by design
  bool operator==(const Jit&) const = default;
  explicit operator bool() const { return mode != JitMode::Off; }
};

// Where TAG:// URIs point (the reference's PathConfig): each tag's roots, searched in order.
struct PathConfig {
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
  // The disk cache root (cache_root / [cache] root): build() with disk_cache keeps its kernels
  // there; unset, the user config file's (or the default) root.
  std::optional<std::string> cache_root;
};

// The tags build() uses when BuildOptions::config is not set: DYN_MODEL_PATH's, then the user
// config file's [paths]; with `file`, that config file's [paths] and cache root alone. Throws
// ConfigError/DynlibError for a malformed file or DYN_MODEL_PATH.
PathConfig load_path_config(const std::string& file = {});

struct BuildOptions {
  std::optional<std::string> stepper{};  // name or alias; default: [sim] stepper, else rk4 / map
  Jit jit{};                             // native kernel (see docs/jit.md); off = interpreter
  bool disk_cache = false;               // keep native kernels across processes
  std::optional<std::string> dtype{};    // "float64" | "float32"; default: the model's dtype
  bool march_native = false;             // compile with -march=native (part of the cache key)
  // jit=Auto: compile when the estimated remaining work of a run exceeds this many seconds of
  // interpretation; default: the config file's [jit] auto_threshold, else
  // defaults::jit_auto_threshold (docs/jit.md).
  std::optional<double> auto_threshold{};
  // jit=Auto across runs (every run of the same kernel in this process: Sims, batch trajectories,
  // other builds): compile once at least this many runs have together spent auto_threshold
  // seconds interpreted; default: [jit] auto_min_calls, else defaults::jit_auto_min_calls.
  std::optional<long long> auto_min_calls{};
  // jit=Auto: once the kernel's runs have spent this many seconds in its native code, recompile
  // it in the background at -O3 -march=native (tier 2; same bits) and switch at the next YIELD;
  // infinity: never. Default: [jit] auto_tier_threshold, else defaults::jit_auto_tier_threshold.
  std::optional<double> auto_tier_threshold{};
  // The Jacobian FullModel::jacobian() (and, later, implicit steppers) use: "symbolic" (default:
  // differentiated from the equations, docs/derivatives.md) or "user" (the model's
  // [equations.jacobian]). J·v and dfdp are always symbolic.
  std::optional<std::string> jacobian{};
  // The time-reversed system (ODEs): with s = -t, dy/ds = -f(-s, y), so a run from s0 = -t1 for a
  // time T follows the model's orbit backward from time t1 to t1 - T (autonomous models: simply
  // -f). Lowered to the IR like any model (the same interpreter and codegen; its own kernel key).
  // Maps, models with events and models reading lagged states are refused (DynlibError).
  bool time_reversed = false;
  // Mods applied to the model before it is validated, in order, after the model URI's own
  // "#mod=NAME": URIs of mod files (a [mod] table), "FILE#mod=NAME" ([mods.NAME] of FILE) or
  // inline:<toml> (docs/modeling.md, Mods). Kept by rebuild(), which reuses the modified spec.
  std::vector<std::string> mods{};
  // Resolves the model's and the mods' TAG:// URIs with these tags instead of DYN_MODEL_PATH and
  // the user config's [paths]; builtin:// stays known.
  std::optional<PathConfig> config{};
};

// Where the time of build() went, in seconds (a memory/disk cache hit skips codegen's compile).
struct BuildStats {
  double resolve_parse = 0;  // URI -> validated ModelSpec
  double lower = 0;          // IR + interpreter tape
  double codegen = 0;        // IR -> C++ source
  double compile = 0;        // key digest, writing files, the compiler (0 on a cache hit)
  double load = 0;           // dlopen + ABI check (or reading the disk cache)
  // Where the native kernel came from: "" (interpreted), "compiled", "memory", "disk".
  std::string kernel_source;
  std::string kernel_digest;  // content digest (DESIGN rule 5); "" when interpreted
  std::string kernel_id;      // digest of the generated source: the key of jit_stats() entries
};

// A read-only description of a model (the validated [model], [states], [params], [aux], [sim]).
struct ModelInfo {
  std::string name;
  std::string kind;  // "ode" | "map"
  DType dtype = DType::Float64;
  std::string hash;
  std::vector<std::string> state_names;
  std::vector<double> initial_state;
  std::vector<std::string> param_names;
  std::vector<std::vector<double>> param_values;  // one entry per param; arrays have several
  // int64 models: the same values exactly (the double ones round beyond 2^53); empty otherwise.
  std::vector<long long> initial_state_i64;
  std::vector<std::vector<long long>> param_values_i64;
  std::vector<std::string> aux_names;
  std::vector<std::string> event_names;
  std::vector<std::string> preset_names;
  // [sim] defaults (the whole table in `sim`; t0, t_end and dt repeated for convenience)
  double t0 = 0.0;
  std::optional<double> t_end, dt;
  SimTable sim;
  bool has_jacobian = false;
  bool time_reversed = false;  // built with BuildOptions::time_reversed
  // The equations as written, for listings (FullModel.print_equations in Python): one per state,
  // in state order; the rows of [equations.jacobian] (empty without one); a map's
  // [equations.inverse] (empty without one).
  std::vector<std::string> equations;
  std::vector<std::vector<std::string>> jacobian_equations;
  std::vector<std::string> inverse_equations;
  std::vector<ModelWarning> warnings;  // accepted but probably not meant (unknown [sim] keys)
};

// A part of a built model (rhs, events_pre, events_post, update_aux, stepper, runner, guards).
struct ModelPart {
  std::string name;
  bool native = false;                  // compiled to machine code
  std::vector<std::string> signatures;  // compiled signatures; empty when interpreted
  bool is_jitted() const { return native; }
};

// The model's functions, callable on a state (FullModel::evaluate).
enum class ModelFunction {
  Rhs,       // dy/dt (ODE) or the next state (map): n values
  Jacobian,  // d rhs_i / d y_j, symbolic: n×n, row-major
  Jvp,       // J(y)·v: n values
  Dfdp,      // d rhs_i / d p_k over the flat parameter vector: n × n_param, row-major
  Inverse,   // a map's inverse ([equations.inverse]): n values
};
// "rhs", "jacobian", "jvp", "dfdp", "inv_rhs": the names FullModel and Python call them by.
const char* model_function_name(ModelFunction f);

// The result of build(): a validated, lowered (and with jit, compiled) model plus the stepper it
// runs with. Cheap to copy (shared, immutable); any number of Sims may use one FullModel.
class FullModel {
 public:
  const ModelInfo& spec() const;
  const Layout& layout() const;  // names <-> indices of states, params, aux, events
  const std::string& stepper_name() const;
  DType dtype() const;
  bool is_jitted() const;
  // The tier its runs start in now: 0 interpreter, 1 native, 2 native at -O3 -march=native
  // (jit=auto's hot kernels, docs/jit.md).
  int jit_tier() const;

  ModelPart rhs() const;
  ModelPart events_pre() const;
  ModelPart events_post() const;
  ModelPart update_aux() const;
  ModelPart stepper() const;
  ModelPart runner() const;
  ModelPart guards() const;

  // The generated C++ for this model (available whether or not it was compiled): its parts and
  // the whole translation unit (model + entry). Sections of translation_unit_source(), verbatim.
  const std::string& rhs_source() const;
  const std::string& events_source() const;
  const std::string& aux_source() const;
  const std::string& stepper_source() const;
  const std::string& runner_source() const;
  const std::string& translation_unit_source() const;
  // Writes rhs.cpp, events.cpp, aux.cpp, stepper.cpp, runner.cpp (views), model.hpp and entry.cpp
  // (the translation unit, split), kernel/*.hpp (the headers it includes) and build.sh (the exact
  // compile command) into `dir` (created if needed). Returns the paths written.
  std::vector<std::string> export_sources(const std::string& dir) const;

  const BuildStats& build_stats() const;
  const BuildOptions& build_options() const;  // as given to build() / rebuild()

  // The model as functions, as reference dynlib users call them (docs/derivatives.md): evaluated
  // by the build's backend (the interpreter, or native code with jit; jit=auto: whichever runs
  // now) in the model's dtype; thread-safe. `y` has one value per state; `params` is the flat
  // parameter vector (layout().param_value_labels()), empty for the model's defaults. A call has
  // no history: lagged terms read `y`. Derivatives are symbolic (docs/derivatives.md); the first
  // derivative call builds them (with jit: compiles them). Throws DynlibError for wrong sizes, an
  // int64 model's derivatives, or inv_rhs of a model without [equations.inverse].
  std::vector<double> rhs(double t, const std::vector<double>& y,
                          const std::vector<double>& params = {}) const;
  std::vector<double> jacobian(double t, const std::vector<double>& y,
                               const std::vector<double>& params = {}) const;
  std::vector<double> jvp(double t, const std::vector<double>& y, const std::vector<double>& params,
                          const std::vector<double>& v) const;
  std::vector<double> dfdp(double t, const std::vector<double>& y,
                           const std::vector<double>& params = {}) const;
  std::vector<double> inv_rhs(double t, const std::vector<double>& y,
                              const std::vector<double>& params = {}) const;
  // The same on raw buffers, for bindings: y (n_state values), params (the flat vector, or null
  // for the defaults), v (Jvp only), out (output_size(f) values).
  void evaluate(ModelFunction f, double t, const double* y, const double* params, const double* v,
                double* out) const;
  size_t output_size(ModelFunction f) const;

  std::shared_ptr<const detail::BuiltModel> impl() const { return impl_; }
  explicit FullModel(std::shared_ptr<const detail::BuiltModel> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const detail::BuiltModel> impl_;
};

// `model` is a URI (builtin://ode/lorenz, TAG://path, a file path, inline:<toml>), optionally with
// "#mod=NAME" to apply a mod of the file's [mods] tables.
FullModel build(const std::string& model, const BuildOptions& options = {});

// The model `model` was built from (its validated source, not read again), built with other
// options: another stepper, dtype, jit mode, or time_reversed. The result is an independent
// FullModel (its own kernels and cache key), as build(uri, options) gives.
FullModel rebuild(const FullModel& model, const BuildOptions& options);
// rebuild() with model's options but time_reversed flipped (reversing twice gives the model back).
FullModel time_reversed(const FullModel& model);
// rebuild() with model's options but another stepper (name or alias).
FullModel with_stepper(const FullModel& model, const std::string& stepper);

// build() hands each warning about the model it reads (errors.hpp: ModelWarning) to this handler,
// in file order; the default writes text() to stderr, as a compiler does. The Python module
// turns them into Python warnings. Thread-safe; returns the handler it replaces (an empty
// handler drops warnings; ModelInfo::warnings keeps them either way).
using ModelWarningHandler = std::function<void(const ModelWarning&)>;
ModelWarningHandler set_model_warning_handler(ModelWarningHandler handler);

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------
// A value for a state or param: a number, or an array for array params. The integer alternatives
// carry int64 models' values exactly (a double holds integers exactly only up to 2^53); float
// models take them as the nearest double. An int64 model takes a double only when it is a whole
// number in the int64 range.
using Value = std::variant<double, std::vector<double>, long long, std::vector<long long>>;
// The number(s) of `v` as doubles (integers rounded to the nearest double): for callers that
// compute in floating point.
std::vector<double> value_as_doubles(const Value& v);

// See docs/simulation.md for the precise semantics of each option.
struct RunOptions {
  std::optional<double> T{};                   // end time (absolute); or
  std::optional<long long> N{};                // number of steps (maps: iterations)
  std::optional<double> dt{};                  // step (initial step for adaptive steppers)
  std::optional<double> t0{};                  // start time (fresh runs only)
  std::optional<bool> record{};                // false: record nothing (final state only)
  std::optional<long long> record_interval{};  // record every k-th step (step 0 included)
  std::optional<std::vector<std::string>>
      record_vars{};                      // states/aux ("x", "aux.energy"); {} = time only
  std::optional<double> transient{};      // unrecorded warm-up before the run (fresh runs only)
  std::optional<long long> max_steps{};   // stop (EARLY_EXIT) after this many steps
  std::map<std::string, Value> ic{};      // initial state overrides (fresh runs)
  std::map<std::string, Value> params{};  // param overrides (this and later runs)
  bool resume = false;                    // continue the previous run (state, time, history)
  // adaptive stepper options
  std::optional<double> atol{}, rtol{}, dt_min{}, dt_max{}, safety{}, min_factor{}, max_factor{};
  std::optional<long long> max_rejects{};
  std::optional<std::string> controller{};  // "pi" | "standard"
  // implicit stepper options (docs/steppers.md)
  std::optional<double> newton_tol{}, jac_eps{};
  std::optional<long long> newton_max_iter{};
  std::optional<std::string> jacobian_mode{};  // "symbolic" | "analytic" ("external") | "fd"
                                               // ("internal")
  std::optional<long long> max_order{};        // cvode: highest BDF/Adams order
  std::optional<std::string> linear_solver{};  // cvode: "auto" | "dense" | "klu" (sparse)
  // Observers of this run (observers.hpp, docs/lyapunov.md): at most one Lyapunov observer and
  // one callback; results in Results::observers(). Not kept by config().
  std::vector<ObserverSpec> observers{};
};

// MemoryLimit: a record or event buffer could not grow (the machine's memory); what was recorded
// up to there is kept.
enum class Status { Done, EarlyExit, StepFail, NanDetected, UserBreak, MemoryLimit };

// What a run evaluated, over the whole run (resumed runs included).
struct Evaluations {
  long long rhs = 0;        // rhs evaluations (stages, Newton iterations, difference Jacobians)
  long long jacobians = 0;  // Jacobian evaluations (implicit steppers)
  long long lu = 0;         // LU factorisations of the iteration matrix
  long long newton = 0;     // Newton iterations
};

// Which backend computed a run's steps and how fast (jit=auto switches mid-run).
struct RunStats {
  long long interp_steps = 0, native_steps = 0;       // steps each backend took in this run
  double interp_seconds = 0.0, native_seconds = 0.0;  // time spent in each backend's kernel calls
  long long switch_step = -1;  // jit=auto: the step at which the run went native; -1 if it did not
  // jit=auto: the part of native_* run by the tier-2 kernel (-O3 -march=native), and the step at
  // which the run moved to it (-1 if it did not move mid-run).
  long long tier2_steps = 0;
  double tier2_seconds = 0.0;
  long long tier2_step = -1;
  double interp_ns_per_step() const {
    return interp_steps ? interp_seconds * 1e9 / double(interp_steps) : 0.0;
  }
  double native_ns_per_step() const {
    return native_steps ? native_seconds * 1e9 / double(native_steps) : 0.0;
  }
};
const char* status_name(Status s);

// A column of a recorded variable: a view into the recorded buffer (row-major, `stride` values
// between consecutive samples). Valid while the Results it came from is alive and unchanged.
template <class T>
struct ColumnView {
  const T* data = nullptr;
  size_t size = 0;
  size_t stride = 1;
  T operator[](size_t i) const { return data[i * stride]; }
  std::vector<T> to_vector() const {
    std::vector<T> v(size);
    for (size_t i = 0; i < size; ++i) v[i] = (*this)[i];
    return v;
  }
};

struct EventLog {
  std::string name;
  std::vector<std::string> tags;
  std::vector<double> t;                    // firing times
  std::vector<long long> record_index;      // index of the first sample recorded after it
  std::vector<std::string> fields;          // the logged expressions, as written
  std::vector<std::vector<double>> values;  // values[field][firing]
  // int64 models: the same values exactly (`values` rounds beyond 2^53); empty otherwise.
  std::vector<std::vector<long long>> values_i64;
};

class Results {
 public:
  DType dtype() const;
  size_t size() const;                                  // samples recorded
  const std::vector<double>& t() const;                 // sample times
  const std::vector<long long>& step() const;           // step index of each sample
  const std::vector<std::string>& names() const;        // recorded variables, in column order
  const std::vector<std::string>& state_names() const;  // recorded states
  const std::vector<std::string>& aux_names() const;    // recorded aux
  bool has(const std::string& name) const;

  // Column by name ("x" or "aux.energy" or a bare aux name). Throws DynlibError with a
  // did-you-mean for an unknown or unrecorded name.
  ColumnView<double> column(const std::string& name) const;             // float64 models
  ColumnView<float> column_f32(const std::string& name) const;          // float32 models
  ColumnView<long long> column_i64(const std::string& name) const;      // int64 models
  std::vector<double> column_as_double(const std::string& name) const;  // any dtype, copied

  // Row-major buffer [sample][variable] in the model's dtype; raw_data<T>() with the matching T.
  template <class T>
  const T* raw_data() const;
  size_t width() const;  // variables per sample

  const std::vector<EventLog>& events() const;
  const EventLog& event(const std::string& name) const;  // throws with did-you-mean

  Status status() const;
  const std::string& message() const;  // why it stopped, with details (variable, step, time)
  bool ok() const { return status() == Status::Done; }
  std::vector<double> final_state() const;
  // The final state of an int64 model, exact (final_state() rounds values beyond 2^53); throws
  // DynlibError for float models.
  std::vector<long long> final_state_i64() const;
  double final_time() const;
  long long steps() const;           // steps taken in total
  long long accepted_steps() const;  // adaptive steppers
  long long rejected_steps() const;
  const Evaluations& evaluations() const;
  // What the run's observers computed, by name (RunOptions::observers); empty without observers.
  const std::map<std::string, ObserverResult>& observers() const;
  const ObserverResult& observer(const std::string& name) const;  // throws with did-you-mean
  double wall_seconds() const;                                    // time spent in run()
  const RunStats& run_stats() const;  // backends of this run (a resumed run: the last run() only)

  explicit Results(std::shared_ptr<const detail::ResultsData> data);
  const std::shared_ptr<const detail::ResultsData>& data_ptr() const { return data_; }

 private:
  std::shared_ptr<const detail::ResultsData> data_;
};

// A Sim's session as values (docs/simulation.md, "Snapshots"): what the next run continues from
// (time, step, state, params, and all the stepper, the lag ring and the events carry between
// steps), without results. Values in the model's dtype are in `reals` as float64 (exact for
// float32 models) or, for int64 models, in `ints` beside the integer arrays.
struct SessionImage {
  // Pins: an image restores only into a Sim of the same model (its spec hash), stepper, dtype
  // and kernel ABI (Sim::compat_check).
  std::string spec_hash, stepper, dtype;
  long long abi = 0;
  bool running = false;  // a run to resume exists; false: initial values (y0, p0) only
  double t = 0, dt = 0, t0 = 0, time_shift = 0, grid_t0 = 0, grid_dt = 0;
  long long step = 0;
  std::map<std::string, long long> counters;           // kernel flags, lag ring head, ...
  std::map<std::string, std::vector<double>> reals;    // y0, p0, y, p, work, lag_ring
  std::map<std::string, std::vector<long long>> ints;  // iwork, fired, stepper_state, ...
};

// A named SessionImage of a Sim (Sim::create_snapshot).
struct SessionSnapshot {
  std::string name, description;
  std::string created_at;  // ISO 8601, UTC
  SessionImage image;
};

// Progress reports during long runs: fraction done in [0, 1] (or -1 when unknown) and steps.
using ProgressFn = std::function<void(double fraction, long long steps)>;

// Streamed recording (Sim::set_record_sink): a Results holding the samples and event firings
// since the previous hand-over, in order (event record indices count every row of the run).
using RecordSink = std::function<void(const Results& part)>;

class Sim {
 public:
  explicit Sim(FullModel model);
  Sim(Sim&&) noexcept;
  Sim& operator=(Sim&&) noexcept;
  ~Sim();

  const FullModel& model() const;

  // Runs with `options` on top of the config() defaults on top of the model's [sim] table.
  // Throws DynlibError for bad options (unknown names with a did-you-mean, T before t0, ...).
  // Returns the results of this run (also kept: results()).
  const Results& run(const RunOptions& options = {});
  const Results& results() const;

  void config(const RunOptions& defaults);                   // persistent defaults for later runs
  void assign(const std::string& name, const Value& value);  // a state (initial/current) or param
  void assign(const std::map<std::string, Value>& values);
  void apply_preset(const std::string& name);  // throws with did-you-mean
  void reset();  // model defaults for states and params; clears results and the resumable run

  // Sessions and snapshots (docs/simulation.md, "Snapshots"). session() is the current session;
  // restore() replaces it (results are cleared; a resumed run then continues bit for bit as the
  // run the image was taken from would have, CVODE excepted: it restarts its history) and throws
  // DynlibError naming every pin that differs. A run with observers cannot be imaged.
  SessionImage session() const;
  void restore(const SessionImage& image);
  // Pins that differ between this Sim and `image`: {pin: {this Sim's, the image's}}.
  std::map<std::string, std::pair<std::string, std::string>> compat_check(
      const SessionImage& image) const;
  // Named snapshots of the session. "initial" is taken automatically: by the first run() (its
  // starting values, with the run's ic and params) or by the first snapshot call before it.
  // Names are unique and non-empty; unknown names throw with a did-you-mean.
  void create_snapshot(const std::string& name, const std::string& description = "");
  const std::vector<SessionSnapshot>& snapshots();
  const SessionSnapshot& snapshot(const std::string& name);
  void reset(const std::string& snapshot_name);  // restore(snapshot(name).image)

  // Current values: the state a resumed run continues from (or the initial state before any run),
  // and the params.
  std::vector<double> state() const;
  std::vector<double> param(const std::string& name) const;
  // The same for int64 models, exact (state() and param() round values beyond 2^53); throw
  // DynlibError for float models.
  std::vector<long long> state_i64() const;
  std::vector<long long> param_i64(const std::string& name) const;

  void set_progress(ProgressFn fn, double min_interval_seconds = 0.2);
  // Streams the recording of the following runs: whenever `rows` samples (or event firings) are
  // buffered they are handed to `sink` and dropped, so memory stays bounded however long a run
  // is; a run's Results then hold only what came after its last hand-over. An exception from the
  // sink ends the run and propagates. An empty sink turns streaming off.
  void set_record_sink(RecordSink sink, long long rows = 1 << 16);
  // Asks a run in progress (another thread, or a signal handler) to stop: it ends with
  // Status::UserBreak and keeps its results. Async-signal-safe.
  void request_stop();

 private:
  std::unique_ptr<detail::SimImpl> impl_;
};

Sim setup(const std::string& model, const BuildOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Compile statistics (process-wide; see docs/jit.md)
// ---------------------------------------------------------------------------------------------
// One entry per kernel: a model's generated source for one stepper and dtype. `id` digests that
// source (it exists for interpreted models too); `digest` is the compiled kernel's content key
// (DESIGN rule 5), empty until a native kernel was built or loaded.
struct KernelStats {
  std::string id, digest;
  std::string model_name, stepper, dtype;
  std::vector<std::string> backends;  // "interpreter", "native": those that ran steps
  long long builds = 0;               // build() calls for this kernel
  long long compiles = 0;             // compiler runs (cache misses)
  long long memory_hits = 0, disk_hits = 0;
  double compile_seconds = 0.0;  // total time in the compiler (incl. key, files, load)
  long long runs = 0;
  long long interp_steps = 0, native_steps = 0;
  double interp_seconds = 0.0, native_seconds = 0.0;
  long long auto_switches = 0;  // jit=auto runs that went native mid-run
  // jit=auto tiers: 0 the interpreter, 1 the native kernel as jit=on builds it (-O2), 2 that kernel
  // recompiled at -O3 -march=native once hot. `tier` is the highest that ran steps here.
  struct Tier {
    long long compiles = 0;  // compiler runs for this tier (cache misses)
    double compile_seconds = 0.0;
    long long steps = 0;
    double seconds = 0.0;
    double ns_per_step() const { return steps ? seconds * 1e9 / double(steps) : 0.0; }
  };
  static constexpr int kTiers = 3;
  Tier tiers[kTiers];
  int tier = 0;
  long long tier_ups = 0;  // runs that moved from tier 1 to tier 2 mid-run
  // jit=auto keeps tier 2 only where it is measured faster than tier 1 (docs/jit.md): "" while
  // on trial (or never compiled), else "kept" or "dropped".
  std::string tier2_verdict;
  // jit=quick: its tier 1 is the model's functions compiled alone, under the library's steppers
  // (quick builds have their own kernel id).
  bool quick = false;
  static const char* tier_name(int tier);  // "interpreter", "native -O2", ...
  // This kernel's name for `tier`: tier_name(), or "native functions (quick)" for a quick tier 1.
  const char* tier_label(int tier) const;
  // Measured speed-up of `tier` over the interpreter (0 unless both ran).
  double tier_speedup(int t) const {
    return tiers[0].steps && tiers[t].steps ? tiers[0].ns_per_step() / tiers[t].ns_per_step() : 0.0;
  }
  double interp_ns_per_step() const {
    return interp_steps ? interp_seconds * 1e9 / double(interp_steps) : 0.0;
  }
  double native_ns_per_step() const {
    return native_steps ? native_seconds * 1e9 / double(native_steps) : 0.0;
  }
  // Measured speed-up of native over interpreted (0 unless both ran).
  double speedup() const {
    return interp_steps && native_steps ? interp_ns_per_step() / native_ns_per_step() : 0.0;
  }
};
std::vector<KernelStats> jit_stats();
void reset_jit_stats();
// jit_stats() as a table for people: per kernel, its runs and tier, and per tier the compiles,
// steps, ns/step and speed-up over the interpreter (docs/jit.md).
std::string jit_report();

// Stepper registry, for listings (`dynlib steppers list`).
struct StepperDescription {
  std::string name;
  std::vector<std::string> aliases;
  std::string kind;  // "ode" | "map"
  bool adaptive = false, implicit = false, stiff = false;
  bool jacobian = false;  // steps with the model's Jacobian (jacobian_mode chooses which)
  bool host = false;      // stepped by host code (SUNDIALS CVODE), not the generated kernel
  int order = 0, embedded_order = 0;
  std::vector<std::string> dtypes;  // state types it steps
  std::string description;
};
std::vector<StepperDescription> steppers();

}  // namespace dynlib

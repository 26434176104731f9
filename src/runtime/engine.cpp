// Engine<Real>: the buffers and run state of one Sim in one dtype, and the wrapper loop that
// drives kernel::run<Stepper> through the model's Kernel (see engine.hpp).
#include "runtime/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <iterator>
#include <limits>

#include <unistd.h>

#include "kernel/registry.hpp"
#include "kernel/status.hpp"
#include "runtime/cvode_driver.hpp"
#include "runtime/observed_run.hpp"
#include "runtime/tuning.hpp"

namespace dynlib::detail {

Tuning& tuning() {
  static Tuning t;
  return t;
}

double memory_limit() {
  if (const long long knob = tuning().memory_limit.load(); knob > 0)
    return static_cast<double>(knob);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(pages) * static_cast<double>(page);
}

namespace {

// A recorded run of known length whose samples cannot fit in memory is refused before it starts.
void check_recording_fits(double rows, double bytes_per_row) {
  const double memory = memory_limit();
  const double need = rows * bytes_per_row;
  if (need > memory)
    throw DynlibError(fmt::format(
        "this run would record {:.4g} samples ({:.3g} GB), more than this machine's memory "
        "({:.3g} GB): record fewer (a larger record_interval, fewer record_vars, or record=false "
        "for the final state only), stream them (Sim::set_record_sink; the CLI's --out does), or "
        "run it in parts (resume=true)",
        rows, need / 1e9, memory / 1e9));
}

// Not a kernel status: the wrapper loop could not grow a buffer (Status::MemoryLimit).
constexpr int kMemoryExhausted = -1000;

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <class Real>
class Engine final : public EngineBase {
  using Time = kernel::time_t_of<Real>;
  static constexpr bool kInt = std::is_same_v<Real, long long>;

 public:
  Engine(std::shared_ptr<const BuiltModel> mi)
      : mi_(std::move(mi)), interp_(mi_->interpreter->entry<Real>()) {
    defaults();
  }

  bool has_run() const override { return has_run_; }

  void set_state(int i, Scalar v) override {
    y0_[static_cast<size_t>(i)] = real_of(v);
    if (has_run_) {
      y_[static_cast<size_t>(i)] = real_of(v);
      a_.reset |= kernel::RESET_STEPPER;
    }
  }
  void set_param(int flat, Scalar v) override {
    p0_[static_cast<size_t>(flat)] = real_of(v);
    if (has_run_) {
      p_[static_cast<size_t>(flat)] = real_of(v);
      a_.reset |= kernel::RESET_STEPPER;
    }
  }
  std::vector<double> state() const override {
    const auto& src = has_run_ ? y_ : y0_;  // an observed run's y_ also holds its tangents
    return std::vector<double>(src.begin(), src.begin() + static_cast<long>(y0_.size()));
  }
  double param(int flat) const override {
    return static_cast<double>((has_run_ ? p_ : p0_)[static_cast<size_t>(flat)]);
  }
  std::vector<long long> state_i64() const override {
    if constexpr (kInt) {
      const auto& src = has_run_ ? y_ : y0_;
      return std::vector<long long>(src.begin(), src.begin() + static_cast<long>(y0_.size()));
    } else {
      return {};
    }
  }
  long long param_i64(int flat) const override {
    return static_cast<long long>((has_run_ ? p_ : p0_)[static_cast<size_t>(flat)]);
  }
  void reset() override {
    defaults();
    clear_run();
  }

  void run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) override;
  SessionImage image() const override;
  void restore(const SessionImage& image) override;

 private:
  // A checked value in this engine's dtype: int64 values exact, never through a double.
  static Real real_of(const Scalar& v) {
    if constexpr (kInt)
      return v.integer;
    else
      return static_cast<Real>(v.real);
  }
  void defaults() {
    const BuiltModel& m = *mi_;
    if constexpr (kInt) {
      y0_.assign(m.y0_i64.begin(), m.y0_i64.end());
      p0_.assign(m.p0_i64.begin(), m.p0_i64.end());
    } else {
      y0_.assign(m.info.initial_state.begin(), m.info.initial_state.end());
      p0_.assign(m.p0.begin(), m.p0.end());
    }
  }
  void clear_run() {
    has_run_ = false;
    a_ = {};
    observed_ = ObservedRun<Real>();
    observed_entry_.reset();
    rec_t_.clear();
    rec_step_.clear();
    rec_data_.clear();
    evt_code_.clear();
    evt_rec_index_.clear();
    evt_time_.clear();
    evt_data_.clear();
    time_shift_ = 0.0;
    rows_before_ = 0;
    rows_streamed_ = 0;
    wall_ = 0.0;
  }

  int rec_width() const { return static_cast<int>(rec_state_.size() + rec_aux_.size()); }

  // Point RunArgs at the current buffers (after any resize).
  void bind() {
    a_.y = y_.data();
    a_.p = p_.empty() ? nullptr : p_.data();
    a_.work = work_.empty() ? nullptr : work_.data();
    a_.work_size = static_cast<long long>(work_.size());
    a_.iwork = iwork_.empty() ? nullptr : iwork_.data();
    a_.iwork_size = static_cast<long long>(iwork_.size());
    a_.host = host_ ? host_->host() : nullptr;
    a_.scratch = scratch_.data();
    a_.scratch_size = static_cast<long long>(scratch_.size());
    a_.evt_fired = fired_.data();
    a_.lag_ring = lag_ring_.empty() ? nullptr : lag_ring_.data();
    a_.lag_state = lag_state_.data();
    a_.rec_n_state = static_cast<int>(rec_state_.size());
    a_.rec_n_aux = static_cast<int>(rec_aux_.size());
    a_.rec_state_idx = rec_state_.empty() ? nullptr : rec_state_.data();
    a_.rec_aux_idx = rec_aux_.empty() ? nullptr : rec_aux_.data();
    a_.rec_t = rec_t_.data();
    a_.rec_step = rec_step_.data();
    a_.rec_data = rec_data_.data();
    a_.rec_cap = static_cast<long long>(rec_t_.size());
    a_.evt_code = evt_code_.data();
    a_.evt_rec_index = evt_rec_index_.data();
    a_.evt_time = evt_time_.data();
    a_.evt_data = evt_data_.data();
    a_.evt_cap = static_cast<long long>(evt_code_.size());
  }

  void resize_rec(long long cap) {
    const size_t c = static_cast<size_t>(cap);
    resize_buffer(rec_t_, c);
    resize_buffer(rec_step_, c);
    resize_buffer(rec_data_, c * static_cast<size_t>(rec_width()));
  }
  // The buffers of this Sim's earlier results, if they were released (record_pool.hpp): a fresh
  // run of `rows` samples (-1: unknown) records into memory already faulted in.
  bool reuse_released_buffers(long long rows) {
    std::optional<RecordBuffers> b = record_pool_->take(rows);
    if (!b) return false;
    if constexpr (std::is_same_v<Time, double>) rec_t_ = std::move(b->t);
    rec_step_ = std::move(b->step);
    if constexpr (std::is_same_v<Real, double>)
      rec_data_ = std::move(b->f64);
    else if constexpr (std::is_same_v<Real, float>)
      rec_data_ = std::move(b->f32);
    else
      rec_data_ = std::move(b->i64);
    tuning().record_buffers_reused++;
    return true;
  }
  void resize_evt(long long cap) {
    const size_t c = static_cast<size_t>(cap);
    evt_code_.resize(c);
    evt_rec_index_.resize(c);
    evt_time_.resize(c);
    evt_data_.resize(c * static_cast<size_t>(a_.evt_width));
  }
  double buffer_bytes(long long rec_cap, long long evt_cap) const {
    const double row = static_cast<double>(sizeof(Time) + sizeof(long long) +
                                           sizeof(Real) * static_cast<size_t>(rec_width()));
    const double evt = static_cast<double>(sizeof(int) + sizeof(long long) + sizeof(Time) +
                                           sizeof(Real) * static_cast<size_t>(a_.evt_width));
    return row * static_cast<double>(rec_cap) + evt * static_cast<double>(evt_cap);
  }
  // Grows the record (or event) buffer towards `want` rows, settling for less when memory is
  // short; false when not even `need` rows fit: the buffers are then as they were.
  bool grow(bool events, long long want, long long need) {
    const long long cap = events ? a_.evt_cap : a_.rec_cap;
    const double limit = memory_limit();
    auto bytes = [&](long long c) {
      return events ? buffer_bytes(a_.rec_cap, c) : buffer_bytes(c, a_.evt_cap);
    };
    for (long long c = want; c >= need; c = cap + (c - cap) / 2) {
      if (bytes(c) > limit) continue;
      try {
        events ? resize_evt(c) : resize_rec(c);
        return true;
      } catch (const std::bad_alloc&) {
        events ? resize_evt(cap) : resize_rec(cap);  // shrinking allocates nothing
      }
    }
    return false;
  }
  // Sim::set_record_sink: the rows and event firings so far go to the sink and leave the buffers.
  void hand_over(const RecordSink& sink) {
    auto d = std::make_shared<ResultsData>();
    d->dtype = mi_->dtype;
    d->status = Status::Done;
    d->message = "a part of a streamed run";
    fill_rows(*d, /*move=*/false);
    rows_streamed_ += a_.rec_count;
    a_.rec_count = 0;
    a_.evt_count = 0;
    rows_before_ = 0;
    d->final_time = static_cast<double>(a_.t) - time_shift_;
    d->steps = a_.step;
    d->model = mi_;
    sink(Results(d));
  }
  void fill_rows(ResultsData& d, bool move);

  // One kernel call, timed and counted for the backend that made it.
  int call_kernel() {
    const long long step0 = a_.step;
    const auto t0 = Clock::now();
    int status;
    bool native = native_ != nullptr;
    if (observed_.active()) {
      // Observed runs: the same stepper over the variational model, in the kernel with
      // derivatives of the current backend (pipeline: BuiltModel::function_kernel).
      observed_.bind();
      status = observed_entry_->run_observed(a_, observed_.args());
      native = observed_native_;
    } else {
      // Both kernels are kernel::run<Stepper> over the same RunArgs layout.
      status = (native_ ? native_ : interp_)->run(a_);
    }
    const double s = seconds_since(t0);
    (native ? run_stats_.native_steps : run_stats_.interp_steps) += a_.step - step0;
    (native ? run_stats_.native_seconds : run_stats_.interp_seconds) += s;
    if (native && !observed_.active() && native_tier_ == 2) {
      run_stats_.tier2_steps += a_.step - step0;
      run_stats_.tier2_seconds += s;
    }
    return status;
  }

  // jit=auto, at a YIELD: move up to a better native kernel once one is ready; start compiling
  // the next tier when this run's progress, or every run of the kernel together, say it pays
  // (BuiltModel::consider_tiers). `fraction` is the run's progress (-1: unknown), `elapsed` the
  // seconds it has taken so far. Never waits for the compiler, except under the test knobs that
  // pin a move to a step.
  void consider_native(double fraction, double elapsed) {
    const BuiltModel& m = *mi_;
    if (!m.auto_jit() || observed_.active()) return;
    const long long force_at = tuning().auto_switch_step.load();
    const long long force_up = tuning().tier_up_step.load();
    if (force_at > 0 || force_up > 0) {
      if (native_tier_ == 0 && force_at > 0 && a_.step >= force_at) {
        m.compile_tier_now(1);
        adopt_native(true, true);
      }
      if (native_tier_ == 1 && force_up > 0 && a_.step >= force_up) m.compile_tier_now(2);
      adopt_native(true, true);
      return;
    }
    m.consider_tiers(native_tier_, run_stats_, fraction, elapsed);
    if (tuning().wait_for_compiles) m.wait_compiles();
    adopt_native(true);
  }
  // Runs on the native kernel BuiltModel::next_native() picks if it is not the current one (a
  // higher tier; tier 1 again while tier 2 is on trial or once it was measured slower); `pinned`
  // (the test knobs) takes the best one, without the trial's alternation. `mid_run` records the
  // first move up in the run's statistics.
  void adopt_native(bool mid_run, bool pinned = false) {
    const BuiltModel::Native best = pinned ? mi_->best_native() : mi_->next_native();
    if (!best.kernel || best.tier == native_tier_) return;
    native_ = best.kernel->entry<Real>();
    if (mid_run && native_tier_ == 0) run_stats_.switch_step = a_.step;
    if (mid_run && best.tier == 2 && run_stats_.tier2_step < 0) run_stats_.tier2_step = a_.step;
    native_tier_ = best.tier;
  }

  void finish(int status, long long n_limit, const Plan& plan, ResultsSlot& slot, double wall);
  template <class Drive, class SetEnd>
  int warm_up(const Plan& plan, Drive& drive, SetEnd& set_end);
  std::string describe_end(int status, long long n_limit, const Plan& plan) const;

  std::shared_ptr<const BuiltModel> mi_;
  std::unique_ptr<pipeline::Entry<Real>> interp_;  // always
  std::unique_ptr<pipeline::Entry<Real>> native_;  // null: the interpreter runs
  int native_tier_ = 0;                            // native_'s tier (jit=auto: 1 or 2)
  RunStats run_stats_;                             // of the current run() call
  std::vector<Real> y0_, p0_;  // initial state of fresh runs; params of fresh runs

  // The resumable run: RunArgs and every buffer it points into.
  bool has_run_ = false;
  kernel::RunArgs<Real> a_{};
  std::vector<Real> y_, p_, work_, scratch_, lag_ring_;
  std::vector<int> iwork_;             // implicit steppers' LU pivots
  std::unique_ptr<CvodeDriver> host_;  // host-stepped steppers (cvode): this run's CVODE
  ObservedRun<Real> observed_;         // RunOptions::observers: tangents, trace, callback
  std::unique_ptr<pipeline::Entry<Real>> observed_entry_;  // their kernel (with derivatives)
  bool observed_native_ = false;
  int linear_solver_ = 0;  // of the fresh run (host steppers rebuild their driver on restore)
  std::vector<int> fired_, lag_state_, rec_state_, rec_aux_;
  std::vector<Time> rec_t_;
  std::vector<long long> rec_step_;
  std::vector<Real> rec_data_;
  // Where released results return their buffers (shared: results may outlive this engine).
  std::shared_ptr<RecordPool> record_pool_ = std::make_shared<RecordPool>();
  std::vector<int> evt_code_;
  std::vector<long long> evt_rec_index_;
  std::vector<Time> evt_time_;
  std::vector<Real> evt_data_;
  double grid_t0_ = 0.0, grid_dt_ = 0.0;  // fixed steppers: t = grid_t0 + step * grid_dt
  // Recorded times are the model's clock minus this: after a transient warm-up, the run's times
  // start at t0 again while the model's own t runs on (0 without a transient).
  double time_shift_ = 0.0;
  long long rows_before_ = 0;    // recorded rows of the run this one resumes (not shifted again)
  long long rows_streamed_ = 0;  // rows handed to a record sink (event record indices count them)
  bool warming_up_ = false;      // in the transient warm-up (for describe_end)
  double wall_ = 0.0;
};

template <class Real>
void Engine<Real>::run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) {
  const BuiltModel& mi = *mi_;
  const bool adaptive = mi.adaptive;
  const bool resume = plan.resume;
  warming_up_ = false;

  // ---- 1. the time window, checked before anything changes ----
  // Times here are the run's (recorded) times; the model's clock is time_shift_ ahead of them.
  const double t_start = resume ? static_cast<double>(a_.t) - time_shift_ : plan.t0;
  const long long step_start = resume ? a_.step : 0;
  double grid_t0 = resume ? grid_t0_ : plan.t0;
  double grid_dt = resume ? grid_dt_ : 0.0;
  double dt_next = resume ? static_cast<double>(a_.dt) : 0.0;  // adaptive proposal (0: guess)
  if (!adaptive) {
    if (plan.dt) {
      if (resume && *plan.dt != grid_dt_)
        grid_t0 = t_start - static_cast<double>(step_start) * *plan.dt;
      grid_dt = *plan.dt;
    }  // else a resume keeps its grid (a fresh run always has a dt: run_plan.cpp)
  } else if (plan.dt) {
    dt_next = *plan.dt;
  }
  // N, like T, is absolute: the steps of the whole run, counted from its fresh start, so a run
  // resumed with N = 25 after N = 10 ends at step 25 (the reference dynlib's rule).
  if (resume && plan.N && *plan.N <= step_start)
    throw DynlibError(fmt::format(
        "N = {} is already reached: the run to resume is at step {}, and N counts the steps from "
        "the start of the run it continues (give a larger N, or run without resume to start over)",
        *plan.N, step_start));
  if (plan.T && *plan.T < t_start)
    throw DynlibError(
        fmt::format("T = {} is before the {} t = {}: T is an absolute end time", fmt_num(*plan.T),
                    resume ? "current time of the resumed run," : "start time", fmt_num(t_start)));
  long long step_end = LLONG_MAX;  // fixed steppers
  long long n_limit = 0;           // adaptive steppers with N (0: none)
  if (!adaptive) {
    if (plan.T) {
      const double n = std::round((*plan.T - grid_t0) / grid_dt);
      if (!(n < 9.0e18))
        throw DynlibError(fmt::format("T = {} with dt = {} is more than 9e18 steps",
                                      fmt_num(*plan.T), fmt_num(grid_dt)));
      step_end = std::max(static_cast<long long>(n), step_start);
    }
    if (plan.N) step_end = std::min(step_end, *plan.N);
  } else if (plan.N) {
    n_limit = *plan.N;
  }
  if ((kernel::kSteppers[mi.stepper_id].caps & kernel::CAP_HOST) &&
      plan.max_order > kernel::kSteppers[mi.stepper_id].order)
    throw DynlibError(fmt::format("max_order = {} is above {}'s highest order, {}", plan.max_order,
                                  kernel::kSteppers[mi.stepper_id].name,
                                  kernel::kSteppers[mi.stepper_id].order));
  if (plan.jacobian_mode == kernel::JAC_ANALYTIC && !mi.info.has_jacobian &&
      (kernel::kSteppers[mi.stepper_id].caps & kernel::CAP_JACOBIAN))
    throw DynlibError(fmt::format(
        "jacobian_mode = \"analytic\" needs the model's own Jacobian, but model '{}' has no "
        "[equations.jacobian] table; use \"symbolic\" (derived from the equations) or \"fd\"",
        mi.info.name));
  // The steps this run takes, when known (fixed steps and maps, or with N or max_steps); -1 else.
  long long known_steps = -1;
  if (!adaptive && step_end != LLONG_MAX) known_steps = step_end - step_start;
  if (adaptive && plan.N) known_steps = *plan.N - step_start;
  if (plan.max_steps)
    known_steps = known_steps < 0 ? *plan.max_steps : std::min(known_steps, *plan.max_steps);
  if (plan.record && known_steps >= 0 && !hooks.sink) {  // a streamed run's memory is bounded
    // A resumed run appends to the rows it continues; a fresh one starts with none.
    const size_t width = resume && !plan.rec_vars_given
                             ? static_cast<size_t>(rec_width())
                             : plan.rec_state.size() + plan.rec_aux.size();
    const long long rows_kept = resume ? a_.rec_count : 0;
    check_recording_fits(
        static_cast<double>(known_steps / plan.record_interval + 1 + rows_kept),
        static_cast<double>(width * sizeof(Real) + sizeof(Time) + sizeof(long long)));
  }
  observed_.prepare(plan, mi, resume);  // checks the observers (a fresh run: sets them up)
  if (observed_.active() && !observed_entry_) {
    std::shared_ptr<const pipeline::Kernel> k = mi.function_kernel();  // builds J·v on first use
    observed_entry_ = k->entry<Real>();
    observed_native_ = std::string(k->backend()) == "native";
  }
  if (resume && plan.rec_vars_given && (plan.rec_state != rec_state_ || plan.rec_aux != rec_aux_))
    throw DynlibError(
        "record_vars cannot change when resuming: the resumed run appends to the columns of the "
        "run it continues");

  // ---- 2. commit: a fresh run sets up every buffer; a resumed one takes its results back ----
  const pipeline::KernelShape& shape = mi.shape;
  const int n = shape.n_state, np = shape.n_param, na = shape.n_aux;
  for (const auto& [i, v] : plan.params) p0_[static_cast<size_t>(i)] = real_of(v);
  if (!resume) {
    const bool had_run = has_run_;
    {
      // clear_run() forgets the observed run; keep the one prepare() just set up.
      ObservedRun<Real> observed = std::move(observed_);
      auto entry = std::move(observed_entry_);
      clear_run();
      observed_ = std::move(observed);
      observed_entry_ = std::move(entry);
    }
    // An observed run's state also carries its tangent vectors (kernel/variational.hpp).
    const int n_run = n * (observed_.tangents() + 1);
    a_.abi_version = kernel::kRunArgsAbi;
    a_.n_state = n_run;
    a_.n_param = np;
    a_.n_aux = na;
    // A fresh run starts from the Sim's current values: where the previous run ended (or what
    // assign() set), with time back at t0, as the reference dynlib's session does; reset()
    // returns to the model's initial values.
    if (had_run) {
      y_.resize(y0_.size());
    } else {
      y_ = y0_;
      p_ = p0_;
    }
    for (const auto& [i, v] : plan.ic) y_[static_cast<size_t>(i)] = real_of(v);
    y_.resize(static_cast<size_t>(n_run), Real(0));
    if (observed_.tangents() > 0) observed_.initial_tangents(y_.data());
    for (const auto& [i, v] : plan.params) p_[static_cast<size_t>(i)] = real_of(v);
    const kernel::StepperInfo& si = kernel::kSteppers[mi.stepper_id];
    work_.assign(static_cast<size_t>(kernel::stepper_work_size(si, n_run)), Real(0));
    iwork_.assign(static_cast<size_t>(kernel::stepper_iwork_size(si, n_run)), 0);
    host_.reset();
    linear_solver_ = plan.linear_solver;
    if (si.caps & kernel::CAP_HOST)
      host_ = std::make_unique<CvodeDriver>(n, static_cast<LinearSolver>(plan.linear_solver),
                                            shape.jac_sparsity);
    scratch_.assign(static_cast<size_t>(kernel::runner_scratch_size(n_run, np, na)), Real(0));
    fired_.assign(static_cast<size_t>(shape.n_event + 1), 0);
    lag_state_ = shape.lag_columns(a_.lag_depth);
    a_.lag_width = static_cast<int>(lag_state_.size());
    if (lag_state_.empty()) lag_state_.push_back(0);  // never read: a valid pointer all the same
    lag_ring_.assign(static_cast<size_t>(a_.lag_width) * static_cast<size_t>(a_.lag_depth),
                     Real(0));
    a_.lag_head = 0;
    a_.t0 = a_.t = static_cast<Time>(plan.t0);
    a_.step = 0;
    a_.started = 0;
    a_.initial_recorded = 0;
    rec_state_ = plan.rec_state;
    rec_aux_ = plan.rec_aux;
    a_.evt_width = shape.max_event_log_size();
    has_run_ = true;
  } else {
    for (const auto& [i, v] : plan.params) p_[static_cast<size_t>(i)] = real_of(v);
    if (!plan.params.empty()) a_.reset |= kernel::RESET_STEPPER;
    // Take the recorded rows back: moved when no one else holds those results, else copied.
    std::shared_ptr<ResultsData> last = std::move(slot.last);
    slot.results = Results(nullptr);
    if (last) {
      const bool mine = last.use_count() == 1;
      auto take = [&](auto& dst, auto& src) {
        if (mine)
          dst = std::move(src);
        else
          dst.assign(src.begin(), src.end());
      };
      if constexpr (std::is_same_v<Real, double>)
        take(rec_data_, last->f64);
      else if constexpr (std::is_same_v<Real, float>)
        take(rec_data_, last->f32);
      else
        take(rec_data_, last->i64);
      take(rec_step_, last->step);
      if constexpr (std::is_same_v<Time, double>)
        take(rec_t_, last->t);
      else
        rec_t_.assign(last->t.begin(), last->t.end());  // float times, exact round trip
    }
  }
  // A resumed run keeps the model's grid origin unless its dt changed (bit for bit one long run).
  if (!adaptive && (!resume || grid_t0 != grid_t0_ || grid_dt != grid_dt_))
    a_.t0 = static_cast<Time>(grid_t0 + time_shift_);
  grid_t0_ = grid_t0;
  grid_dt_ = grid_dt;
  a_.dt = static_cast<Time>(adaptive ? dt_next : grid_dt);
  rows_before_ = resume ? a_.rec_count : 0;

  // End of this run (again after a transient warm-up, which moves the model's clock on).
  auto set_end = [&] {
    if (!adaptive) {
      a_.step_end = step_end;
      a_.t_end = 0;
    } else {
      a_.step_end = 0;
      a_.t_end =
          plan.T ? static_cast<Time>(*plan.T + time_shift_) : std::numeric_limits<Time>::max();
      if (plan.N && *plan.N == 0) a_.t_end = a_.t;  // nothing to do (0 is "no limit" below)
    }
    long long ms_end = plan.max_steps ? step_start + *plan.max_steps : 0;
    if (n_limit > 0) ms_end = ms_end > 0 ? std::min(ms_end, n_limit) : n_limit;
    a_.max_steps_end = ms_end;
  };
  set_end();

  // Recording.
  a_.record = plan.record ? 1 : 0;
  a_.record_interval = plan.record_interval;
  a_.t_record_start = -std::numeric_limits<Time>::infinity();
  a_.evt_log = 1;
  a_.interrupt = hooks.stop;

  // Adaptive options.
  a_.atol = static_cast<Time>(plan.atol);
  a_.rtol = static_cast<Time>(plan.rtol);
  a_.dt_min = static_cast<Time>(plan.dt_min.value_or(defaults::dt_min));
  a_.dt_max = static_cast<Time>(plan.dt_max.value_or(defaults::dt_max));
  a_.safety = static_cast<Time>(plan.safety.value_or(defaults::safety));
  a_.min_factor = static_cast<Time>(plan.min_factor.value_or(defaults::min_factor));
  a_.max_factor = static_cast<Time>(plan.max_factor.value_or(defaults::max_factor));
  a_.max_rejects = static_cast<int>(plan.max_rejects.value_or(defaults::max_rejects));
  a_.controller = plan.controller;
  a_.newton_tol = static_cast<Time>(plan.newton_tol);
  a_.jac_eps = static_cast<Time>(plan.jac_eps);
  a_.newton_max_iter = plan.newton_max_iter;
  a_.jacobian_mode = plan.jacobian_mode;
  a_.max_order = plan.max_order;

  // Starting capacities: exact when the number of samples is known (capped), else 1024.
  const long long rows_now = a_.rec_count;
  if (plan.record) {
    long long want = tuning().rec_cap0.load();
    if (want <= 0) {
      want = known_steps >= 0 ? known_steps / plan.record_interval + 2 : 1024;
      want = std::min<long long>(want, 1LL << 20);
    }
    if (hooks.sink) want = std::min(want, hooks.sink_rows);
    // Sized exactly (never less than the taken buffers' width needs), as fresh ones are.
    const bool reused = !resume && reuse_released_buffers(known_steps >= 0 ? want : -1);
    if (reused || rows_now + want > static_cast<long long>(rec_t_.size()))
      resize_rec(rows_now + want);
  } else if (static_cast<long long>(rec_t_.size()) < rows_now) {
    resize_rec(rows_now);
  }
  if (shape.n_event > 0) {
    long long want = tuning().evt_cap0.load();
    if (want <= 0) want = 64;
    if (hooks.sink) want = std::min(want, hooks.sink_rows);
    if (a_.evt_count + want > static_cast<long long>(evt_code_.size()))
      resize_evt(a_.evt_count + want);
  }

  // ---- 3. the wrapper loop ----
  run_stats_ = RunStats{};
  // jit=on, or jit=auto with a kernel already compiled (by build(), another Sim or earlier runs);
  // jit=auto starts the next tier's compile now if the runs so far say it pays.
  const bool pinned = tuning().auto_switch_step > 0 || tuning().tier_up_step > 0;
  if (mi.auto_jit() && !observed_.active() && !pinned) {
    mi.consider_tiers(mi.best_native().tier, run_stats_, -1.0, 0.0);
    if (tuning().wait_for_compiles) mi.wait_compiles();
  }
  adopt_native(false, pinned);
  long long budget = tuning().step_budget.load();
  const bool fixed_budget = budget > 0;
  if (!fixed_budget) budget = 1LL << 14;
  const auto t_run = Clock::now();
  auto last_report = t_run;
  auto drive_kernel = [&]() -> int {
    for (;;) {
      a_.step_budget = budget;
      bind();
      const auto t_call = Clock::now();
      const int status = call_kernel();
      if (status == kernel::GROW_REC) {
        if (observed_.active() && observed_.trace_full()) {
          observed_.grow_trace(0);  // the observer's trace asked (the recorder may next)
        } else if (hooks.sink && a_.rec_cap >= hooks.sink_rows) {
          hand_over(*hooks.sink);
        } else {
          const long long cap = a_.rec_cap;  // geometric; small starts only in tests
          long long want = std::max(cap * 2, cap + 16);
          if (hooks.sink) want = std::min(want, std::max(hooks.sink_rows, cap + 1));
          if (!grow(false, want, cap + 1)) return kMemoryExhausted;
        }
      } else if (status == kernel::GROW_EVT) {
        const long long cap = a_.evt_cap;
        const long long need = a_.evt_count + 2LL * shape.n_event + 2;
        long long want = std::max(cap * 2, need);
        if (hooks.sink) want = std::min(want, std::max(hooks.sink_rows, need));
        if (hooks.sink && cap >= hooks.sink_rows && a_.evt_count > 0)
          hand_over(*hooks.sink);
        else if (!grow(true, want, need))
          return kMemoryExhausted;
      } else if (status == kernel::YIELD) {
        if (!fixed_budget) {  // aim at ~50 ms per call
          const double s = seconds_since(t_call);
          const double scale = s > 0 ? std::clamp(0.05 / s, 0.25, 4.0) : 4.0;
          budget = std::clamp(static_cast<long long>(static_cast<double>(budget) * scale),
                              1LL << 10, 1LL << 24);
        }
        double frac = -1.0;
        if (warming_up_)
          frac = 0.0;
        else if (!adaptive && step_end != LLONG_MAX && step_end > step_start)
          frac = static_cast<double>(a_.step - step_start) /
                 static_cast<double>(step_end - step_start);
        else if (adaptive && plan.T && *plan.T > t_start)
          frac = (static_cast<double>(a_.t) - time_shift_ - t_start) / (*plan.T - t_start);
        else if (adaptive && plan.N && *plan.N > step_start)
          frac =
              static_cast<double>(a_.step - step_start) / static_cast<double>(*plan.N - step_start);
        frac = std::clamp(frac, frac < 0 ? -1.0 : 0.0, 1.0);
        consider_native(frac, seconds_since(t_run));
        if (hooks.progress && *hooks.progress &&
            std::chrono::duration<double>(Clock::now() - last_report).count() >=
                hooks.progress_interval) {
          last_report = Clock::now();
          (*hooks.progress)(frac, a_.step);
        }
      } else {
        return status;
      }
    }
  };
  // The rows a block observer has not seen yet go to it once the kernel is done (also at the end
  // of a transient warm-up, whose steps the run proper counts again from 0).
  auto drive = [&]() -> int {
    const int status = drive_kernel();
    if (observed_.active()) observed_.flush_block();
    return status;
  };
  int status = kernel::DONE;
  try {
    if (!resume && plan.transient > 0) status = warm_up(plan, drive, set_end);
    if (status == kernel::DONE) status = drive();
  } catch (...) {
    clear_run();  // a throwing progress callback or record sink leaves nothing resumable
    slot = ResultsSlot{};
    slot.failed = true;
    throw;
  }
  if (status == kernel::BAD_ARGS) {
    const int reason = a_.exit_reason;
    clear_run();
    slot = ResultsSlot{};
    slot.failed = true;
    throw DynlibError(fmt::format("internal error: the kernel rejected the run arguments ({})",
                                  kernel::exit_reason_name(reason)));
  }
  finish(status, n_limit, plan, slot, seconds_since(t_run));
  // A callback observer that threw stopped the run; its results are kept, its error goes on.
  if (std::exception_ptr e = observed_.take_callback_error()) std::rethrow_exception(e);
}

// The transient is a warm-up before the run (the reference dynlib's rule): from t0 for
// `transient` time (iterations for maps; fixed-step flows: round(transient / dt) steps), nothing
// recorded, events acting but not logged, Lyapunov growth not counted. The run proper then starts
// where the warm-up ended: its steps count from 0 (so N, record_interval and the step column are
// the run's), its recorded and logged times are shifted back to start at t0, and the model's own
// clock runs on (a forced model sees the time it would without the transient). Returns DONE, or
// the status that ended the warm-up early.
template <class Real>
template <class Drive, class SetEnd>
int Engine<Real>::warm_up(const Plan& plan, Drive& drive, SetEnd& set_end) {
  const bool adaptive = mi_->adaptive;
  const int record = a_.record;
  a_.record = 0;
  a_.evt_log = 0;
  if (!adaptive) {
    const double steps =
        mi_->is_map ? std::floor(plan.transient) : std::round(plan.transient / grid_dt_);
    if (!(steps < 9.0e18))
      throw DynlibError(
          fmt::format("transient = {} is more than 9e18 steps", fmt_num(plan.transient)));
    a_.step_end = static_cast<long long>(steps);
  } else {
    a_.t_end = static_cast<Time>(plan.t0 + plan.transient);
  }
  a_.max_steps_end = plan.max_steps ? *plan.max_steps : 0;
  observed_.count_growth(false);
  warming_up_ = true;
  const int status = drive();
  warming_up_ = status != kernel::DONE;  // describe_end says where it stopped
  if (status != kernel::DONE) return status;
  time_shift_ = static_cast<double>(a_.t) - plan.t0;
  a_.step = 0;
  a_.initial_recorded = 0;  // the run's first sample is the warm-up's last state
  if (!adaptive) a_.t0 = a_.t;
  a_.record = record;
  a_.evt_log = 1;
  observed_.count_growth(true);
  set_end();
  return status;
}

template <class Real>
std::string Engine<Real>::describe_end(int status, long long n_limit, const Plan& plan) const {
  const BuiltModel& mi = *mi_;
  const std::vector<std::string>& state_names = mi.layout.state_names();
  const std::string where =
      fmt::format("t = {}, step {}", fmt_num(static_cast<double>(a_.t)), a_.step);
  switch (status) {
    case kernel::DONE:
      return fmt::format("done: reached t = {} after {} steps{}",
                         fmt_num(static_cast<double>(a_.t)), a_.step,
                         mi.adaptive ? fmt::format(" ({} rejected)", a_.n_rejected) : "");
    case kernel::EARLY_EXIT:
      if (a_.exit_reason == kernel::EXIT_STOP_CONDITION)
        return fmt::format("early exit: the stop condition ([sim] stop) held at {}", where);
      if (n_limit > 0 && a_.step >= n_limit)
        return fmt::format("done: N = {} steps taken, now at {}", *plan.N, where);
      if (a_.exit_reason == kernel::EXIT_OBSERVER)
        return fmt::format("stopped by an observer at {}; the results so far are kept", where);
      return fmt::format(
          "warning: max_steps = {} reached at {} before the end of the run; the results so far "
          "are kept (raise max_steps, or run again with resume=true to continue)",
          plan.max_steps ? *plan.max_steps : 0, where);
    case kernel::STEPFAIL: {
      const kernel::StepperInfo& si = kernel::kSteppers[mi.stepper_id];
      const std::string dt = fmt_num(static_cast<double>(a_.dt));
      const std::string t = fmt_num(static_cast<double>(a_.t));
      const std::string floor =
          a_.dt_min > 0 ? fmt::format("below dt_min = {}", fmt_num(static_cast<double>(a_.dt_min)))
                        : std::string("too small to advance t");
      switch (a_.exit_reason) {
        case kernel::EXIT_NEWTON_FAILED:
          if (si.adaptive)
            return fmt::format(
                "step failure at t = {} (step {}): the Newton iteration did not converge even "
                "after the step was reduced to dt = {}, {} (newton_tol = {}, newton_max_iter = "
                "{}); the results so far are kept",
                t, a_.step, dt, floor, fmt_num(plan.newton_tol), plan.newton_max_iter);
          return fmt::format(
              "step failure in the step from t = {} (step {}, dt = {}): the Newton iteration did "
              "not converge with a fresh Jacobian (newton_tol = {}, newton_max_iter = {}); the "
              "results so far are kept. Try a smaller dt, or an adaptive stiff stepper "
              "(tr-bdf2a, bdf2a, rodas3, cvode)",
              t, a_.step, dt, fmt_num(plan.newton_tol), plan.newton_max_iter);
        case kernel::EXIT_SINGULAR:
          return fmt::format(
              "step failure at t = {} (step {}, dt = {}): the iteration matrix I - h*gamma*J is "
              "singular{}; the results so far are kept",
              t, a_.step, dt, si.adaptive ? fmt::format(" even at dt = {}", dt) : std::string());
        case kernel::EXIT_NO_JACOBIAN:
          return fmt::format(
              "step failure at t = {}: this kernel has no Jacobian for jacobian_mode \"{}\" "
              "(stepper '{}')",
              t, jacobian_mode_name(plan.jacobian_mode), si.name);
        case kernel::EXIT_HOST_FAILED:
          return fmt::format(
              "step failure at t = {} (step {}): CVODE: {}; the results so far are "
              "kept",
              t, a_.step, host_ ? host_->last_error() : std::string("failed"));
        default:
          break;
      }
      if (a_.exit_reason == kernel::EXIT_DT_UNDERFLOW)
        return fmt::format(
            "step failure at t = {} (step {}): the error control shrank the step to dt = {}, {}; "
            "the solution may be singular or the problem stiff there{}",
            t, a_.step, dt, floor,
            si.stiff ? std::string()
                     : std::string(" (a stiff stepper may get through: tr-bdf2a, bdf2a, rodas3, "
                                   "cvode)"));
      return fmt::format(
          "step failure at t = {}: {} consecutive rejected steps (max_rejects), last dt = {} "
          "(step {})",
          fmt_num(static_cast<double>(a_.t)), a_.max_rejects, fmt_num(static_cast<double>(a_.dt)),
          a_.step);
    }
    case kernel::NAN_DETECTED: {
      const int i = a_.nan_index;
      const std::string name =
          i >= 0 && i < static_cast<int>(state_names.size()) ? state_names[i] : "?";
      if (i >= static_cast<int>(state_names.size()) && observed_.active())
        return fmt::format(
            "{} became non-finite in the step from t = {} (step {}; renormalise more often with "
            "renorm_every); the results end at the last finite state",
            observed_.nonfinite_tangent(i, state_names), fmt_num(static_cast<double>(a_.t)),
            a_.step);
      std::string bad = "a non-finite value";
      if constexpr (!kInt) {
        if (i >= 0)
          bad = fmt::format("{}",
                            static_cast<double>(scratch_[static_cast<size_t>(mi.shape.n_aux + i)]));
      }
      return fmt::format(
          "state '{}' became {} in the step from t = {} (step {} -> {}, dt = {}); the results "
          "end at the last finite state",
          name, bad, fmt_num(static_cast<double>(a_.t)), a_.step, a_.step + 1,
          fmt_num(static_cast<double>(a_.dt)));
    }
    case kernel::USER_BREAK:
      return fmt::format("stopped on request at {}; the results so far are kept", where);
    case kMemoryExhausted:
      return fmt::format(
          "stopped at {}: the recording ({} samples, {} event firings, {:.3g} GB) cannot grow "
          "within this machine's memory ({:.3g} GB); the results so far are kept. Record less "
          "(record_interval, record_vars), stream the samples (Sim::set_record_sink; the CLI's "
          "--out does), or run in parts (resume=true)",
          where, a_.rec_count, a_.evt_count, buffer_bytes(a_.rec_cap, a_.evt_cap) / 1e9,
          memory_limit() / 1e9);
  }
  return fmt::format("unexpected kernel status {}", kernel::status_name(status));
}

template <class Real>
void Engine<Real>::finish(int status, long long n_limit, const Plan& plan, ResultsSlot& slot,
                          double wall) {
  const BuiltModel& mi = *mi_;
  wall_ += wall;
  auto d = std::make_shared<ResultsData>();
  d->dtype = mi.dtype;
  switch (status) {
    case kernel::DONE:
      d->status = Status::Done;
      break;
    case kernel::EARLY_EXIT:
      d->status = n_limit > 0 && a_.step >= n_limit && a_.exit_reason == kernel::EXIT_MAX_STEPS
                      ? Status::Done
                      : Status::EarlyExit;
      break;
    case kernel::STEPFAIL:
      d->status = Status::StepFail;
      break;
    case kernel::NAN_DETECTED:
      d->status = Status::NanDetected;
      break;
    case kMemoryExhausted:
      d->status = Status::MemoryLimit;
      break;
    default:
      d->status = Status::UserBreak;
      break;
  }
  d->message = describe_end(status, n_limit, plan);
  if (warming_up_) d->message = "in the transient warm-up (nothing recorded): " + d->message;

  fill_rows(*d, /*move=*/true);
  d->model = mi_;

  d->final_state.assign(y_.begin(), y_.begin() + mi.shape.n_state);
  if constexpr (kInt) d->final_state_i64.assign(y_.begin(), y_.begin() + mi.shape.n_state);
  observed_.results(*d, mi.stepper_name);
  for (auto& [name, r] : d->observers)
    for (double& t : r.trace_time) t -= time_shift_;
  d->final_time = static_cast<double>(a_.t) - time_shift_;
  d->steps = a_.step;
  d->accepted = a_.n_accepted;
  d->rejected = a_.n_rejected;
  d->evaluations = {a_.n_rhs, a_.n_jac, a_.n_lu, a_.n_newton};
  d->wall = wall_;
  d->run_stats = run_stats_;
  mi.on_run(run_stats_);
  if (mi.auto_jit() && tuning().wait_for_compiles) mi.wait_compiles();

  slot.last = d;
  slot.results = Results(d);
  slot.failed = false;
}

// The recorded rows and event firings of the buffers into `d`: moved at the end of a run (float
// times are widened to double), copied when handed to a record sink mid-run.
template <class Real>
void Engine<Real>::fill_rows(ResultsData& d, bool move) {
  const BuiltModel& mi = *mi_;
  const size_t rows = static_cast<size_t>(a_.rec_count);
  const size_t width = static_cast<size_t>(rec_width());
  d.rows = rows;
  d.width = width;
  // The run's times (the model's clock minus the warm-up); rows taken back on resume already are.
  auto run_time = [&](size_t r) {
    const double t = static_cast<double>(rec_t_[r]);
    return r >= static_cast<size_t>(rows_before_) ? t - time_shift_ : t;
  };
  auto& data = [&]() -> std::vector<Real>& {
    if constexpr (std::is_same_v<Real, double>)
      return d.f64;
    else if constexpr (std::is_same_v<Real, float>)
      return d.f32;
    else
      return d.i64;
  }();
  if (move) {
    rec_data_.resize(rows * width);
    rec_step_.resize(rows);
    rec_t_.resize(rows);
    if (time_shift_ != 0.0)
      for (size_t r = static_cast<size_t>(rows_before_); r < rows; ++r)
        rec_t_[r] = static_cast<Time>(run_time(r));
    data = std::move(rec_data_);
    d.step = std::move(rec_step_);
    d.recycle = record_pool_;
    if constexpr (std::is_same_v<Time, double>)
      d.t = std::move(rec_t_);
    else
      d.t.assign(rec_t_.begin(), rec_t_.end());
    rec_data_.clear();
    rec_step_.clear();
    rec_t_.clear();
  } else {
    data.assign(rec_data_.begin(), rec_data_.begin() + static_cast<long>(rows * width));
    d.step.assign(rec_step_.begin(), rec_step_.begin() + static_cast<long>(rows));
    d.t.resize(rows);
    for (size_t r = 0; r < rows; ++r) d.t[r] = static_cast<double>(static_cast<Time>(run_time(r)));
  }

  const Layout& layout = mi.layout;
  for (int j : rec_state_) {
    d.names.push_back(layout.state_names()[static_cast<size_t>(j)]);
    d.state_names.push_back(d.names.back());
  }
  for (int j : rec_aux_) {
    d.names.push_back(layout.aux_names()[static_cast<size_t>(j)]);
    d.aux_names.push_back(d.names.back());
  }

  // Event logs, one per declared event (also those that never fired).
  d.events.resize(layout.events().size());
  for (size_t e = 0; e < layout.events().size(); ++e) {
    EventLog& log = d.events[e];
    log.name = layout.events()[e].name;
    log.tags = layout.events()[e].tags;
    log.fields = layout.events()[e].log_fields;
    log.values.resize(log.fields.size());
    if constexpr (kInt) log.values_i64.resize(log.fields.size());
  }
  for (long long r = 0; r < a_.evt_count; ++r) {
    const size_t i = static_cast<size_t>(r);
    EventLog& log = d.events[static_cast<size_t>(evt_code_[i])];
    log.t.push_back(static_cast<double>(evt_time_[i]) - time_shift_);
    log.record_index.push_back(evt_rec_index_[i] + rows_streamed_);
    for (size_t f = 0; f < log.fields.size(); ++f) {
      const Real v = evt_data_[i * static_cast<size_t>(a_.evt_width) + f];
      log.values[f].push_back(static_cast<double>(v));
      if constexpr (kInt) log.values_i64[f].push_back(v);  // exact beyond 2^53
    }
  }
}

// The session image: what run() with resume reads besides the plan. Scratch and the result
// buffers are not part of it (scratch is not preserved between calls; results are cleared).
template <class Real>
SessionImage Engine<Real>::image() const {
  SessionImage im;
  auto put_real = [&](const char* name, const std::vector<Real>& v) {
    if constexpr (kInt)
      im.ints[name].assign(v.begin(), v.end());
    else
      im.reals[name].assign(v.begin(), v.end());
  };
  auto put_int = [&](const char* name, const auto& v) {
    im.ints[name].assign(std::begin(v), std::end(v));
  };
  put_real("y0", y0_);
  put_real("p0", p0_);
  im.running = has_run_;
  if (!has_run_) {
    im.t = im.t0 = mi_->info.t0;
    return im;
  }
  if (observed_.active())
    throw DynlibError(
        "the session is a run with observers, which a snapshot cannot hold (its tangents and "
        "traces belong to that run); take the snapshot before it or after a plain run");
  im.t = static_cast<double>(a_.t);
  im.dt = static_cast<double>(a_.dt);
  im.t0 = static_cast<double>(a_.t0);
  im.step = a_.step;
  im.time_shift = time_shift_;
  im.grid_t0 = grid_t0_;
  im.grid_dt = grid_dt_;
  im.counters = {{"started", a_.started},
                 {"initial_recorded", a_.initial_recorded},
                 {"reset", a_.reset},
                 {"lag_head", a_.lag_head},
                 {"lag_depth", a_.lag_depth},
                 {"lag_width", a_.lag_width},
                 {"linear_solver", linear_solver_}};
  put_real("y", y_);
  put_real("p", p_);
  put_real("work", work_);
  put_real("lag_ring", lag_ring_);
  put_int("iwork", iwork_);
  put_int("fired", fired_);
  put_int("lag_state", lag_state_);
  put_int("rec_state", rec_state_);
  put_int("rec_aux", rec_aux_);
  put_int("stepper_state", a_.stepper_state);
  return im;
}

template <class Real>
void Engine<Real>::restore(const SessionImage& im) {
  const BuiltModel& mi = *mi_;
  const pipeline::KernelShape& shape = mi.shape;
  const int n = shape.n_state, np = shape.n_param, na = shape.n_aux;
  // Every array is checked before anything changes: a bad image leaves the session as it was.
  auto check_size = [](const char* name, size_t size, long long want) {
    if (want >= 0 && static_cast<long long>(size) != want)
      throw DynlibError(fmt::format(
          "session image: '{}' has {} values; this model and stepper need {}", name, size, want));
  };
  auto missing = [](const char* name) {
    return DynlibError(fmt::format("session image: the array '{}' is missing", name));
  };
  auto real_array = [&](const char* name, long long want) {
    std::vector<Real> out;
    if constexpr (kInt) {
      auto it = im.ints.find(name);
      if (it == im.ints.end()) throw missing(name);
      out.assign(it->second.begin(), it->second.end());
    } else {
      auto it = im.reals.find(name);
      if (it == im.reals.end()) throw missing(name);
      out.assign(it->second.begin(), it->second.end());
    }
    check_size(name, out.size(), want);
    return out;
  };
  auto int_array = [&](const char* name, long long want) {
    auto it = im.ints.find(name);
    if (it == im.ints.end()) throw missing(name);
    std::vector<int> out;
    for (long long v : it->second) {
      if (v < INT_MIN || v > INT_MAX)
        throw DynlibError(fmt::format("session image: '{}' holds {}, out of range", name, v));
      out.push_back(static_cast<int>(v));
    }
    check_size(name, out.size(), want);
    return out;
  };
  auto counter = [&](const char* name) {
    auto it = im.counters.find(name);
    if (it == im.counters.end())
      throw DynlibError(fmt::format("session image: the counter '{}' is missing", name));
    return it->second;
  };
  std::vector<Real> y0 = real_array("y0", n), p0 = real_array("p0", np), y, p, work, lag_ring;
  std::vector<int> iwork, fired, lag_state, rec_state, rec_aux, stepper_state;
  if (im.running) {
    const kernel::StepperInfo& si = kernel::kSteppers[mi.stepper_id];
    y = real_array("y", n);
    p = real_array("p", np);
    work = real_array("work", kernel::stepper_work_size(si, n));
    iwork = int_array("iwork", kernel::stepper_iwork_size(si, n));
    fired = int_array("fired", shape.n_event + 1);
    stepper_state = int_array("stepper_state", 8);
    lag_state = int_array("lag_state", -1);
    const long long width = counter("lag_width"), depth = counter("lag_depth");
    if (width < 0 || depth < 0 || width > n || depth > (1LL << 40))
      throw DynlibError("session image: the lag ring's size is out of range");
    lag_ring = real_array("lag_ring", width * depth);
    rec_state = int_array("rec_state", -1);
    rec_aux = int_array("rec_aux", -1);
    const auto in_range = [](const std::vector<int>& v, int hi) {
      return std::all_of(v.begin(), v.end(), [&](int i) { return i >= 0 && i < hi; });
    };
    if (!in_range(rec_state, n) || !in_range(rec_aux, na) || !in_range(lag_state, n) ||
        counter("lag_head") < 0 || (depth > 0 && counter("lag_head") >= depth))
      throw DynlibError("session image: an index is out of range for this model");
    (void)counter("started");
    (void)counter("initial_recorded");
    (void)counter("reset");
    (void)counter("linear_solver");
  }
  clear_run();
  y0_ = std::move(y0);
  p0_ = std::move(p0);
  if (!im.running) return;
  const kernel::StepperInfo& si = kernel::kSteppers[mi.stepper_id];
  a_.abi_version = kernel::kRunArgsAbi;
  a_.n_state = n;
  a_.n_param = np;
  a_.n_aux = na;
  a_.t0 = static_cast<Time>(im.t0);
  a_.t = static_cast<Time>(im.t);
  a_.dt = static_cast<Time>(im.dt);
  a_.step = im.step;
  a_.started = static_cast<int>(counter("started"));
  a_.initial_recorded = static_cast<int>(counter("initial_recorded"));
  a_.reset = static_cast<int>(counter("reset"));
  std::copy(stepper_state.begin(), stepper_state.end(), a_.stepper_state);
  a_.lag_head = static_cast<int>(counter("lag_head"));
  a_.lag_depth = static_cast<int>(counter("lag_depth"));
  a_.lag_width = static_cast<int>(counter("lag_width"));
  a_.evt_width = shape.max_event_log_size();
  y_ = std::move(y);
  p_ = std::move(p);
  work_ = std::move(work);
  iwork_ = std::move(iwork);
  fired_ = std::move(fired);
  lag_state_ = std::move(lag_state);
  if (lag_state_.empty()) lag_state_.push_back(0);  // as a fresh run: a valid pointer
  lag_ring_ = std::move(lag_ring);
  rec_state_ = std::move(rec_state);
  rec_aux_ = std::move(rec_aux);
  scratch_.assign(static_cast<size_t>(kernel::runner_scratch_size(n, np, na)), Real(0));
  linear_solver_ = static_cast<int>(counter("linear_solver"));
  if (si.caps & kernel::CAP_HOST) {
    // CVODE's history lives in its own memory: it restarts from the restored state.
    host_ = std::make_unique<CvodeDriver>(n, static_cast<LinearSolver>(linear_solver_),
                                          shape.jac_sparsity);
    a_.reset |= kernel::RESET_STEPPER;
  }
  grid_t0_ = im.grid_t0;
  grid_dt_ = im.grid_dt;
  time_shift_ = im.time_shift;
  has_run_ = true;
}

}  // namespace

std::unique_ptr<EngineBase> make_engine(std::shared_ptr<const BuiltModel> model) {
  switch (model->dtype) {
    case DType::Float32:
      return std::make_unique<Engine<float>>(std::move(model));
    case DType::Int64:
      return std::make_unique<Engine<long long>>(std::move(model));
    default:
      return std::make_unique<Engine<double>>(std::move(model));
  }
}

}  // namespace dynlib::detail

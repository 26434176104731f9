// Sim and the wrapper loop (DESIGN rule 4): the runner never allocates and never throws, so this
// file owns every buffer, fills RunArgs, calls the kernel and acts on the status it returns: grows
// the record/event buffers and re-enters (GROW_REC/GROW_EVT), reports progress at YIELD, and turns
// the terminal statuses into Results with a precise message.
//
// Two layers: SimImpl resolves options (run options > config() > the model's [sim]) and checks
// names, independent of the dtype; Engine<Real> holds the buffers and the run state for one dtype
// and drives kernel::run<Stepper>(InterpModel<Real>, RunArgs<Real>).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <limits>
#include <type_traits>

#include "kernel/kernel.hpp"
#include "kernel/registry.hpp"
#include "runtime/model_impl.hpp"
#include "runtime/results_data.hpp"
#include "runtime/tuning.hpp"
#include "support/text.hpp"

namespace dynlib {
namespace detail {

Tuning& tuning() {
  static Tuning t;
  return t;
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A run's options after merging the three levels and checking names; dtype-independent.
struct Plan {
  bool resume = false;
  double t0 = 0.0;             // fresh runs
  std::optional<double> T;     // absolute end time
  std::optional<long long> N;  // steps (from the start of this run)
  std::optional<double> dt;    // options > config > [sim] (fresh); options only (resume)
  bool record = true;
  long long record_interval = 1;
  std::vector<int> rec_state, rec_aux;  // selection (model indices)
  bool rec_vars_given = false;          // record_vars set at some level (else: everything)
  double transient = 0.0;
  std::optional<long long> max_steps;
  std::vector<std::pair<int, double>> ic;      // state index -> value
  std::vector<std::pair<int, double>> params;  // flat param index -> value
  // adaptive
  double atol = 1e-6, rtol = 1e-6;
  std::optional<double> dt_min, dt_max, safety, min_factor, max_factor;
  std::optional<long long> max_rejects;
  int controller = kernel::CONTROLLER_STANDARD;
};

static_assert(std::is_same_v<std::sig_atomic_t, int>,
              "request_stop() writes a sig_atomic_t the kernel reads as volatile int");

struct Hooks {
  const ProgressFn* progress = nullptr;
  double progress_interval = 0.2;
  volatile int* stop = nullptr;
};

// Where the previous run's results live; a resumed run takes its buffers back from here.
struct ResultsSlot {
  std::shared_ptr<ResultsData> last;  // null before the first run
  Results results{nullptr};
};

std::string fmt_num(double v) {
  return fmt::format("{}", v);
}

}  // namespace

class EngineBase {
 public:
  virtual ~EngineBase() = default;
  virtual bool has_run() const = 0;
  virtual void set_state(int i, double v) = 0;  // initial state and, after a run, the current one
  virtual void set_param(int flat, double v) = 0;
  virtual std::vector<double> state() const = 0;
  virtual double param(int flat) const = 0;
  virtual void reset() = 0;
  virtual void run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) = 0;
};

namespace {

template <class Real>
class Engine final : public EngineBase {
  using Time = kernel::time_t_of<Real>;
  static constexpr bool kInt = std::is_same_v<Real, long long>;

 public:
  Engine(std::shared_ptr<const ModelImpl> mi) : mi_(std::move(mi)), model_(mi_->compiled) {
    defaults();
  }

  bool has_run() const override { return has_run_; }

  void set_state(int i, double v) override {
    y0_[static_cast<size_t>(i)] = static_cast<Real>(v);
    if (has_run_) {
      y_[static_cast<size_t>(i)] = static_cast<Real>(v);
      a_.reset |= kernel::RESET_STEPPER;
    }
  }
  void set_param(int flat, double v) override {
    p0_[static_cast<size_t>(flat)] = static_cast<Real>(v);
    if (has_run_) {
      p_[static_cast<size_t>(flat)] = static_cast<Real>(v);
      a_.reset |= kernel::RESET_STEPPER;
    }
  }
  std::vector<double> state() const override {
    const auto& src = has_run_ ? y_ : y0_;
    return std::vector<double>(src.begin(), src.end());
  }
  double param(int flat) const override {
    return static_cast<double>((has_run_ ? p_ : p0_)[static_cast<size_t>(flat)]);
  }
  void reset() override {
    defaults();
    clear_run();
  }

  void run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) override;

 private:
  void defaults() {
    const dsl::ModelSpec& s = *mi_->spec;
    y0_.clear();
    for (const auto& st : s.states)
      y0_.push_back(kInt ? static_cast<Real>(st.init_int) : static_cast<Real>(st.init_value));
    p0_.assign(static_cast<size_t>(mi_->module->n_param), Real(0));
    for (size_t i = 0; i < s.params.size(); ++i) {
      const auto& ps = s.params[i];
      const size_t off = static_cast<size_t>(mi_->param_offset[i]);
      for (size_t k = 0; k < ps.values.size(); ++k)
        p0_[off + k] = kInt ? static_cast<Real>(ps.int_values[k]) : static_cast<Real>(ps.values[k]);
    }
  }
  void clear_run() {
    has_run_ = false;
    a_ = {};
    rec_t_.clear();
    rec_step_.clear();
    rec_data_.clear();
    evt_code_.clear();
    evt_rec_index_.clear();
    evt_time_.clear();
    evt_data_.clear();
    wall_ = 0.0;
  }

  int rec_width() const { return static_cast<int>(rec_state_.size() + rec_aux_.size()); }

  // Point RunArgs at the current buffers (after any resize).
  void bind() {
    a_.y = y_.data();
    a_.p = p_.empty() ? nullptr : p_.data();
    a_.work = work_.empty() ? nullptr : work_.data();
    a_.work_size = static_cast<long long>(work_.size());
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
    rec_t_.resize(c);
    rec_step_.resize(c);
    rec_data_.resize(c * static_cast<size_t>(rec_width()));
  }
  void resize_evt(long long cap) {
    const size_t c = static_cast<size_t>(cap);
    evt_code_.resize(c);
    evt_rec_index_.resize(c);
    evt_time_.resize(c);
    evt_data_.resize(c * static_cast<size_t>(a_.evt_width));
  }

  // One kernel call, timed and counted for the backend that made it.
  int call_kernel() {
    const long long step0 = a_.step;
    const auto t0 = Clock::now();
    int status;
    // Native: the generated kernel is kernel::run<Stepper> over the generated model, with the
    // same RunArgs layout (the interpreter model still serves sizes and the lag layout).
    if (native_run_)
      status = native_run_(&a_);
    else
      status = kernel::dispatch_stepper(mi_->stepper_id,
                                        [&]<class S>() { return kernel::run<S>(model_, a_); });
    const double s = seconds_since(t0);
    (native_run_ ? run_stats_.native_steps : run_stats_.interp_steps) += a_.step - step0;
    (native_run_ ? run_stats_.native_seconds : run_stats_.interp_seconds) += s;
    return status;
  }

  // jit=auto, at a YIELD: switch to the native kernel once it is ready; start compiling it when
  // the rest of the run looks long enough to pay for it. `fraction` is the run's progress (-1:
  // unknown), `elapsed` the seconds it has taken so far. Never waits for the compiler, except
  // under the test knob that pins the switch to a step.
  void consider_native(double fraction, double elapsed) {
    ModelImpl::AutoNative* an = mi_->auto_native.get();
    if (!an || native_run_) return;
    const long long force_at = tuning().auto_switch_step.load();
    if (force_at > 0 && a_.step >= force_at) {
      start_auto_compile(*mi_);
      an->job.wait();  // the mutex-guarded start has published `job`
    } else if (force_at <= 0 && !an->failed) {
      const double remaining = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : elapsed;
      if (remaining > mi_->auto_threshold) start_auto_compile(*mi_);
    }
    if (auto fn = an->run.load(std::memory_order_acquire)) {
      native_run_ = fn;
      run_stats_.switch_step = a_.step;
    }
  }

  void finish(int status, long long n_limit, const Plan& plan, ResultsSlot& slot, double wall);
  std::string describe_end(int status, long long n_limit, const Plan& plan) const;

  std::shared_ptr<const ModelImpl> mi_;
  interp::InterpModel<Real> model_;
  ModelImpl::NativeRunFn native_run_ = nullptr;  // null: the interpreter
  RunStats run_stats_;                           // of the current run() call
  std::vector<Real> y0_, p0_;  // initial state of fresh runs; params of fresh runs

  // The resumable run: RunArgs and every buffer it points into.
  bool has_run_ = false;
  kernel::RunArgs<Real> a_{};
  std::vector<Real> y_, p_, work_, scratch_, lag_ring_;
  std::vector<int> fired_, lag_state_, rec_state_, rec_aux_;
  std::vector<Time> rec_t_;
  std::vector<long long> rec_step_;
  std::vector<Real> rec_data_;
  std::vector<int> evt_code_;
  std::vector<long long> evt_rec_index_;
  std::vector<Time> evt_time_;
  std::vector<Real> evt_data_;
  double grid_t0_ = 0.0, grid_dt_ = 0.0;  // fixed steppers: t = grid_t0 + step * grid_dt
  double series_t0_ = 0.0;                // where the (possibly resumed) run started
  double wall_ = 0.0;
};

template <class Real>
void Engine<Real>::run(const Plan& plan, const Hooks& hooks, ResultsSlot& slot) {
  const ModelImpl& mi = *mi_;
  const bool adaptive = mi.adaptive;
  const bool resume = plan.resume;

  // ---- 1. the time window, checked before anything changes ----
  const double t_start = resume ? static_cast<double>(a_.t) : plan.t0;
  const long long step_start = resume ? a_.step : 0;
  double grid_t0 = resume ? grid_t0_ : plan.t0;
  double grid_dt = resume ? grid_dt_ : 0.0;
  double dt_next = resume ? static_cast<double>(a_.dt) : 0.0;  // adaptive proposal (0: guess)
  if (!adaptive) {
    if (plan.dt) {
      if (resume && *plan.dt != grid_dt_)
        grid_t0 = t_start - static_cast<double>(step_start) * *plan.dt;
      grid_dt = *plan.dt;
    } else if (!resume) {
      throw DynlibError(fmt::format(
          "stepper '{}' needs a step size: pass dt, or set dt in the model's [sim] table",
          mi.stepper_name));
    }
  } else if (plan.dt) {
    dt_next = *plan.dt;
  }
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
    if (plan.N) step_end = std::min(step_end, step_start + *plan.N);
  } else if (plan.N) {
    n_limit = step_start + *plan.N;
  }
  if (resume && plan.rec_vars_given && (plan.rec_state != rec_state_ || plan.rec_aux != rec_aux_))
    throw DynlibError(
        "record_vars cannot change when resuming: the resumed run appends to the columns of the "
        "run it continues");

  // ---- 2. commit: a fresh run sets up every buffer; a resumed one takes its results back ----
  const int n = mi.module->n_state, np = mi.module->n_param, na = mi.module->n_aux;
  for (const auto& [i, v] : plan.params) p0_[static_cast<size_t>(i)] = static_cast<Real>(v);
  if (!resume) {
    clear_run();
    a_.abi_version = kernel::kRunArgsAbi;
    a_.n_state = n;
    a_.n_param = np;
    a_.n_aux = na;
    y_ = y0_;
    for (const auto& [i, v] : plan.ic) y_[static_cast<size_t>(i)] = static_cast<Real>(v);
    p_ = p0_;
    work_.assign(
        static_cast<size_t>(kernel::stepper_work_size(kernel::kSteppers[mi.stepper_id], n)),
        Real(0));
    scratch_.assign(static_cast<size_t>(kernel::runner_scratch_size(n, np, na)), Real(0));
    fired_.assign(static_cast<size_t>(model_.n_event() + 1), 0);
    lag_state_.assign(static_cast<size_t>(n), 0);
    a_.lag_width = kernel::lag_layout(model_, lag_state_.data(), a_.lag_depth);
    lag_ring_.assign(static_cast<size_t>(a_.lag_width) * static_cast<size_t>(a_.lag_depth),
                     Real(0));
    a_.lag_head = 0;
    a_.t0 = a_.t = static_cast<Time>(plan.t0);
    a_.step = 0;
    a_.started = 0;
    a_.initial_recorded = 0;
    rec_state_ = plan.rec_state;
    rec_aux_ = plan.rec_aux;
    a_.evt_width = 0;
    for (int e = 0; e < model_.n_event(); ++e)
      a_.evt_width = std::max(a_.evt_width, model_.event_log_size(e));
    series_t0_ = plan.t0;
    has_run_ = true;
  } else {
    for (const auto& [i, v] : plan.params) p_[static_cast<size_t>(i)] = static_cast<Real>(v);
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
  grid_t0_ = grid_t0;
  grid_dt_ = grid_dt;
  if (!adaptive) a_.t0 = static_cast<Time>(grid_t0);
  a_.dt = static_cast<Time>(adaptive ? dt_next : grid_dt);

  // End of this run.
  if (!adaptive) {
    a_.step_end = step_end;
    a_.t_end = 0;
  } else {
    a_.step_end = 0;
    a_.t_end = plan.T ? static_cast<Time>(*plan.T) : std::numeric_limits<Time>::max();
    if (plan.N && *plan.N == 0) a_.t_end = a_.t;  // nothing to do (max_steps_end 0 is "no limit")
  }
  long long ms_end = plan.max_steps ? step_start + *plan.max_steps : 0;
  if (n_limit > 0) ms_end = ms_end > 0 ? std::min(ms_end, n_limit) : n_limit;
  a_.max_steps_end = ms_end;

  // Recording.
  a_.record = plan.record ? 1 : 0;
  a_.record_interval = plan.record_interval;
  a_.t_record_start = plan.transient > 0 ? static_cast<Time>(series_t0_ + plan.transient)
                                         : -std::numeric_limits<Time>::infinity();
  a_.evt_log = 1;
  a_.interrupt = hooks.stop;

  // Adaptive options.
  kernel::set_default_adaptive_options(a_);
  a_.atol = static_cast<Time>(plan.atol);
  a_.rtol = static_cast<Time>(plan.rtol);
  if (plan.dt_min) a_.dt_min = static_cast<Time>(*plan.dt_min);
  if (plan.dt_max) a_.dt_max = static_cast<Time>(*plan.dt_max);
  if (plan.safety) a_.safety = static_cast<Time>(*plan.safety);
  if (plan.min_factor) a_.min_factor = static_cast<Time>(*plan.min_factor);
  if (plan.max_factor) a_.max_factor = static_cast<Time>(*plan.max_factor);
  if (plan.max_rejects) a_.max_rejects = static_cast<int>(*plan.max_rejects);
  a_.controller = plan.controller;

  // Starting capacities: exact when the number of samples is known (capped), else 1024.
  const long long rows_now = a_.rec_count;
  if (plan.record) {
    long long want = tuning().rec_cap0.load();
    if (want <= 0) {
      long long steps = -1;
      if (!adaptive && step_end != LLONG_MAX) steps = step_end - step_start;
      if (adaptive && plan.N) steps = *plan.N;
      if (plan.max_steps) steps = steps < 0 ? *plan.max_steps : std::min(steps, *plan.max_steps);
      want = steps >= 0 ? steps / plan.record_interval + 2 : 1024;
      want = std::min<long long>(want, 1LL << 20);
    }
    if (rows_now + want > static_cast<long long>(rec_t_.size())) resize_rec(rows_now + want);
  } else if (static_cast<long long>(rec_t_.size()) < rows_now) {
    resize_rec(rows_now);
  }
  if (model_.n_event() > 0) {
    long long want = tuning().evt_cap0.load();
    if (want <= 0) want = 64;
    if (a_.evt_count + want > static_cast<long long>(evt_code_.size()))
      resize_evt(a_.evt_count + want);
  }

  // ---- 3. the wrapper loop ----
  run_stats_ = RunStats{};
  // jit=on, or jit=auto with a kernel already compiled (by build(), or by another Sim).
  if (!native_run_) native_run_ = mi.current_native();
  long long budget = tuning().step_budget.load();
  const bool fixed_budget = budget > 0;
  if (!fixed_budget) budget = 1LL << 14;
  const auto t_run = Clock::now();
  auto last_report = t_run;
  int status;
  try {
    for (;;) {
      a_.step_budget = budget;
      bind();
      const auto t_call = Clock::now();
      status = call_kernel();
      if (status == kernel::GROW_REC) {
        const long long cap = a_.rec_cap;
        resize_rec(std::max(cap * 2, cap + 16));  // geometric; small starts only in tests
      } else if (status == kernel::GROW_EVT) {
        const long long cap = a_.evt_cap;
        resize_evt(std::max(cap * 2, a_.evt_count + 2LL * model_.n_event() + 2));
      } else if (status == kernel::YIELD) {
        if (!fixed_budget) {  // aim at ~50 ms per call
          const double s = seconds_since(t_call);
          const double scale = s > 0 ? std::clamp(0.05 / s, 0.25, 4.0) : 4.0;
          budget = std::clamp(static_cast<long long>(static_cast<double>(budget) * scale),
                              1LL << 10, 1LL << 24);
        }
        double frac = -1.0;
        if (!adaptive && step_end != LLONG_MAX && step_end > step_start)
          frac = static_cast<double>(a_.step - step_start) /
                 static_cast<double>(step_end - step_start);
        else if (adaptive && plan.T && *plan.T > t_start)
          frac = (static_cast<double>(a_.t) - t_start) / (*plan.T - t_start);
        else if (adaptive && plan.N && *plan.N > 0)
          frac = static_cast<double>(a_.step - step_start) / static_cast<double>(*plan.N);
        frac = std::clamp(frac, frac < 0 ? -1.0 : 0.0, 1.0);
        consider_native(frac, seconds_since(t_run));
        if (hooks.progress && *hooks.progress &&
            std::chrono::duration<double>(Clock::now() - last_report).count() >=
                hooks.progress_interval) {
          last_report = Clock::now();
          (*hooks.progress)(frac, a_.step);
        }
      } else {
        break;
      }
    }
  } catch (...) {
    clear_run();  // a throwing progress callback leaves nothing resumable
    throw;
  }
  if (status == kernel::BAD_ARGS) {
    const int reason = a_.exit_reason;
    clear_run();
    throw DynlibError(fmt::format("internal error: the kernel rejected the run arguments ({})",
                                  kernel::exit_reason_name(reason)));
  }
  finish(status, n_limit, plan, slot, seconds_since(t_run));
}

template <class Real>
std::string Engine<Real>::describe_end(int status, long long n_limit, const Plan& plan) const {
  const ModelImpl& mi = *mi_;
  const std::string where =
      fmt::format("t = {}, step {}", fmt_num(static_cast<double>(a_.t)), a_.step);
  switch (status) {
    case kernel::DONE:
      return fmt::format("done: reached t = {} after {} steps{}",
                         fmt_num(static_cast<double>(a_.t)), a_.step,
                         mi.adaptive ? fmt::format(" ({} rejected)", a_.n_rejected) : "");
    case kernel::EARLY_EXIT:
      if (n_limit > 0 && a_.step >= n_limit)
        return fmt::format("done: N = {} steps taken, now at {}", *plan.N, where);
      return fmt::format(
          "warning: max_steps = {} reached at {} before the end of the run; the results so far "
          "are kept (raise max_steps, or run again with resume=true to continue)",
          plan.max_steps ? *plan.max_steps : 0, where);
    case kernel::STEPFAIL:
      if (a_.exit_reason == kernel::EXIT_DT_UNDERFLOW)
        return fmt::format(
            "step failure at t = {} (step {}): the error control shrank the step to dt = {}, {}; "
            "the solution may be singular or the problem stiff there",
            fmt_num(static_cast<double>(a_.t)), a_.step, fmt_num(static_cast<double>(a_.dt)),
            a_.dt_min > 0
                ? fmt::format("below dt_min = {}", fmt_num(static_cast<double>(a_.dt_min)))
                : std::string("too small to advance t"));
      return fmt::format(
          "step failure at t = {}: {} consecutive rejected steps (max_rejects), last dt = {} "
          "(step {})",
          fmt_num(static_cast<double>(a_.t)), a_.max_rejects, fmt_num(static_cast<double>(a_.dt)),
          a_.step);
    case kernel::NAN_DETECTED: {
      const int i = a_.nan_index;
      const std::string name =
          i >= 0 && i < static_cast<int>(mi.state_names.size()) ? mi.state_names[i] : "?";
      std::string bad = "a non-finite value";
      if constexpr (!kInt) {
        if (i >= 0)
          bad = fmt::format(
              "{}", static_cast<double>(scratch_[static_cast<size_t>(mi.module->n_aux + i)]));
      }
      return fmt::format(
          "state '{}' became {} in the step from t = {} (step {} -> {}, dt = {}); the results "
          "end at the last finite state",
          name, bad, fmt_num(static_cast<double>(a_.t)), a_.step, a_.step + 1,
          fmt_num(static_cast<double>(a_.dt)));
    }
    case kernel::USER_BREAK:
      return fmt::format("stopped on request at {}; the results so far are kept", where);
  }
  return fmt::format("unexpected kernel status {}", kernel::status_name(status));
}

template <class Real>
void Engine<Real>::finish(int status, long long n_limit, const Plan& plan, ResultsSlot& slot,
                          double wall) {
  const ModelImpl& mi = *mi_;
  wall_ += wall;
  auto d = std::make_shared<ResultsData>();
  d->dtype = mi.dtype;
  switch (status) {
    case kernel::DONE:
      d->status = Status::Done;
      break;
    case kernel::EARLY_EXIT:
      d->status = n_limit > 0 && a_.step >= n_limit ? Status::Done : Status::EarlyExit;
      break;
    case kernel::STEPFAIL:
      d->status = Status::StepFail;
      break;
    case kernel::NAN_DETECTED:
      d->status = Status::NanDetected;
      break;
    default:
      d->status = Status::UserBreak;
      break;
  }
  d->message = describe_end(status, n_limit, plan);

  // Recorded rows: moved, never copied (float times are widened to double).
  const size_t rows = static_cast<size_t>(a_.rec_count);
  const size_t width = static_cast<size_t>(rec_width());
  d->rows = rows;
  d->width = width;
  rec_data_.resize(rows * width);
  rec_step_.resize(rows);
  rec_t_.resize(rows);
  if constexpr (std::is_same_v<Real, double>)
    d->f64 = std::move(rec_data_);
  else if constexpr (std::is_same_v<Real, float>)
    d->f32 = std::move(rec_data_);
  else
    d->i64 = std::move(rec_data_);
  d->step = std::move(rec_step_);
  if constexpr (std::is_same_v<Time, double>)
    d->t = std::move(rec_t_);
  else
    d->t.assign(rec_t_.begin(), rec_t_.end());
  rec_data_.clear();
  rec_step_.clear();
  rec_t_.clear();

  for (int j : rec_state_) {
    d->names.push_back(mi.state_names[static_cast<size_t>(j)]);
    d->state_names.push_back(d->names.back());
  }
  for (int j : rec_aux_) {
    d->names.push_back(mi.aux_names[static_cast<size_t>(j)]);
    d->aux_names.push_back(d->names.back());
  }
  d->model_states = mi.state_names;
  d->model_aux = mi.aux_names;

  // Event logs, one per declared event (also those that never fired).
  const dsl::ModelSpec& spec = *mi.spec;
  d->events.resize(spec.events.size());
  for (size_t e = 0; e < spec.events.size(); ++e) {
    EventLog& log = d->events[e];
    log.name = spec.events[e].name;
    log.tags = spec.events[e].tags;
    log.fields = spec.events[e].log_names;
    log.values.resize(log.fields.size());
  }
  for (long long r = 0; r < a_.evt_count; ++r) {
    EventLog& log = d->events[static_cast<size_t>(evt_code_[static_cast<size_t>(r)])];
    log.t.push_back(static_cast<double>(evt_time_[static_cast<size_t>(r)]));
    log.record_index.push_back(evt_rec_index_[static_cast<size_t>(r)]);
    for (size_t f = 0; f < log.fields.size(); ++f)
      log.values[f].push_back(static_cast<double>(
          evt_data_[static_cast<size_t>(r) * static_cast<size_t>(a_.evt_width) + f]));
  }

  d->final_state.assign(y_.begin(), y_.end());
  d->final_time = static_cast<double>(a_.t);
  d->steps = a_.step;
  d->accepted = a_.n_accepted;
  d->rejected = a_.n_rejected;
  d->wall = wall_;
  d->run_stats = run_stats_;
  stats_on_run(mi, run_stats_);

  slot.last = d;
  slot.results = Results(d);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
struct SimImpl {
  explicit SimImpl(FullModel m) : model(std::move(m)), mi(*model.impl()) {
    switch (mi.dtype) {
      case DType::Float64:
        engine = std::make_unique<Engine<double>>(model.impl());
        break;
      case DType::Float32:
        engine = std::make_unique<Engine<float>>(model.impl());
        break;
      case DType::Int64:
        engine = std::make_unique<Engine<long long>>(model.impl());
        break;
    }
  }

  FullModel model;
  const ModelImpl& mi;
  RunOptions config;
  ProgressFn progress;
  double progress_interval = 0.2;
  volatile std::sig_atomic_t stop = 0;
  std::unique_ptr<EngineBase> engine;
  ResultsSlot slot;

  // ---- names and values ----
  int state_index(const std::string& name) const {
    auto it = std::find(mi.state_names.begin(), mi.state_names.end(), name);
    return it == mi.state_names.end() ? -1 : static_cast<int>(it - mi.state_names.begin());
  }
  int param_index(const std::string& name) const {
    auto it = std::find(mi.param_names.begin(), mi.param_names.end(), name);
    return it == mi.param_names.end() ? -1 : static_cast<int>(it - mi.param_names.begin());
  }

  // A double as the model's dtype would store it: int64 models take integers only.
  double checked_number(const std::string& what, double v) const {
    if (mi.dtype == DType::Int64) {
      if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.2e18)
        throw DynlibError(fmt::format("{} = {}: model '{}' is int64 and takes whole numbers only",
                                      what, fmt_num(v), mi.info.name));
    }
    return v;
  }

  double scalar_of(const std::string& what, const Value& v) const {
    if (const double* d = std::get_if<double>(&v)) return checked_number(what, *d);
    const auto& arr = std::get<std::vector<double>>(v);
    if (arr.size() == 1) return checked_number(what, arr[0]);
    throw DynlibError(fmt::format("{} is a scalar, but {} values were given", what, arr.size()));
  }

  std::vector<std::pair<int, double>> param_values(const std::string& name, const Value& v) const {
    const int k = param_index(name);
    if (k < 0) {
      std::string msg = fmt::format("unknown param '{}'", name);
      if (state_index(name) >= 0)
        msg += fmt::format(" ('{}' is a state: set it with ic or assign)", name);
      throw DynlibError(with_suggestion(msg, name, mi.param_names, "params"));
    }
    const int off = mi.param_offset[static_cast<size_t>(k)];
    const int size = mi.param_size[static_cast<size_t>(k)];
    const bool is_array = mi.spec->params[static_cast<size_t>(k)].is_array;
    std::vector<std::pair<int, double>> out;
    if (!is_array) {
      out.emplace_back(off, scalar_of(fmt::format("param '{}'", name), v));
      return out;
    }
    const auto* arr = std::get_if<std::vector<double>>(&v);
    if (!arr || static_cast<int>(arr->size()) != size)
      throw DynlibError(
          fmt::format("param '{}' is an array of {} values; give a list of {} values{}", name, size,
                      size, arr ? fmt::format(", not {}", arr->size()) : ", not a number"));
    for (int i = 0; i < size; ++i)
      out.emplace_back(
          off + i, checked_number(fmt::format("{}[{}]", name, i), (*arr)[static_cast<size_t>(i)]));
    return out;
  }

  std::pair<int, double> state_value(const std::string& name, const Value& v) const {
    const int i = state_index(name);
    if (i < 0) {
      std::string msg = fmt::format("unknown state '{}'", name);
      if (param_index(name) >= 0)
        msg += fmt::format(" ('{}' is a param: set it with params or assign)", name);
      throw DynlibError(with_suggestion(msg, name, mi.state_names, "states"));
    }
    return {i, scalar_of(fmt::format("state '{}'", name), v)};
  }

  void record_selection(const std::vector<std::string>& vars, std::vector<int>& st,
                        std::vector<int>& ax) const {
    st.clear();
    ax.clear();
    std::vector<std::string> all = mi.state_names;
    for (const auto& a : mi.aux_names) all.push_back("aux." + a);
    for (const auto& a : mi.aux_names) all.push_back(a);
    for (const auto& v : vars) {
      int i = v.rfind("aux.", 0) == 0 ? -1 : state_index(v);
      if (i >= 0) {
        if (std::find(st.begin(), st.end(), i) != st.end())
          throw DynlibError(fmt::format("record_vars names '{}' twice", v));
        st.push_back(i);
        continue;
      }
      const std::string bare = v.rfind("aux.", 0) == 0 ? v.substr(4) : v;
      auto it = std::find(mi.aux_names.begin(), mi.aux_names.end(), bare);
      if (it == mi.aux_names.end()) {
        std::string msg = fmt::format("record_vars: unknown variable '{}'", v);
        if (param_index(bare) >= 0)
          msg += " (params are constant during a run and are not recorded)";
        throw DynlibError(with_suggestion(msg, v, all, "states and aux"));
      }
      const int j = static_cast<int>(it - mi.aux_names.begin());
      if (std::find(ax.begin(), ax.end(), j) != ax.end())
        throw DynlibError(fmt::format("record_vars names '{}' twice", v));
      ax.push_back(j);
    }
  }

  // ---- option resolution: run options > config() > [sim] ----
  Plan resolve(const RunOptions& o) const {
    const RunOptions& c = config;
    const dsl::SimDefaults& s = mi.spec->sim;
    auto pick = [](const auto& a, const auto& b) { return a ? a : b; };
    Plan p;
    p.resume = o.resume;
    if (p.resume && !engine->has_run())
      throw DynlibError(
          "resume=true, but there is no run to continue: run once without resume first (reset() "
          "also forgets the previous run)");
    if (p.resume && o.t0)
      throw DynlibError(
          "t0 applies to fresh runs only; a resumed run continues from its current time");
    if (p.resume && !o.ic.empty())
      throw DynlibError(
          "ic applies to fresh runs only; use assign() to change the state a resumed run continues "
          "from");

    p.t0 = pick(o.t0, c.t0).value_or(s.t0);
    if (!std::isfinite(p.t0)) throw DynlibError("t0 must be a finite number");
    // The end: the highest level that sets T or N decides; [sim] t_end otherwise.
    if (o.T || o.N) {
      p.T = o.T;
      p.N = o.N;
    } else if (c.T || c.N) {
      p.T = c.T;
      p.N = c.N;
    } else if (s.t_end) {
      p.T = s.t_end;
    } else {
      throw DynlibError(fmt::format(
          "no end for the run: give T (the end time) or N (the number of steps), or set t_end in "
          "the [sim] table of model '{}'",
          mi.info.name));
    }
    if (p.T && !std::isfinite(*p.T)) throw DynlibError("T must be a finite number");
    if (p.N && *p.N < 0) throw DynlibError(fmt::format("N = {} is negative", *p.N));

    if (o.dt)
      p.dt = o.dt;
    else if (!p.resume)
      p.dt = pick(c.dt, s.dt);
    if (!p.dt && !p.resume && mi.spec->kind == dsl::ModelKind::Map) p.dt = 1.0;
    if (p.dt && !(*p.dt > 0 && std::isfinite(*p.dt)))
      throw DynlibError(fmt::format("dt = {} must be positive and finite", fmt_num(*p.dt)));

    p.record = pick(o.record, c.record).value_or(s.record);
    p.record_interval = pick(o.record_interval, c.record_interval).value_or(s.record_interval);
    if (p.record_interval < 1)
      throw DynlibError(fmt::format("record_interval = {} must be at least 1", p.record_interval));
    if (auto vars = pick(o.record_vars, c.record_vars)) {
      record_selection(*vars, p.rec_state, p.rec_aux);
      p.rec_vars_given = true;
    } else {
      for (int i = 0; i < static_cast<int>(mi.state_names.size()); ++i) p.rec_state.push_back(i);
      for (int i = 0; i < static_cast<int>(mi.aux_names.size()); ++i) p.rec_aux.push_back(i);
    }
    p.transient = pick(o.transient, c.transient).value_or(0.0);
    if (!(p.transient >= 0) || !std::isfinite(p.transient))
      throw DynlibError(fmt::format("transient = {} must be >= 0", fmt_num(p.transient)));
    p.max_steps = pick(o.max_steps, c.max_steps);
    if (!p.max_steps) p.max_steps = s.max_steps;
    if (p.max_steps && *p.max_steps < 1)
      throw DynlibError(fmt::format("max_steps = {} must be at least 1", *p.max_steps));

    // ic: config's then the run's (fresh runs only); params likewise (they persist).
    if (!p.resume) {
      std::map<std::string, Value> ic = c.ic;
      for (const auto& [k, v] : o.ic) ic[k] = v;
      for (const auto& [k, v] : ic) p.ic.push_back(state_value(k, v));
    }
    std::map<std::string, Value> params = c.params;
    for (const auto& [k, v] : o.params) params[k] = v;
    for (const auto& [k, v] : params)
      for (const auto& pv : param_values(k, v)) p.params.push_back(pv);

    // Adaptive options (ignored by fixed-step steppers).
    p.atol = pick(o.atol, c.atol).value_or(s.atol);
    p.rtol = pick(o.rtol, c.rtol).value_or(s.rtol);
    p.dt_min = pick(pick(o.dt_min, c.dt_min), s.dt_min);
    p.dt_max = pick(pick(o.dt_max, c.dt_max), s.dt_max);
    p.safety = pick(pick(o.safety, c.safety), s.safety);
    p.min_factor = pick(pick(o.min_factor, c.min_factor), s.min_factor);
    p.max_factor = pick(pick(o.max_factor, c.max_factor), s.max_factor);
    p.max_rejects = pick(pick(o.max_rejects, c.max_rejects), s.max_rejects);
    const auto ctl = pick(pick(o.controller, c.controller), s.controller);
    if (ctl) {
      if (*ctl == "pi")
        p.controller = kernel::CONTROLLER_PI;
      else if (*ctl == "standard")
        p.controller = kernel::CONTROLLER_STANDARD;
      else
        throw DynlibError(with_suggestion(fmt::format("unknown controller '{}'", *ctl), *ctl,
                                          {"pi", "standard"}, "controllers"));
    }
    auto nonneg = [](const char* what, const std::optional<double>& v) {
      if (v && !(*v >= 0 && std::isfinite(*v)))
        throw DynlibError(fmt::format("{} = {} must be >= 0 and finite", what, fmt_num(*v)));
    };
    nonneg("atol", p.atol);
    nonneg("rtol", p.rtol);
    if (p.atol == 0 && p.rtol == 0) throw DynlibError("atol and rtol cannot both be 0");
    nonneg("dt_min", p.dt_min);
    nonneg("dt_max", p.dt_max);
    if (p.safety && !(*p.safety > 0 && *p.safety <= 1))
      throw DynlibError(fmt::format("safety = {} must be in (0, 1]", fmt_num(*p.safety)));
    if (p.min_factor && !(*p.min_factor > 0 && *p.min_factor <= 1))
      throw DynlibError(fmt::format("min_factor = {} must be in (0, 1]", fmt_num(*p.min_factor)));
    if (p.max_factor && !(*p.max_factor >= 1 && std::isfinite(*p.max_factor)))
      throw DynlibError(fmt::format("max_factor = {} must be >= 1", fmt_num(*p.max_factor)));
    if (p.max_rejects && (*p.max_rejects < 0 || *p.max_rejects > INT_MAX))
      throw DynlibError(fmt::format("max_rejects = {} is out of range", *p.max_rejects));
    return p;
  }

  void assign_one(const std::string& name, const Value& v) {
    if (state_index(name) >= 0) {
      const auto [i, x] = state_value(name, v);
      engine->set_state(i, x);
      return;
    }
    if (param_index(name) >= 0) {
      for (const auto& [k, x] : param_values(name, v)) engine->set_param(k, x);
      return;
    }
    std::vector<std::string> all = mi.state_names;
    for (const auto& p : mi.param_names) all.push_back(p);
    std::string msg = fmt::format("assign: no state or param named '{}'", name);
    if (std::find(mi.aux_names.begin(), mi.aux_names.end(), name) != mi.aux_names.end())
      msg += " (aux variables are computed, not assigned)";
    throw DynlibError(with_suggestion(msg, name, all, "states and params"));
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
  detail::Hooks hooks;
  hooks.progress = &s.progress;
  hooks.progress_interval = s.progress_interval;
  hooks.stop = &s.stop;
  struct ClearStop {
    volatile std::sig_atomic_t& f;
    ~ClearStop() { __atomic_store_n(&f, 0, __ATOMIC_RELAXED); }
  } clear{s.stop};
  s.engine->run(plan, hooks, s.slot);
  return s.slot.results;
}

const Results& Sim::results() const {
  return impl_->slot.results;
}

void Sim::config(const RunOptions& defaults) {
  detail::SimImpl& s = *impl_;
  // Check names and values now, not at the next run: resolve with these defaults.
  RunOptions saved = std::move(s.config);
  s.config = defaults;
  s.config.resume = false;
  try {
    RunOptions probe;
    if (!defaults.T && !defaults.N && !s.mi.spec->sim.t_end)
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
    if (impl_->state_index(k) >= 0)
      (void)impl_->state_value(k, v);
    else
      (void)impl_->param_values(k, v);
  }
  for (const auto& [k, v] : values) impl_->assign_one(k, v);
}

void Sim::apply_preset(const std::string& name) {
  detail::SimImpl& s = *impl_;
  const dsl::PresetSpec* p = s.mi.spec->preset(name);
  if (!p)
    throw DynlibError(detail::with_suggestion(fmt::format("no preset named '{}'", name), name,
                                              s.mi.info.preset_names, "presets"));
  const bool is_int = s.mi.dtype == DType::Int64;
  for (const auto& v : p->values) {
    std::vector<double> vals = v.values;
    if (is_int && !v.int_values.empty()) vals.assign(v.int_values.begin(), v.int_values.end());
    if (v.kind == dsl::Ref::State) {
      s.engine->set_state(v.index, vals.at(0));
    } else {
      const int off = s.mi.param_offset[static_cast<size_t>(v.index)];
      for (size_t k = 0; k < vals.size(); ++k)
        s.engine->set_param(off + static_cast<int>(k), vals[k]);
    }
  }
}

void Sim::reset() {
  impl_->engine->reset();
  impl_->slot = detail::ResultsSlot{};
}

std::vector<double> Sim::state() const {
  return impl_->engine->state();
}

std::vector<double> Sim::param(const std::string& name) const {
  const int k = impl_->param_index(name);
  if (k < 0)
    throw DynlibError(detail::with_suggestion(fmt::format("unknown param '{}'", name), name,
                                              impl_->mi.param_names, "params"));
  std::vector<double> out;
  const int off = impl_->mi.param_offset[static_cast<size_t>(k)];
  for (int i = 0; i < impl_->mi.param_size[static_cast<size_t>(k)]; ++i)
    out.push_back(impl_->engine->param(off + i));
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

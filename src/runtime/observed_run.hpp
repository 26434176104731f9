// The host side of an observed run (RunOptions::observers): checks the observer specs against the
// model, owns kernel::ObserveArgs and every buffer it points into (tangent sums, R, the trace),
// calls a callback observer's host function for the kernel, and turns the kernel's sums into
// ObserverResults. The Engine owns one per Sim and keeps it across resumed runs, like RunArgs.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "kernel/observer.hpp"
#include "kernel/registry.hpp"
#include "kernel/variational.hpp"
#include "pipeline/built_model.hpp"
#include "runtime/results_data.hpp"
#include "runtime/run_plan.hpp"

namespace dynlib::detail {

template <class Real>
class ObservedRun {
 public:
  using Time = kernel::time_t_of<Real>;

  bool active() const { return active_; }
  int tangents() const { return k_; }
  kernel::ObserveArgs<Real>& args() { return o_; }

  // Checks `plan.observers` against the model and, for a fresh run, sets up a new observed run;
  // a resumed run must ask for the same observers as the run it continues.
  void prepare(const Plan& plan, const BuiltModel& mi, bool resume) {
    const std::string signature = signature_of(plan.observers);
    if (resume) {
      if (signature != signature_)
        throw DynlibError(
            "observers cannot change when resuming: pass the same observers as the run being "
            "continued (or none if it had none)");
      if (active_) {
        callback_ = find(plan.observers, ObserverSpec::Kind::Callback);
        block_ = find(plan.observers, ObserverSpec::Kind::Block);
      }
      return;
    }
    if (!plan.observers.empty()) validate(plan.observers, mi);  // before anything changes
    *this = ObservedRun();
    signature_ = signature;
    if (plan.observers.empty()) return;
    active_ = true;
    n_ = mi.shape.n_state;
    n_param_ = mi.shape.n_param;
    // The spectrum, if asked for, carries the tangents; an MLE observer beside it reads its first
    // exponent (the same vector, renormalised the same way).
    const ObserverSpec* mle = find(plan.observers, ObserverSpec::Kind::LyapunovMle);
    const ObserverSpec* spectrum = find(plan.observers, ObserverSpec::Kind::LyapunovSpectrum);
    if (mle) mle_name_ = mle->name;
    if (const ObserverSpec* l = spectrum ? spectrum : mle) {
      lyap_ = *l;
      has_lyap_ = true;
      k_ = l->k;
      per_step_ = l->mode == "map" || (l->mode == "auto" && mi.is_map);
    }
    callback_ = find(plan.observers, ObserverSpec::Kind::Callback);
    block_ = find(plan.observers, ObserverSpec::Kind::Block);
    const size_t k = static_cast<size_t>(k_), n = static_cast<size_t>(n_);
    const size_t block_rows = block_ ? static_cast<size_t>(block_->block_rows) : 0;
    blk_y_.assign(block_rows * n, Real(0));
    blk_t_.assign(block_rows, 0.0);
    if constexpr (!std::is_same_v<Real, double>) blk_wide_.assign(block_rows * n, 0.0);
    log_growth_.assign(k, 0.0);
    growth_.assign(k, 1.0);
    r_.assign(k * k, Real(0));
    jac_.assign(n * n, Real(0));
    o_ = {};
    o_.abi_version = kernel::kObserveArgsAbi;
    o_.k = k_;
    o_.per_step = per_step_ ? 1 : 0;
    o_.renorm_every = has_lyap_ ? lyap_.renorm_every : 1;
    o_.t_accum_start = -std::numeric_limits<Time>::infinity();
    o_.trace_stride = has_lyap_ ? lyap_.record_interval : 0;
    o_.cb_every = callback_ ? callback_->every : 1;
    o_.blk_cap = static_cast<long long>(block_rows);
    grow_trace(o_.trace_stride > 0 ? 256 : 0);
  }

  // The tangents' initial values after the n state values of y (n (k + 1) values).
  void initial_tangents(Real* y) const {
    for (int j = 0; j < k_; ++j)
      for (int i = 0; i < n_; ++i)
        y[n_ * (j + 1) + i] =
            lyap_.init_basis.empty()
                ? Real(i == j ? 1 : 0)
                : static_cast<Real>(lyap_.init_basis[static_cast<size_t>(j * n_ + i)]);
  }

  // Points ObserveArgs at the buffers (after any growth).
  void bind() {
    o_.log_growth = log_growth_.empty() ? nullptr : log_growth_.data();
    o_.growth = growth_.empty() ? nullptr : growth_.data();
    o_.r = r_.empty() ? nullptr : r_.data();
    o_.jac_scratch = jac_.empty() ? nullptr : jac_.data();
    o_.trace = trace_.empty() ? nullptr : trace_.data();
    o_.trace_time = trace_time_.empty() ? nullptr : trace_time_.data();
    o_.trace_step = trace_step_.empty() ? nullptr : trace_step_.data();
    o_.trace_cap = static_cast<long long>(trace_time_.size());
    o_.cb_ctx = this;
    o_.cb_step = callback_ ? &ObservedRun::call_host : nullptr;
    o_.cb_block = block_ ? &ObservedRun::call_block : nullptr;
    o_.blk_y = blk_y_.empty() ? nullptr : blk_y_.data();
    o_.blk_t = blk_t_.empty() ? nullptr : blk_t_.data();
  }

  // The run ended (or its transient did): the block observer sees the rows still pending.
  void flush_block() {
    if (block_ && o_.blk_count > 0 && !callback_error_) deliver_block();
    o_.blk_count = 0;
  }

  // GROW_REC: the kernel may have stopped for the trace (else it was the recorder).
  // Off during a transient warm-up: renormalisations go on, growth is not counted, no trace rows.
  void count_growth(bool on) {
    o_.t_accum_start = (on ? -1 : 1) * std::numeric_limits<Time>::infinity();
  }
  bool trace_full() const { return o_.trace_stride > 0 && o_.trace_count >= o_.trace_cap; }
  void grow_trace(long long at_least) {
    const size_t rows = static_cast<size_t>(
        std::max<long long>(at_least, 2 * static_cast<long long>(trace_time_.size())));
    trace_.resize(rows * static_cast<size_t>(k_));
    trace_time_.resize(rows);
    trace_step_.resize(rows);
  }

  // An exception a callback threw (the run stopped there); rethrown once the results are kept.
  std::exception_ptr take_callback_error() {
    std::exception_ptr e = callback_error_;
    callback_error_ = nullptr;
    return e;
  }

  // The describe_end() text for a non-finite tangent component (index >= n in the state).
  std::string nonfinite_tangent(int index, const std::vector<std::string>& state_names) const {
    const int j = index / n_ - 1, i = index % n_;
    return fmt::format("tangent vector {} of observer '{}' (its '{}' component)", j, lyap_.name,
                       state_names[static_cast<size_t>(i)]);
  }

  void results(ResultsData& d, const std::string& stepper) const {
    if (!active_) return;
    if (has_lyap_) {
      if (lyap_.kind == ObserverSpec::Kind::LyapunovSpectrum)
        d.observers[lyap_.name] = lyapunov_result(stepper, false);
      if (!mle_name_.empty()) d.observers[mle_name_] = lyapunov_result(stepper, true);
    }
    // Host observers leave no outputs, only what they were.
    auto host = [&](const ObserverSpec& spec, const char* kind, const char* key, long long value) {
      ObserverResult& r = d.observers[spec.name];
      r.name = spec.name;
      r.meta["kind"] = kind;
      r.meta[key] = std::to_string(value);
    };
    if (callback_) host(*callback_, "callback", "every", callback_->every);
    if (block_) host(*block_, "block", "block_rows", block_->block_rows);
  }

 private:
  static const ObserverSpec* find(const std::vector<ObserverSpec>& specs, ObserverSpec::Kind kind) {
    for (const auto& s : specs)
      if (s.kind == kind) return &s;
    return nullptr;
  }

  static std::string signature_of(const std::vector<ObserverSpec>& specs) {
    std::string sig;
    for (const auto& s : specs)
      sig += fmt::format("{}|{}|{}|{}|{}|{}|{}|{};", static_cast<int>(s.kind), s.name, s.k, s.mode,
                         s.renorm_every, s.record_interval, s.every, s.block_rows);
    return sig;
  }

  static void validate(const std::vector<ObserverSpec>& specs, const BuiltModel& mi) {
    if (mi.dtype == DType::Int64)
      throw DynlibError(fmt::format(
          "observers need a float model, and '{}' is int64 (observed runs step the model in the "
          "kernel with derivatives, which int64 models do not have)",
          mi.info.name));
    int n_mle = 0, n_spectrum = 0, n_cb = 0, n_block = 0;
    std::vector<std::string> names;
    for (const auto& s : specs) {
      const bool cb = s.kind == ObserverSpec::Kind::Callback;
      const bool block = s.kind == ObserverSpec::Kind::Block;
      (cb                                          ? n_cb
       : block                                     ? n_block
       : s.kind == ObserverSpec::Kind::LyapunovMle ? n_mle
                                                   : n_spectrum) += 1;
      if (s.name.empty()) throw DynlibError("an observer needs a name");
      for (const auto& other : names)
        if (other == s.name)
          throw DynlibError(fmt::format("two observers are named '{}': names must differ", s.name));
      names.push_back(s.name);
      if (cb) {
        if (!s.callback) throw DynlibError(fmt::format("observer '{}' has no callback", s.name));
        if (s.every < 1)
          throw DynlibError(fmt::format("observer '{}': every = {} must be >= 1", s.name, s.every));
        continue;
      }
      if (block) {
        if (!s.block_callback)
          throw DynlibError(fmt::format("observer '{}' has no callback", s.name));
        if (s.block_rows < 1 || s.block_rows > kMaxBlockRows)
          throw DynlibError(fmt::format("observer '{}': block_rows = {} must be between 1 and {}",
                                        s.name, s.block_rows, kMaxBlockRows));
        continue;
      }
      const int n = mi.shape.n_state;
      if (kernel::kSteppers[mi.stepper_id].caps & kernel::CAP_HOST)
        throw DynlibError(fmt::format(
            "observer '{}': stepper '{}' steps inside SUNDIALS, where tangents cannot follow it; "
            "use a kernel stepper (rk4, rk45, bdf2a, tr-bdf2a, rodas3, ...)",
            s.name, mi.stepper_name));
      if (s.k < 1 || s.k > n)
        throw DynlibError(
            fmt::format("observer '{}': k = {} must be between 1 and the model's {} "
                        "state{}",
                        s.name, s.k, n, n == 1 ? "" : "s"));
      if (s.mode != "auto" && s.mode != "flow" && s.mode != "map")
        throw DynlibError(fmt::format("observer '{}': mode = '{}' must be 'flow', 'map' or 'auto'",
                                      s.name, s.mode));
      if (s.renorm_every < 1)
        throw DynlibError(
            fmt::format("observer '{}': renorm_every = {} must be >= 1", s.name, s.renorm_every));
      if (s.record_interval < 0)
        throw DynlibError(
            fmt::format("observer '{}': record_interval = {} must be >= 0 (0: no "
                        "trace)",
                        s.name, s.record_interval));
      if (!s.init_basis.empty() &&
          s.init_basis.size() != static_cast<size_t>(s.k) * static_cast<size_t>(n))
        throw DynlibError(fmt::format(
            "observer '{}': init_basis has {} values, but k = {} vectors of {} states need {}",
            s.name, s.init_basis.size(), s.k, n, s.k * n));
      for (double v : s.init_basis)
        if (!std::isfinite(v))
          throw DynlibError(
              fmt::format("observer '{}': init_basis has a non-finite value", s.name));
    }
    if (n_mle > 1 || n_spectrum > 1)
      throw DynlibError(
          "at most one lyapunov_mle and one lyapunov_spectrum observer per run (the spectrum's "
          "first exponent is the MLE)");
    const ObserverSpec* mle = find(specs, ObserverSpec::Kind::LyapunovMle);
    const ObserverSpec* spectrum = find(specs, ObserverSpec::Kind::LyapunovSpectrum);
    if (mle && spectrum &&
        (mle->mode != spectrum->mode || mle->renorm_every != spectrum->renorm_every ||
         mle->record_interval != spectrum->record_interval))
      throw DynlibError(fmt::format(
          "observers '{}' and '{}' share one set of tangents (the MLE is the spectrum's first "
          "exponent), so their mode, renorm_every and record_interval must agree",
          mle->name, spectrum->name));
    if (n_cb > 1) throw DynlibError("at most one callback observer per run");
    if (n_block > 1) throw DynlibError("at most one block observer per run");
  }

  // The MLE's result (from the first tangent) or the spectrum's.
  ObserverResult lyapunov_result(const std::string& stepper, bool mle) const {
    ObserverResult r;
    r.name = mle ? mle_name_ : lyap_.name;
    const double denom = o_.denom;
    // The kernel's sums: log_growth plus the log of the product not yet folded into it.
    auto log_r = [&](int j) {
      return log_growth_[static_cast<size_t>(j)] + std::log(growth_[static_cast<size_t>(j)]);
    };
    auto exponent = [&](int j) {
      return denom > 0 ? log_r(j) / denom : std::numeric_limits<double>::quiet_NaN();
    };
    if (mle) {
      r.output_names = {"mle", "log_growth", "denom", "steps", "renormalisations"};
      r.out = {exponent(0), log_r(0), denom, static_cast<double>(o_.steps_counted),
               static_cast<double>(o_.n_renorm)};
      r.trace_names = {"mle"};
    } else {
      double sum = 0;
      for (int j = 0; j < k_; ++j) {
        r.output_names.push_back(fmt::format("lyap{}", j));
        r.out.push_back(exponent(j));
        sum += exponent(j);
      }
      r.output_names.push_back("sum");
      r.out.push_back(sum);
      for (int j = 0; j < k_; ++j) {
        r.output_names.push_back(fmt::format("log_r{}", j));
        r.out.push_back(log_r(j));
      }
      r.output_names.insert(r.output_names.end(), {"denom", "steps", "renormalisations"});
      r.out.insert(r.out.end(), {denom, static_cast<double>(o_.steps_counted),
                                 static_cast<double>(o_.n_renorm)});
      for (int j = 0; j < k_; ++j) r.trace_names.push_back(fmt::format("lyap{}", j));
    }
    const size_t rows = static_cast<size_t>(o_.trace_count);
    r.trace_rows = rows;
    if (mle) {
      for (size_t row = 0; row < rows; ++row) r.trace.push_back(trace_[row * k_]);
    } else {
      r.trace.assign(trace_.begin(), trace_.begin() + static_cast<long>(rows * k_));
    }
    r.trace_time.assign(trace_time_.begin(), trace_time_.begin() + static_cast<long>(rows));
    r.trace_steps.assign(trace_step_.begin(), trace_step_.begin() + static_cast<long>(rows));
    r.record_interval = lyap_.record_interval;
    r.meta["kind"] = mle ? "lyapunov_mle" : "lyapunov_spectrum";
    r.meta["mode"] = per_step_ ? "map" : "flow";
    r.meta["k"] = std::to_string(mle ? 1 : k_);
    r.meta["renorm_every"] = std::to_string(lyap_.renorm_every);
    r.meta["stepper"] = stepper;
    r.meta["variational"] = "combined";  // tangents stepped with the state, by the same stepper
    return r;
  }

  // kernel::ObserveArgs::cb_step: the callback observer, on copies widened to double.
  static int call_host(void* ctx, double t, long long step, Real* y, int n, Real* p) {
    auto* self = static_cast<ObservedRun*>(ctx);
    try {
      self->cb_y.assign(y, y + n);
      self->cb_p.assign(p, p + self->n_param_);
      const ObserverReply reply = self->callback_->callback({t, step, &self->cb_y, &self->cb_p});
      int act = kernel::OBS_CONTINUE;
      if (reply.state_changed) {
        for (int i = 0; i < n; ++i) y[i] = static_cast<Real>(self->cb_y[static_cast<size_t>(i)]);
        act |= kernel::OBS_STATE_CHANGED;
      }
      if (reply.stop) act |= kernel::OBS_STOP;
      return act;
    } catch (...) {
      self->callback_error_ = std::current_exception();
      return kernel::OBS_STOP;
    }
  }

  // kernel::ObserveArgs::cb_block: the block observer, on the pending rows (widened to double).
  static int call_block(void* ctx) {
    auto* self = static_cast<ObservedRun*>(ctx);
    return self->deliver_block() ? kernel::OBS_STOP : kernel::OBS_CONTINUE;
  }
  bool deliver_block() {
    const size_t rows = static_cast<size_t>(o_.blk_count), n = static_cast<size_t>(n_);
    const double* y = nullptr;
    if constexpr (std::is_same_v<Real, double>) {
      y = blk_y_.data();
    } else {
      for (size_t i = 0; i < rows * n; ++i) blk_wide_[i] = static_cast<double>(blk_y_[i]);
      y = blk_wide_.data();
    }
    try {
      return block_->block_callback({o_.blk_first, rows, n, y, blk_t_.data()});
    } catch (...) {
      callback_error_ = std::current_exception();
      return true;
    }
  }

  static constexpr long long kMaxBlockRows = 1LL << 20;
  bool active_ = false;
  std::string signature_;
  int n_ = 0, k_ = 0, n_param_ = 0;
  bool has_lyap_ = false, per_step_ = false;
  ObserverSpec lyap_;     // the observer that carries the tangents (the spectrum, else the MLE)
  std::string mle_name_;  // an MLE observer's name (its exponent: the first tangent's)
  const ObserverSpec* callback_ = nullptr;  // into the current run's plan (valid during run())
  const ObserverSpec* block_ = nullptr;     // likewise
  std::vector<Real> blk_y_;                 // the kernel's block rows
  std::vector<double> blk_t_;
  std::vector<double> blk_wide_;  // float32 models: the rows widened for the callback
  kernel::ObserveArgs<Real> o_{};
  std::vector<double> log_growth_, growth_;
  std::vector<Real> r_, jac_;
  std::vector<double> trace_, trace_time_;
  std::vector<long long> trace_step_;
  std::vector<double> cb_y, cb_p;
  std::exception_ptr callback_error_;
};

}  // namespace dynlib::detail

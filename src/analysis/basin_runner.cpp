// The trajectory runner and thread pool of the basin analyses (analysis/basin_runner.hpp).
#include "analysis/basin_runner.hpp"

#include <fmt/format.h>

#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace dynlib::analysis_detail {

BasinSampling basin_sampling(const Sim& sim, const std::string& mode,
                             const std::optional<double>& dt_obs, long long max_samples,
                             const std::string& context) {
  const FullModel& model = sim.model();
  const ModelInfo& spec = model.spec();
  BasinSampling s;
  s.is_map = spec.kind == "map";
  if (mode != "auto" && mode != "map" && mode != "ode")
    throw DynlibError(
        fmt::format("{}: mode must be 'map', 'ode' or 'auto', got '{}'", context, mode));
  if (mode != "auto" && mode != spec.kind)
    throw DynlibError(fmt::format("{}: mode = '{}', but '{}' is a{} {} model", context, mode,
                                  spec.name, spec.kind == "ode" ? "n" : "", spec.kind));
  if (max_samples < 1)
    throw DynlibError(fmt::format("{}: max_samples = {} must be >= 1", context, max_samples));
  s.max_samples = max_samples;
  s.t0 = spec.t0;
  if (dt_obs) {
    s.dt = *dt_obs;
  } else if (spec.dt) {
    s.dt = *spec.dt;
  } else if (!s.is_map) {
    throw DynlibError(fmt::format(
        "{}: dt_obs is needed for an ODE whose [sim] table has no dt (the sample interval, "
        "which is also the step)",
        context));
  }
  if (!(s.dt > 0) || !std::isfinite(s.dt))
    throw DynlibError(fmt::format("{}: dt_obs = {} must be > 0", context, s.dt));
  if (!s.is_map) {
    for (const StepperDescription& d : steppers()) {
      if (d.name != model.stepper_name()) continue;
      if (d.adaptive || d.host)
        throw DynlibError(fmt::format(
            "{}: stepper '{}' chooses its own steps; basins of an ODE are sampled every dt_obs "
            "with a fixed-step stepper (rk4, rk2, euler, ...)",
            context, d.name));
    }
  }
  return s;
}

Sim basin_worker_sim(const Sim& base, const std::map<std::string, double>& overrides) {
  Sim w(base.model());
  for (const Layout::Variable& p : base.model().layout().params()) {
    std::vector<double> v = base.param(p.name);
    if (p.is_array)
      w.assign(p.name, Value(std::move(v)));
    else
      w.assign(p.name, Value(v.at(0)));
  }
  for (const auto& [name, value] : overrides) w.assign(name, Value(value));
  return w;
}

std::vector<int> basin_state_indices(const FullModel& model, const std::vector<std::string>& names,
                                     const std::string& context) {
  std::vector<int> out;
  std::set<int> seen;
  for (const auto& name : names) {
    const NameRef ref = model.layout().resolve(name, {NameKind::State}, context);
    if (!seen.insert(ref.index).second)
      throw DynlibError(fmt::format("{}: state '{}' is named twice", context, name));
    out.push_back(ref.index);
  }
  return out;
}

size_t basin_param_rows(const FullModel& model, const std::vector<double>& params, size_t n,
                        const std::string& context) {
  if (params.empty()) return 0;
  const size_t n_params = model.layout().param_value_labels().size();
  if (n_params > 0 && params.size() == n_params) return 1;
  if (n_params > 0 && params.size() == n * n_params) return n;
  throw DynlibError(fmt::format(
      "{}: params has {} values; expected shape ({}, {}) (one flat parameter vector per initial "
      "condition) or ({},) (one for all): the model has {} parameter values",
      context, params.size(), n, n_params, n_params, n_params));
}

int basin_threads(int requested, size_t n) {
  long long t =
      requested > 0 ? requested : static_cast<long long>(std::thread::hardware_concurrency());
  t = std::max<long long>(1,
                          std::min<long long>(t, static_cast<long long>(std::max<size_t>(n, 1))));
  return static_cast<int>(t);
}

void basin_parallel(size_t n, int threads, const std::function<void(int, size_t)>& body,
                    const BasinProgressFn& progress, size_t progress_offset,
                    size_t progress_total) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  size_t done = 0;
  size_t error_index = n;
  std::exception_ptr error;
  auto fail = [&](size_t i, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (i < error_index) {
      error_index = i;
      error = std::move(e);
    }
    failed = true;
  };
  auto worker = [&](int w) {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= n || failed.load()) return;
      try {
        body(w, i);
      } catch (...) {
        fail(i, std::current_exception());
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      if (progress && !failed.load()) {
        try {
          progress(done + progress_offset, progress_total);
        } catch (...) {
          if (i < error_index) {
            error_index = i;
            error = std::current_exception();
          }
          failed = true;
        }
      }
    }
  };
  if (threads <= 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads));
    for (int w = 0; w < threads; ++w) pool.emplace_back(worker, w);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

BasinTrajectory::BasinTrajectory(Sim sim, const BasinSampling& sampling)
    : sim_(std::move(sim)), s_(sampling) {
  names_ = sim_.model().layout().state_names();
  base_.t0 = s_.t0;
  base_.dt = s_.dt;
  base_.N = s_.max_samples;
  // An end time past the last sample, so only N ends the run (not the model's [sim] t_end).
  base_.T = s_.t0 + s_.dt * (static_cast<double>(s_.max_samples) + 2.0);
  observed_ = sim_.model().dtype() != DType::Int64;
  events_ = !sim_.model().layout().events().empty();
  base_.record = !observed_;
  if (!observed_) base_.record_vars = names_;
  base_.transient = 0.0;
  base_.max_steps = s_.max_samples + 1;
  // Every param given to each fresh run: a fresh run would otherwise keep what the previous
  // trajectory's events left, and labels must depend on the initial condition only.
  for (const Layout::Variable& p : sim_.model().layout().params()) {
    std::vector<double> v = sim_.param(p.name);
    base_.params[p.name] = p.is_array ? Value(std::move(v)) : Value(v.at(0));
  }
}

void BasinTrajectory::set_params(RunOptions& o, const double* params) const {
  for (const Layout::Variable& p : sim_.model().layout().params()) {
    const double* v = params + p.offset;
    o.params[p.name] = p.is_array ? Value(std::vector<double>(v, v + p.size)) : Value(v[0]);
  }
}

}  // namespace dynlib::analysis_detail

// lyapunov_mle_sweep and lyapunov_spectrum_sweep: one run_batch over the values of one param,
// every trajectory observed by a Lyapunov observer (observers.hpp), packed into the SweepResult
// shape every sweep shares (dynlib/sweep.hpp).
#include "dynlib/lyapunov.hpp"

#include <fmt/format.h>

#include <limits>
#include <utility>

#include "analysis/not_a_value.hpp"
#include "analysis/sweep_runs.hpp"

namespace dynlib {

namespace {

SweepResult lyapunov_sweep(const Sim* sim, const FullModel& model, const std::string& param,
                           const std::vector<double>& values, int k, bool spectrum,
                           const BatchOptions& options, const LyapunovSweepOptions& ly) {
  const std::string context = spectrum ? "lyapunov_spectrum_sweep" : "lyapunov_mle_sweep";
  const std::string name = sweep_param_name(model.layout(), param, context);
  if (values.empty())
    throw DynlibError(
        fmt::format("{}: values is empty; give at least one value of '{}'", context, param));
  analysis_detail::check_shared_only(options, context);
  if (!options.observers.empty())
    throw DynlibError(fmt::format("{}: options.observers is set by the sweep itself", context));
  ObserverSpec spec =
      spectrum ? lyapunov_spectrum_observer(k, ly.record_interval, ly.mode, ly.init_basis)
               : lyapunov_mle_observer(ly.record_interval, ly.mode);
  spec.renorm_every = ly.renorm_every;
  BatchOptions o = options;
  o.params = {{name, values}};
  o.final_only = true;  // the exponents are the result; nothing is recorded
  o.observers = {spec};
  const BatchResults b = sim ? run_batch(*sim, o) : run_batch(model, o);

  SweepResult r =
      analysis_detail::start_result(spectrum ? "spectrum" : "mle", param, values, model, b);
  const size_t m = values.size();
  const size_t kk = static_cast<size_t>(spectrum ? k : 1);
  // A run that never started or stopped before any growth was counted has no exponents.
  auto result_of = [&](size_t i) -> const ObserverResult* {
    if (b.observers.size() <= i) return nullptr;
    const auto it = b.observers[i].find(spec.name);
    return it == b.observers[i].end() ? nullptr : &it->second;
  };
  auto failed = [&](size_t i) { return b.status[i] != Status::Done; };
  std::vector<double> steps(m, kNaN);
  if (!spectrum) {
    std::vector<double> mle(m, kNaN), log_growth(m, kNaN);
    for (size_t i = 0; i < m; ++i) {
      const ObserverResult* ob = result_of(i);
      if (!ob || failed(i)) continue;
      mle[i] = ob->output("mle");
      log_growth[i] = ob->output("log_growth");
      steps[i] = ob->output("steps");
    }
    r.add_output("mle", std::move(mle));
    r.add_output("log_growth", std::move(log_growth));
  } else {
    std::vector<double> exps(m * kk, kNaN), log_r(m * kk, kNaN), sum(m, kNaN);
    for (size_t i = 0; i < m; ++i) {
      const ObserverResult* ob = result_of(i);
      if (!ob || failed(i)) continue;
      for (size_t j = 0; j < kk; ++j) {
        exps[i * kk + j] = ob->output(fmt::format("lyap{}", j));
        log_r[i * kk + j] = ob->output(fmt::format("log_r{}", j));
      }
      sum[i] = ob->output("sum");
      steps[i] = ob->output("steps");
    }
    for (size_t j = 0; j < kk; ++j) {
      std::vector<double> col(m);
      for (size_t i = 0; i < m; ++i) col[i] = exps[i * kk + j];
      r.add_output(fmt::format("lyap{}", j), std::move(col));
    }
    r.add_output("spectrum", std::move(exps), kk);
    r.add_output("log_r", std::move(log_r), kk);
    r.add_output("sum", std::move(sum));
  }
  r.add_output("steps", std::move(steps));
  if (ly.record_interval > 0) {
    for (size_t j = 0; j < kk; ++j) {
      SweepTrace tr;
      tr.name = spectrum ? fmt::format("lyap{}", j) : "mle";
      tr.runs.resize(m);
      for (size_t i = 0; i < m; ++i)
        if (const ObserverResult* ob = result_of(i)) tr.runs[i] = ob->trace_column(tr.name);
      r.traces.push_back(std::move(tr));
    }
  }
  return r;
}

}  // namespace

SweepResult lyapunov_mle_sweep(const Sim& sim, const std::string& param,
                               const std::vector<double>& values, const BatchOptions& options,
                               const LyapunovSweepOptions& lyapunov) {
  return lyapunov_sweep(&sim, sim.model(), param, values, 1, false, options, lyapunov);
}
SweepResult lyapunov_mle_sweep(const FullModel& model, const std::string& param,
                               const std::vector<double>& values, const BatchOptions& options,
                               const LyapunovSweepOptions& lyapunov) {
  return lyapunov_sweep(nullptr, model, param, values, 1, false, options, lyapunov);
}
SweepResult lyapunov_spectrum_sweep(const Sim& sim, const std::string& param,
                                    const std::vector<double>& values, int k,
                                    const BatchOptions& options,
                                    const LyapunovSweepOptions& lyapunov) {
  return lyapunov_sweep(&sim, sim.model(), param, values, k, true, options, lyapunov);
}
SweepResult lyapunov_spectrum_sweep(const FullModel& model, const std::string& param,
                                    const std::vector<double>& values, int k,
                                    const BatchOptions& options,
                                    const LyapunovSweepOptions& lyapunov) {
  return lyapunov_sweep(nullptr, model, param, values, k, true, options, lyapunov);
}

}  // namespace dynlib

// scalar_sweep and traj_sweep: one run_batch over the values of one param, packed into the
// SweepResult shape every sweep shares (dynlib/sweep.hpp).
#include "dynlib/sweep.hpp"

#include "analysis/not_a_value.hpp"
#include "analysis/sweep_runs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace dynlib {

namespace analysis_detail {

// The sweep owns the per-trajectory inputs and what is recorded; a caller's value there would be
// silently overridden, so it is an error instead.
void check_shared_only(const BatchOptions& o, const std::string& context) {
  auto reject = [&](bool set, const char* field) {
    if (set)
      throw DynlibError(fmt::format(
          "{}: options.{} is set by the sweep itself; leave it empty (the swept param is "
          "`param`, the recorded variables are the sweep's arguments)",
          context, field));
  };
  reject(!o.param_names.empty() || !o.param_values.empty(), "param_names/param_values");
  reject(!o.params.empty(), "params");
  reject(!o.ic_names.empty() || !o.ic_values.empty(), "ic_names/ic_values");
  reject(!o.ic.empty(), "ic");
  reject(o.record_vars.has_value(), "record_vars");
  reject(o.record.has_value(), "record");
  reject(o.final_only, "final_only");
}

SweepResult start_result(const char* kind, const std::string& param,
                         const std::vector<double>& values, const FullModel& model,
                         const BatchResults& b) {
  SweepResult r;
  r.kind = kind;
  r.param_name = param;
  r.values = values;
  r.status = b.status;
  r.message = b.message;
  r.model_kind = model.spec().kind;
  r.stepper = model.stepper_name();
  r.threads = b.threads;
  r.wall_seconds = b.wall_seconds;
  return r;
}

}  // namespace analysis_detail

namespace {

using analysis_detail::check_shared_only;
using analysis_detail::start_result;

// Checks everything about the sweep's own arguments, then runs the batch recording `record_vars`.
BatchResults run_sweep(const Sim* sim, const FullModel& model, const std::string& param,
                       const std::vector<double>& values,
                       const std::vector<std::string>& record_vars, const BatchOptions& options,
                       const std::string& context) {
  const std::string name = sweep_param_name(model.layout(), param, context);
  if (values.empty())
    throw DynlibError(
        fmt::format("{}: values is empty; give at least one value of '{}'", context, param));
  if (record_vars.empty())
    throw DynlibError(
        fmt::format("{}: record_vars is empty; name the variables to record", context));
  check_shared_only(options, context);
  BatchOptions o = options;
  o.params = {{name, values}};
  o.record_vars = record_vars;
  return sim ? run_batch(*sim, o) : run_batch(model, o);
}

double reduce(const BatchResults& b, size_t run, ScalarMode mode) {
  const size_t count = b.counts[run];
  if (count == 0) return kNaN;
  if (mode == ScalarMode::Final) return b.at(run, count - 1, 0);
  if (mode == ScalarMode::Mean) {
    double sum = 0.0;
    for (size_t k = 0; k < count; ++k) sum += b.at(run, k, 0);
    return sum / static_cast<double>(count);
  }
  double best = b.at(run, 0, 0);
  for (size_t k = 0; k < count; ++k) {
    const double v = b.at(run, k, 0);
    if (std::isnan(v)) return kNaN;  // as numpy's max/min: a NaN sample makes the result NaN
    best = mode == ScalarMode::Max ? std::max(best, v) : std::min(best, v);
  }
  return best;
}

SweepResult scalar(const Sim* sim, const FullModel& model, const std::string& param,
                   const std::vector<double>& values, const std::string& var, ScalarMode mode,
                   const BatchOptions& options) {
  const std::string context = "scalar_sweep";
  const BatchResults b = run_sweep(sim, model, param, values, {var}, options, context);
  SweepResult r = start_result("scalar", param, values, model, b);
  std::vector<double> y(b.n, kNaN);
  for (size_t i = 0; i < b.n; ++i)
    // A failed run's samples stop at the failure: its reduction would describe another run.
    if (b.status[i] == Status::Done || b.status[i] == Status::EarlyExit) y[i] = reduce(b, i, mode);
  r.add_output("y", std::move(y));
  return r;
}

SweepResult trajectories(const Sim* sim, const FullModel& model, const std::string& param,
                         const std::vector<double>& values,
                         const std::vector<std::string>& record_vars, const BatchOptions& options) {
  const std::string context = "traj_sweep";
  BatchResults b = run_sweep(sim, model, param, values, record_vars, options, context);
  SweepResult r = start_result("trajectory", param, values, model, b);

  auto payload = std::make_shared<TrajectoryPayload>();
  payload->record_vars = record_vars;
  payload->n_time = b.n_time;
  payload->counts = b.counts;
  payload->t = std::move(b.t);
  // Columns in the order given (a name may be spelled "aux.e" or "e": the batch resolves it).
  const size_t width = record_vars.size();
  std::vector<size_t> column(width);
  bool in_order = b.n_var == width;
  for (size_t j = 0; j < width; ++j) {
    column[j] = b.var_index(record_vars[j]);
    in_order = in_order && column[j] == j;
  }
  if (in_order) {
    payload->data = std::move(b.data);
  } else {
    payload->data.resize(b.n * b.n_time * width);
    for (size_t row = 0; row < b.n * b.n_time; ++row)
      for (size_t j = 0; j < width; ++j)
        payload->data[row * width + j] = b.data[row * b.n_var + column[j]];
  }
  r.trajectories = std::move(payload);
  return r;
}

}  // namespace

std::string sweep_param_name(const Layout& layout, const std::string& param,
                             const std::string& context) {
  const NameRef ref = layout.resolve(param, {NameKind::Param}, context);
  if (ref.is_array && ref.element < 0)
    throw DynlibError(
        fmt::format("{}: param '{}' is an array of {} values; sweep one element, e.g. '{}[0]'",
                    context, param, ref.size, param));
  return param;
}

size_t TrajectoryPayload::var_index(const std::string& name) const {
  const auto it = std::find(record_vars.begin(), record_vars.end(), name);
  if (it != record_vars.end()) return static_cast<size_t>(it - record_vars.begin());
  throw DynlibError(with_suggestion(fmt::format("unknown variable '{}' in the sweep", name), name,
                                    record_vars, "recorded variables"));
}

bool TrajectoryPayload::stackable() const {
  return std::all_of(counts.begin(), counts.end(), [&](size_t c) { return c == n_time; });
}

const SweepOutput& SweepResult::output(const std::string& name) const {
  for (const SweepOutput& o : outputs)
    if (o.name == name) return o;
  std::vector<std::string> names;
  for (const SweepOutput& o : outputs) names.push_back(o.name);
  throw DynlibError(with_suggestion(fmt::format("unknown output '{}' of a '{}' sweep", name, kind),
                                    name, names, "outputs"));
}

const SweepTrace& SweepResult::trace(const std::string& name) const {
  for (const SweepTrace& t : traces)
    if (t.name == name) return t;
  std::vector<std::string> names;
  for (const SweepTrace& t : traces) names.push_back(t.name);
  throw DynlibError(with_suggestion(fmt::format("unknown trace '{}' of a '{}' sweep", name, kind),
                                    name, names, "traces"));
}

void SweepResult::add_output(std::string name, std::vector<double> data, size_t columns) {
  if (columns == 0 || data.size() != values.size() * columns)
    throw DynlibError(
        fmt::format("sweep output '{}': {} values for {} sweep values of {} column(s) each", name,
                    data.size(), values.size(), columns));
  outputs.push_back({std::move(name), columns, std::move(data)});
}

bool SweepResult::all_ok() const {
  return std::all_of(status.begin(), status.end(), [](Status s) { return s == Status::Done; });
}

const char* scalar_mode_name(ScalarMode mode) {
  switch (mode) {
    case ScalarMode::Final:
      return "final";
    case ScalarMode::Mean:
      return "mean";
    case ScalarMode::Max:
      return "max";
    case ScalarMode::Min:
      return "min";
  }
  return "?";
}

ScalarMode parse_scalar_mode(const std::string& text) {
  for (ScalarMode m : {ScalarMode::Final, ScalarMode::Mean, ScalarMode::Max, ScalarMode::Min})
    if (text == scalar_mode_name(m)) return m;
  throw DynlibError(with_suggestion(fmt::format("scalar_sweep: unknown mode '{}'", text), text,
                                    {"final", "mean", "max", "min"}, "modes"));
}

SweepResult scalar_sweep(const Sim& sim, const std::string& param,
                         const std::vector<double>& values, const std::string& var, ScalarMode mode,
                         const BatchOptions& options) {
  return scalar(&sim, sim.model(), param, values, var, mode, options);
}

SweepResult scalar_sweep(const FullModel& model, const std::string& param,
                         const std::vector<double>& values, const std::string& var, ScalarMode mode,
                         const BatchOptions& options) {
  return scalar(nullptr, model, param, values, var, mode, options);
}

SweepResult traj_sweep(const Sim& sim, const std::string& param, const std::vector<double>& values,
                       const std::vector<std::string>& record_vars, const BatchOptions& options) {
  return trajectories(&sim, sim.model(), param, values, record_vars, options);
}

SweepResult traj_sweep(const FullModel& model, const std::string& param,
                       const std::vector<double>& values,
                       const std::vector<std::string>& record_vars, const BatchOptions& options) {
  return trajectories(nullptr, model, param, values, record_vars, options);
}

}  // namespace dynlib

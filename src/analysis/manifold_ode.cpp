// trace_manifold_1d_ode: a branch is the orbit of a point on the eigen-direction under the flow
// (unstable) or the backward flow (stable), run by the runtime: a Sim of the model rebuilt with
// the RK4 stepper (and time_reversed for stable manifolds), at the fixed step dt, in chunks
// (a fresh run, then resumed ones) whose every recorded sample is inspected (docs/manifolds.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/manifold_internal.hpp"

namespace dynlib {

namespace {

// The model the branches are integrated with: RK4 (the reference's integrator), reversed in time
// for a stable manifold. Rebuilt only when it differs from `model`.
FullModel integrating_model(const FullModel& model, bool backward) {
  BuildOptions o = model.build_options();
  const bool reversed = o.time_reversed != backward;
  if (model.stepper_name() == "rk4" && reversed == o.time_reversed) return model;
  o.stepper = "rk4";
  o.time_reversed = reversed;
  return rebuild(model, o);
}

// Row r of a run's recorded states as doubles.
void read_row(const Results& res, size_t r, DType dtype, std::vector<double>& row) {
  const size_t w = res.width();
  if (dtype == DType::Float32) {
    const float* p = res.raw_data<float>() + r * w;
    for (size_t j = 0; j < row.size(); ++j) row[j] = static_cast<double>(p[j]);
  } else {
    const double* p = res.raw_data<double>() + r * w;
    for (size_t j = 0; j < row.size(); ++j) row[j] = p[j];
  }
}

double distance(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

}  // namespace

ManifoldResult trace_manifold_1d_ode(const FullModel& model, const ManifoldOptions& o) {
  ManifoldResult r = analysis::manifold_setup(model, o, false, "trace_manifold_1d_ode");
  const size_t n = r.fixed_point.size();
  const bool backward = o.kind == ManifoldKind::Stable;
  r.method = "flow";

  const FullModel runner = integrating_model(model, backward);
  const Layout& layout = runner.layout();
  const std::vector<std::string> names = layout.state_names();
  // The reversed model's clock is s = -t: the branch starts at s = -t_eval.
  const double t0 = backward ? -r.t : r.t;
  const auto max_steps = static_cast<long long>(std::ceil(o.max_time / o.dt));  // the reference's
  const int max_points = *analysis::manifold_max_points(o, false);
  const double seed_delta = analysis::manifold_seed_delta(o, false);
  const auto box = analysis::manifold_clip_box(o);
  r.meta["integrator_steps"] = static_cast<double>(max_steps);

  RunOptions fresh;
  fresh.t0 = t0;
  fresh.dt = o.dt;
  // An end time past the last step, so only N ends a chunk (not the model's [sim] t_end).
  fresh.T = t0 + o.dt * (static_cast<double>(max_steps) + 2.0);
  fresh.record = true;
  fresh.record_interval = 1;
  fresh.record_vars = names;
  fresh.transient = 0.0;
  fresh.max_steps = max_steps + 1;
  for (const Layout::Variable& p : layout.params()) {
    const auto first = r.params.begin() + p.offset;
    if (p.is_array)
      fresh.params[p.name] = Value(std::vector<double>(first, first + p.size));
    else
      fresh.params[p.name] = Value(*first);
  }
  RunOptions resume;
  resume.resume = true;
  resume.T = fresh.T;
  resume.record = true;
  resume.record_interval = 1;
  resume.max_steps = max_steps + 1;

  std::vector<double> row(n);
  for (int b = 0; b < 2; ++b) {
    const double sign = b == 0 ? 1.0 : -1.0;
    ManifoldBranch& br = r.branches[static_cast<size_t>(b)];
    br.n_state = static_cast<int>(n);
    br.points = r.fixed_point;
    br.param = {-std::numeric_limits<double>::infinity()};
    br.piece_begin = {0};
    std::vector<double> seed(n);
    for (size_t i = 0; i < n; ++i)
      seed[i] = r.fixed_point[i] + sign * seed_delta * r.eigenvector[i];

    // Each sample: a point (true), or the branch's end (false, with br.stop).
    auto accept = [&](const double* x, double time) {
      for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i])) {
          br.stop = "not_finite";
          return false;
        }
      if (!analysis::inside_box(x, box)) {
        br.stop = "bounds";
        return false;
      }
      const double d = distance(br.points.data() + (br.count() - 1) * n, x, n);
      br.points.insert(br.points.end(), x, x + n);
      br.param.push_back(time);
      br.arclength += d;
      if (br.arclength >= o.max_arclength) {
        br.stop = "max_arclength";
        return false;
      }
      if (static_cast<long long>(br.count()) >= max_points) {
        br.stop = "max_points";
        return false;
      }
      return true;
    };

    Sim sim(runner);
    RunOptions first = fresh;
    for (size_t i = 0; i < n; ++i) first.ic[names[i]] = seed[i];
    long long seen = 0;  // steps inspected
    size_t rows_seen = 0;
    long long chunk = 256;
    bool going = accept(seed.data(), 0.0);
    bool is_first = true;
    while (going && seen < max_steps) {
      RunOptions run = is_first ? first : resume;
      run.N = seen + std::min(chunk, max_steps - seen);  // N counts from the fresh start
      const Results& res = sim.run(run);
      is_first = false;
      const std::vector<long long>& steps = res.step();
      const std::vector<double>& times = res.t();
      for (size_t k = rows_seen; k < res.size() && going; ++k) {
        if (steps[k] == 0) continue;  // the seed
        read_row(res, k, runner.dtype(), row);
        seen = steps[k];
        going = accept(row.data(), std::abs(times[k] - t0));
      }
      rows_seen = res.size();
      if (!going) break;
      if (res.status() == Status::NanDetected) {
        br.stop = "not_finite";
        going = false;
      } else if (res.status() != Status::Done) {
        br.stop = fmt::format("run: {}", res.message());
        going = false;
      }
      seen = res.steps();
      chunk = std::min<long long>(chunk * 2, 8192);
    }
    if (going) br.stop = "max_time";
    analysis::finish_segments(br, o, o.resample_h);
  }
  return r;
}

}  // namespace dynlib
